"""Forms of a client's data request the coach answers: the client's address, and for an
erasure the note the client gets with each cancelled appointment and the confirmation."""

from django import forms
from django.utils.translation import gettext_lazy as _

NOTE_MAX_LENGTH = 2000


class ClientEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("The client's e-mail address"),
        help_text=_("The address they booked with. Only what you keep about it is shown."),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class ClientEraseForm(ClientEmailForm):
    note = forms.CharField(
        label=_("Note to the client with each cancelled appointment"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("Your data has been erased at your request, so this appointment is cancelled."),
    )
    confirm = forms.BooleanField(
        label=_("Yes, erase everything I keep about this address. This cannot be undone."), required=True
    )
