"""Where a booking's conversation takes place, in one place for every text that says it
(messages, pages, invitations, feeds, the CalDAV calendar): the coach's call, a Jitsi Meet
room of its own, an address with a map link, or a chat/e-mail channel.

A video room's name is unguessable (160 random bits) and its link is given only inside a
confirmed booking: a request or an unconfirmed booking has no room to join yet. With a
self-hosted Jitsi that checks tokens (JITSI_APP_ID + JITSI_APP_SECRET), every link carries a
JWT for its participant, valid from an hour before the appointment to an hour after it."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode, urlsplit

import jwt
from django.conf import settings

from .models import Booking
from .models.common import Channel

# A token is accepted this long before the start and after the end (joining early, overrunning).
JWT_MARGIN = timedelta(hours=1)
OSM_SEARCH = "https://www.openstreetmap.org/search"


def video_room_new() -> str:
    """A Jitsi room name nobody can guess: 160 random bits in lower-case hex (Jitsi may
    lower-case room names, so no letter's case carries any of the bits)."""
    return secrets.token_hex(20)


def map_url(address: str) -> str:
    """OpenStreetMap's search for the address."""
    return f"{OSM_SEARCH}?{urlencode({'query': address})}"


def video_token(booking: Booking, *, name: str, moderator: bool) -> str:
    """The JWT a self-hosted Jitsi with token authentication asks of each participant
    (the claims of jitsi-meet's token documentation), signed with JITSI_APP_SECRET."""
    host = urlsplit(settings.JITSI_URL).hostname or "*"
    claims = {
        "aud": "jitsi",
        "iss": settings.JITSI_APP_ID,
        "sub": host,
        "room": booking.video_room,
        "nbf": int((booking.start - JWT_MARGIN).timestamp()),
        "exp": int((booking.end + JWT_MARGIN).timestamp()),
        "context": {"user": {"name": name, "moderator": moderator}},
    }
    return jwt.encode(claims, settings.JITSI_APP_SECRET, algorithm="HS256")


def video_url(booking: Booking, *, for_coach: bool = False) -> str:
    """The link to the booking's room for the client (or the coach, the moderator); "" when
    the booking has no room or is not confirmed."""
    if booking.channel != Channel.VIDEO or not booking.video_room or booking.status != Booking.Status.CONFIRMED:
        return ""
    url = f"{settings.JITSI_URL.rstrip('/')}/{quote(booking.video_room)}"
    if settings.JITSI_APP_ID and settings.JITSI_APP_SECRET:
        name = booking.coach.display_name if for_coach else booking.client_name
        url += "?" + urlencode({"jwt": video_token(booking, name=name, moderator=for_coach)})
    return url


@dataclass(frozen=True)
class Place:
    """Where the conversation happens: `location` is what a calendar's LOCATION says (an
    address, or the video link), `url` the link to follow (the room, the map), both "" when
    there is none (a call, a chat, a video room not confirmed yet)."""

    channel: str
    location: str = ""
    url: str = ""

    @property
    def is_video(self) -> bool:
        return self.channel == Channel.VIDEO


def booking_place(booking: Booking, *, for_coach: bool = False) -> Place:
    if booking.channel == Channel.IN_PERSON:
        address = booking.appointment_type.location.strip()
        return Place(booking.channel, address, map_url(address) if address else "")
    if booking.channel == Channel.VIDEO:
        url = video_url(booking, for_coach=for_coach)
        return Place(booking.channel, url, url)
    return Place(booking.channel)
