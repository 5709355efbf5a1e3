"""Writes of the coach's availability: weekly hours, reply windows, date overrides and
blocked periods.

A blocked period over active bookings is never saved behind the coach's back: the
coach sees those bookings first and decides to keep them or to cancel them, and
clients are told through their channel (`booking_cancel`)."""

import copy
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import combinations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from ..cache_versions import availability_changed
from ..models import AppointmentType, BlockedPeriod, Booking, Coach, DateOverride, ReplyWindow, WeeklyHours
from ..models.common import Weekday
from ..selectors.coach_availability import blocked_period_collisions
from .booking import booking_cancel


@dataclass(frozen=True)
class HoursWindow:
    """One window of the weekly hours; without appointment types it serves every type."""

    weekday: int
    start: time
    end: time
    appointment_types: frozenset[AppointmentType] = field(default_factory=frozenset)


def _times_overlap(a_start: time, a_end: time, b_start: time, b_end: time) -> bool:
    # Half-open like the engine: back-to-back windows do not overlap.
    return a_start < b_end and b_start < a_end


def weekly_hours_overlapping(windows: Sequence[HoursWindow]) -> list[tuple[int, int]]:
    """Index pairs (i, j), i < j, of windows on one weekday whose times overlap and that
    serve a type in common. Windows for different types may overlap: each type sees its own."""
    return [
        (i, j)
        for (i, a), (j, b) in combinations(enumerate(windows), 2)
        if a.weekday == b.weekday
        and _times_overlap(a.start, a.end, b.start, b.end)
        and (not a.appointment_types or not b.appointment_types or a.appointment_types & b.appointment_types)
    ]


def weekly_hours_replace(*, coach: Coach, windows: Sequence[HoursWindow]) -> list[WeeklyHours]:
    """Replace all of the coach's weekly hours with `windows`, all or nothing.

    Raises ValidationError for a window that ends before it starts, windows that
    overlap (see weekly_hours_overlapping) or another coach's appointment type.
    """
    rows = [WeeklyHours(coach=coach, weekday=w.weekday, start=w.start, end=w.end) for w in windows]
    for row in rows:
        row.full_clean(exclude=["coach"])
    if any(t.coach_id != coach.pk for w in windows for t in w.appointment_types):
        raise ValidationError(_("Choose among your own appointment types."))
    if weekly_hours_overlapping(windows):
        raise ValidationError(_("Windows on the same day overlap."))
    through = WeeklyHours.appointment_types.through
    with transaction.atomic():
        coach.weekly_hours.all().delete()
        rows = WeeklyHours.objects.bulk_create(rows)
        through.objects.bulk_create(
            through(weeklyhours_id=row.pk, appointmenttype_id=appointment_type.pk)
            for row, window in zip(rows, windows, strict=True)
            for appointment_type in window.appointment_types
        )
        availability_changed(coach.pk)  # bulk writes send no signal
    return rows


def _window_label(start: time, end: time) -> str:
    return f"{time_format(start, 'H:i')}–{time_format(end, 'H:i')}"


def _reply_windows_share_a_channel(a: Collection[str], b: Collection[str]) -> bool:
    # No channels named: the window holds for every channel.
    return not a or not b or bool(set(a) & set(b))


def _reply_window_save(window: ReplyWindow) -> ReplyWindow:
    """Check `window` (the model's clean(): times, known channels), that it names only
    channels the coach offers and overlaps none of the coach's other windows for a channel
    in common; then save it. Raises ValidationError per field."""
    window.full_clean(exclude=["coach"])
    coach = window.coach
    if not set(window.channels) <= set(coach.channels):
        raise ValidationError(
            {"channels": _("Choose among the ways to talk you offer (in your settings), or none for all.")}
        )
    with transaction.atomic():
        others = coach.reply_windows.select_for_update().filter(weekday=window.weekday).exclude(pk=window.pk)
        for other in others:
            if _times_overlap(window.start, window.end, other.start, other.end) and _reply_windows_share_a_channel(
                window.channels, other.channels
            ):
                raise ValidationError(
                    {
                        "start": _("This overlaps your reply window %(day)s %(window)s.")
                        % {"day": Weekday(other.weekday).label, "window": _window_label(other.start, other.end)}
                    }
                )
        window.save()
        # Reply windows decide which requests can be answered in time, so which slots a type offers.
        availability_changed(window.coach_id)
    return window


