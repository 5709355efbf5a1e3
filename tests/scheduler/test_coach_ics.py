"""The coach's feed writes its bookings' events itself, by icalendar's rules: the bytes are
the ones icalendar builds, and icalendar and vobject read every property back."""

import unicodedata
from datetime import UTC, datetime, time, timedelta

import icalendar
import pytest
import vobject
from django.utils import timezone, translation
from django.utils.translation import gettext
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser import Contentline

from scheduler import coach_ics, ics
from scheduler.models import AppointmentType, Booking
from scheduler.models.common import Channel
from scheduler.places import booking_place, video_room_new
from scheduler.selectors.feeds import coach_busy_intervals, coach_feed_content, coach_feed_fingerprint
from tests.factories import AppointmentTypeFactory, BlockedPeriodFactory, BookingFactory, ClientFactory, CoachFactory
from tests.helpers import BERLIN

STAMP = datetime(2026, 3, 1, 8, 30, 15, tzinfo=UTC)
# Names and messages that have broken calendar files: line breaks of every kind, TEXT's
# special characters, escapes, emoji and lines long enough to fold inside multi-byte text.
TRICKY = [
    "Eva\r\nEND:VCALENDAR",
    "Zeile eins\nBEGIN:VEVENT\rZeile drei\r\nZeile vier",
    'Müller, Anna; "Dr." \\ Back\\slash \\, \\; \\n',
    "Pfad C:\\Nord\\Temp",  # icalendar reads a literal \N as a line break; so does the feed
    "Emoji 😀🎉👩‍👩‍👧 und Umlaute äöüß ÄÖÜ " * 6,
    "日本語のメッセージ、長い行。" * 12,
    "x" * 72 + "\\" + "y" * 90,  # a backslash right where the line folds
    "a" * 73 + "^" + "é" * 60,
    "\t Tab und ein ; am Ende;",
    # Controls calendar apps stumble over: removed, the line-like ones as line breaks. (No NUL:
    # no database column holds one, and the site refuses it before it is stored.)
    "Vertikal\x0bTab\x0cSeite\u2028Zeile\u2029Absatz\x85NEL \x1b[31m\x7f\x9b Ende",
]
characters = st.characters(blacklist_categories=("Cs",))
PROPERTY = settings(max_examples=300, deadline=None, database=None)


def read_back(value: str) -> str:
    """What a parser returns for a TEXT value the feed wrote: control characters removed
    (line-like ones as line breaks), and icalendar's escaping turns every CR LF, lone CR and
    literal \\N into a line break."""
    value = ics.calendar_text(value)
    return value.replace("\\N", "\n").replace("\r\n", "\n").replace("\r", "\n")


@PROPERTY
@given(st.text(characters, max_size=300))
def test_text_is_escaped_as_icalendar_escapes_it(value):
    escaped = coach_ics._escape_text(value)
    assert escaped == icalendar.vText(value).to_ical().decode()
    assert "\r" not in escaped and "\n" not in escaped


@PROPERTY
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=400))
def test_lines_fold_as_icalendar_folds_them(line):
    assert_folded(line)


@pytest.mark.parametrize("length", range(70, 80))
@pytest.mark.parametrize("fill", ["a", "ä", "€", "😀", "\\", "^", "a\\", "ä\\", "😀^"])
def test_lines_fold_at_every_boundary(length, fill):
    assert_folded(("DESCRIPTION:" + fill * 80)[:length] + fill * 90)


def assert_folded(line):
    folded = coach_ics._fold(line)
    assert folded.encode() == Contentline(line).to_ical()
    physical = folded.encode().split(b"\r\n")
    assert all(len(part) <= 75 for part in physical)
    assert all(part.startswith(b" ") for part in physical[1:])
    for part in physical:
        part.decode()  # a UTF-8 sequence split across lines would not decode
    assert folded.replace("\r\n ", "") == line


