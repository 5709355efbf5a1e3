""" "Add to calendar" in one click: the links that open a booking as a new event in Google
Calendar, Outlook.com and Microsoft 365, the booking's .ics for Apple Calendar and every
other app, and (for a client with an account) a webcal: subscription of their feed.

The web calendars take the times in UTC (Google: 20261203T090000Z; Outlook: ISO 8601 with
Z), the title and details in the reader's language (the caller's active one) and the
place: the address of an in-person meeting, the room of a confirmed video call."""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .ics import calendar_text, event_details, event_title
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


def _query(params: dict) -> str:
    # Spaces as %20, not "+": Outlook's compose form shows a "+" as it is.
    return urlencode(params, quote_via=quote)


def booking_ics_url(booking: Booking) -> str:
    return settings.SITE_URL + reverse("scheduler:booking_ics", kwargs={"token": booking.token})


def add_to_calendar_links(booking: Booking, *, feed_url: str = "") -> list[CalendarLink]:
    """The links for one booking, in the active language (the caller activates the
    booking's, ics.client_language()), with the words of the booking's own .ics. `feed_url`:
    the client's own feed, offered as a webcal: subscription; "" for a client without an
    account. None for a booking that is not confirmed: a web calendar's event cannot say
    "tentative", and would keep an appointment that is not (or no longer) there."""
    if booking.status != Booking.Status.CONFIRMED:
        return []
    title = calendar_text(event_title(booking))
    details = calendar_text(event_details(booking))
    location = calendar_text(booking_place(booking).location)
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
        CalendarLink("google", f"{GOOGLE}?{_query(google)}"),
        CalendarLink("outlook", f"{OUTLOOK_COM}?{_query(outlook)}"),
        CalendarLink("office365", f"{OFFICE_365}?{_query(outlook)}"),
        CalendarLink("ics", booking_ics_url(booking)),
    ]
    if feed_url:
        links.append(CalendarLink("webcal", "webcal://" + feed_url.split("://", 1)[-1]))
    return links


def calendar_lines(booking: Booking, *, feed_url: str = "") -> str:
    """The add-to-calendar links as plain lines under a heading (for an e-mail's text)."""
    links = add_to_calendar_links(booking, feed_url=feed_url)
    return "\n".join([_("Add it to your calendar:"), *(f"{link.label}: {link.url}" for link in links)])