def reply_window_create(
    *, coach: Coach, weekday: int, start: time, end: time, channels: Collection[str] = ()
) -> ReplyWindow:
    """A weekly reply window in the coach's zone: when the coach reads and answers, on
    `channels` (none: every channel). Not bookable. Raises ValidationError per field."""
    return _reply_window_save(ReplyWindow(coach=coach, weekday=weekday, start=start, end=end, channels=list(channels)))


def reply_window_update(
    *, window: ReplyWindow, weekday: int, start: time, end: time, channels: Collection[str] = ()
) -> ReplyWindow:
    """Change a reply window (on a copy: the caller's stays as it was when the change is
    refused). Raises ValidationError per field."""
    changed = copy.copy(window)
    changed.weekday, changed.start, changed.end, changed.channels = weekday, start, end, list(channels)
    return _reply_window_save(changed)


def reply_window_delete(*, window: ReplyWindow) -> None:
    window.delete()
    availability_changed(window.coach_id)


def date_override_create(
    *, coach: Coach, day: date, start: time | None, end: time | None, now: datetime | None = None
) -> DateOverride:
    """Give `day` its own hours (a window from `start` to `end`), or close it (no times).

    The rows of one date replace its weekly hours, so a closed date takes no windows and
    a date with windows cannot be closed on top of them (delete them first): nothing is
    replaced silently. Raises ValidationError per field.
    """
    now = now or timezone.now()
    override = DateOverride(coach=coach, date=day, start=start, end=end)
    override.full_clean(exclude=["coach"])
    if day < now.astimezone(coach.zone).date():
        raise ValidationError({"date": _("Choose today or a later date.")})
    with transaction.atomic():
        existing = list(coach.date_overrides.select_for_update().filter(date=day))
        if any(row.closed for row in existing):
            raise ValidationError({"date": _("You have closed this day already. Delete that first to give it hours.")})
        if existing and override.closed:
            raise ValidationError(
                {"date": _("This day has its own hours already. Delete them first to close the day.")}
            )
        for row in existing:
            if _times_overlap(start, end, row.start, row.end):
                raise ValidationError(
                    {
                        "start": _("This overlaps your hours %(window)s on this day.")
                        % {"window": _window_label(row.start, row.end)}
                    }
                )
        override.save()
    return override


def date_override_delete(*, override: DateOverride) -> None:
    override.delete()


class BlockedPeriodCollides(Exception):
    """Active bookings lie in the period; the coach has to decide about them first."""

    def __init__(self, bookings: list[Booking]):
        super().__init__(f"{len(bookings)} active booking(s) in the period")
        self.bookings = bookings


def blocked_period_save(
    *,
    coach: Coach,
    period: BlockedPeriod | None,
    title: str,
    public_note: str = "",
    public_note_en: str = "",
    first_day: date | None = None,
    last_day: date | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    decided: Collection[int] = (),
    cancel_bookings: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> BlockedPeriod:
    """Create (`period` None) or change a blocked period: whole days or an exact span.
    The `title` is the coach's own; clients read the public note (German, English) or,
    without one, that the coach is away.

    The coach decides about the active bookings in the period that have not begun:
    `decided` holds the ids of those the coach was shown; they are kept, or cancelled
    with `note` to the clients when `cancel_bookings`. Any booking in the period the
    coach was not shown raises BlockedPeriodCollides with every booking in the period,
    and nothing is saved. The period and the cancellations are one transaction.
    Raises ValidationError per field for bad times.
    """
    now = now or timezone.now()
    period = period or BlockedPeriod(coach=coach)
    period.title = title.strip()
    period.public_note, period.public_note_en = public_note.strip(), public_note_en.strip()
    period.first_day, period.last_day, period.start, period.end = first_day, last_day, start, end
    period.full_clean(exclude=["coach"])
    span_start, span_end = period.span(coach.zone)
    with transaction.atomic():
        collisions = blocked_period_collisions(coach=coach, start=span_start, end=span_end, now=now)
        if any(booking.pk not in decided for booking in collisions):
            raise BlockedPeriodCollides(collisions)
        period.save()
        if cancel_bookings:
            for booking in collisions:
                booking_cancel(booking=booking, note=note, now=now, by_coach=True)
    return period


def blocked_period_delete(*, period: BlockedPeriod) -> None:
    period.delete()
