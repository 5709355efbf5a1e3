"""Writes of the coach's availability: weekly hours, date overrides and blocked periods.

A blocked period over active bookings is never saved behind the coach's back: the
coach sees those bookings first and decides to keep them or to cancel them, and
clients are told through their channel (`booking_cancel`)."""

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
from ..models import AppointmentType, BlockedPeriod, Booking, Coach, DateOverride, WeeklyHours
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
        availability_changed()  # bulk writes send no signal
    return rows


def _window_label(start: time, end: time) -> str:
    return f"{time_format(start, 'H:i')}–{time_format(end, 'H:i')}"


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
