"""The coach's API, mounted at /api/coach/ on the JSON API of scheduler/api.py (one OpenAPI
document): a personal access token (`Authorization: Bearer …`, coach_api/auth.py) names the
coach; another coach's object is a 404. Writes go through the services the workspace calls
(scheduler/views/coach/*), so the client's messages and the calendars follow."""

import functools
import uuid
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from scheduler import phrases, timebounds
from scheduler.models import Booking
from scheduler.selectors.coach_bookings import coach_booking
from scheduler.selectors.coaches import appointment_types_active
from scheduler.selectors.slots import slots_bookable
from scheduler.services import booking as booking_services
from scheduler.services.booking import SlotTaken

from . import auth
from .api_availability import router as availability_router
from .errors import InvalidParameters, service_errors
from .schemas import (
    CoachBookingOut,
    CoachBookingPageOut,
    CoachDetailOut,
    CoachErrorOut,
    CoachMoveIn,
    CoachNoteIn,
    coach_booking_out,
)
from .selectors import api_bookings

router = Router(auth=auth.read, throttle=auth.throttle, tags=["coach"])
router.add_router("/availability/", availability_router)

# The answers every operation may give besides its own.
ANSWERS = {401: CoachDetailOut, 404: CoachDetailOut, 429: CoachDetailOut, 503: CoachDetailOut}
WRITE_ANSWERS = {**ANSWERS, 400: CoachErrorOut, 403: CoachDetailOut}
# A booking's confirm, decline, cancel and move: the booking as it is after, 409 when it cannot.
ACTION_ANSWERS = {200: CoachBookingOut, 409: CoachDetailOut, **WRITE_ANSWERS}
# Slots asked for at once when moving a booking (days).
MAX_SLOT_DAYS = 62
STATUSES = [status for status in Booking.Status.values if status != Booking.Status.UNCONFIRMED]


class BookingFilters(Schema):
    status: str = Field("", json_schema_extra={"enum": ["", *STATUSES]})
    type: str = Field("", description="An appointment type's slug.")
    start: str = Field("", description="The first local date (YYYY-MM-DD, the coach's zone).")
    end: str = Field("", description="The last local date, included.")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


def _booking(request, booking_id: str) -> Booking:
    """One of the token's coach's bookings by its opaque id; anything else is a 404."""
    try:
        booking_uuid = uuid.UUID(booking_id)
    except ValueError:
        raise Http404 from None
    booking = coach_booking(coach=request.coach, booking_uuid=booking_uuid)
    if booking is None:
        raise Http404
    return booking


def _out(request, booking: Booking) -> CoachBookingOut:
    return coach_booking_out(booking, zone=request.coach.zone)


