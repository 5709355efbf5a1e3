""" "Add to calendar" links (scheduler/calendar_links.py): Google Calendar's render?action=TEMPLATE
and Outlook's deeplink compose (Outlook.com and Microsoft 365) with the booking's times in UTC,
its title, details and place in the active language (callers activate the booking's), the video
link only inside a confirmed booking; the .ics, and webcal: only for a client with a feed. Each
link is read back as a calendar would, with parse_qs."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from scheduler import ics
from scheduler.calendar_links import add_to_calendar_links
from scheduler.models import Booking
from scheduler.models.common import Channel
from scheduler.places import map_url, video_room_new
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

ADDRESS = "Musterstraße 1, 10115 Berlin"
SUMMER = datetime(2027, 7, 5, 9, 30, tzinfo=BERLIN)  # 07:30 UTC
WINTER = datetime(2027, 1, 4, 9, 30, tzinfo=BERLIN)  # 08:30 UTC


def booking_of(*, start=SUMMER, informal=False, coach_name="Anna Berg", **fields):
    coach = CoachFactory(display_name=coach_name, address_form="du" if informal else "sie")
    kind = AppointmentTypeFactory(
        coach=coach,
        name="Kennenlernen",
        name_en="Introductory talk",
        location=fields.pop("location", ADDRESS),
        duration=timedelta(minutes=45),
    )
    return BookingFactory(appointment_type=kind, start=start, **{"channel": Channel.PHONE, **fields})


def links_of(booking, **kwargs) -> dict:
    with translation.override(ics.client_language(booking)):
        return {link.kind: link for link in add_to_calendar_links(booking, **kwargs)}


def query(url: str) -> dict:
    parts = urlsplit(url)
    values = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(value) == 1 for value in values.values()), values
    return {key: value[0] for key, value in values.items()}


def google_times(url: str) -> tuple[datetime, datetime]:
    start, end = query(url)["dates"].split("/")
    return tuple(datetime.strptime(moment, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) for moment in (start, end))


def outlook_times(url: str) -> tuple[datetime, datetime]:
    values = query(url)
    assert values["startdt"].endswith("Z") and values["enddt"].endswith("Z")
    return datetime.fromisoformat(values["startdt"]), datetime.fromisoformat(values["enddt"])


@pytest.mark.parametrize("start", [SUMMER, WINTER, datetime(2027, 3, 28, 9, tzinfo=BERLIN)], ids=str)
def test_every_links_times_parse_back_to_the_bookings_start_and_end_in_utc(start):
    booking = booking_of(start=start, time_zone="America/New_York")
    links = links_of(booking)
    assert google_times(links["google"].url) == (booking.start, booking.end)
    for kind in ("outlook", "office365"):
        found_start, found_end = outlook_times(links[kind].url)
        assert found_start == booking.start and found_end == booking.end
        assert found_start.utcoffset() == timedelta(0)
    assert booking.end - booking.start == timedelta(minutes=45)


def test_a_summer_and_a_winter_morning_are_written_in_utc():
    assert query(links_of(booking_of(start=SUMMER))["google"].url)["dates"] == "20270705T073000Z/20270705T081500Z"
    winter = query(links_of(booking_of(start=WINTER))["outlook"].url)
    assert (winter["startdt"], winter["enddt"]) == ("2027-01-04T08:30:00Z", "2027-01-04T09:15:00Z")


def test_each_link_goes_to_its_calendar_with_its_parameters():
    booking = booking_of(language="en")
    links = links_of(booking)
    assert list(links) == ["google", "outlook", "office365", "ics"]
    google = urlsplit(links["google"].url)
    assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/render")
    assert query(links["google"].url)["action"] == "TEMPLATE"
    assert set(query(links["google"].url)) == {"action", "text", "dates", "details"}
    for kind, host in (("outlook", "outlook.live.com"), ("office365", "outlook.office.com")):
        parts = urlsplit(links[kind].url)
        assert (parts.scheme, parts.netloc, parts.path) == ("https", host, "/calendar/0/deeplink/compose")
        values = query(links[kind].url)
        assert (values["path"], values["rru"]) == ("/calendar/action/compose", "addevent")
        assert set(values) == {"path", "rru", "subject", "startdt", "enddt", "body"}
    assert links["ics"].url.endswith(f"/b/{booking.token}/event.ics")


@pytest.mark.parametrize(
    ("language", "informal", "title", "channel"),
    [
        ("en", False, "Introductory talk with Anna Berg", "Channel: The coach calls you"),
        ("de", False, "Kennenlernen mit Anna Berg", "Kontaktweg: Der Coach ruft Sie an"),
        ("de", True, "Kennenlernen mit Anna Berg", "Kontaktweg: Der Coach ruft dich an"),
    ],
)
def test_title_and_details_are_in_the_bookings_language(language, informal, title, channel):
    booking = booking_of(language=language, informal=informal)
    links = links_of(booking)
    google, outlook = query(links["google"].url), query(links["outlook"].url)
    assert google["text"] == outlook["subject"] == title
    assert google["details"] == outlook["body"]
    assert google["details"].splitlines()[0] == channel
    assert ics.booking_manage_url(booking) in google["details"]


def test_an_in_person_meeting_gives_its_address_as_the_location():
    booking = booking_of(language="en", channel=Channel.IN_PERSON)
    links = links_of(booking)
    for kind in ("google", "outlook", "office365"):
        assert query(links[kind].url)["location"] == ADDRESS
    assert query(links["google"].url)["details"].startswith(f"In person: {ADDRESS} (map: https://")


def test_the_video_link_only_inside_a_confirmed_booking(settings):
    settings.JITSI_URL = "https://meet.example.org"
    room = video_room_new()
    booking = booking_of(language="en", channel=Channel.VIDEO, video_room=room, status=Booking.Status.CONFIRMED)
    link = f"https://meet.example.org/{room}"
    links = links_of(booking)
    for kind, text in (("google", "details"), ("outlook", "body"), ("office365", "body")):
        values = query(links[kind].url)
        assert values["location"] == link
        assert values[text].splitlines()[0] == f"Video call: {link}"


@pytest.mark.parametrize(
    "status",
    [
        Booking.Status.UNCONFIRMED,
        Booking.Status.REQUESTED,
        Booking.Status.CANCELLED,
        Booking.Status.DECLINED,
        Booking.Status.EXPIRED,
    ],
)
def test_a_booking_not_confirmed_offers_no_calendar_and_no_room(status):
    """A web calendar's event cannot be tentative; and a room is given only to a confirmed booking."""
    booking = booking_of(channel=Channel.VIDEO, video_room=video_room_new(), status=status)
    assert links_of(booking, feed_url="https://example.org/me/feed/x/calendar.ics") == {}


