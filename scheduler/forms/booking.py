"""The form of the public booking page, and the time zones it offers. The form renders and
catches the honeypot; a booking's rules are checked by services/booking_request.py."""

import functools
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from .. import phrases
from ..models import Client
from ..models.common import Channel, time_zone_names
from ..places import map_url
from ..services.booking_request import MAX_NAME_LENGTH

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


def _shown(label, widget, help_text="") -> forms.CharField:
    """A field the form only shows: Django checks nothing here, booking_request_clean does."""
    return forms.CharField(label=label, required=False, help_text=help_text, widget=widget)


# What a browser checks before the form is sent, and the message it then shows; the server's
# validators (scheduler/validators.py) stay the truth. A phone number is only roughly checked
# here (digits, spaces, brackets, dashes): phonenumbers decides whether it exists.
THREEMA_PATTERN = "[A-Za-z0-9*][A-Za-z0-9]{7}"
PHONE_PATTERN = r"\+?[0-9][0-9 ()\/.\-]{5,}"
THREEMA_BROWSER_MESSAGE = _(
    "A Threema ID has exactly 8 characters: letters A–Z and digits (the first may be *), e.g. ABCD1234."
)
PHONE_BROWSER_MESSAGE = _(
    "This does not look like a phone number. Please include the country code, e.g. +49 170 1234567."
)


def _number(label) -> forms.CharField:
    widget = forms.TextInput(
        attrs={
            "autocomplete": "tel",
            "inputmode": "tel",
            "maxlength": 40,
            "pattern": PHONE_PATTERN,
            "data-invalid-message": PHONE_BROWSER_MESSAGE,
        }
    )
    return _shown(label, widget, help_text=_("With country code, e.g. +49 170 1234567."))


# The fields in the order booking_form.html shows them (the channel's contact fields under it).
PAGE_ORDER = (
    "start",
    "name",
    "email",
    "message",
    "channel",
    "phone",
    "threema_id",
    "whatsapp",
    "pgp_public_key",
    "language",
    "privacy_consent",
)


class BookingForm(forms.Form):
    """The booking form as the page shows it: labels, widgets, help texts and the HTML
    attributes (required, maxlength, minlength) with which a browser helps; the honeypot;
    the channel rows. Every field is optional to Django: what was posted is read by
    booking_request_parse and checked by booking_request_clean, whose errors the view puts
    at these fields, so each message is written once."""

    start = forms.CharField(widget=forms.HiddenInput, required=False)
    tz = forms.CharField(widget=forms.HiddenInput, required=False)
    name = _shown(
        _("Your name"),
        forms.TextInput(attrs={"autocomplete": "name", "required": True, "maxlength": MAX_NAME_LENGTH}),
    )
    email = _shown(
        _("Your e-mail address"),
        forms.EmailInput(
            attrs={"autocomplete": "email", "required": True, "maxlength": Client._meta.get_field("email").max_length}
        ),
        help_text=_("You receive the confirmation and the link to change or cancel your appointment here."),
    )
    channel = _shown(_("How would you like to talk?"), forms.RadioSelect(attrs={"required": True}))
    phone = _number(_("Phone number the coach should call"))
    threema_id = _shown(
        _("Your Threema ID"),
        forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "maxlength": 20,
                "inputmode": "text",
                "pattern": THREEMA_PATTERN,
                "data-invalid-message": THREEMA_BROWSER_MESSAGE,
            }
        ),
        help_text=_("8 characters, e.g. ABCD1234."),
    )
    whatsapp = _number(_("Your WhatsApp number"))
    pgp_public_key = _shown(
        _("Your OpenPGP public key (optional)"),
        forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "mono"}),
        help_text=_("Paste the whole block if you want e-mail from the coach to be encrypted."),
    )
    message = _shown(
        _("Your personal message"), forms.Textarea(attrs={"rows": 6, "required": True}), help_text=phrases.MESSAGE_WHY
    )
    language = _shown(_("Language for messages to you"), forms.Select(choices=settings.LANGUAGES))
    privacy_consent = forms.BooleanField(
        label=phrases.PRIVACY_CONSENT, required=False, widget=forms.CheckboxInput(attrs={"required": True})
    )
    # Honeypot: hidden from people by CSS; bots that fill every field give themselves away.
    website = _shown(phrases.HONEYPOT_LABEL, forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    # The form's field under each channel: its contact field, and for e-mail (whose address
    # every booking has) the optional key.
    CHANNEL_FIELDS = {
        **{channel: channel.contact_field for channel in Channel if channel.contact_field},
        Channel.EMAIL: "pgp_public_key",
    }

    def __init__(self, *args, appointment_type, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.appointment_type = appointment_type
        allowed = appointment_type.allowed_channels
        self.fields["channel"].widget.choices = [(value, label) for value, label in Channel.choices if value in allowed]
        minimum = appointment_type.coach.minimum_message_length
        message = self.fields["message"]
        message.widget.attrs["minlength"] = minimum
        # The rule and its reason up front, and the live count's words (static/js/booking.js).
        message.help_text = format_lazy(
            "{} {}",
            phrases.MESSAGE_WHY,
            ngettext("At least %(minimum)d character.", "At least %(minimum)d characters.", minimum)
            % {"minimum": minimum},
        )
        message.widget.attrs["data-count-words"] = ngettext(
            "%(count)s of %(minimum)s character", "%(count)s of %(minimum)s characters", minimum
        ) % {"count": "{count}", "minimum": minimum}
        self.fields["language"].initial = (get_language() or settings.LANGUAGE_CODE)[:2]
        for channel, field in self.CHANNEL_FIELDS.items():
            if channel not in allowed:
                del self.fields[field]

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean(self):
        if self.is_spam:
            raise forms.ValidationError(phrases.REQUEST_REJECTED)
        return super().clean()

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(the id to link to, the field's label, its first error) per field with an error, in
        the order the page shows them (booking_form.html), for the summary above the form."""
        entries = []
        for name in sorted(self.fields, key=lambda name: PAGE_ORDER.index(name) if name in PAGE_ORDER else 99):
            if name not in self.errors:
                continue
            bound = self[name]
            if name == "start":
                anchor, label = "start-choices", _("Time")
            else:
                # A radio list has no element of its own id: its first radio stands for it.
                anchor = bound.auto_id + ("_0" if name == "channel" else "")
                label = bound.label
            entries.append((anchor, label, self.errors[name][0]))
        return entries

    def channel_fields(self):
        """(radio, privacy note, bound contact field or None, (address, map link) or None)
        per channel for the template: the address is that of meeting in person."""
        address = self.appointment_type.location.strip()
        meeting = (address, map_url(address)) if address else None
        rows = []
        for radio in self["channel"]:
            value = radio.data["value"]
            field = self.CHANNEL_FIELDS.get(value)
            note = phrases.channel_privacy_note(coach=self.appointment_type.coach, channel=value)
            place = meeting if value == Channel.IN_PERSON else None
            rows.append((radio, note, self[field] if field in self.fields else None, place))
        return rows
