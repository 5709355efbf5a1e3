"""The client's calendars (scheduler/ics.py): the booking's .ics, the e-mail's invitation,
the export and the feed, each in its booking's language whoever asks for it (formal Sie or
informal du as the coach addresses clients), and with the place: the address and its map,
or the video call's link (LOCATION, URL, RFC 7986 CONFERENCE) once the booking is confirmed.
Parsed with icalendar and, where it matters, a second parser (vobject)."""

from datetime import datetime, time, timedelta

import jwt
import pytest
import vobject
from django.utils import translation
from icalendar import Calendar

from scheduler import ics
from scheduler.models import Booking
from scheduler.models.common import Channel
from scheduler.places import map_url, video_room_new
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

ADDRESS = "Musterstraße 1, 10115 Berlin"
START = datetime.combine(datetime.now(BERLIN).date() + timedelta(days=7), time(10), tzinfo=BERLIN)


def booking_of(*, informal=False, **fields):
    coach = CoachFactory(
        display_name="Anna Berg", address_form="du" if informal else "sie", user__email="anna@example.org"
    )
    kind = AppointmentTypeFactory(coach=coach, name="Kennenlernen", name_en="Introductory talk", location=ADDRESS)
    return BookingFactory(appointment_type=kind, start=START, **{"channel": Channel.PHONE, **fields})


def events(data: bytes) -> list:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def unfolded(data: bytes) -> bytes:
    """The file's content lines whole again (RFC 5545 folds lines longer than 75 octets)."""
    return data.replace(b"\r\n ", b"")


def only_event(data: bytes):
    (event,) = events(data)
    return event


# Each way a client's calendar leaves the site, for one booking.
BUILDERS = {
    "event.ics": lambda booking: ics.booking_calendar(booking),
    "invitation": lambda booking: ics.booking_invitation(booking, method="REQUEST"),
    "cancellation": lambda booking: ics.booking_invitation(booking, method="CANCEL"),
    "export": lambda booking: ics.client_calendar([booking]),
    "feed": lambda booking: ics.client_feed(bookings=[booking], zone_name="Europe/Berlin", language="en"),
}

# (booking's language, the coach says du, the caller's other language, the title, the
# description's lines but the page's address)
LANGUAGES = {
    "en": (
        "en",
        False,
        "de",
        "Introductory talk with Anna Berg",
        ["Channel: The coach calls you", "Manage or cancel:"],
    ),
    "de": (
        "de",
        False,
        "en",
        "Kennenlernen mit Anna Berg",
        ["Kontaktweg: Der Coach ruft Sie an", "Ändern oder absagen:"],
    ),
    "de-du": (
        "de",
        True,
        "en",
        "Kennenlernen mit Anna Berg",
        ["Kontaktweg: Der Coach ruft dich an", "Ändern oder absagen:"],
    ),
}


@pytest.mark.parametrize("builder", list(BUILDERS))
@pytest.mark.parametrize("case", list(LANGUAGES))
def test_every_client_calendar_is_in_the_bookings_language_whatever_the_callers(case, builder):
    language, informal, callers, title, lines = LANGUAGES[case]
    booking = booking_of(informal=informal, language=language)
    with translation.override(callers):
        event = only_event(BUILDERS[builder](booking))
        assert translation.get_language() == callers  # and the caller's language is left as it was
    assert event["summary"] == title
    description = str(event["description"])
    assert description.splitlines() == [lines[0], f"{lines[1]} {ics.booking_manage_url(booking)}"]


def test_an_english_booking_in_a_german_request_no_longer_reads_german():
    """The fault the issue reports: "Coaching mit Demo Coach" and "Kontaktweg" for an English client."""
    booking = booking_of(language="en")
    with translation.override("de"):
        data = ics.booking_calendar(booking) + ics.booking_invitation(booking, method="REQUEST")
    data = unfolded(data)
    assert b"Kennenlernen" not in data and b"Kontaktweg" not in data and b" mit " not in data


def test_a_feed_names_each_booking_in_its_language_and_itself_in_the_clients():
    english = booking_of(language="en")
    german = BookingFactory(
        appointment_type=english.appointment_type, start=START + timedelta(hours=1), language="de", channel="email"
    )
    with translation.override("en"):
        data = ics.client_feed(bookings=[english, german], zone_name="Europe/Berlin", language="de")
    calendar = Calendar.from_ical(data)
    assert calendar["x-wr-calname"] == "Sprechzeit: Ihre Termine"
    summaries = {str(event["uid"]): str(event["summary"]) for event in calendar.walk("VEVENT")}
    assert summaries == {
        ics.booking_uid(english): "Introductory talk with Anna Berg",
        ics.booking_uid(german): "Kennenlernen mit Anna Berg",
    }
    with translation.override("de"):
        du = ics.client_feed(bookings=[], zone_name="UTC", language="de-du")
    assert Calendar.from_ical(du)["x-wr-calname"] == "Sprechzeit: deine Termine"


