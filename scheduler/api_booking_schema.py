"""The API's booking as its client reads it (`GET /api/bookings/<token>` and the answers of
booking and cancelling): times in the client's zone, with the links to manage it, where the
conversation happens and until when it can be cancelled online."""

from datetime import datetime
from zoneinfo import ZoneInfo

from ninja import Schema

from . import ics
from .models import Booking
from .models.common import Channel
from .places import booking_place
from .services.booking_rules import online_change_until


class BookingOut(Schema):
    token: str
    status: str
    type: str
    coach: str
    start: datetime
    end: datetime
    channel: str
    timezone: str
    # DESIGN.md's name; respond_by is the same time, kept for clients written before it.
    reply_by: datetime | None
    respond_by: datetime | None
    manage_url: str
    calendar_url: str
    # Where the conversation happens: the address of an in-person meeting; the video call's
    # link, only once the booking is confirmed ("" otherwise).
    location: str
    video_url: str
    # Until when the client may cancel or move it online (the type's deadline; its start when
    # the type sets none); null once it is over.
    cancel_online_until: datetime | None


def booking_out(booking: Booking) -> BookingOut:
    zone = ZoneInfo(booking.time_zone)
    manage_url = ics.booking_manage_url(booking)
    reply_by = booking.respond_by.astimezone(zone) if booking.respond_by else None
    place = booking_place(booking)
    cancel_until = online_change_until(booking)
    return BookingOut(
        token=booking.token,
        status=booking.status,
        type=booking.appointment_type.slug,
        coach=booking.coach.slug,
        start=booking.start.astimezone(zone),
        end=booking.end.astimezone(zone),
        channel=booking.channel,
        timezone=booking.time_zone,
        reply_by=reply_by,
        respond_by=reply_by,
        manage_url=manage_url,
        calendar_url=manage_url + "event.ics",
        location=place.location if place.channel == Channel.IN_PERSON else "",
        video_url=place.url if place.is_video else "",
        cancel_online_until=cancel_until.astimezone(zone) if cancel_until else None,
    )
