"""The booking service refuses a booking over the coach-wide daily or weekly cap (all types
together), as it refuses one over a type's own cap: the slot is taken (SlotTaken, HTTP 409)."""

from datetime import time, timedelta

import pytest

from scheduler.services.booking import SlotTaken, booking_create, booking_reschedule
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.scheduler.services.test_booking import MONDAY, NOW, at, request_for

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + timedelta(days=1)
NEXT_MONDAY = MONDAY + timedelta(days=7)


def two_types(**coach_caps):
    """The half-hour "talk" and "coaching" of a Berlin coach with `coach_caps`, bookable
    Monday and Tuesday 09:00–12:00."""
    coach = CoachFactory(time_zone="Europe/Berlin", minimum_message_length=30, **coach_caps)
    for weekday in (0, 1):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(12))
    half_hour = {"duration": timedelta(minutes=30), "slot_step": timedelta(minutes=30)}
    return [AppointmentTypeFactory(coach=coach, slug=slug, **half_hour) for slug in ("talk", "coaching")]


def book(kind, start, email):
    return booking_create(appointment_type=kind, request=request_for(start=start, email=email), now=NOW)


def test_a_third_booking_on_a_day_with_a_coach_wide_cap_of_two_is_taken_for_either_type():
    talk, coaching = two_types(daily_cap=2)
    book(talk, at(9), "a@example.org")
    book(coaching, at(10), "b@example.org")
    for kind in (talk, coaching):
        with pytest.raises(SlotTaken):
            book(kind, at(11), "c@example.org")
    assert book(talk, at(11, day=TUESDAY), "c@example.org").start == at(11, day=TUESDAY)


def test_a_booking_over_the_coach_wide_weekly_cap_is_taken_and_next_week_is_free():
    talk, coaching = two_types(weekly_cap=2)
    book(talk, at(9), "a@example.org")
    book(coaching, at(9, day=TUESDAY), "b@example.org")
    with pytest.raises(SlotTaken):
        book(talk, at(10, day=TUESDAY), "c@example.org")
    assert book(coaching, at(9, day=NEXT_MONDAY), "c@example.org").start == at(9, day=NEXT_MONDAY)


def test_moving_a_booking_within_a_full_day_is_allowed_onto_a_full_day_not():
    talk, coaching = two_types(daily_cap=2)
    first = book(talk, at(9), "a@example.org")
    book(coaching, at(10), "b@example.org")
    tuesday = book(coaching, at(9, day=TUESDAY), "c@example.org")
    # Its own old time is left out of the count: the day stays at two.
    assert booking_reschedule(booking=first, start=at(11), now=NOW).start == at(11)
    with pytest.raises(SlotTaken):
        booking_reschedule(booking=tuesday, start=at(9, 30), now=NOW)


def test_the_types_own_cap_still_refuses_beside_a_higher_coach_wide_cap():
    talk, coaching = two_types(daily_cap=3)
    talk.daily_cap = 1
    talk.save()
    book(talk, at(9), "a@example.org")
    with pytest.raises(SlotTaken):
        book(talk, at(10), "b@example.org")
    book(coaching, at(10), "b@example.org")
    book(coaching, at(11), "c@example.org")
    with pytest.raises(SlotTaken):
        book(coaching, at(11, 30), "d@example.org")
