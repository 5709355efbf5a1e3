"""All iCalendar work: every calendar the site produces is built here with icalendar,
which escapes text so no name or message can break the file. The coach's feed writes
its bookings' events by icalendar's escaping and folding rules, for speed."""

import functools
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import BlockedPeriod, Booking
from .models.common import Channel
from .phrases import CHANNEL_LABELS_FOR_COACH
from .selectors.feeds import FeedBooking

PRODID = "-//Sprechzeit//Sprechzeit 1.0//EN"
CALENDAR_END = b"END:VCALENDAR\r\n"
# Content lines are folded before they reach this many octets, as icalendar folds them.
FOLD_AT = 75

ICS_STATUS = {
    Booking.Status.CONFIRMED: "CONFIRMED",
    Booking.Status.REQUESTED: "TENTATIVE",
}


# Characters calendar apps stumble over, removed from every text a calendar gets: the C0
# and C1 controls but tab, line feed and carriage return (line breaks are escaped), DEL,
# and lone surrogates, which cannot be written as UTF-8. The line-like ones (vertical
# tab, form feed, next line, the Unicode line and paragraph separators) become line breaks,
# so the words they separated stay apart.
_LINE_LIKE = re.compile("[\x0b\x0c\x85\u2028\u2029]")
_UNWRITABLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_EITHER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def calendar_text(value: str) -> str:
    """`value` as a calendar may carry it (see _LINE_LIKE and _UNWRITABLE). One scan for
    the usual text without any: the coach's feed cleans thousands of values."""
    if _EITHER.search(value) is None:
        return value
    return _UNWRITABLE.sub("", _LINE_LIKE.sub("\n", value))


def calendar_line(value: str) -> str:
    """`value` on one line, for what names something (a calendar, a CN parameter): icalendar
    writes the X-WR-CALNAME property unescaped, so a line break in it would end the line."""
    return " ".join(part for part in calendar_text(value).splitlines() if part)


def site_domain() -> str:
    return _hostname(settings.SITE_URL)


@functools.cache
def _hostname(url: str) -> str:
    # Cached: a feed names the domain in thousands of UIDs.
    return urlsplit(url).hostname or "localhost"


def booking_uid(booking: Booking | FeedBooking) -> str:
    """Stable across reschedules and cancellation, so calendars update the same event."""
    return f"{booking.uuid}@{site_domain()}"


def booking_manage_url(booking: Booking) -> str:
    return settings.SITE_URL + reverse("scheduler:booking", kwargs={"token": booking.token})


def booking_address_confirm_url(booking: Booking) -> str:
    """The link that proves the client's address: it goes out only through their channel."""
    kwargs = {"token": booking.token, "address_token": booking.address_token}
    return settings.SITE_URL + reverse("scheduler:booking_address_confirm", kwargs=kwargs)


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def client_event(booking: Booking, *, stamp: datetime | None = None) -> Event:
    """The booking as the client sees it: no other client's data, the coach's name, the
    type's name in the active language (the client's)."""
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("sequence", booking.sequence)
    event.add("status", ICS_STATUS.get(booking.status, "CANCELLED"))
    event.add(
        "summary",
        calendar_text(
            _("%(type)s with %(coach)s")
            % {"type": booking.appointment_type.local_name, "coach": booking.coach.display_name}
        ),
    )
    event.add(
        "description",
        calendar_text(
            _("Channel: %(channel)s\nManage or cancel: %(url)s")
            % {"channel": booking.get_channel_display(), "url": booking_manage_url(booking)}
        ),
    )
    event.add("url", booking_manage_url(booking))
    return event


def booking_calendar(booking: Booking) -> bytes:
    """A single booking for "add to calendar" (METHOD:PUBLISH)."""
    calendar = _calendar("PUBLISH")
    calendar.add_component(client_event(booking, stamp=booking.updated_at))
    return calendar.to_ical()


def client_calendar(bookings) -> bytes:
    """A client's bookings with every coach, each as on its own page (their data export)."""
    calendar = _calendar("PUBLISH")
    for booking in bookings:
        calendar.add_component(client_event(booking, stamp=booking.updated_at))
    return calendar.to_ical()


def client_feed(*, bookings: list[Booking], zone_name: str) -> bytes:
    """A client's subscribed calendar: their bookings with every coach, each as on its own
    page (no other client's data), cancelled ones a while as CANCELLED."""
    calendar = _feed(name=_("Sprechzeit: your appointments"), zone_name=zone_name)
    for booking in bookings:
        calendar.add_component(client_event(booking, stamp=booking.updated_at))
    return calendar.to_ical()