def test_an_in_person_booking_has_the_address_and_its_map():
    booking = booking_of(language="en", channel=Channel.IN_PERSON)
    for data in (ics.booking_calendar(booking), ics.booking_invitation(booking, method="REQUEST")):
        event = only_event(data)
        assert event["location"] == ADDRESS
        assert event["url"] == map_url(ADDRESS)
        assert "conference" not in event
        assert str(event["description"]).splitlines()[0] == f"In person: {ADDRESS} (map: {map_url(ADDRESS)})"
    # A second parser reads the address with its comma unescaped.
    assert vobject.readOne(ics.booking_calendar(booking).decode()).vevent.location.value == ADDRESS


def test_a_confirmed_video_booking_has_its_link_as_location_url_and_conference(settings):
    settings.JITSI_URL = "https://meet.example.org"
    room = video_room_new()
    booking = booking_of(language="en", channel=Channel.VIDEO, video_room=room)
    link = f"https://meet.example.org/{room}"
    data = ics.booking_invitation(booking, method="REQUEST")
    event = only_event(data)
    assert event["location"] == link and event["url"] == link
    conference = event["conference"]
    assert conference == link
    assert conference.params["VALUE"] == "URI" and conference.params["FEATURE"] == "VIDEO"
    assert conference.params["LABEL"] == "Video call with Anna Berg"
    assert str(event["description"]).splitlines()[0] == f"Video call: {link}"
    assert vobject.readOne(data.decode()).vevent.conference.value == link


@pytest.mark.parametrize("status", [Booking.Status.REQUESTED, Booking.Status.UNCONFIRMED])
def test_a_video_booking_not_confirmed_yet_has_no_link_anywhere(status):
    room = video_room_new()
    booking = booking_of(language="en", channel=Channel.VIDEO, video_room=room, status=status)
    data = ics.booking_calendar(booking)
    assert room.encode() not in unfolded(data)
    event = only_event(data)
    assert "location" not in event and "conference" not in event
    assert event["url"] == ics.booking_manage_url(booking)
    assert str(event["description"]).splitlines()[0] == (
        "Video call: the link comes with the confirmation of your appointment."
    )


def test_a_cancelled_video_booking_neither_has_a_link_nor_promises_one():
    room = video_room_new()
    booking = booking_of(language="en", channel=Channel.VIDEO, video_room=room, status=Booking.Status.CANCELLED)
    data = ics.booking_invitation(booking, method="CANCEL")
    assert room.encode() not in unfolded(data) and b"comes with the confirmation" not in unfolded(data)
    assert only_event(data)["status"] == "CANCELLED"


def test_with_a_self_hosted_jitsi_the_clients_link_carries_the_clients_token(settings):
    settings.JITSI_URL = "https://meet.example.org"
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = "sprechzeit", "a-jitsi-secret-of-enough-length-0123456789"
    booking = booking_of(language="en", channel=Channel.VIDEO, video_room=video_room_new(), client_name="Eva Muster")
    link = str(only_event(ics.booking_calendar(booking))["conference"])
    token = link.split("jwt=", 1)[1]
    # Valid from an hour before the appointment (a week ahead), so not yet now.
    options = {"verify_nbf": False}
    claims = jwt.decode(token, settings.JITSI_APP_SECRET, algorithms=["HS256"], audience="jitsi", options=options)
    assert claims["room"] == booking.video_room
    assert claims["nbf"] == int((booking.start - timedelta(hours=1)).timestamp())
    assert claims["context"]["user"] == {"name": "Eva Muster", "moderator": False}


def test_the_conference_label_survives_a_coach_named_with_quotes_and_line_breaks():
    booking = booking_of(language="en", channel=Channel.VIDEO, video_room=video_room_new())
    booking.coach.display_name = 'Anna "die Coachin"\nBerg; Praxis, Köln'
    data = ics.booking_calendar(booking)
    event = only_event(data)
    assert event["conference"].params["LABEL"] == "Video call with Anna die Coachin Berg; Praxis, Köln"
    assert len(vobject.readOne(data.decode()).vevent_list) == 1


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.EMAIL, Channel.THREEMA])
def test_a_call_or_a_chat_has_no_location_and_links_the_bookings_page(channel):
    booking = booking_of(language="en", channel=channel, threema_id="ABCD1234")
    event = only_event(ics.booking_calendar(booking))
    assert "location" not in event and "conference" not in event
    assert event["url"] == ics.booking_manage_url(booking)


def test_the_export_holds_each_booking_in_its_own_language():
    english = booking_of(language="en", channel=Channel.IN_PERSON)
    german = BookingFactory(appointment_type=english.appointment_type, start=START + timedelta(hours=2), language="de")
    with translation.override("en"):
        found = {str(e["uid"]): str(e["summary"]) for e in events(ics.client_calendar([english, german]))}
    assert found[ics.booking_uid(german)] == "Kennenlernen mit Anna Berg"
    assert found[ics.booking_uid(english)] == "Introductory talk with Anna Berg"
