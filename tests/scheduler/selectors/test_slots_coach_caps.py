"""availability_inputs / slots_bookable with the coach-wide caps: the starts of all the coach's
types, read in the same one statement as everything else."""

from datetime import time, timedelta

import pytest

from scheduler.models import Booking
from scheduler.selectors.slots import availability_inputs, slots_bookable
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN
from tests.scheduler.selectors.test_slots import MONDAY, NOW, berlin

pytestmark = pytest.mark.django_db

HOUR = timedelta(minutes=60)


def two_types(**coach_caps):
    """The hour-long "talk" and "coaching" of a Berlin coach with `coach_caps`, bookable Monday
    to Friday 09:00–17:00: a day has room for more than the caps."""
    coach = CoachFactory(time_zone="Europe/Berlin", **coach_caps)
    for weekday in range(5):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(17))
    return [
        AppointmentTypeFactory(coach=coach, slug=slug, duration=HOUR, slot_step=HOUR) for slug in ("talk", "coaching")
    ]


def open_days(kind, first=MONDAY, days=5):
    result = slots_bookable(
        appointment_type=kind,
        range_start=berlin(first, 0),
        range_end=berlin(first + timedelta(days=days), 0),
        now=NOW,
    )
    return sorted({slot.start.astimezone(BERLIN).date() for slot in result})


WEEK = [MONDAY + timedelta(days=i) for i in range(5)]


def test_one_query_with_coach_wide_caps_and_several_types(django_assert_num_queries):
    talk, coaching = two_types(daily_cap=20, weekly_cap=80)
    for day in range(10):
        BookingFactory(appointment_type=talk, start=berlin(MONDAY + timedelta(days=day), 9))
        BookingFactory(appointment_type=coaching, start=berlin(MONDAY + timedelta(days=day), 10))
    with django_assert_num_queries(1):
        inputs = availability_inputs(
            appointment_type=talk, range_start=berlin(MONDAY, 0), range_end=berlin(MONDAY, 0) + 7 * 24 * HOUR, now=NOW
        )
    assert berlin(MONDAY, 9) in inputs["booked_starts"]
    assert berlin(MONDAY, 10) not in inputs["booked_starts"]
    assert {berlin(MONDAY, 9), berlin(MONDAY, 10)} <= set(inputs["coach_booked_starts"])


def test_the_coach_wide_starts_are_the_active_bookings_of_every_type_of_this_coach_only():
    talk, coaching = two_types(daily_cap=5)
    BookingFactory(appointment_type=talk, start=berlin(MONDAY, 9))
    BookingFactory(appointment_type=coaching, start=berlin(MONDAY, 10), status=Booking.Status.REQUESTED)
    BookingFactory(appointment_type=coaching, start=berlin(MONDAY, 11), status=Booking.Status.UNCONFIRMED)
    for status in (Booking.Status.CANCELLED, Booking.Status.DECLINED, Booking.Status.EXPIRED):
        BookingFactory(appointment_type=coaching, start=berlin(MONDAY + timedelta(days=1), 9), status=status)
    BookingFactory(start=berlin(MONDAY, 11))  # another coach's
    moved = BookingFactory(appointment_type=coaching, start=berlin(MONDAY + timedelta(days=2), 9))
    inputs = availability_inputs(
        appointment_type=talk,
        range_start=berlin(MONDAY, 0),
        range_end=berlin(MONDAY + timedelta(days=5), 0),
        now=NOW,
        exclude_booking=moved,
    )
    assert inputs["booked_starts"] == [berlin(MONDAY, 9)]
    assert sorted(inputs["coach_booked_starts"]) == [berlin(MONDAY, 9), berlin(MONDAY, 10), berlin(MONDAY, 11)]
    assert (inputs["rules"].coach_daily_cap, inputs["rules"].coach_weekly_cap) == (5, None)


def test_without_caps_no_starts_are_read():
    talk, coaching = two_types()
    BookingFactory(appointment_type=talk, start=berlin(MONDAY, 9))
    inputs = availability_inputs(
        appointment_type=talk, range_start=berlin(MONDAY, 0), range_end=berlin(MONDAY, 23), now=NOW
    )
    assert inputs["booked_starts"] == [] and inputs["coach_booked_starts"] == []


def test_a_coach_wide_daily_cap_of_two_closes_the_day_for_every_type():
    talk, coaching = two_types(daily_cap=2)
    BookingFactory(appointment_type=talk, start=berlin(MONDAY, 9))
    assert open_days(talk) == open_days(coaching) == WEEK
    BookingFactory(appointment_type=coaching, start=berlin(MONDAY, 10))
    assert open_days(talk) == open_days(coaching) == WEEK[1:]


def test_a_coach_wide_weekly_cap_closes_the_week_for_every_type():
    talk, coaching = two_types(weekly_cap=2)
    BookingFactory(appointment_type=talk, start=berlin(MONDAY, 9))
    BookingFactory(appointment_type=coaching, start=berlin(MONDAY + timedelta(days=3), 10))
    # Asking only for Friday still counts Monday's and Thursday's bookings of that week.
    assert open_days(talk, first=WEEK[4], days=1) == open_days(coaching, first=WEEK[4], days=1) == []
    next_monday = MONDAY + timedelta(days=7)
    assert (
        open_days(talk, first=next_monday)
        == open_days(coaching, first=next_monday)
        == [next_monday + timedelta(days=i) for i in range(5)]
    )


def test_the_types_own_cap_still_counts_only_its_own_bookings():
    talk, coaching = two_types(daily_cap=3)
    talk.daily_cap = 1
    talk.save()
    BookingFactory(appointment_type=talk, start=berlin(MONDAY, 9))
    assert open_days(talk) == WEEK[1:]
    assert open_days(coaching) == WEEK
    BookingFactory(appointment_type=coaching, start=berlin(MONDAY, 10))
    assert open_days(coaching) == WEEK  # two of the coach's three on Monday
    BookingFactory(appointment_type=coaching, start=berlin(MONDAY, 11))
    assert open_days(coaching) == open_days(talk) == WEEK[1:]
