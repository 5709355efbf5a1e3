"""Forms of a client's data request the coach answers: the client's address, and for an
erasure the note the client gets with each cancelled appointment and the confirmation."""

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .coach_bookings import BookingNoteForm

ERASE_NOTE = _("Your data has been erased at your request, so this appointment is cancelled.")


class ClientEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("The client's e-mail address"),
        help_text=_("The address they booked with. Only what you keep about it is shown."),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class ClientEraseForm(ClientEmailForm, BookingNoteForm):
    """The address, the coach's note with each cancellation (as when the coach cancels one)
    and the confirmation."""

    confirm = forms.BooleanField(
        label=_("Yes, erase everything I keep about this address. This cannot be undone."), required=True
    )

    def __init__(self, *args, language: str | None = None, **kwargs):
        """`language`: the one the coach addresses clients in (with du or Sie), for the note."""
        super().__init__(*args, **kwargs)
        with translation.override(language or translation.get_language()):
            self.fields["note"].initial = str(ERASE_NOTE)
