"""Where the conversation happens (scheduler/places.py): a Jitsi Meet room of its own per
video booking, linked only inside a confirmed booking, with a JWT per participant for a
self-hosted Jitsi; an address with an OpenStreetMap link for meeting in person."""

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import time_machine

from scheduler.models import Booking
from scheduler.models.common import Channel
from scheduler.places import JWT_MARGIN, booking_place, map_url, video_room_new, video_url
from tests.factories import AppointmentTypeFactory, BookingFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 8, 10, tzinfo=BERLIN)
SECRET = "a-test-secret-of-the-jitsi-server-0123456789"
# The claims read whenever the test runs (their times are checked on their own).
ANY_TIME = {"verify_nbf": False, "verify_exp": False}


@pytest.fixture
def jitsi(settings):
    """A self-hosted Jitsi that checks tokens."""
    settings.JITSI_URL = "https://meet.example.org/"
    settings.JITSI_APP_ID = "sprechzeit"
    settings.JITSI_APP_SECRET = SECRET
    return settings


def video_booking(status=Booking.Status.CONFIRMED, **fields):
    kind = AppointmentTypeFactory(duration=timedelta(minutes=45))
    values = {"client_name": "Eva Muster", "video_room": video_room_new(), **fields}
    return BookingFactory(appointment_type=kind, start=START, status=status, channel=Channel.VIDEO, **values)


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["jwt"][0]


def test_a_room_name_has_at_least_128_random_bits_and_is_never_the_same():
    names = {video_room_new() for _ in range(2000)}
    assert len(names) == 2000
    for name in names:
        # Lower-case hex (Jitsi may lower-case a room's name): 4 bits a character.
        assert re.fullmatch(r"[0-9a-f]+", name)
        assert len(name) * 4 >= 128


def test_the_link_of_a_confirmed_video_booking_is_its_room_on_the_configured_jitsi(settings):
    settings.JITSI_URL = "https://meet.jit.si"
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = ""
    booking = video_booking()
    assert video_url(booking) == f"https://meet.jit.si/{booking.video_room}"
    # Without token authentication the coach's link is the same room.
    assert video_url(booking, for_coach=True) == video_url(booking)


@pytest.mark.parametrize(
    "status",
    [
        Booking.Status.UNCONFIRMED,
        Booking.Status.REQUESTED,
        Booking.Status.DECLINED,
        Booking.Status.CANCELLED,
        Booking.Status.EXPIRED,
    ],
)
def test_there_is_no_link_before_the_booking_is_confirmed_or_after_it_ended(status, jitsi):
    booking = video_booking(status=status)
    assert video_url(booking) == "" and video_url(booking, for_coach=True) == ""
    assert booking_place(booking) == booking_place(booking, for_coach=True)
    assert booking_place(booking).url == "" and booking_place(booking).location == ""


def test_a_booking_on_another_channel_or_without_a_room_has_no_link(jitsi):
    assert video_url(video_booking(video_room="")) == ""
    kind = AppointmentTypeFactory()
    phone = BookingFactory(appointment_type=kind, start=START, channel=Channel.PHONE, video_room=video_room_new())
    assert video_url(phone) == ""
    assert booking_place(phone).url == "" and booking_place(phone).location == ""


def test_each_participant_gets_a_token_signed_with_the_secret_for_this_room_and_time(jitsi):
    booking = video_booking()
    client_url, coach_url = video_url(booking), video_url(booking, for_coach=True)
    assert client_url.startswith(f"https://meet.example.org/{booking.video_room}?jwt=")
    assert coach_url.startswith(f"https://meet.example.org/{booking.video_room}?jwt=")

    client_claims = jwt.decode(token_of(client_url), SECRET, algorithms=["HS256"], audience="jitsi", options=ANY_TIME)
    assert client_claims["iss"] == "sprechzeit"
    assert client_claims["sub"] == "meet.example.org"
    assert client_claims["room"] == booking.video_room
    assert client_claims["nbf"] == int((booking.start - JWT_MARGIN).timestamp())
    assert client_claims["exp"] == int((booking.end + JWT_MARGIN).timestamp())
    assert booking.end - booking.start == timedelta(minutes=45)
    assert client_claims["context"]["user"] == {"name": "Eva Muster", "moderator": False}

    coach_claims = jwt.decode(token_of(coach_url), SECRET, algorithms=["HS256"], audience="jitsi", options=ANY_TIME)
    assert coach_claims["room"] == booking.video_room
    assert coach_claims["context"]["user"] == {"name": booking.coach.display_name, "moderator": True}


@pytest.mark.parametrize(
    ("moment", "refused"),
    [
        (START - JWT_MARGIN - timedelta(minutes=1), jwt.ImmatureSignatureError),
        (START - JWT_MARGIN + timedelta(minutes=1), None),
        (START + timedelta(minutes=45) + JWT_MARGIN - timedelta(minutes=1), None),
        (START + timedelta(minutes=45) + JWT_MARGIN + timedelta(minutes=1), jwt.ExpiredSignatureError),
    ],
)
def test_a_token_is_valid_from_an_hour_before_to_an_hour_after_the_appointment(jitsi, moment, refused):
    token = token_of(video_url(video_booking()))
    with time_machine.travel(moment, tick=False):  # PyJWT checks nbf and exp against the clock
        if refused is None:
            assert jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi")["aud"] == "jitsi"
        else:
            with pytest.raises(refused):
                jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi")


def test_a_token_checked_with_another_secret_is_refused(jitsi):
    token = token_of(video_url(video_booking()))
    with time_machine.travel(START, tick=False), pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another secret of at least thirty-two bytes", algorithms=["HS256"], audience="jitsi")


def test_two_bookings_have_two_rooms_and_each_token_names_its_own(jitsi):
    first, second = video_booking(), video_booking()
    assert first.video_room != second.video_room
    with time_machine.travel(START, tick=False):
        for booking in (first, second):
            claims = jwt.decode(token_of(video_url(booking)), SECRET, algorithms=["HS256"], audience="jitsi")
            assert claims["room"] == booking.video_room


def test_in_person_is_the_types_address_with_an_openstreetmap_search():
    kind = AppointmentTypeFactory(location="  Musterstraße 1, 10115 Berlin ")
    booking = BookingFactory(appointment_type=kind, start=START, channel=Channel.IN_PERSON)
    place = booking_place(booking)
    assert place.channel == Channel.IN_PERSON and not place.is_video
    assert place.location == "Musterstraße 1, 10115 Berlin"
    assert place.url == map_url("Musterstraße 1, 10115 Berlin")
    parts = urlsplit(place.url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.openstreetmap.org", "/search")
    assert parse_qs(parts.query) == {"query": ["Musterstraße 1, 10115 Berlin"]}


def test_in_person_without_an_address_has_neither_address_nor_link():
    kind = AppointmentTypeFactory(location="")
    booking = BookingFactory(appointment_type=kind, start=START, channel=Channel.IN_PERSON)
    assert booking_place(booking).location == "" and booking_place(booking).url == ""
