"""Forms of the coach's follow-ups: a booking link, a session the coach books for a client,
and up to three times the coach proposes. They only read what is typed; the rules (own types
and clients, dates in order, each time bookable) are services/booking_links.py's and
services/booking.py's."""

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models.booking_link import MAX_PROPOSED_TIMES
from ..phrases import CHANNEL_LABELS_FOR_COACH
from ..timebounds import validate_in_bounds

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOTE_MAX_LENGTH = 2000


class BookingLinkForm(forms.Form):
    appointment_type = forms.ModelChoiceField(
        label=_("Appointment type"),
        queryset=None,
        required=False,
        empty_label=_("Any of your listed types"),
        help_text=_("An unlisted type can be booked only through a link like this one."),
    )
    client = forms.ModelChoiceField(
        label=_("For a client"),
        queryset=None,
        required=False,
        empty_label=_("Nobody in particular"),
        help_text=_("Their name and address are filled in; a booking with that address needs no approval."),
    )
    note = forms.CharField(label=_("For whom (only you see this)"), max_length=120, required=False)
    valid_from = forms.DateField(
        label=_("Bookable from"), required=False, widget=DATE_WIDGET, validators=[validate_in_bounds]
    )
    valid_until = forms.DateField(
        label=_("Bookable until"), required=False, widget=DATE_WIDGET, validators=[validate_in_bounds]
    )

    def __init__(self, *args, coach, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = coach.appointment_types.filter(active=True)
        self.fields["appointment_type"].label_from_instance = lambda t: (
            t.name if t.listed else f"{t.name} ({_('unlisted')})"
        )
        self.fields["client"].queryset = coach.clients.order_by("name")
        self.fields["client"].label_from_instance = lambda c: f"{c.name} <{c.email}>"


def _channel_choices(channels: list[tuple[str, tuple[str, str]]]) -> list[tuple[str, str]]:
    """(channel, "Threema (ABCD1234)") for each channel the client used."""
    return [(channel, f"{CHANNEL_LABELS_FOR_COACH[channel]} ({recipient})") for channel, (_c, recipient) in channels]


class CoachBookingForm(forms.Form):
    """The coach books the chosen time (`start`, from the picker) for a client."""

    start = forms.CharField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Channel"), widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Your note on the booking"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown with the booking, as a client's message is."),
    )

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = _channel_choices(channels)
        if channels:
            self.fields["channel"].initial = channels[0][0]


class ProposalForm(forms.Form):
    """Up to MAX_PROPOSED_TIMES times in the coach's zone (datetime-local fields)."""

    channel = forms.ChoiceField(label=_("Send through"), widget=forms.RadioSelect)
    note = forms.CharField(label=_("For whom (only you see this)"), max_length=120, required=False)

    def __init__(self, *args, channels, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["channel"].choices = _channel_choices(channels)
        if channels:
            self.fields["channel"].initial = channels[0][0]
        for number in range(1, MAX_PROPOSED_TIMES + 1):
            self.fields[f"start_{number}"] = forms.DateTimeField(
                label=_("Time %(number)d") % {"number": number},
                required=number == 1,
                input_formats=["%Y-%m-%dT%H:%M"],
                validators=[validate_in_bounds],
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            )

    def starts(self) -> list[datetime]:
        """The times given, as aware instants in the coach's zone."""
        given = [self.cleaned_data.get(f"start_{n}") for n in range(1, MAX_PROPOSED_TIMES + 1)]
        return [value.replace(tzinfo=None).replace(tzinfo=self.zone) for value in given if value]
