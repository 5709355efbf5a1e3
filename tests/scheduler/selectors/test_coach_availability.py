from datetime import date, datetime, time, timedelta

import pytest

from scheduler.models import Booking, DateOverride
from scheduler.selectors.coach_availability import (
    PREVIEW_DAYS,
    blocked_period_collisions,
    blocked_periods_upcoming,
    date_overrides_upcoming,
    slots_preview,
)
from scheduler.selectors.slots import slots_bookable
from tests.factories import (
    AppointmentTypeFactory,
    BlockedPeriodFactory,
    BookingFactory,
    CoachFactory,
    WeeklyHoursFactory,
)
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 20, 12, tzinfo=BERLIN)  # a Wednesday
DAY = date(2026, 5, 22)


def at(hour, minute=0, day=DAY):
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def test_collisions_are_the_active_bookings_in_the_span_that_have_not_begun(coach):
    kind = AppointmentTypeFactory(coach=coach, duration=timedelta(minutes=60))
    inside = BookingFactory(appointment_type=kind, start=at(10))
    requested = BookingFactory(appointment_type=kind, start=at(9), status=Booking.Status.REQUESTED)
    BookingFactory(appointment_type=kind, start=at(10, 30), status=Booking.Status.CANCELLED)
    BookingFactory(appointment_type=kind, start=at(8))  # ends when the span begins
    BookingFactory(appointment_type=kind, start=at(12))  # starts when the span ends
    BookingFactory(appointment_type=AppointmentTypeFactory(), start=at(10))  # another coach
    assert blocked_period_collisions(coach=coach, start=at(9), end=at(12), now=NOW) == [requested, inside]
    # Once an appointment has begun it is no longer a choice to make.
    assert blocked_period_collisions(coach=coach, start=at(9), end=at(12), now=at(9, 45)) == [inside]


def test_upcoming_overrides_start_today_in_the_coachs_zone(coach):
    DateOverride.objects.create(coach=coach, date=date(2026, 5, 19))
    today = DateOverride.objects.create(coach=coach, date=date(2026, 5, 20), start=time(9), end=time(10))
    later = DateOverride.objects.create(coach=coach, date=DAY)
    DateOverride.objects.create(coach=CoachFactory(), date=DAY)
    assert list(date_overrides_upcoming(coach=coach, now=NOW)) == [today, later]


def test_upcoming_blocked_periods_are_current_and_future_ones_by_start(coach):
    BlockedPeriodFactory(coach=coach, first_day=date(2026, 5, 1), last_day=date(2026, 5, 19))
    BlockedPeriodFactory(coach=coach, start=at(8, day=date(2026, 5, 20)), end=at(11, day=date(2026, 5, 20)))
    running_days = BlockedPeriodFactory(coach=coach, first_day=date(2026, 5, 18), last_day=date(2026, 5, 20))
    running_span = BlockedPeriodFactory(coach=coach, start=at(11, day=date(2026, 5, 20)), end=at(13))
    later = BlockedPeriodFactory(coach=coach, first_day=DAY, last_day=DAY)
    BlockedPeriodFactory(coach=CoachFactory(), first_day=DAY, last_day=DAY)
    assert blocked_periods_upcoming(coach=coach, now=NOW) == [running_days, running_span, later]


def test_preview_is_the_engines_slots_per_day_in_the_coachs_zone(coach):
    for weekday in range(7):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(10))
    kind = AppointmentTypeFactory(coach=coach, duration=timedelta(minutes=30), slot_step=timedelta(minutes=30))
    BlockedPeriodFactory(coach=coach, first_day=DAY, last_day=DAY)
    DateOverride.objects.create(coach=coach, date=date(2026, 5, 23), start=time(14), end=time(15))

    days = slots_preview(appointment_type=kind, now=NOW)

    assert [day for day, _ in days] == [date(2026, 5, 20) + timedelta(days=n) for n in range(PREVIEW_DAYS)]
    starts = {day: [slot.start.astimezone(BERLIN).time() for slot in slots] for day, slots in days}
    assert starts[date(2026, 5, 20)] == []  # 09:00-10:00 has passed at noon
    assert starts[date(2026, 5, 21)] == [time(9), time(9, 30)]
    assert starts[DAY] == []
    assert starts[date(2026, 5, 23)] == [time(14), time(14, 30)]
    engine = slots_bookable(
        appointment_type=kind, range_start=at(0, day=date(2026, 5, 20)), range_end=at(0, day=date(2026, 6, 3)), now=NOW
    )
    assert [slot for _, slots in days for slot in slots] == engine