def booking_invitation(booking: Booking, *, method: str) -> bytes:
    """The booking as an iMIP message for e-mail: METHOD:REQUEST for a confirmed or moved
    booking, METHOD:CANCEL when it ends; same UID, rising SEQUENCE, so the client's
    calendar updates the one event."""
    if method == "REQUEST" and booking.status not in ICS_STATUS:
        # An invitation carries only TENTATIVE or CONFIRMED: a cancelled, declined or expired
        # booking (or one still unconfirmed) is never offered to a calendar as an event to keep.
        raise ValueError(f"a {booking.status} booking cannot be sent as METHOD:REQUEST")
    calendar = _calendar(method)
    event = client_event(booking, stamp=booking.updated_at)
    if method == "CANCEL":
        event["status"] = "CANCELLED"
    event.add(
        "organizer", f"mailto:{booking.coach.user.email}", parameters={"cn": calendar_line(booking.coach.display_name)}
    )
    event.add(
        "attendee",
        f"mailto:{booking.client.email}",
        parameters={"cn": calendar_line(booking.client_name), "role": "REQ-PARTICIPANT", "partstat": "ACCEPTED"},
    )
    calendar.add_component(event)
    return calendar.to_ical()


def _feed(*, name: str, zone_name: str) -> Calendar:
    """A subscribed calendar: METHOD:PUBLISH, its name and zone, and how often to poll."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", calendar_line(name))
    calendar.add("x-wr-timezone", zone_name)
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"value": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    return calendar


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


def _coach_event(booking: FeedBooking, *, stamp: str, channels: dict[str, str], description: str) -> str:
    """The booking's VEVENT with every detail, its properties in icalendar's order; only
    lines that can grow long are folded. Channels are named in the coach's words ("You call
    the client"), with the contact this booking gave."""
    channel = channels[booking.channel]
    details = {
        "channel": channel,
        "contact": booking.contact,
        "email": booking.client_email,
        "message": booking.message,
    }
    url = ""
    if booking.channel == Channel.PHONE and booking.client_phone:
        url = _fold(f"URL:tel:{calendar_text(booking.client_phone)}") + "\r\n"
    location = f"{channel}: {booking.contact}" if booking.contact else channel
    return (
        "BEGIN:VEVENT\r\n"
        f"{_fold('SUMMARY:' + _text(f'{booking.type_name}: {booking.client_name}'))}\r\n"
        f"DTSTART:{_utc(booking.start)}\r\n"
        f"DTEND:{_utc(booking.end)}\r\n"
        f"DTSTAMP:{stamp}\r\n"
        f"{_fold('UID:' + booking_uid(booking))}\r\n"
        f"SEQUENCE:{booking.sequence}\r\n"
        f"{_fold('DESCRIPTION:' + _text(description % details))}\r\n"
        f"{_fold('LOCATION:' + _text(location))}\r\n"
        f"STATUS:{ICS_STATUS.get(booking.status, 'CANCELLED')}\r\n"
        f"{url}"
        "END:VEVENT\r\n"
    )


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
    objects cost about half a millisecond an event. tests/scheduler/test_ics.py proves
    the bytes equal icalendar's."""
    with translation.override(coach.language):
        head = _feed(name=_("Sprechzeit: %(name)s") % {"name": coach.display_name}, zone_name=coach.time_zone)
        # Labels and the description's wording translated once for the feed, not per event.
        channels = {value: str(label) for value, label in CHANNEL_LABELS_FOR_COACH.items()}
        description = _("Channel: %(channel)s (%(contact)s)\nE-mail: %(email)s\n\nMessage:\n%(message)s")
    head = head.to_ical()
    stamp_text = _utc(stamp)
    events = "".join(
        _coach_event(booking, stamp=stamp_text, channels=channels, description=description) for booking in bookings
    )
    return b"".join(
        [
            head.removesuffix(CALENDAR_END),
            events.encode(),
            *(_blocked_event(period, stamp).to_ical() for period in blocked_periods),
            CALENDAR_END,
        ]
    )


def busy_feed(*, coach, intervals, stamp: datetime) -> bytes:
    """Only when the coach is busy: no names, e-mails, messages or channels."""
    calendar = _feed(name=_("%(name)s: busy") % {"name": coach.display_name}, zone_name=coach.time_zone)
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
