"""What the coach's API reads and answers: bookings as the coach sees them (times in the
coach's zone, the booking's opaque `id` its uuid, never the sequential pk), errors, notes."""

from datetime import datetime
from zoneinfo import ZoneInfo

from ninja import Schema
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from config.middleware import unstorable, unstorable_message
from scheduler.forms.coach_bookings import NOTE_MAX_LENGTH
from scheduler.models import Booking


class DetailOut(Schema):
    detail: str


class ErrorOut(Schema):
    errors: dict[str, str]


class StorableIn(Schema):
    @field_validator("*", mode="after")
    @classmethod
    def storable(cls, value):
        # A NUL or a lone surrogate (JSON allows both) would reach the database and fail there.
        if isinstance(value, str) and unstorable(value):
            raise PydanticCustomError("unstorable", unstorable_message())
        return value


class NoteIn(StorableIn):
    note: str = Field("", max_length=NOTE_MAX_LENGTH, description="Part of the message the client receives.")


class MoveIn(StorableIn):
    start: str = Field(description="One of the starts `GET …/slots` offers (ISO 8601 with offset).")


class ClientOut(Schema):
    name: str
    email: str


class CoachBookingOut(Schema):
    id: str
    status: str
    type: str
    start: datetime
    end: datetime
    channel: str
    # How the client is reached on the channel, as this booking gave it.
    contact: str
    client: ClientOut
    message: str
    # A request's deadline for the coach's answer.
    reply_by: datetime | None
    # The note of whoever declined or cancelled.
    note: str
    outcome: str
    booked_by_coach: bool
    created_at: datetime


class BookingPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[CoachBookingOut]


def coach_booking_out(booking: Booking, *, zone: ZoneInfo) -> CoachBookingOut:
    """The booking in `zone` (the coach's)."""
    return CoachBookingOut(
        id=str(booking.uuid),
        status=booking.status,
        type=booking.appointment_type.slug,
        start=booking.start.astimezone(zone),
        end=booking.end.astimezone(zone),
        channel=booking.channel,
        contact=booking.contact,
        client=ClientOut(name=booking.client_name or booking.client.name, email=booking.client.email),
        message=booking.message,
        reply_by=booking.respond_by.astimezone(zone) if booking.respond_by else None,
        note=booking.status_note,
        outcome=booking.outcome,
        booked_by_coach=booking.booked_by_coach,
        created_at=booking.created_at.astimezone(zone),
    )
