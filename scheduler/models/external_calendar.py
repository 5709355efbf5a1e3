"""The coach's other calendars (ICS addresses, and a CalDAV calendar the bookings are
written to), the busy times imported from them and the events written."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .coach import Coach


class ExternalCalendar(models.Model):
    """Another calendar of the coach, imported periodically as busy time: an ICS address,
    or a CalDAV calendar (at most one per coach), which also receives every booking the
    coach sees (outbox rows of channel "caldav", services/caldav.py).

    `etag` and `last_modified` are the validators of the last complete answer, sent back
    as a conditional request so an unchanged feed costs no download and no parsing.
    """

    class Kind(models.TextChoices):
        ICS = "ics", _("ICS address (read only)")
        CALDAV = "caldav", _("CalDAV calendar (bookings are written to it)")

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="external_calendars")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.ICS)
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(
        _("calendar address"),
        max_length=2000,
        # URLField alone would also take ftp:// addresses; only the web is fetched.
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_(
            "The private address of the calendar in ICS format, or the CalDAV calendar's address (http or https)."
        ),
    )
    # CalDAV only: the account's user name and its (app) password, encrypted with
    # FIELD_ENCRYPTION_KEY (scheduler/field_encryption.py); never shown again, never logged.
    username = models.CharField(_("user name"), max_length=200, blank=True)
    password_encrypted = models.TextField(blank=True, editable=False)
    active = models.BooleanField(_("import"), default=True)
    etag = models.CharField(max_length=255, blank=True, editable=False)
    last_modified = models.CharField(max_length=64, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last successful import"), null=True, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("problem with the last import"), blank=True, editable=False)
    # When the feed's body was last read and expanded. Recurring events are expanded
    # over a window that moves with time, so a "not modified" answer is trusted only
    # while this expansion is recent (see services/external_calendars.py).
    parsed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("external calendar")
        verbose_name_plural = _("external calendars")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["coach"], condition=Q(kind="caldav"), name="one_caldav_calendar_per_coach")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        scheme = self.url.split(":", 1)[0].lower() if self.url and ":" in self.url else ""
        if scheme not in ("http", "https"):
            raise ValidationError({"url": _("Give an address that starts with http:// or https://.")})


class ExternalBusy(models.Model):
    """A busy interval imported from one of the coach's other calendars."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="external_busy")
    # Null for intervals that came from elsewhere (e.g. entered by hand or older imports).
    calendar = models.ForeignKey(ExternalCalendar, null=True, blank=True, on_delete=models.CASCADE, related_name="busy")
    start = models.DateTimeField()
    end = models.DateTimeField()
    source_uid = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("imported busy time")
        verbose_name_plural = _("imported busy times")
        indexes = [models.Index(fields=["coach", "start", "end"], name="external_busy_coach_span")]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="external_busy_start_before_end")
        ]

    def __str__(self):
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} UTC"


class CalendarEntry(models.Model):
    """A booking as written to the coach's CalDAV calendar: where it is (`href`) and the
    version the server last gave it (`etag`), so that a change is written with If-Match
    and a retry after a lost answer finds the event it made, instead of making a second."""

    calendar = models.ForeignKey(ExternalCalendar, on_delete=models.CASCADE, related_name="entries")
    booking = models.ForeignKey("Booking", on_delete=models.CASCADE, related_name="calendar_entries")
    href = models.CharField(max_length=2000)
    etag = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar entry")
        verbose_name_plural = _("calendar entries")
        constraints = [models.UniqueConstraint(fields=["calendar", "booking"], name="one_entry_per_calendar_booking")]

    def __str__(self):
        return self.href
