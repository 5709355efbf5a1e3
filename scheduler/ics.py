"""iCalendar for clients, and what every calendar of the site shares: a booking's page,
.ics, invitations (iMIP) and feed, built with icalendar, which escapes text so no name or
message can break the file. The coach's calendars are in coach_ics.py."""

import functools
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Booking
from .place_words import place_line
from .places import booking_place
from .selectors.feeds import FeedBooking

PRODID = "-//Sprechzeit//Sprechzeit 1.0//EN"
CALENDAR_END = b"END:VCALENDAR\r\n"

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


def client_language(booking: Booking) -> str:
    """The language everything the client of `booking` receives is in: the booking's, as
    the coach addresses clients ("de-du" for a coach who says du)."""
    return booking.coach.language_for_clients(booking.language)


def event_title(booking: Booking) -> str:
    """The event's title for the client, in the active language."""
    return _("%(type)s with %(coach)s") % {
        "type": booking.appointment_type.local_name,
        "coach": booking.coach.display_name,
    }


def event_details(booking: Booking) -> str:
    """What the client's event says, in the active language: the place first (the address
    and its map, the video call's link once confirmed, else that it comes then), then the
    channel and the booking's page."""
    # The sentences of the messages, so a client reads the place in the same words everywhere.
    line = place_line(booking)
    lines = [line] if line else []
    lines.append(
        _("Channel: %(channel)s\nManage or cancel: %(url)s")
        % {"channel": booking.get_channel_display(), "url": booking_manage_url(booking)}
    )
    return "\n".join(lines)


def client_event(booking: Booking, *, stamp: datetime | None = None) -> Event:
    """The booking as its client sees it, in the client's language (client_language()),
    whoever asks: no other client's data, the coach's name, the place."""
    with translation.override(client_language(booking)):
        return _client_event(booking, stamp=stamp)


def _client_event(booking: Booking, *, stamp: datetime | None) -> Event:
    place = booking_place(booking)
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("sequence", booking.sequence)
    event.add("status", ICS_STATUS.get(booking.status, "CANCELLED"))
    event.add("summary", calendar_text(event_title(booking)))
    event.add("description", calendar_text(event_details(booking)))
    if place.location:
        event.add("location", calendar_text(place.location))
    # The link to follow: the video room or the map; else the booking's own page.
    event.add("url", place.url or booking_manage_url(booking))
    if place.is_video and place.url:
        # RFC 7986: calendar apps offer a "join" button for it. A parameter value cannot
        # hold a double quote (RFC 5545 3.2), so the label goes without any.
        label = calendar_line(_("Video call with %(coach)s") % {"coach": booking.coach.display_name})
        parameters = {"value": "URI", "feature": "VIDEO", "label": label.replace('"', "")}
        event.add("conference", place.url, parameters=parameters)
    return event


def booking_calendar(booking: Booking) -> bytes:
    """A single booking for "add to calendar" (METHOD:PUBLISH), in the client's language."""
    calendar = _calendar("PUBLISH")
    calendar.add_component(client_event(booking, stamp=booking.updated_at))
    return calendar.to_ical()


def client_calendar(bookings) -> bytes:
    """A client's bookings with every coach, each as on its own page and in its own
    language (their data export)."""
    calendar = _calendar("PUBLISH")
    for booking in bookings:
        calendar.add_component(client_event(booking, stamp=booking.updated_at))
    return calendar.to_ical()


def client_feed(*, bookings: list[Booking], zone_name: str, language: str | None = None) -> bytes:
    """A client's subscribed calendar: their bookings with every coach, each as on its own
    page and in its booking's language (no other client's data), cancelled ones a while as
    CANCELLED. The calendar's name is in `language` (the client's account's), else the active one."""
    with translation.override(language or translation.get_language()):
        name = _("Sprechzeit: your appointments")
    calendar = feed_calendar(name=name, zone_name=zone_name)
    for booking in bookings:
        calendar.add_component(client_event(booking, stamp=booking.updated_at))
    return calendar.to_ical()


def booking_invitation(booking: Booking, *, method: str) -> bytes:
    """The booking as an iMIP message for e-mail, in the client's language: METHOD:REQUEST
    for a confirmed or moved booking, METHOD:CANCEL when it ends; same UID, rising
    SEQUENCE, so the client's calendar updates the one event."""
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


def feed_calendar(*, name: str, zone_name: str) -> Calendar:
    """A subscribed calendar: METHOD:PUBLISH, its name and zone, and how often to poll."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", calendar_line(name))
    calendar.add("x-wr-timezone", zone_name)
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"value": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    return calendar
