"""The coach's calendars: the private feed with every booking and blocked period, the
busy-only feed, and the booking as an event of the coach's CalDAV calendar. Always in the
coach's language. The feed writes its bookings' events by icalendar's escaping and folding
rules, for speed (tests/scheduler/test_coach_ics.py proves the bytes equal icalendar's)."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .ics import CALENDAR_END, ICS_STATUS, PRODID, booking_uid, calendar_text, feed_calendar, site_domain
from .models import BlockedPeriod, Booking
from .models.common import Channel
from .phrases import CHANNEL_LABELS_FOR_COACH
from .places import map_url, video_url
from .selectors.feeds import FeedBooking, feed_booking

# Content lines are folded before they reach this many octets, as icalendar folds them.
FOLD_AT = 75


def _escape_text(value: str) -> str:
    """A TEXT value escaped by icalendar's rules (RFC 5545 3.3.11): backslash, semicolon,
    comma; CR LF, LF and a lone CR all become \\n, so no value can end a line. Like
    icalendar, a literal \\N is read as a line break."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """A content line folded as icalendar folds it (RFC 5545 3.1): at most 74 octets of
    UTF-8 before each CRLF and space, never inside a character's UTF-8 sequence, and never
    right after a backslash or caret, which some clients misread when an escape is split."""
    data = line.encode()
    if len(data) < FOLD_AT:
        return line
    parts = []
    begin = 0
    while len(data) - begin >= FOLD_AT:
        cut = begin + FOLD_AT - 1
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: the character began earlier
            cut -= 1
        if cut - 1 > begin and data[cut - 1] in b"\\^":
            cut -= 1
        parts.append(data[begin:cut].decode())
        begin = cut
    parts.append(data[begin:].decode())
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    """A DATE-TIME in UTC as icalendar writes it; formatted by hand, strftime is slower."""
    moment = moment.astimezone(UTC)
    return f"{moment.year:04}{moment.month:02}{moment.day:02}T{moment.hour:02}{moment.minute:02}{moment.second:02}Z"


def _text(value: str) -> str:
    """A TEXT value of the coach's feed: cleaned for calendars, then escaped."""
    return _escape_text(calendar_text(value))


def _place(booking: FeedBooking, coach) -> tuple[str, str, str]:
    """(LOCATION, URL, CONFERENCE) of the booking's event, "" for those it has none of: an
    address and its map for in person, the coach's link to the room for a confirmed video
    call, the client's number to call; else the channel and the contact."""
    if booking.channel == Channel.IN_PERSON and booking.type_location.strip():
        address = booking.type_location.strip()
        return address, map_url(address), ""
    if booking.channel == Channel.VIDEO:
        # places.video_url reads these attributes of a booking; the row has them all.
        link = video_url(SimpleNamespace(**booking._asdict(), coach=coach), for_coach=True)
        if link:
            return link, link, link
    if booking.channel == Channel.PHONE and booking.client_phone:
        return "", f"tel:{calendar_text(booking.client_phone)}", ""
    return "", "", ""


def _coach_event(booking: FeedBooking, *, coach, stamp: str, channels: dict[str, str], description: str) -> str:
    """The booking's VEVENT with every detail, its properties in icalendar's order; only
    lines that can grow long are folded. Channels are named in the coach's words ("You call
    the client"), with the contact this booking gave; the place as _place says."""
    channel = channels[booking.channel]
    details = {
        "channel": channel,
        "contact": booking.contact,
        "email": booking.client_email,
        "message": booking.message,
    }
    location, url, conference = _place(booking, coach)
    if not location:
        location = f"{channel}: {booking.contact}" if booking.contact else channel
    conference = _fold(f"CONFERENCE;FEATURE=VIDEO;VALUE=URI:{conference}") + "\r\n" if conference else ""
    url = _fold(f"URL:{url}") + "\r\n" if url else ""
    return (
        "BEGIN:VEVENT\r\n"
        f"{_fold('SUMMARY:' + _text(f'{booking.type_name}: {booking.client_name}'))}\r\n"
        f"DTSTART:{_utc(booking.start)}\r\n"
        f"DTEND:{_utc(booking.end)}\r\n"
        f"DTSTAMP:{stamp}\r\n"
        f"{_fold('UID:' + booking_uid(booking))}\r\n"
        f"SEQUENCE:{booking.sequence}\r\n"
        f"{conference}"
        f"{_fold('DESCRIPTION:' + _text(description % details))}\r\n"
        f"{_fold('LOCATION:' + _text(location))}\r\n"
        f"STATUS:{ICS_STATUS.get(booking.status, 'CANCELLED')}\r\n"
        f"{url}"
        "END:VEVENT\r\n"
    )