@pytest.fixture
def feed_data(db, settings):
    # A long domain makes the UIDs fold too.
    settings.SITE_URL = "https://termine.beratung.sprechzeit-coaching-fuer-menschen-im-wandel.example.org"
    coach = CoachFactory(display_name="Anna; Müller, \\ 😀")
    types = [
        AppointmentTypeFactory(coach=coach, name="Kennenlernen"),
        AppointmentTypeFactory(coach=coach, name="Coaching, lang; mit Übungen 🧭 " * 3),
    ]
    contacts = [
        (Channel.PHONE, {"phone": "+491701234567"}),
        (Channel.EMAIL, {}),
        (Channel.THREEMA, {"threema_id": "ABCD1234"}),
        (Channel.WHATSAPP, {"whatsapp": "+4915112345678"}),
    ]
    first_day = timezone.now().date() + timedelta(days=2)
    for i, text in enumerate(TRICKY):
        channel, contact = contacts[i % len(contacts)]
        client = ClientFactory(coach=coach, name=text[:120], email=f"client{i}@example.org", **contact)
        booking = BookingFactory(
            appointment_type=types[i % 2],
            client=client,
            start=datetime.combine(first_day + timedelta(days=i), time(9 + i % 8), tzinfo=BERLIN),
            channel=channel,
            message=TRICKY[-1 - i] * 3,
            status=[Booking.Status.CONFIRMED, Booking.Status.REQUESTED][i % 2],
            sequence=i,
        )
        if i % 3 == 2:
            booking.status = Booking.Status.CANCELLED
            booking.save()
    # A phone booking without a number has no tel: URL.
    BookingFactory(
        appointment_type=types[0], start=datetime.combine(first_day, time(18), tzinfo=BERLIN), channel="phone"
    )
    # Where they meet: an address (with TEXT's special characters) and its map; a video room
    # whose link (with a token) only a confirmed booking has.
    settings.JITSI_URL = "https://meet.example.org"
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = "sprechzeit", "s" * 32
    meeting = AppointmentTypeFactory(coach=coach, name="Vor Ort", location="Musterstraße 1, 10115 Berlin; Hinterhaus")
    for hour, channel, status in [
        (19, Channel.IN_PERSON, Booking.Status.CONFIRMED),
        (20, Channel.VIDEO, Booking.Status.CONFIRMED),
        (21, Channel.VIDEO, Booking.Status.REQUESTED),
    ]:
        BookingFactory(
            appointment_type=meeting,
            start=datetime.combine(first_day, time(hour), tzinfo=BERLIN),
            channel=channel,
            status=status,
            video_room=video_room_new() if channel == Channel.VIDEO else "",
        )
    BlockedPeriodFactory(coach=coach, title=TRICKY[0], first_day=first_day, last_day=first_day + timedelta(days=2))
    BlockedPeriodFactory(
        coach=coach,
        title=TRICKY[4][:200],
        start=datetime.combine(first_day, time(13), tzinfo=BERLIN),
        end=datetime.combine(first_day, time(15), tzinfo=BERLIN),
    )
    return coach


def icalendar_coach_feed(coach) -> bytes:
    """The coach's feed built with icalendar's objects from the model instances, as it was
    before the feed wrote its events itself: the reference the fast writer must equal."""
    with translation.override(coach.language):
        return _icalendar_coach_feed(coach)


