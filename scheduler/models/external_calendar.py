"""The coach's other calendars (ICS addresses) and the busy times imported from them."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .coach import Coach


class ExternalCalendar(models.Model):
    """Another calendar of the coach (an ICS address), imported periodically as busy time.

    `etag` and `last_modified` are the validators of the last complete answer, sent back
    as a conditional request so an unchanged feed costs no download and no parsing.
    """

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="external_calendars")
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(
        _("calendar address (ICS)"),
        max_length=2000,
        # URLField alone would also take ftp:// addresses; only the web is fetched.
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("The private address of the calendar in ICS format (http or https)."),
    )
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
