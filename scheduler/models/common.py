"""Shared pieces of the models: tokens, time zones, validators and choices."""

import functools
import secrets
from datetime import timedelta
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# Public URLs are /<coach-slug>/…, so a coach may not take a slug the site uses.
RESERVED_SLUGS = frozenset(
    {"admin", "accounts", "api", "b", "l", "feeds", "hooks", "static", "media", "coach", "me", "healthz", "i18n"}
)


def new_token() -> str:
    """A capability token for URLs: 192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


@functools.cache
def time_zone_names() -> frozenset[str]:
    """The IANA zone names this machine knows (from tzdata)."""
    return frozenset(available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def validate_duration_positive(value: timedelta) -> None:
    if value <= timedelta(0):
        raise ValidationError(_("Must be longer than zero."))


def validate_duration_not_negative(value: timedelta) -> None:
    if value < timedelta(0):
        raise ValidationError(_("Must not be negative."))


class Channel(models.TextChoices):
    PHONE = "phone", _("The coach calls you")
    VIDEO = "video", _("Video call")
    IN_PERSON = "in_person", _("In person")
    EMAIL = "email", _("E-mail")
    THREEMA = "threema", _("Threema")
    WHATSAPP = "whatsapp", _("WhatsApp")

    @property
    def contact_field(self) -> str:
        """The field (of a booking, a client, the booking form and the API) with the detail
        this channel reaches the client by; "" for e-mail, whose address every booking has."""
        return CONTACT_FIELDS.get(self.value, "")

    @property
    def is_conversation(self) -> bool:
        """The conversation itself happens here (a call, a video call, a meeting); the
        booking's messages go by e-mail. The other channels carry the messages too."""
        return self.value in CONVERSATION_CHANNELS


# Channels where the conversation takes place and messages go by e-mail.
CONVERSATION_CHANNELS = frozenset({"phone", "video", "in_person"})


# The one table of channel → contact field (read through Channel.contact_field).
CONTACT_FIELDS = {"phone": "phone", "threema": "threema_id", "whatsapp": "whatsapp"}
# A client's details that a booking carries and a client keeps: the contact fields and the key.
CLIENT_CONTACT_FIELDS = (*CONTACT_FIELDS.values(), "pgp_public_key")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def in_reader_language(german: str, english: str) -> str:
    """The coach's own words for whoever reads them now (the active language): the English
    version for an English reader when the coach wrote one, else the German, which every
    text of the coach has and which is the fallback."""
    if english and (translation.get_language() or "").startswith("en"):
        return english
    return german