def _icalendar_coach_feed(coach) -> bytes:
    calendar = ics.feed_calendar(
        name=gettext("Sprechzeit: %(name)s") % {"name": coach.display_name}, zone_name=coach.time_zone
    )
    for booking in Booking.objects.filter(coach=coach).select_related("client", "appointment_type"):
        event = icalendar.Event()
        event.add("uid", ics.booking_uid(booking))
        event.add("dtstamp", STAMP)
        event.add("dtstart", booking.start)
        event.add("dtend", booking.end)
        event.add("sequence", booking.sequence)
        event.add("status", ics.ICS_STATUS.get(booking.status, "CANCELLED"))
        event.add("summary", ics.calendar_text(f"{booking.appointment_type.name}: {booking.client_name}"))
        place = booking_place(booking, for_coach=True)
        event.add("location", ics.calendar_text(place.location or location(booking)))
        event.add("description", ics.calendar_text(description(booking)))
        if place.is_video and place.url:
            event.add("conference", place.url, parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
        if url := event_url(booking):
            event.add("url", url)
        calendar.add_component(event)
    for period in coach.blocked_periods.all():
        calendar.add_component(coach_ics._blocked_event(period, STAMP))
    return calendar.to_ical()


def for_coach(channel: str) -> str:
    """The channel in the coach's words: the client's "The coach calls you" is theirs."""
    words = {
        "phone": gettext("You call the client"),
        "video": gettext("Video call (Jitsi Meet)"),
        "in_person": gettext("In person, at the type's address"),
    }
    return words.get(channel) or Channel(channel).label


def event_url(booking) -> str:
    """The link of the booking's event: the room, the map, or the number to call."""
    if booking.channel == "phone" and booking.phone:
        return f"tel:{booking.phone}"
    return booking_place(booking, for_coach=True).url


def location(booking) -> str:
    return f"{for_coach(booking.channel)}: {booking.contact}" if booking.contact else for_coach(booking.channel)


def description(booking) -> str:
    return gettext("Channel: %(channel)s (%(contact)s)\nE-mail: %(email)s\n\nMessage:\n%(message)s") % {
        "channel": for_coach(booking.channel),
        "contact": booking.contact,
        "email": booking.client.email,
        "message": booking.message,
    }


def fast_coach_feed(coach) -> bytes:
    bookings, blocked = coach_feed_content(coach=coach, now=timezone.now())
    return coach_ics.coach_feed(coach=coach, bookings=bookings, blocked_periods=blocked, stamp=STAMP)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_coach_feed_is_byte_for_byte_what_icalendar_builds(feed_data, language):
    feed_data.language = language
    feed_data.save()
    with translation.override("en" if language == "de" else "de"):  # whoever asks: the coach's language
        fast = fast_coach_feed(feed_data)
    assert fast == icalendar_coach_feed(feed_data)
    assert fast.split(b"\r\n").count(b"BEGIN:VEVENT") == len(TRICKY) + 6  # no text began an event
    assert fast.count(b"CONFERENCE;FEATURE=VIDEO;VALUE=URI:https://meet.example.org/") == 1


def test_every_line_ends_in_crlf_and_fits_in_75_octets(feed_data):
    body = fast_coach_feed(feed_data)
    assert body.endswith(b"END:VCALENDAR\r\n")
    for line in body[:-2].split(b"\r\n"):
        assert b"\r" not in line and b"\n" not in line
        assert len(line) <= 75
        line.decode()
    assert max(len(line) for line in body.split(b"\r\n")) == 75  # long lines were folded, not avoided


def test_icalendar_and_vobject_read_every_property_back(feed_data):
    body = fast_coach_feed(feed_data)
    by_icalendar = {str(event["UID"]): event for event in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    by_vobject = {event.uid.value: event for event in vobject.readOne(body.decode()).vevent_list}
    bookings = Booking.objects.filter(coach=feed_data).select_related("client", "appointment_type")
    periods = list(feed_data.blocked_periods.all())
    assert len(by_icalendar) == len(by_vobject) == len(bookings) + len(periods)
    translation.activate(feed_data.language)  # the feed speaks the coach's language
    for booking in bookings:
        expected = {
            "UID": ics.booking_uid(booking),
            "SUMMARY": read_back(f"{booking.appointment_type.name}: {booking.client_name}"),
            "DESCRIPTION": read_back(description(booking)),
            "LOCATION": read_back(booking_place(booking, for_coach=True).location or location(booking)),
            "STATUS": {"confirmed": "CONFIRMED", "requested": "TENTATIVE", "cancelled": "CANCELLED"}[booking.status],
            "SEQUENCE": booking.sequence,
            "DTSTART": booking.start,
            "DTEND": booking.end,
            "DTSTAMP": STAMP,
        }
        if url := event_url(booking):
            expected["URL"] = url
        if booking.channel == "video" and booking.status == "confirmed":
            expected["CONFERENCE"] = url
        assert_read_back(by_icalendar, by_vobject, expected)
    for period in periods:
        expected = {
            "UID": f"blocked-{period.pk}@{ics.site_domain()}",
            "SUMMARY": read_back(period.title),
            "DTSTART": period.first_day if period.all_day else period.start,
            "DTEND": period.last_day + timedelta(days=1) if period.all_day else period.end,
            "DTSTAMP": STAMP,
            "TRANSP": "OPAQUE",
        }
        assert_read_back(by_icalendar, by_vobject, expected)


def assert_read_back(by_icalendar, by_vobject, expected):
    """Both parsers find exactly the expected properties, with the expected values."""
    by_ical = by_icalendar[expected["UID"]]
    by_vobj = by_vobject[expected["UID"]]
    assert set(by_ical) == {name.upper() for name in by_vobj.contents} == set(expected)
    for name, value in expected.items():
        ical_value = by_ical.decoded(name)
        vobj_value = getattr(by_vobj, name.lower()).value
        if isinstance(value, int):
            vobj_value = int(vobj_value)
        elif isinstance(value, str):
            ical_value = ical_value.decode() if isinstance(ical_value, bytes) else str(ical_value)
        assert ical_value == value, name
        assert vobj_value == value, name
        assert type(ical_value) is type(vobj_value) is type(value), name  # a date stays a date


def test_an_empty_feed_is_a_valid_calendar(db):
    coach = CoachFactory(display_name="Leer")
    body = fast_coach_feed(coach)
    assert body == icalendar_coach_feed(coach)
    calendar = vobject.readOne(body.decode())
    assert calendar.x_wr_calname.value == "Sprechzeit: Leer" and not hasattr(calendar, "vevent")


# As they can be stored: no database keeps a lone surrogate, PostgreSQL no NUL (the
# property test above has both).
CONTROLS = "\x01\x08\x0b\x0c\x0e\x1b\x1f\x7f\x80\x85\x9b\x9f\u2028\u2029"


def unwanted(character: str) -> bool:
    """What no calendar text carries: controls but tab and line breaks, line and paragraph
    separators, lone surrogates."""
    return unicodedata.category(character) in ("Cc", "Zl", "Zp", "Cs") and character not in "\t\n\r"


@PROPERTY
@given(st.text(st.characters(blacklist_categories=()), max_size=200))
def test_calendar_text_drops_controls_and_nothing_else(value):
    cleaned = ics.calendar_text(value)
    assert not any(unwanted(character) for character in cleaned)
    # Only line breaks are added (for the line-like controls); nothing else is lost.
    assert cleaned.replace("\n", "") == "".join(c for c in value if not unwanted(c)).replace("\n", "")
    cleaned.encode()  # writable as UTF-8


def test_every_text_a_calendar_gets_is_without_controls(db, settings):
    """Summary, description, location, the calendar's name, blocked periods' titles and the
    invitation's CN parameters: every text property ics.py writes."""
    coach = CoachFactory(display_name=f"Anna{CONTROLS}Berg", busy_feed_enabled=True)
    kind = AppointmentTypeFactory(coach=coach, name=f"Kennen{CONTROLS}lernen")
    start = datetime.combine(timezone.now().date() + timedelta(days=3), time(10), tzinfo=BERLIN)
    bookings = [
        BookingFactory(
            appointment_type=kind,
            start=start + timedelta(days=i),
            channel=channel,
            client_name=f"Eva{CONTROLS}Müller",
            message=f"Zeile{CONTROLS}zwei",
            phone="+491701234567",
        )
        for i, channel in enumerate(["phone", "email"])
    ]
    BlockedPeriodFactory(
        coach=coach, title=f"Semi{CONTROLS}nar", start=start + timedelta(days=5), end=start + timedelta(days=6)
    )
    bodies = {
        "booking": ics.booking_calendar(bookings[0]),
        "invitation": ics.booking_invitation(bookings[0], method="REQUEST"),
        "client feed": ics.client_feed(bookings=bookings, zone_name="Europe/Berlin"),
        "coach feed": fast_coach_feed(coach),
        "busy feed": coach_ics.busy_feed(
            coach=coach, intervals=coach_busy_intervals(coach=coach, now=timezone.now()), stamp=STAMP
        ),
    }
    for name, body in bodies.items():
        text = body.decode()
        lines = text.split("\r\n")
        assert not [line for line in lines if any(unwanted(c) for c in line)], name
        vobject.readOne(text)
    invitation = icalendar.Calendar.from_ical(bodies["invitation"]).walk("VEVENT")[0]
    # The line-like ones (VT, FF, NEL, U+2028, U+2029) became line breaks, the others are
    # gone; names stay on one line.
    assert invitation["ATTENDEE"].params["CN"] == "Eva Müller"
    assert invitation["ORGANIZER"].params["CN"] == "Anna Berg"
    feed = icalendar.Calendar.from_ical(bodies["coach feed"])
    assert str(feed["X-WR-CALNAME"]) == "Sprechzeit: Anna Berg"
    assert "Zeile\n\n\n\n\nzwei" in str(feed.walk("VEVENT")[0]["DESCRIPTION"])
    assert "Semi\n\n\n\n\nnar" in [str(event["SUMMARY"]) for event in feed.walk("VEVENT")]


def test_the_calendar_entry_is_the_feeds_event_alone_in_the_coachs_language(feed_data):
    feed_data.language = "en"
    feed_data.save()
    booking = Booking.objects.get(coach=feed_data, channel=Channel.IN_PERSON)
    with translation.override("de"):  # whoever sends it: the coach's language
        entry = coach_ics.coach_entry_calendar(booking, stamp=STAMP)
    calendar = icalendar.Calendar.from_ical(entry)
    assert "METHOD" not in calendar  # a calendar object resource has none (RFC 4791 4.1)
    (event,) = calendar.walk("VEVENT")
    feed = icalendar.Calendar.from_ical(fast_coach_feed(feed_data))
    (in_feed,) = [each for each in feed.walk("VEVENT") if each["UID"] == ics.booking_uid(booking)]
    assert event.to_ical() == in_feed.to_ical()
    assert str(event["LOCATION"]) == "Musterstraße 1, 10115 Berlin; Hinterhaus"
    assert str(event["DESCRIPTION"]).startswith("Channel: In person, at the type's address")


def test_the_feeds_fingerprint_follows_the_address_of_a_type(feed_data):
    before = coach_feed_fingerprint(coach=feed_data, now=timezone.now()).key
    AppointmentType.objects.filter(coach=feed_data, name="Vor Ort").update(location="Hauptstraße 2, 10115 Berlin")
    assert coach_feed_fingerprint(coach=feed_data, now=timezone.now()).key != before
