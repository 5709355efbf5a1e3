"""A client's history with one coach (selectors/client_history.py)."""

from datetime import datetime, timedelta

import pytest

from scheduler.models import Booking
from scheduler.selectors.client_history import client_history
from tests.factories import BookingFactory, ClientFactory, CoachFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 1, 10, tzinfo=BERLIN)


def test_the_history_counts_late_cancellations_and_no_shows_newest_first():
    client = ClientFactory(email="eva@example.org")
    coach = client.coach
    first = BookingFactory(coach=coach, appointment_type__coach=coach, client=client, start=START, outcome="no_show")
    second = BookingFactory(
        coach=coach,
        appointment_type__coach=coach,
        client=client,
        start=START + timedelta(days=7),
        status=Booking.Status.CANCELLED,
        outcome="cancelled_late",
    )
    third = BookingFactory(coach=coach, appointment_type__coach=coach, client=client, start=START + timedelta(days=14))
    BookingFactory(
        coach=coach,
        appointment_type__coach=coach,
        client=client,
        start=START + timedelta(days=21),
        status="unconfirmed",
    )
    history = client_history(coach=coach, client=client)
    assert history.bookings == [third, second, first]  # not the one whose address is unconfirmed
    assert (history.total, history.late_cancellations, history.no_shows) == (3, 1, 1)


def test_another_coachs_client_of_the_same_address_is_not_in_it():
    client = ClientFactory(email="eva@example.org")
    elsewhere = ClientFactory(coach=CoachFactory(), email="eva@example.org")
    BookingFactory(
        coach=elsewhere.coach, appointment_type__coach=elsewhere.coach, client=elsewhere, start=START, outcome="no_show"
    )
    assert client_history(coach=client.coach, client=client).total == 0
    # Asked about the other coach's client, a coach reads nothing either.
    assert client_history(coach=client.coach, client=elsewhere).bookings == []
