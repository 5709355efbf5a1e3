"""The coach and what they offer: the appointment types, and the coach's channels,
notes and privacy notice."""

import hashlib
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..validators import normalize_phone, normalize_threema_id
from .common import (
    RESERVED_SLUGS,
    Channel,
    in_reader_language,
    new_token,
    validate_duration_not_negative,
    validate_duration_positive,
    validate_time_zone,
)

# An origin as a browser sends it: https (or http, for local test pages), a host, a port.
EMBED_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?")


def default_reminders() -> list[int]:
    """A day and an hour before the appointment."""
    return [24 * 60, 60]


def default_channels() -> list[str]:
    """Every way to talk but meeting in person, which needs the address of a type."""
    return [value for value in Channel.values if value != Channel.IN_PERSON]


# The languages a coach writes channel notes in ("de-du" clients read the German ones).
NOTE_LANGUAGES = ("de", "en")
MAX_NOTE_LENGTH = 300

# The workspace creates types at /coach/types/new/, so no type may be called "new".
# …and /<coach>/privacy/ is the coach's privacy notice.
RESERVED_TYPE_SLUGS = RESERVED_SLUGS | {"new", "privacy"}

# The privacy notice of a coach who has not written their own.
DEFAULT_PRIVACY_NOTICE = _(
    "%(coach)s stores the details you give when you book — your name, your e-mail address, the contact detail "
    "for the way you chose to talk, your personal message and, if you give one, your OpenPGP key — only to "
    "arrange and hold your appointment.\n\n"
    "Messages about your appointment reach you the way you chose: by e-mail (encrypted if you give your OpenPGP "
    "key), by Threema or by WhatsApp. The providers of these services see that a message was sent; WhatsApp "
    "shares such metadata with Meta.\n\n"
    "Nothing is passed on for advertising. The details of a past appointment are kept for %(retention)s; then "
    "your name, contact details and message are removed.\n\n"
    "You can cancel or move your appointment with the link in your confirmation. With an account you can see, "
    "download and delete your data at any time; otherwise ask %(coach)s. You have the right to access, correct "
    "and delete your data, to restrict its processing and to complain to a data protection authority."
)


