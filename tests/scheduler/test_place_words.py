"""The sentences that say where a booking's conversation happens (scheduler/place_words.py):
the video link only inside a confirmed booking, that it is still to come while the booking
waits, nothing once it is over; the address with its map link."""

from datetime import datetime

import pytest

from scheduler.models import Booking
from scheduler.place_words import place_line
from scheduler.places import map_url, video_room_new
from tests.factories import AppointmentTypeFactory, BookingFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 8, 10, tzinfo=BERLIN)
Status = Booking.Status


@pytest.fixture(autouse=True)
def public_jitsi(settings):
    settings.JITSI_URL = "https://meet.jit.si"
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = ""


def booking_on(channel, status=Status.CONFIRMED, location="Musterstraße 1, 10115 Berlin", **fields):
    kind = AppointmentTypeFactory(location=location)
    return BookingFactory(appointment_type=kind, start=START, channel=channel, status=status, **fields)


@pytest.mark.parametrize(
    ("status", "client_line", "coach_line"),
    [
        (Status.CONFIRMED, "Video call: https://meet.jit.si/{room}", "Video call: https://meet.jit.si/{room}"),
        (
            Status.UNCONFIRMED,
            "Video call: the link comes with the confirmation of your appointment.",
            "Video call: the link appears once you confirm the request.",
        ),
        (
            Status.REQUESTED,
            "Video call: the link comes with the confirmation of your appointment.",
            "Video call: the link appears once you confirm the request.",
        ),
        (Status.DECLINED, "", ""),
        (Status.CANCELLED, "", ""),
        (Status.EXPIRED, "", ""),
    ],
)
def test_the_video_line_follows_the_bookings_status(status, client_line, coach_line):
    room = video_room_new()
    booking = booking_on("video", status=status, video_room=room)
    assert place_line(booking) == client_line.format(room=room)
    assert place_line(booking, for_coach=True) == coach_line.format(room=room)


def test_in_person_names_the_address_and_its_map_whatever_the_status():
    for status in (Status.REQUESTED, Status.CONFIRMED):
        booking = booking_on("in_person", status=status)
        expected = f"In person: Musterstraße 1, 10115 Berlin (map: {map_url('Musterstraße 1, 10115 Berlin')})"
        assert place_line(booking) == expected and place_line(booking, for_coach=True) == expected


def test_no_line_for_a_call_a_chat_or_a_meeting_without_an_address():
    assert place_line(booking_on("phone", phone="+491701234567")) == ""
    assert place_line(booking_on("email")) == ""
    assert place_line(booking_on("threema", threema_id="ABCD1234")) == ""
    assert place_line(booking_on("in_person", location="")) == ""
