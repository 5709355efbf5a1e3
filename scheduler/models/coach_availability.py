"""When the coach is reachable: weekly hours (bookable), reply windows (when the coach
reads and answers), date overrides and blocked periods (multi-day engagements, holidays)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .coach import AppointmentType, Coach
from .common import Channel, Weekday, in_reader_language


class WeeklyWindow(models.Model):
    """A recurring window on one weekday, in the coach's local time: the shape weekly hours
    and reply windows share."""

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        abstract = True
        ordering = ["weekday", "start"]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": _("The end must be after the start.")})


class WeeklyHours(WeeklyWindow):
    """Bookable hours on one weekday (for every type, or only for some)."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="weekly_hours")
    appointment_types = models.ManyToManyField(
        AppointmentType,
        blank=True,
        related_name="weekly_hours",
        verbose_name=_("only for these types"),
        help_text=_("Leave empty for all types."),
    )

    class Meta(WeeklyWindow.Meta):
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="weekly_hours_start_before_end")
        ]


# The channels a reply window can be for: those that carry messages. A call, a video call
# and a meeting happen at the booked time, and their messages go by e-mail.
REPLY_CHANNELS = tuple(value for value in Channel.values if value not in ("video", "in_person"))


class ReplyWindow(WeeklyWindow):
    """A weekly time, in the coach's zone, when the coach reads and answers messages and
    requests. Not bookable: it is the coach's promise of when they are reachable. Without
    channels it holds for every channel; with some, only for messages on those."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="reply_windows")
    channels = models.JSONField(_("only for these channels"), default=list, blank=True)

    class Meta(WeeklyWindow.Meta):
        verbose_name = _("reply window")
        verbose_name_plural = _("reply windows")
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="reply_window_start_before_end")
        ]

    def clean(self):
        super().clean()
        if not isinstance(self.channels, list) or not set(self.channels) <= set(REPLY_CHANNELS):
            raise ValidationError({"channels": _("Choose channels from the list, or none for all.")})
        self.channels = [value for value in REPLY_CHANNELS if value in self.channels]


class DateOverride(models.Model):
    """One date with its own hours: its rows replace the weekly hours of that date.

    A row without times closes the date.
    """

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="date_overrides")
    date = models.DateField(_("date"))
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("date override")
        verbose_name_plural = _("date overrides")
        ordering = ["date", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True) | Q(start__lt=models.F("end")),
                name="date_override_closed_or_window",
            )
        ]

    def __str__(self):
        if self.start is None:
            return f"{self.date}: {_('closed')}"
        return f"{self.date} {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def closed(self) -> bool:
        return self.start is None

    def clean(self):
        if (self.start is None) != (self.end is None):
            raise ValidationError(_("Give both times for a window, or neither to close the date."))
        if self.start is not None and self.start >= self.end:
            raise ValidationError({"end": _("The end must be after the start.")})


class BlockedPeriod(models.Model):
    """Time the coach is not reachable: a seminar, a multi-day engagement, a holiday.

    Either whole days (`first_day`..`last_day`, inclusive, in the coach's zone) or
    an exact span (`start`..`end`).
    """

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="blocked_periods")
    title = models.CharField(_("title"), max_length=200)
    # What clients may read about it ("Seminar in Wien"); without one they read "away".
    # The title stays the coach's own.
    public_note = models.CharField(_("public note (German)"), max_length=200, blank=True)
    public_note_en = models.CharField(_("public note (English)"), max_length=200, blank=True)
    first_day = models.DateField(_("first day"), null=True, blank=True)
    last_day = models.DateField(_("last day"), null=True, blank=True)
    start = models.DateTimeField(_("from"), null=True, blank=True)
    end = models.DateTimeField(_("until"), null=True, blank=True)
    # Feeds compare it to tell calendar apps whether anything changed.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("blocked period")
        verbose_name_plural = _("blocked periods")
        ordering = ["first_day", "start"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        first_day__isnull=False,
                        last_day__gte=models.F("first_day"),
                        start__isnull=True,
                        end__isnull=True,
                    )
                    | Q(first_day__isnull=True, last_day__isnull=True, start__lt=models.F("end"))
                ),
                name="blocked_period_days_or_span",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def local_note(self) -> str:
        return in_reader_language(self.public_note, self.public_note_en)

    @property
    def all_day(self) -> bool:
        return self.first_day is not None

    def span(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The blocked time as aware instants; whole days run midnight to midnight in `zone`."""
        if self.all_day:
            start = datetime.combine(self.first_day, time(0), tzinfo=zone)
            end = datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=zone)
            return start, end
        return self.start, self.end

    def clean(self):
        days = self.first_day is not None or self.last_day is not None
        times = self.start is not None or self.end is not None
        if days == times:
            raise ValidationError(_("Give either the first and last day, or a start and end time."))
        if days:
            if self.first_day is None or self.last_day is None:
                raise ValidationError(_("Give both the first and the last day."))
            if self.last_day < self.first_day:
                raise ValidationError({"last_day": _("The last day cannot be before the first day.")})
        else:
            if self.start is None or self.end is None:
                raise ValidationError(_("Give both a start and an end time."))
            if self.end <= self.start:
                raise ValidationError({"end": _("The end must be after the start.")})
