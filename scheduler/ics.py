"""All iCalendar work: every calendar the site produces is built here with icalendar,
which escapes text so no name or message can break the file."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Booking

PRODID = "-//Sprechzeit//Sprechzeit 1.0//EN"

ICS_STATUS = {
    Booking.Status.CONFIRMED: "CONFIRMED",
    Booking.Status.REQUESTED: "TENTATIVE",
}


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def booking_uid(booking: Booking) -> str:
    """Stable across reschedules and cancellation, so calendars update the same event."""
    return f"{booking.uuid}@{site_domain()}"


def booking_manage_url(booking: Booking) -> str:
    return settings.SITE_URL + reverse("scheduler:booking", kwargs={"token": booking.token})


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def client_event(booking: Booking, *, stamp: datetime | None = None) -> Event:
    """The booking as the client sees it: no other client's data, the coach's name."""
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("sequence", booking.sequence)
    event.add("status", ICS_STATUS.get(booking.status, "CANCELLED"))
    event.add(
        "summary",
        _("%(type)s with %(coach)s") % {"type": booking.appointment_type.name, "coach": booking.coach.display_name},
    )
    event.add(
        "description",
        _("Channel: %(channel)s\nManage or cancel: %(url)s")
        % {"channel": booking.get_channel_display(), "url": booking_manage_url(booking)},
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


def booking_invitation(booking: Booking, *, method: str) -> bytes:
    """The booking as an iMIP message for e-mail: METHOD:REQUEST for a confirmed or moved
    booking, METHOD:CANCEL when it ends; same UID, rising SEQUENCE, so the client's
    calendar updates the one event."""
    calendar = _calendar(method)
    event = client_event(booking, stamp=booking.updated_at)
    if method == "CANCEL":
        event["status"] = "CANCELLED"
    event.add("organizer", f"mailto:{booking.coach.user.email}", parameters={"cn": booking.coach.display_name})
    event.add(
        "attendee",
        f"mailto:{booking.client.email}",
        parameters={"cn": booking.client.name, "role": "REQ-PARTICIPANT", "partstat": "ACCEPTED"},
    )
    calendar.add_component(event)
    return calendar.to_ical()


def _feed(*, name: str, zone_name: str) -> Calendar:
    """A subscribed calendar: METHOD:PUBLISH, its name and zone, and how often to poll."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone_name)
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"value": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    return calendar


def _coach_event(booking: Booking, stamp: datetime) -> Event:
    client = booking.client
    contact = booking.contact
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", stamp)
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("sequence", booking.sequence)
    event.add("status", ICS_STATUS.get(booking.status, "CANCELLED"))
    event.add("summary", f"{booking.appointment_type.name}: {client.name}")
    event.add("location", f"{booking.get_channel_display()}: {contact}")
    event.add(
        "description",
        _("Channel: %(channel)s (%(contact)s)\nE-mail: %(email)s\n\nMessage:\n%(message)s")
        % {
            "channel": booking.get_channel_display(),
            "contact": contact,
            "email": client.email,
            "message": booking.message,
        },
    )
    if booking.channel == "phone" and client.phone:
        event.add("url", f"tel:{client.phone}")
    return event


def coach_feed(*, coach, bookings, blocked_periods, stamp: datetime) -> bytes:
    """The coach's private calendar: bookings with every detail (cancelled ones stay a
    while as CANCELLED so subscribed calendars remove them) and blocked periods."""
    calendar = _feed(name=_("Sprechzeit: %(name)s") % {"name": coach.display_name}, zone_name=coach.time_zone)
    for booking in bookings:
        calendar.add_component(_coach_event(booking, stamp))
    for period in blocked_periods:
        event = Event()
        event.add("uid", f"blocked-{period.pk}@{site_domain()}")
        event.add("dtstamp", stamp)
        if period.all_day:
            event.add("dtstart", period.first_day)
            event.add("dtend", period.last_day + timedelta(days=1))
        else:
            event.add("dtstart", period.start)
            event.add("dtend", period.end)
        event.add("summary", period.title)
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


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
