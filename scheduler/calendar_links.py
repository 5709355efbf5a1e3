""" "Add to calendar" in one click: the links that open a booking as a new event in Google
Calendar, Outlook.com and Microsoft 365, the booking's .ics for Apple Calendar and every
other app, and (for a client with an account) a webcal: subscription of their feed.

The web calendars take the times in UTC (Google: 20261203T090000Z; Outlook: ISO 8601 with
Z), the title and details in the reader's language (the caller's active one) and the
place: the address of an in-person meeting, the room of a confirmed video call."""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Booking
from .places import booking_place

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK_COM = "https://outlook.live.com/calendar/0/deeplink/compose"
OFFICE_365 = "https://outlook.office.com/calendar/0/deeplink/compose"

LABELS = {
    "google": gettext_lazy("Google Calendar"),
    "outlook": gettext_lazy("Outlook.com"),
    "office365": gettext_lazy("Microsoft 365"),
    # Translators: the booking's .ics file, which Apple Calendar and every other app open.
    "ics": gettext_lazy("Apple Calendar and others (.ics)"),
    # Translators: a calendar subscription of all the client's appointments (webcal:).
    "webcal": gettext_lazy("Subscribe to all your appointments"),
}


@dataclass(frozen=True)
class CalendarLink:
    kind: str
    url: str

    @property
    def label(self) -> str:
        return str(LABELS[self.kind])


def _google_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _outlook_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_title(booking: Booking) -> str:
    return _("%(type)s with %(coach)s") % {
        "type": booking.appointment_type.local_name,
        "coach": booking.coach.display_name,
    }


def _details(booking: Booking, manage_url: str) -> str:
    place = booking_place(booking)
    lines = [_("Channel: %(channel)s") % {"channel": booking.get_channel_display()}]
    if place.is_video and place.url:
        lines.append(_("Video call: %(url)s") % {"url": place.url})
    lines.append(_("Manage or cancel: %(url)s") % {"url": manage_url})
    return "\n".join(lines)


def booking_ics_url(booking: Booking) -> str:
    return settings.SITE_URL + reverse("scheduler:booking_ics", kwargs={"token": booking.token})


def add_to_calendar_links(booking: Booking, *, feed_url: str = "") -> list[CalendarLink]:
    """The links for one booking, in the active language. `feed_url`: the client's own feed
    (https), offered as a webcal: subscription; "" for a client without an account."""
    manage_url = settings.SITE_URL + reverse("scheduler:booking", kwargs={"token": booking.token})
    title = event_title(booking)
    details = _details(booking, manage_url)
    location = booking_place(booking).location
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{_google_time(booking.start)}/{_google_time(booking.end)}",
        "details": details,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": _outlook_time(booking.start),
        "enddt": _outlook_time(booking.end),
        "body": details,
    }
    if location:
        google["location"] = location
        outlook["location"] = location
    links = [
        CalendarLink("google", f"{GOOGLE}?{urlencode(google)}"),
        CalendarLink("outlook", f"{OUTLOOK_COM}?{urlencode(outlook)}"),
        CalendarLink("office365", f"{OFFICE_365}?{urlencode(outlook)}"),
        CalendarLink("ics", booking_ics_url(booking)),
    ]
    if feed_url:
        links.append(CalendarLink("webcal", "webcal://" + feed_url.split("://", 1)[-1]))
    return links
