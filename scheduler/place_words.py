"""The sentences that tell where a booking's conversation happens, and the add-to-calendar
lines, as every message (outbox/texts.py) says them, in the active language.

The video link is named only inside a confirmed booking (places.video_url); before that a
message says that it comes with the confirmation, and after a cancellation it says nothing.
The coach's messages carry the coach's own link (a moderator's token, where Jitsi checks
tokens)."""

from django.utils.translation import gettext as _

from .calendar_links import add_to_calendar_links
from .models import Booking
from .models.common import Channel
from .places import booking_place

# A booking whose video link is still to come: the client waits for their confirmation (or
# the coach's), the coach for their own answer.
WAITING = (Booking.Status.UNCONFIRMED, Booking.Status.REQUESTED)


def place_line(booking: Booking, *, for_coach: bool = False) -> str:
    """ "Video call: <link>", "In person: <address> (map: <link>)", or "" for a call (the
    channel says it) and a chat."""
    place = booking_place(booking, for_coach=for_coach)
    if place.channel == Channel.VIDEO:
        if place.url:
            return _("Video call: %(url)s") % {"url": place.url}
        if booking.status not in WAITING:
            return ""
        if for_coach:
            return _("Video call: the link appears once you confirm the request.")
        return _("Video call: the link comes with the confirmation of your appointment.")
    if place.channel == Channel.IN_PERSON and place.location:
        return _("In person: %(address)s (map: %(map)s)") % {"address": place.location, "map": place.url}
    return ""


def calendar_lines(booking: Booking, *, feed_url: str = "") -> str:
    """The add-to-calendar links as plain lines under a heading (for an e-mail's text)."""
    links = add_to_calendar_links(booking, feed_url=feed_url)
    return "\n".join([_("Add it to your calendar:"), *(f"{link.label}: {link.url}" for link in links)])
