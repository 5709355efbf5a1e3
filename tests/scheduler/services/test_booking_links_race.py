"""One link, many simultaneous bookings at different free times: exactly one is made and
spends the link, every other is refused as "used" (on SQLite by the IMMEDIATE transaction,
on PostgreSQL by the link's row lock), with real threads and connections."""

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest

from scheduler.models import Booking, BookingLink
from scheduler.services.booking import booking_create
from scheduler.services.booking_links import BookingLinkClosed, booking_link_create
from scheduler.services.booking_request import BookingRequest
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN, run_together

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 12


def test_simultaneous_bookings_through_one_link_spend_it_once():
    coach = CoachFactory(slug="race", time_zone="Europe/Berlin")
    day = date.today() + timedelta(days=7)
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(8), end=time(20))
    kind = AppointmentTypeFactory(
        coach=coach, slug="talk", duration=timedelta(minutes=30), slot_step=timedelta(minutes=30)
    )
    link = booking_link_create(coach=coach, appointment_type=kind)
    starts = [datetime.combine(day, time(8), tzinfo=BERLIN) + timedelta(minutes=30 * i) for i in range(ATTEMPTS)]

    def attempt(index):
        request = BookingRequest(
            start=starts[index],
            name=f"Client {index}",
            email=f"c{index}@example.org",
            channel="email",
            message="Ich möchte gern über meine Pläne für das nächste Jahr sprechen.",
            privacy_consent=True,
        )
        try:
            booking_create(appointment_type=kind, request=request, link=BookingLink.objects.get(pk=link.pk))
            return "booked"
        except BookingLinkClosed:
            return "used"
        except Exception as exc:  # anything else is a failure of the test
            return f"error: {type(exc).__name__}: {exc}"

    outcomes = Counter(run_together(ATTEMPTS, attempt))
    assert outcomes == {"booked": 1, "used": ATTEMPTS - 1}
    (booking,) = Booking.objects.all()
    assert BookingLink.objects.get(pk=link.pk).booking == booking
