"""Forms of the public booking pages. They check only what a form can know (required
fields, formats, the honeypot); the booking rules are checked by `services.booking_create`."""

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .. import phrases
from ..models.common import Channel, time_zone_names
from ..services.booking import BookingRequest
from ..timebounds import instant_in_bounds

# Offered first in the time zone list; the rest follows alphabetically.
COMMON_ZONES = (
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Warsaw",
    "Europe/Prague",
    "Europe/Stockholm",
    "Europe/Helsinki",
    "Europe/Athens",
    "Europe/Istanbul",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Buenos_Aires",
    "UTC",
)


@functools.cache
def time_zone_groups() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Common zones, then every Area/City zone (no "localtime", "EST5EDT" and the like)."""
    names = time_zone_names()
    common = tuple(zone for zone in COMMON_ZONES if zone in names)
    return common, tuple(sorted(name for name in names - set(common) if "/" in name and not name.startswith("Etc/")))


def zone_or_default(value: str | None, default: str) -> tuple[ZoneInfo, str | None]:
    """The zone named `value`, or `default` with a notice when `value` is given but unknown."""
    if value and value in time_zone_names():
        return ZoneInfo(value), None
    notice = phrases.UNKNOWN_TIME_ZONE % {"tz": value, "zone": default} if value else None
    return ZoneInfo(default), notice


def parse_start(value: str | None) -> datetime | None:
    """An aware datetime from ISO 8601 with offset, or None. A "+" that became a space in
    a hand-made query string is put back."""
    value = (value or "").strip()
    for candidate in (value, value[:-6] + "+" + value[-5:] if value[-6:-5] == " " else None):
        if not candidate:
            continue
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if parsed.tzinfo is not None and parsed.utcoffset() is not None:
            # In UTC and within the years anything can be booked in (scheduler/timebounds.py).
            return instant_in_bounds(parsed)
    return None


class BookingForm(forms.Form):
    start = forms.CharField(widget=forms.HiddenInput)
    tz = forms.CharField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        error_messages={"required": _("Please tell us your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,  # the column's length (Client.email); EmailField alone allows 320
        help_text=_("You receive the confirmation and the link to change or cancel your appointment here."),
        error_messages={
            "required": _("Please enter your e-mail address."),
            "invalid": _("Please enter a valid e-mail address, e.g. name@example.org."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    channel = forms.ChoiceField(
        label=_("How would you like to talk?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose one of the offered ways to talk.")},
    )
    phone = forms.CharField(
        label=_("Phone number the coach should call"),
        required=False,
        max_length=40,
        help_text=_("With country code, e.g. +49 170 1234567."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    threema_id = forms.CharField(
        label=_("Your Threema ID"),
        required=False,
        max_length=20,
        help_text=_("8 characters, e.g. ABCD1234."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    whatsapp = forms.CharField(
        label=_("Your WhatsApp number"),
        required=False,
        max_length=40,
        help_text=_("With country code, e.g. +49 170 1234567."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    pgp_public_key = forms.CharField(
        label=_("Your OpenPGP public key (optional)"),
        required=False,
        help_text=_("Paste the whole block if you want e-mail from the coach to be encrypted."),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono"}),
    )
    message = forms.CharField(
        label=_("Your personal message"),
        help_text=phrases.MESSAGE_WHY,
        error_messages={"required": phrases.MESSAGE_WHY},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    language = forms.ChoiceField(label=_("Language for messages to you"), choices=settings.LANGUAGES)
    privacy_consent = forms.BooleanField(
        label=phrases.PRIVACY_CONSENT,
        error_messages={"required": _("Please agree so that your booking can be stored.")},
    )
    # Honeypot: hidden from people by CSS; bots that fill every field give themselves away.
    website = forms.CharField(
        label=phrases.HONEYPOT_LABEL,
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    # Contact field of each channel (the e-mail channel uses the address above).
    CHANNEL_FIELDS = {
        Channel.PHONE: "phone",
        Channel.THREEMA: "threema_id",
        Channel.WHATSAPP: "whatsapp",
        Channel.EMAIL: "pgp_public_key",
    }

    def __init__(self, *args, appointment_type, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.appointment_type = appointment_type
        allowed = appointment_type.allowed_channels
        self.fields["channel"].choices = [(value, label) for value, label in Channel.choices if value in allowed]
        minimum = appointment_type.coach.minimum_message_length
        self.fields["message"].widget.attrs["minlength"] = minimum
        self.fields["language"].initial = (get_language() or settings.LANGUAGE_CODE)[:2]
        for channel, field in self.CHANNEL_FIELDS.items():
            if channel not in allowed:
                del self.fields[field]

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean_start(self):
        start = parse_start(self.cleaned_data["start"])
        if start is None:
            raise forms.ValidationError(_("Please choose one of the times shown."))
        return start

    def clean_tz(self):
        value = self.cleaned_data["tz"]
        return value if value in time_zone_names() else self.appointment_type.coach.time_zone

    def clean(self):
        if self.is_spam:
            raise forms.ValidationError(phrases.REQUEST_REJECTED)
        return super().clean()

    def channel_fields(self):
        """(channel value, label, privacy note, bound contact field or None) for the template."""
        rows = []
        for radio in self["channel"]:
            value = radio.data["value"]
            field = self.CHANNEL_FIELDS.get(value)
            note = phrases.channel_privacy_note(coach=self.appointment_type.coach, channel=value)
            rows.append((radio, note, self[field] if field in self.fields else None))
        return rows

    def typed_request(self) -> BookingRequest:
        """What was typed, unchecked: lets the service report every field's problem at once
        even when the form's own checks already failed."""

        def typed(name):
            return self.data.get(name, "") if name in self.fields else ""

        return BookingRequest(
            start=parse_start(self.data.get("start")),
            name=typed("name"),
            email=typed("email"),
            channel=typed("channel"),
            message=typed("message"),
            phone=typed("phone"),
            threema_id=typed("threema_id"),
            whatsapp=typed("whatsapp"),
            pgp_public_key=typed("pgp_public_key"),
        )

    def booking_request(self) -> BookingRequest:
        data = self.cleaned_data
        return BookingRequest(
            start=data["start"],
            name=data["name"],
            email=data["email"],
            channel=data["channel"],
            message=data["message"],
            phone=data.get("phone", ""),
            threema_id=data.get("threema_id", ""),
            whatsapp=data.get("whatsapp", ""),
            pgp_public_key=data.get("pgp_public_key", ""),
            language=data["language"],
            time_zone=data["tz"],
            privacy_consent=data["privacy_consent"],
        )