class Coach(models.Model):
    class AddressForm(models.TextChoices):
        FORMAL = "sie", _("formal (Sie)")
        INFORMAL = "du", _("informal (du)")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach")
    slug = models.SlugField(
        _("address of the booking page"),
        max_length=60,
        unique=True,
        error_messages={"unique": _("This address is taken; please choose another one.")},
    )
    display_name = models.CharField(_("name shown to clients"), max_length=120)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="de")
    address_form = models.CharField(
        _("German form of address"), max_length=3, choices=AddressForm, default=AddressForm.FORMAL
    )
    # The coach's own words exist in German (the fallback) and, optionally, English: read
    # them through the local_* properties, which pick the reader's language.
    policy = models.TextField(_("contact policy (German)"), blank=True)
    policy_en = models.TextField(_("contact policy (English)"), blank=True)
    # The reply windows themselves are ReplyWindow rows; this is what the coach adds to them.
    reply_note = models.CharField(
        _("note on your reply windows (German)"),
        max_length=200,
        blank=True,
        help_text=_("Shown beside your reply windows, e.g. “Urgent matters: please book a short call.”"),
    )
    reply_note_en = models.CharField(_("note on your reply windows (English)"), max_length=200, blank=True)
    minimum_message_length = models.PositiveSmallIntegerField(
        _("minimum length of the personal message"), default=30, validators=[MinValueValidator(1)]
    )
    # Someone who writes to the coach's Threema ID or WhatsApp number outside a booking gets
    # the policy, the next reply window and the booking link: once per sender in this many days.
    contact_answer_days = models.PositiveSmallIntegerField(
        _("answer a message outside a booking automatically at most once per sender every (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    busy_feed_enabled = models.BooleanField(_("publish a busy-only calendar feed"), default=False)
    feed_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    channels = models.JSONField(_("ways to talk you offer"), default=default_channels)
    # Revealed to a client only inside a confirmed booking on that channel (contact_revealed_in).
    threema_id = models.CharField(_("your Threema ID"), max_length=8, blank=True)
    whatsapp_number = models.CharField(_("your WhatsApp business number"), max_length=32, blank=True)
    # The coach's own OpenPGP key: e-mails to the coach that carry a client's message or
    # contact details are encrypted to it.
    pgp_public_key = models.TextField(_("your OpenPGP public key"), blank=True)
    # {"de": {"threema": "…"}, "en": {…}}: the coach's own privacy note per language and
    # channel; a missing one means the default (phrases.channel_privacy_note).
    channel_notes = models.JSONField(_("privacy notes of the channels"), default=dict, blank=True)
    privacy_text = models.TextField(
        _("privacy notice"),
        blank=True,
        help_text=_("Shown on your privacy page; clients agree to it when they book. Empty: the standard text."),
    )
    # Websites that may show the booking pages in a frame (embed.js), one origin per line;
    # empty: any website may.
    embed_origins = models.TextField(
        _("websites that may show your booking pages"),
        blank=True,
        help_text=_("One address per line, e.g. https://www.example.com. Leave empty to allow any website."),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("keep the details of past bookings for (months)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    # Beside each type's own caps: the slot engine offers a slot only if both allow it.
    daily_cap = models.PositiveSmallIntegerField(
        _("at most per day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Appointments of all your types together. Empty: no limit."),
    )
    weekly_cap = models.PositiveSmallIntegerField(
        _("at most per week"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Appointments of all your types together, Monday to Sunday. Empty: no limit."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coach")
        verbose_name_plural = _("coaches")

    def __str__(self):
        return self.display_name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def local_policy(self) -> str:
        return in_reader_language(self.policy, self.policy_en)

    @property
    def local_reply_note(self) -> str:
        return in_reader_language(self.reply_note, self.reply_note_en)

    def language_for_clients(self, language: str) -> str:
        """The language to address this coach's clients in: German becomes "de-du" when
        the coach says du; that catalog holds the informal wording and falls back to de."""
        if language.startswith("de") and self.address_form == self.AddressForm.INFORMAL:
            return "de-du"
        return language

    def privacy_notice(self) -> str:
        """The notice clients agree to when they book: the coach's own text, else the
        standard one in the active language."""
        if self.privacy_text.strip():
            return self.privacy_text.strip()
        retention = ngettext("%(count)d month", "%(count)d months", self.retention_months) % {
            "count": self.retention_months
        }
        return str(DEFAULT_PRIVACY_NOTICE) % {"coach": self.display_name, "retention": retention}

    def privacy_version(self) -> str:
        """Names the exact notice text a client agreed to (the start of its SHA-256); stored
        with each booking's consent."""
        return hashlib.sha256(self.privacy_notice().encode()).hexdigest()[:12]

    def contact_revealed_in(self, booking) -> str:
        """The coach's own Threema ID or WhatsApp number as shown to the client of `booking`:
        only once it is confirmed, and only for that channel. Nowhere else."""
        if booking.status != booking.Status.CONFIRMED:
            return ""
        return {Channel.THREEMA: self.threema_id, Channel.WHATSAPP: self.whatsapp_number}.get(booking.channel, "")

    @property
    def embed_origin_list(self) -> list[str]:
        """The origins (scheme://host[:port]) that may frame the public pages; [] allows any."""
        return [line.strip().rstrip("/").lower() for line in self.embed_origins.splitlines() if line.strip()]

    def clean(self):
        errors = {}
        bad_origins = [origin for origin in self.embed_origin_list if not EMBED_ORIGIN.fullmatch(origin)]
        if bad_origins:
            errors["embed_origins"] = ValidationError(
                _("Give whole website addresses such as https://www.example.com, one per line: %(bad)s"),
                params={"bad": ", ".join(bad_origins)},
            )
        else:
            self.embed_origins = "\n".join(self.embed_origin_list)
        if self.slug in RESERVED_SLUGS:
            errors["slug"] = _("This address is reserved; please choose another one.")
        if not self.channels or not set(self.channels) <= set(Channel.values):
            errors["channels"] = _("Offer at least one way to talk.")
        else:
            self.channels = [value for value in Channel.values if value in self.channels]
        try:
            self.threema_id = normalize_threema_id(self.threema_id) if self.threema_id else ""
        except ValidationError as exc:
            errors["threema_id"] = exc.messages
        try:
            self.whatsapp_number = normalize_phone(self.whatsapp_number) if self.whatsapp_number else ""
        except ValidationError as exc:
            errors["whatsapp_number"] = exc.messages
        if not _valid_notes(self.channel_notes):
            errors["channel_notes"] = ValidationError(
                _("Give each note as text of at most %(max)s characters."), params={"max": MAX_NOTE_LENGTH}
            )
        if self.daily_cap and self.weekly_cap and self.weekly_cap < self.daily_cap:
            errors["weekly_cap"] = _("The weekly limit cannot be lower than the daily limit.")
        if errors:
            raise ValidationError(errors)


def _valid_notes(notes) -> bool:
    if not isinstance(notes, dict) or not set(notes) <= set(NOTE_LANGUAGES):
        return False
    return all(
        isinstance(by_channel, dict)
        and set(by_channel) <= set(Channel.values)
        and all(isinstance(note, str) and 0 < len(note) <= MAX_NOTE_LENGTH for note in by_channel.values())
        for by_channel in notes.values()
    )


class AppointmentType(models.Model):
    class Approval(models.TextChoices):
        NEVER = "never", _("never")
        NEW_CLIENTS = "new_clients", _("for a new client's first booking")
        ALWAYS = "always", _("always")

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="appointment_types")
    slug = models.SlugField(_("address"), max_length=60)
    name = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    duration = models.DurationField(_("duration"), validators=[validate_duration_positive])
    buffer_before = models.DurationField(
        _("buffer before"), default=timedelta(0), validators=[validate_duration_not_negative]
    )
    buffer_after = models.DurationField(
        _("buffer after"), default=timedelta(0), validators=[validate_duration_not_negative]
    )
    minimum_notice = models.DurationField(
        _("minimum notice"), default=timedelta(hours=2), validators=[validate_duration_not_negative]
    )
    horizon = models.DurationField(
        _("bookable how far ahead"), default=timedelta(days=180), validators=[validate_duration_positive]
    )
    slot_step = models.DurationField(
        _("a slot starts every"), default=timedelta(minutes=15), validators=[validate_duration_positive]
    )
    daily_cap = models.PositiveSmallIntegerField(
        _("at most per day"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    weekly_cap = models.PositiveSmallIntegerField(
        _("at most per week"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    approval = models.CharField(
        _("needs the coach's approval"), max_length=12, choices=Approval, default=Approval.NEVER
    )
    # A request is answered by the end of the coach's first reply window; that window must
    # end at least this long before the appointment, so the client can still plan.
    answer_lead = models.DurationField(
        _("answer requests at least this long before the appointment"),
        default=timedelta(hours=12),
        validators=[validate_duration_not_negative],
    )

    class AddressConfirmation(models.TextChoices):
        REQUESTS = "requests", _("for requests (bookings that need your approval)")
        ALWAYS = "always", _("for every booking")
        NEVER = "never", _("never")

    allowed_channels = models.JSONField(_("channels"), default=list)
    # Where a client who chose to meet in person comes to (shown with a map link).
    location = models.CharField(
        _("address for meeting in person"),
        max_length=300,
        blank=True,
        help_text=_("Street, number, postcode and town, e.g. “Musterstraße 1, 10115 Berlin”."),
    )
    # Double opt-in: the booking waits, unconfirmed, until the client follows the link sent
    # through their channel; only then does a request reach the coach.
    address_confirmation = models.CharField(
        _("the client confirms their address before the booking reaches you"),
        max_length=8,
        choices=AddressConfirmation,
        default=AddressConfirmation.REQUESTS,
    )
    reminders = models.JSONField(
        _("reminders (minutes before)"),
        default=default_reminders,
        blank=True,
        help_text=_("When clients are reminded, in minutes before the appointment, e.g. [1440, 60]."),
    )
    active = models.BooleanField(_("bookable"), default=True)
    # An unlisted type is bookable only through a booking link the coach gives (follow-ups
    # for existing clients); the public page and the public API never show it.
    listed = models.BooleanField(_("shown on your public page"), default=True)
    # How long before the appointment a client may still cancel or move it online; later,
    # the booking's page says how and when the coach can be reached instead. None: until it begins.
    change_notice = models.DurationField(
        _("clients may cancel or move online until this long before"),
        null=True,
        blank=True,
        validators=[validate_duration_not_negative],
    )
    open_bookings_limit = models.PositiveSmallIntegerField(
        _("at most this many open future bookings per client"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["coach", "slug"], name="unique_type_slug_per_coach")]

    def __str__(self):
        return self.name

    @property
    def local_name(self) -> str:
        return in_reader_language(self.name, self.name_en)

    @property
    def local_description(self) -> str:
        return in_reader_language(self.description, self.description_en)

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    def clean(self):
        errors = {}
        if self.slug in RESERVED_TYPE_SLUGS:
            errors["slug"] = _("This address is reserved; please choose another one.")
        unknown = set(self.allowed_channels or []) - set(Channel.values)
        if not self.allowed_channels or unknown:
            errors["allowed_channels"] = _("Choose at least one of: phone, video, in_person, email, threema, whatsapp.")
        elif self.coach_id is not None and not set(self.allowed_channels) <= set(self.coach.channels):
            errors["allowed_channels"] = _("Offer a way to talk in your settings before a type can use it.")
        elif Channel.IN_PERSON in self.allowed_channels and not self.location.strip():
            errors["location"] = _("Give the address where you meet clients in person.")
        if not all(isinstance(m, int) and 0 < m <= 60 * 24 * 30 for m in self.reminders or []):
            errors["reminders"] = _("Give minutes before the appointment, e.g. [1440, 60].")
        if self.daily_cap and self.weekly_cap and self.weekly_cap < self.daily_cap:
            errors["weekly_cap"] = _("The weekly limit cannot be lower than the daily limit.")
        if errors:
            raise ValidationError(errors)
