"""The sentences that tell where a booking's conversation happens, as every message
(outbox/texts.py) and the client's calendars (ics.py) say them, in the active language.

The video link is named only inside a confirmed booking (places.video_url); before that a
message says that it comes with the confirmation, and after a cancellation it says nothing.
The coach's messages carry the coach's own link (a moderator's token, where Jitsi checks
tokens)."""

from django.utils.translation import gettext as _

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
