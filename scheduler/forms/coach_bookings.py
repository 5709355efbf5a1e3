"""Forms of the coach's bookings pages: the list's filters, the note that goes with
a decline or a cancellation, and how an appointment went."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Booking
from ..phrases import CHANNEL_LABELS_FOR_COACH

NOTE_MAX_LENGTH = 2000


class BookingFilterForm(forms.Form):
    """The bookings list's filters, read from GET parameters; unknown values are errors
    at their field, and the list falls back to the default."""

    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("upcoming", _("Upcoming")),
            ("past", _("Past")),
            ("cancelled", _("Cancelled, declined or expired")),
            ("requested", _("Requests")),
        ],
        error_messages={"invalid_choice": _("Choose one of the offered lists.")},
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *CHANNEL_LABELS_FOR_COACH.items()],
        error_messages={"invalid_choice": _("Choose one of the offered channels.")},
    )

    def filters(self) -> dict:
        """The valid filters, with the default for a missing or invalid value."""
        self.is_valid()  # an invalid field keeps its error and is left out of cleaned_data
        return {"show": self.cleaned_data.get("show") or "upcoming", "channel": self.cleaned_data.get("channel", "")}


class BookingNoteForm(forms.Form):
    """The optional note to the client when the coach declines or cancels."""

    note = forms.CharField(
        label=_("A note to the client (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("It is part of the message the client receives."),
        error_messages={"max_length": _("Please keep the note to at most %(limit_value)d characters.")},
    )


class BookingOutcomeForm(forms.Form):
    """How an appointment went, where not as agreed; `choices` are the outcomes the booking
    may have now (services.booking_outcome.booking_outcomes_open)."""

    outcome = forms.ChoiceField(
        label=_("Mark this booking as"),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the offered outcomes.")},
    )

    def __init__(self, *args, choices: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Booking.Outcome.choices)
        self.fields["outcome"].choices = [(value, labels[value]) for value in choices]