def test_webcal_only_with_the_clients_feed():
    booking = booking_of()
    assert "webcal" not in links_of(booking)
    feed = "https://sprechzeit.example.org/me/feed/Abc_123/calendar.ics"
    webcal = links_of(booking, feed_url=feed)["webcal"]
    assert webcal.url == "webcal://sprechzeit.example.org/me/feed/Abc_123/calendar.ics"
    assert list(links_of(booking, feed_url=feed))[-1] == "webcal"


def test_special_characters_survive_the_round_trip():
    booking = booking_of(
        language="en",
        coach_name="Jörg Müller & Söhne #1",
        channel=Channel.IN_PERSON,
        location="Hinterhof, 2. OG\nStraße 5 & 7, 50667 Köln #Praxis",
    )
    booking.appointment_type.name_en = "C++ Coaching?=yes&no%20"
    booking.appointment_type.save()
    links = links_of(booking)
    google, outlook = query(links["google"].url), query(links["outlook"].url)
    assert google["text"] == outlook["subject"] == "C++ Coaching?=yes&no%20 with Jörg Müller & Söhne #1"
    assert google["location"] == outlook["location"] == "Hinterhof, 2. OG\nStraße 5 & 7, 50667 Köln #Praxis"
    assert google["details"].splitlines()[:2] == [
        "In person: Hinterhof, 2. OG",
        f"Straße 5 & 7, 50667 Köln #Praxis (map: {map_url(booking.appointment_type.location)})",
    ]
    # Spaces are %20, never "+" (Outlook's form shows a "+" as it is); no raw "#" ends the query.
    for link in links.values():
        assert "+" not in urlsplit(link.url).query and urlsplit(link.url).fragment == ""


def test_the_labels_are_in_the_active_language():
    booking = booking_of()
    with translation.override("en"):
        labels = [link.label for link in add_to_calendar_links(booking, feed_url="https://example.org/f.ics")]
    assert labels == [
        "Google Calendar",
        "Outlook.com",
        "Microsoft 365",
        "Apple Calendar and others (.ics)",
        "Subscribe to all your appointments",
    ]


def test_the_times_do_not_depend_on_the_active_time_zone():
    booking = booking_of(start=SUMMER)
    with timezone.override(ZoneInfo("Pacific/Auckland")):
        assert google_times(links_of(booking)["google"].url) == (booking.start, booking.end)
