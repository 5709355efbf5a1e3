"""How an appointment went (services/booking_outcome.py): the coach marks a begun or
cancelled booking "cancelled late" or "no-show", and undoes it by marking it as agreed."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from scheduler.models import Booking
from scheduler.services.booking_outcome import booking_outcome_mark, booking_outcomes_open
from tests.factories import BookingFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 1, 10, tzinfo=BERLIN)
Outcome = Booking.Outcome


def test_a_begun_appointment_is_marked_a_no_show_and_back_as_agreed():
    booking = BookingFactory(start=START)
    marked = booking_outcome_mark(booking=booking, outcome=Outcome.NO_SHOW, now=START + timedelta(hours=1))
    booking.refresh_from_db()
    assert (booking.outcome, booking.outcome_marked_at) == (Outcome.NO_SHOW, START + timedelta(hours=1))
    assert marked.outcome == Outcome.NO_SHOW
    assert booking.status == Booking.Status.CONFIRMED and booking.sequence == 0  # calendars unchanged
    booking_outcome_mark(booking=booking, outcome=Outcome.NONE, now=START + timedelta(hours=2))
    booking.refresh_from_db()
    assert (booking.outcome, booking.outcome_marked_at) == (Outcome.NONE, None)


def test_a_cancelled_booking_is_marked_cancelled_late_but_not_a_no_show():
    booking = BookingFactory(start=START, status=Booking.Status.CANCELLED)
    now = START - timedelta(hours=3)  # cancelled in time for the site, too late for the coach
    booking_outcome_mark(booking=booking, outcome=Outcome.CANCELLED_LATE, now=now)
    booking.refresh_from_db()
    assert booking.outcome == Outcome.CANCELLED_LATE
    with pytest.raises(ValidationError) as caught:
        booking_outcome_mark(booking=booking, outcome=Outcome.NO_SHOW, now=now)
    assert "not as a no-show" in caught.value.messages[0]
    booking.refresh_from_db()
    assert booking.outcome == Outcome.CANCELLED_LATE


@pytest.mark.parametrize(
    "status", [Booking.Status.CONFIRMED, Booking.Status.REQUESTED, Booking.Status.DECLINED, Booking.Status.EXPIRED]
)
def test_an_appointment_still_ahead_or_never_agreed_cannot_be_marked(status):
    booking = BookingFactory(start=START, status=status)
    now = START - timedelta(minutes=1) if status == Booking.Status.CONFIRMED else START + timedelta(hours=1)
    assert booking_outcomes_open(booking=booking, now=now) == []
    with pytest.raises(ValidationError) as caught:
        booking_outcome_mark(booking=booking, outcome=Outcome.NO_SHOW, now=now)
    assert "has begun, or one that was cancelled" in caught.value.messages[0]
    booking.refresh_from_db()
    assert booking.outcome == Outcome.NONE


def test_an_unknown_outcome_is_refused():
    booking = BookingFactory(start=START)
    with pytest.raises(ValidationError):
        booking_outcome_mark(booking=booking, outcome="late", now=START + timedelta(hours=1))
