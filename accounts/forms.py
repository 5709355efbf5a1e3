"""Forms of client accounts: the sign-up (an e-mail address alone) and the stored contact
details, checked like the booking form checks them."""

from allauth.account.forms import SignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from scheduler.validators import normalize_phone, normalize_threema_id, parse_openpgp_key

from .models import ClientProfile


class ClientSignupForm(SignupForm):
    """Sign-up makes a client account without a password: the address is confirmed with a
    code, and later sign-ins use a code too. Coaches are never made here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("password1", None)
        self.fields.pop("password2", None)


class ClientProfileForm(forms.ModelForm):
    class Meta:
        model = ClientProfile
        fields = ["name", "phone", "threema_id", "whatsapp", "pgp_public_key", "language"]
        labels = {
            "name": _("Your name"),
            "phone": _("Phone number the coach should call"),
            "threema_id": _("Your Threema ID"),
            "whatsapp": _("Your WhatsApp number"),
            "pgp_public_key": _("Your OpenPGP public key"),
            "language": _("Language for messages to you"),
        }
        help_texts = {
            "phone": _("With country code, e.g. +49 170 1234567."),
            "threema_id": _("8 characters, e.g. ABCD1234."),
            "whatsapp": _("With country code, e.g. +49 170 1234567."),
            "pgp_public_key": _("Paste the whole block if you want e-mail from coaches to be encrypted."),
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "threema_id": forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
            "whatsapp": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "pgp_public_key": forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono"}),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return normalize_phone(value) if value else ""

    def clean_whatsapp(self):
        value = self.cleaned_data["whatsapp"].strip()
        return normalize_phone(value) if value else ""

    def clean_threema_id(self):
        value = self.cleaned_data["threema_id"].strip()
        return normalize_threema_id(value) if value else ""

    def clean_pgp_public_key(self):
        value = self.cleaned_data["pgp_public_key"].strip()
        return parse_openpgp_key(value).armored if value else ""