@router.get(
    "/bookings",
    url_name="coach_bookings",
    response={200: CoachBookingPageOut, 400: CoachErrorOut, **ANSWERS},
    summary="The coach's bookings",
)
def list_bookings(request, filters: Query[BookingFilters]):
    """By their start. Unconfirmed bookings (the client has not confirmed their address yet) are not listed."""
    errors: dict[str, str] = {}
    if filters.status and filters.status not in STATUSES:
        errors["status"] = _("Choose one of: %(values)s.") % {"values": ", ".join(STATUSES)}
    first_day = timebounds.date_parameter(filters.start or None, "start", errors)
    last_day = timebounds.date_parameter(filters.end or None, "end", errors)
    if errors:
        raise InvalidParameters(errors)
    bookings = api_bookings(
        coach=request.coach, status=filters.status, type_slug=filters.type, first_day=first_day, last_day=last_day
    )
    count = bookings.count()
    offset = (filters.page - 1) * filters.page_size
    rows = bookings[offset : offset + filters.page_size] if offset < count else []
    return CoachBookingPageOut(
        count=count,
        page=filters.page,
        pages=max(1, -(-count // filters.page_size)),
        results=[_out(request, booking) for booking in rows],
    )


@router.get("/bookings/{booking_id}", url_name="coach_booking", response={200: CoachBookingOut, **ANSWERS})
def get_booking(request, booking_id: str):
    return _out(request, _booking(request, booking_id))


def _act(request, booking_id: str, write):
    """Run a service on the booking; its refusal (already answered, begun, …) is a 409."""
    booking = _booking(request, booking_id)
    try:
        booking = write(booking=booking)
    except ValidationError as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    return _out(request, booking)


@router.post(
    "/bookings/{booking_id}/confirm",
    url_name="coach_booking_confirm",
    response=ACTION_ANSWERS,
    auth=auth.write,
)
def confirm_booking(request, booking_id: str):
    """Confirm a request; the client is told through their channel. 409 for anything but a request."""
    return _act(request, booking_id, booking_services.booking_confirm)


@router.post(
    "/bookings/{booking_id}/decline",
    url_name="coach_booking_decline",
    response=ACTION_ANSWERS,
    auth=auth.write,
)
def decline_booking(request, booking_id: str, payload: CoachNoteIn):
    """Decline a request with an optional note to the client; the time is free again."""
    return _act(request, booking_id, functools.partial(booking_services.booking_decline, note=payload.note))


@router.post(
    "/bookings/{booking_id}/cancel",
    url_name="coach_booking_cancel",
    response=ACTION_ANSWERS,
    auth=auth.write,
)
def cancel_booking(request, booking_id: str, payload: CoachNoteIn):
    """Cancel a booking that has not begun, with an optional note; the client is told, the time is free again."""
    cancel = functools.partial(booking_services.booking_cancel, note=payload.note, by_coach=True)
    return _act(request, booking_id, cancel)


class CoachMoveSlotsOut(Schema):
    starts: list[datetime]


@router.get(
    "/bookings/{booking_id}/slots",
    url_name="coach_booking_slots",
    response={200: CoachMoveSlotsOut, 400: CoachErrorOut, **ANSWERS},
)
def booking_slots(request, booking_id: str, start: str = "", end: str = ""):
    """The starts the booking can be moved to (its own time free to it), in the coach's zone;
    `start` and `end` are local dates (both included; default the next 14 days), at most 62 days."""
    booking = _booking(request, booking_id)
    zone = request.coach.zone
    errors: dict[str, str] = {}
    first_day = timebounds.date_parameter(start or None, "start", errors)
    last_day = timebounds.date_parameter(end or None, "end", errors)
    if errors:
        raise InvalidParameters(errors)
    first_day = first_day or timezone.now().astimezone(zone).date()
    last_day = last_day or first_day + timedelta(days=13)
    if last_day < first_day:
        raise InvalidParameters({"end": _("The end date is before the start date.")})
    if (last_day - first_day).days + 1 > MAX_SLOT_DAYS:
        raise InvalidParameters({"end": _("Ask for at most %(days)d days at once.") % {"days": MAX_SLOT_DAYS}})
    if not (booking.is_active and booking.start > timezone.now()):
        return CoachMoveSlotsOut(starts=[])
    slots = slots_bookable(
        appointment_type=booking.appointment_type,
        range_start=_midnight(first_day, zone),
        range_end=_midnight(last_day + timedelta(days=1), zone),
        now=timezone.now(),
        exclude_booking=booking,
    )
    return CoachMoveSlotsOut(starts=[slot.start.astimezone(zone) for slot in slots])


def _midnight(day: date, zone) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


@router.post(
    "/bookings/{booking_id}/move",
    url_name="coach_booking_move",
    response=ACTION_ANSWERS,
    auth=auth.write,
)
def move_booking(request, booking_id: str, payload: CoachMoveIn):
    """Move the booking to one of the starts `…/slots` offers; the client is told the new time.
    400 when the time is not offered (or the booking cannot move), 409 when it was just taken."""
    booking = _booking(request, booking_id)
    start = timebounds.parse_start(payload.start)
    try:
        if start is None:
            raise ValidationError(phrases.SLOT_GONE)
        booking = booking_services.booking_reschedule(booking=booking, start=start, by_coach=True)
    except ValidationError as exc:
        raise InvalidParameters(service_errors(exc, "start")) from None
    except SlotTaken:
        return Status(409, {"detail": str(phrases.SLOT_TAKEN_MOVE)})
    return _out(request, booking)


class CoachTypeOut(Schema):
    slug: str
    name: str
    name_en: str
    duration_minutes: int
    channels: list[str]
    approval: str
    # Shown on the public page; an unlisted type is booked through booking links.
    listed: bool


@router.get("/types", url_name="coach_types", response={200: list[CoachTypeOut], **ANSWERS})
def list_types(request):
    """The coach's bookable appointment types, listed or not."""
    return [
        CoachTypeOut(
            slug=t.slug,
            name=t.name,
            name_en=t.name_en,
            duration_minutes=t.duration_minutes,
            channels=t.allowed_channels,
            approval=t.approval,
            listed=t.listed,
        )
        for t in appointment_types_active(coach=request.coach).order_by("pk")
    ]
