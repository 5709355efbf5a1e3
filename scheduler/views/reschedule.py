"""Moving a booking to another time: one flow for the client (/b/<token>/reschedule/) and
the coach (/coach/bookings/<uuid>/reschedule/). Each view finds and authorises the booking,
and says the result its own way; the picker and the move are the same."""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import phrases
from ..models import Booking
from ..services.booking import SlotTaken, booking_reschedule
from ..timebounds import parse_start
from .slot_picker import slot_picker


@dataclass(frozen=True)
class Rescheduling:
    moved: bool  # the booking is at the chosen time now: the view says so and redirects
    context: dict = field(default_factory=dict)  # else the page: the picker, the chosen time, what went wrong
    status: int = 200


def reschedule(
    request, booking: Booking, *, zone: ZoneInfo, by_coach: bool = False, wait: int | None = None
) -> Rescheduling:
    """GET: the slot picker for the booking's type, in `zone`, with the booking itself left
    out (its own time is free to it), and whether the chosen `start` is offered. POST
    `start`: move the booking there. `wait` is the seconds a POST must wait first (the
    client's link limit): the page comes again with the chosen time, and nothing moves."""
    params = request.POST if request.method == "POST" else request.GET
    start = parse_start(params.get("start"))
    errors, status = [], 200
    if request.method == "POST" and wait:
        errors, status = [phrases.TOO_MANY_REQUESTS % {"seconds": wait}], 429
    elif request.method == "POST":
        try:
            if start is None:
                raise ValidationError(phrases.SLOT_GONE)
            booking_reschedule(booking=booking, start=start, by_coach=by_coach)
        except ValidationError as exc:
            errors, status = exc.messages, 400
        except SlotTaken:
            errors, status = [phrases.SLOT_TAKEN_MOVE], 409
        else:
            return Rescheduling(moved=True)
        booking.refresh_from_db()
    now = timezone.now()
    picker = None
    if booking.is_active and booking.start > now:
        picker = slot_picker(
            appointment_type=booking.appointment_type,
            zone=zone,
            params=params,
            start=start,
            now=now,
            exclude_booking=booking,
            # The picker marks the booking's own time; the coach reads it as the client's.
            current_label=_("the booking's current time") if by_coach else None,
        )
        if start and not picker["start_offered"] and not errors:
            errors = [phrases.SLOT_GONE]
    chosen = start if picker and picker["start_offered"] else None
    context = {
        "booking": booking,
        "zone": zone,
        "picker": picker,
        "start": chosen,
        "end": chosen + booking.appointment_type.duration if chosen else None,
        "start_value": chosen.astimezone(zone).isoformat() if chosen else "",
        "errors": errors,
    }
    return Rescheduling(moved=False, context=context, status=status)
