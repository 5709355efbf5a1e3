"""Many clients, one slot: exactly one booking, everybody else a clean "slot taken".

Runs on SQLite in `make test` (IMMEDIATE transactions) and on PostgreSQL in
`make test-services` (exclusion constraint), with real threads and connections.
"""

from collections import Counter
from datetime import date, datetime, time, timedelta

import httpx
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from scheduler.models import Booking
from scheduler.services.booking import SlotTaken, booking_create
from scheduler.services.booking_request import BookingRequest
from tests.factories import AppointmentTypeFactory, BookingFactory, ClientFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN, run_together

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 50


@pytest.fixture
def slot():
    coach = CoachFactory(slug="race", time_zone="Europe/Berlin")
    day = date.today() + timedelta(days=7)
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(12))
    kind = AppointmentTypeFactory(coach=coach, slug="talk", duration=timedelta(minutes=30))
    return kind, datetime.combine(day, time(10), tzinfo=BERLIN)


def test_fifty_simultaneous_bookings_of_one_slot(slot):
    kind, start = slot

    def attempt(index):
        request = BookingRequest(
            start=start,
            name=f"Client {index}",
            email=f"c{index}@example.org",
            channel="email",
            message="Ich möchte gern über meine Pläne für das nächste Jahr sprechen.",
            privacy_consent=True,
        )
        try:
            booking_create(appointment_type=kind, request=request)
            return "booked"
        except SlotTaken:
            return "taken"
        except Exception as exc:  # anything else is a failure of the test
            return f"error: {type(exc).__name__}: {exc}"

    outcomes = Counter(run_together(ATTEMPTS, attempt))
    assert outcomes == {"booked": 1, "taken": ATTEMPTS - 1}
    assert Booking.objects.filter(status__in=Booking.ACTIVE_STATUSES).count() == 1


def test_fifty_simultaneous_http_bookings_of_one_slot(slot, live_server, settings):
    settings.BOOKING_RATE_LIMIT = "1000/m"
    kind, start = slot
    url = f"{live_server.url}/api/coaches/{kind.coach.slug}/bookings"

    def attempt(index):
        body = {
            "type": kind.slug,
            "start": start.isoformat(),
            "name": f"Client {index}",
            "email": f"c{index}@example.org",
            "channel": "email",
            "message": "Ich möchte gern über meine Pläne für das nächste Jahr sprechen.",
            "privacy_consent": True,
        }
        return httpx.post(url, json=body, timeout=60).status_code

    statuses = Counter(run_together(ATTEMPTS, attempt))
    assert statuses == {201: 1, 409: ATTEMPTS - 1}
    assert Booking.objects.count() == 1


@pytest.mark.postgres
def test_database_itself_refuses_overlapping_active_bookings(slot):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    kind, start = slot
    BookingFactory(appointment_type=kind, start=start)
    # Bypassing the services entirely: the exclusion constraint still says no.
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        BookingFactory(appointment_type=kind, start=start + timedelta(minutes=15))
    # Back to back is fine, and so is overlapping a cancelled booking.
    BookingFactory(appointment_type=kind, start=start + timedelta(minutes=30))
    BookingFactory(appointment_type=kind, start=start - timedelta(minutes=15), status=Booking.Status.CANCELLED)


@pytest.mark.postgres
def test_an_unconfirmed_booking_holds_its_slot_in_the_database_too(slot):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    kind, start = slot
    BookingFactory(appointment_type=kind, start=start, status=Booking.Status.UNCONFIRMED)
    with pytest.raises(IntegrityError, match="booking_no_overlap"), transaction.atomic():
        BookingFactory(appointment_type=kind, start=start + timedelta(minutes=15))
    # Once expired (the hold ran out), the time is free.
    Booking.objects.filter(status=Booking.Status.UNCONFIRMED).update(status=Booking.Status.EXPIRED)
    BookingFactory(appointment_type=kind, start=start + timedelta(minutes=15))


def test_one_client_booking_many_times_at_once_gets_only_the_types_limit(slot):
    """The type's limit of open bookings per client holds under simultaneous bookings of
    different times with the same address (the client's row is locked for the count)."""
    kind, start = slot
    kind.open_bookings_limit = 1
    kind.save()
    # A known client: a new one's first insert would make the others wait by itself.
    ClientFactory(coach=kind.coach, email="eva@example.org")
    starts = [start - timedelta(minutes=30 * i) for i in range(2)] + [
        start + timedelta(minutes=30 * i) for i in (1, 2, 3)
    ]

    def attempt(index):
        request = BookingRequest(
            start=starts[index],
            name="Eva",
            email="eva@example.org",
            channel="email",
            message="Ich möchte gern über meine Pläne für das nächste Jahr sprechen.",
            privacy_consent=True,
        )
        try:
            booking_create(appointment_type=kind, request=request)
            return "booked"
        except ValidationError as exc:
            # The limit's refusal is the e-mail field's (in whatever language the thread speaks).
            return "limit" if set(getattr(exc, "error_dict", {})) == {"email"} else f"error: {exc}"
        except Exception as exc:  # anything else is a failure of the test
            return f"error: {type(exc).__name__}: {exc}"

    outcomes = Counter(run_together(len(starts), attempt))
    assert outcomes == {"booked": 1, "limit": len(starts) - 1}
    assert Booking.objects.filter(client__email="eva@example.org").count() == 1
