"""Reads of the coach's availability editor: the coach's own hours, overrides, blocked
periods, the bookings a blocked period would cover, and the preview of bookable slots."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet

from ..models import AppointmentType, BlockedPeriod, Booking, Coach, DateOverride, WeeklyHours
from ..slot_engine import Interval
from .slots import slots_bookable

PREVIEW_DAYS = 14


def weekly_hours_of(*, coach: Coach) -> QuerySet[WeeklyHours]:
    return coach.weekly_hours.prefetch_related("appointment_types").order_by("weekday", "start")


def appointment_types_of(*, coach: Coach) -> QuerySet[AppointmentType]:
    """All of the coach's types, bookable or not (weekly hours may name either)."""
    return coach.appointment_types.all()


def date_overrides_upcoming(*, coach: Coach, now: datetime) -> QuerySet[DateOverride]:
    """Overrides from today (in the coach's zone) on, by date and time."""
    today = now.astimezone(coach.zone).date()
    return coach.date_overrides.filter(date__gte=today).order_by("date", "start")


def blocked_periods_upcoming(*, coach: Coach, now: datetime) -> list[BlockedPeriod]:
    """Blocked periods that have not ended, current ones first."""
    zone = coach.zone
    today = now.astimezone(zone).date()
    periods = coach.blocked_periods.filter(Q(last_day__gte=today) | Q(end__gt=now))
    return sorted(periods, key=lambda period: period.span(zone))


def blocked_period_collisions(*, coach: Coach, start: datetime, end: datetime, now: datetime) -> list[Booking]:
    """The coach's requested and confirmed bookings that overlap [start, end) and have not
    begun yet (a begun appointment can be neither moved nor cancelled), by start."""
    return list(
        Booking.objects.filter(
            coach=coach, status__in=Booking.VISIBLE_ACTIVE_STATUSES, start__lt=end, end__gt=start, start__gt=now
        )
        .select_related("client", "appointment_type")
        .order_by("start")
    )


def slots_preview(*, appointment_type: AppointmentType, now: datetime) -> list[tuple[date, list[Interval]]]:
    """The bookable slots of the next PREVIEW_DAYS days (today included) as the engine
    offers them to clients, per day in the coach's zone; days without slots included."""
    zone = appointment_type.coach.zone
    today = now.astimezone(zone).date()
    days = [today + timedelta(days=offset) for offset in range(PREVIEW_DAYS)]
    range_start = datetime.combine(today, time(0), tzinfo=zone)
    range_end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=zone)
    slots = slots_bookable(appointment_type=appointment_type, range_start=range_start, range_end=range_end, now=now)
    by_day: dict[date, list[Interval]] = {day: [] for day in days}
    for slot in slots:
        by_day[slot.start.astimezone(zone).date()].append(slot)
    return list(by_day.items())
