"""The client's booking page (/b/<token>/) says when the coach reads and answers messages
on the booking's channel next, in the page's zone, and by when a request is answered (the
zone named); the type in the client's language."""

from datetime import datetime, time

import pytest
import time_machine

from scheduler.models import Booking, ReplyWindow
from scheduler.models.common import Channel
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory
from tests.helpers import BERLIN
from tests.scheduler.pages import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

NOW = datetime(2026, 6, 2, 12, tzinfo=BERLIN)  # a Tuesday


@pytest.fixture
def booking():
    coach = CoachFactory(display_name="Anna Berg", time_zone="Europe/Berlin", channels=list(Channel.values))
    ReplyWindow.objects.create(coach=coach, weekday=2, start=time(8), end=time(9), channels=[Channel.THREEMA])
    ReplyWindow.objects.create(coach=coach, weekday=4, start=time(8), end=time(9))
    kind = AppointmentTypeFactory(coach=coach, name="Kennenlernen", name_en="Introductory talk")
    return BookingFactory(
        appointment_type=kind,
        start=datetime(2026, 6, 8, 10, tzinfo=BERLIN),
        status=Booking.Status.REQUESTED,
        respond_by=datetime(2026, 6, 5, 9, tzinfo=BERLIN),
        channel=Channel.EMAIL,
        time_zone="America/New_York",
        language="en",
    )


def page(client, booking, **params):
    with time_machine.travel(NOW, tick=False):
        return text(client.get(f"/b/{booking.token}/", params))


def test_the_page_names_the_next_reply_window_of_the_bookings_channel_in_the_clients_zone(client, booking):
    shown = page(client, booking)
    # Friday 08:00-09:00 in Berlin; Wednesday's window is Threema's only.
    assert "The next time Anna Berg reads and answers messages (E-mail): Friday, 5 June, 02:00–03:00" in shown
    assert "Wednesday, 3 June" not in shown
    assert "Introductory talk with Anna Berg" in shown and "Kennenlernen" not in shown


def test_the_requests_deadline_names_its_zone(client, booking):
    assert "answers by Friday, 5 June 2026, 03:00 (America/New_York) at the latest" in page(client, booking)
    shown = page(client, booking, tz="Europe/Berlin")
    assert "answers by Friday, 5 June 2026, 09:00 (Europe/Berlin) at the latest" in shown
    assert "Friday, 5 June, 08:00–09:00 (Europe/Berlin)" in shown


def test_without_reply_windows_the_page_says_nothing_of_them(client, booking):
    ReplyWindow.objects.filter(coach=booking.coach).delete()
    assert "reads and answers" not in page(client, booking)


def test_an_ended_booking_shows_no_reachability(client, booking):
    booking.status, booking.respond_by = Booking.Status.CANCELLED, None
    booking.save()
    assert "reads and answers" not in page(client, booking)


def test_a_german_client_reads_the_german_name(client, booking):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    booking.language = "de"
    booking.save()
    shown = page(client, booking)
    assert "Kennenlernen" in shown and "Introductory talk" not in shown
    assert "03:00 (America/New_York)" in shown  # the deadline, in any language
