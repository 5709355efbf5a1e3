"""What the coach's API reads and answers: bookings as the coach sees them (times in the
coach's zone, the booking's opaque `id` its uuid, never the sequential pk), errors, notes."""

from datetime import datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, Field, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from config.middleware import unstorable, unstorable_message
from scheduler.forms.coach_bookings import NOTE_MAX_LENGTH
from scheduler.models import Booking


def _local(value: time) -> time:
    # A wall-clock time in the coach's zone: an offset would be meaningless (and the database
    # stores none), seconds' fractions are not kept.
    if value.tzinfo is not None:
        raise PydanticCustomError("local_time", _("Give a local time without an offset, e.g. 09:00."))
    return value.replace(microsecond=0)


LocalTime = Annotated[
    time,
    AfterValidator(_local),
    WithJsonSchema({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?$", "examples": ["09:00"]}),
]


class CoachDetailOut(Schema):
    detail: str


class CoachErrorOut(Schema):
    errors: dict[str, str]


class StorableIn(Schema):
    @field_validator("*", mode="after")
    @classmethod
    def storable(cls, value):
        # A NUL or a lone surrogate (JSON allows both) would reach the database and fail there.
        if isinstance(value, str) and unstorable(value):
            raise PydanticCustomError("unstorable", unstorable_message())
        return value


class CoachNoteIn(StorableIn):
    note: str = Field("", max_length=NOTE_MAX_LENGTH, description="Part of the message the client receives.")


class CoachMoveIn(StorableIn):
    start: str = Field(description="One of the starts `GET …/slots` offers (ISO 8601 with offset).")


class CoachClientOut(Schema):
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
    client: CoachClientOut
    message: str
    # A request's deadline for the coach's answer.
    reply_by: datetime | None
    # The note of whoever declined or cancelled.
    note: str
    outcome: str
    booked_by_coach: bool
    created_at: datetime


class CoachBookingPageOut(Schema):
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
        client=CoachClientOut(name=booking.client_name or booking.client.name, email=booking.client.email),
        message=booking.message,
        reply_by=booking.respond_by.astimezone(zone) if booking.respond_by else None,
        note=booking.status_note,
        outcome=booking.outcome,
        booked_by_coach=booking.booked_by_coach,
        created_at=booking.created_at.astimezone(zone),
    )