def _wording() -> tuple[dict[str, str], str]:
    """The channels' labels and the description's wording in the active language, translated
    once for a feed, not per event."""
    channels = {value: str(label) for value, label in CHANNEL_LABELS_FOR_COACH.items()}
    return channels, _("Channel: %(channel)s (%(contact)s)\nE-mail: %(email)s\n\nMessage:\n%(message)s")


def _blocked_event(period: BlockedPeriod, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"blocked-{period.pk}@{site_domain()}")
    event.add("dtstamp", stamp)
    if period.all_day:
        event.add("dtstart", period.first_day)
        event.add("dtend", period.last_day + timedelta(days=1))
    else:
        event.add("dtstart", period.start)
        event.add("dtend", period.end)
    event.add("summary", calendar_text(period.title))
    event.add("transp", "OPAQUE")
    return event


def coach_feed(*, coach, bookings: list[FeedBooking], blocked_periods: list[BlockedPeriod], stamp: datetime) -> bytes:
    """The coach's private calendar: bookings with every detail (cancelled ones stay a
    while as CANCELLED so subscribed calendars remove them) and blocked periods, in the
    coach's language whoever fetches it (the calendar app's Accept-Language is not the coach's).

    icalendar writes the calendar and the blocked periods; the bookings' VEVENTs, up to
    thousands, are written here with icalendar's escaping and folding rules, because its
    objects cost about half a millisecond an event. tests/scheduler/test_coach_ics.py proves
    the bytes equal icalendar's."""
    with translation.override(coach.language):
        head = feed_calendar(name=_("Sprechzeit: %(name)s") % {"name": coach.display_name}, zone_name=coach.time_zone)
        channels, description = _wording()
    head = head.to_ical()
    stamp_text = _utc(stamp)
    events = "".join(
        _coach_event(booking, coach=coach, stamp=stamp_text, channels=channels, description=description)
        for booking in bookings
    )
    return b"".join(
        [
            head.removesuffix(CALENDAR_END),
            events.encode(),
            *(_blocked_event(period, stamp).to_ical() for period in blocked_periods),
            CALENDAR_END,
        ]
    )


def coach_entry_calendar(booking: Booking, *, stamp: datetime | None = None) -> bytes:
    """The booking as an event of the coach's CalDAV calendar: the feed's event for it, in
    the coach's language, alone in a calendar object (without METHOD, RFC 4791 4.1)."""
    coach = booking.coach
    row = feed_booking(booking_id=booking.pk)
    with translation.override(coach.language):
        channels, description = _wording()
        event = _coach_event(
            row, coach=coach, stamp=_utc(stamp or timezone.now()), channels=channels, description=description
        )
    head = Calendar()
    head.add("prodid", PRODID)
    head.add("version", "2.0")
    return head.to_ical().removesuffix(CALENDAR_END) + event.encode() + CALENDAR_END


def busy_feed(*, coach, intervals, stamp: datetime) -> bytes:
    """Only when the coach is busy: no names, e-mails, messages or channels."""
    calendar = feed_calendar(name=_("%(name)s: busy") % {"name": coach.display_name}, zone_name=coach.time_zone)
    for interval in intervals:
        event = Event()
        # Stable for the same span, so calendar apps do not churn on every poll.
        event.add(
            "uid", f"busy-{coach.pk}-{int(interval.start.timestamp())}-{int(interval.end.timestamp())}@{site_domain()}"
        )
        event.add("dtstamp", stamp)
        event.add("dtstart", interval.start)
        event.add("dtend", interval.end)
        event.add("summary", _("Busy"))
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()
