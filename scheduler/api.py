"""The JSON API (django-ninja; OpenAPI at /api/docs). Endpoints stay thin:
parse and validate, call a selector or service, shape the answer."""

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field, create_model, field_validator
from pydantic_core import PydanticCustomError

from coach_api.api import router as coach_router
from config.middleware import unstorable, unstorable_message

from . import phrases, ratelimit, timebounds
from .api_booking_schema import BookingOut, booking_out
from .api_reachability import router as reachability_router
from .api_slots_schema import SlotsOut, slots_json
from .models import Booking
from .models.common import Channel, time_zone_names
from .selectors.bookings import bookings_with_details
from .selectors.coaches import appointment_type_bookable, appointment_types_bookable, coaches
from .selectors.slots import slots_bookable
from .selectors.slots_answers import slots_answer_cached, slots_answer_keep, slots_answer_key
from .services.booking import SlotTaken, booking_cancel, booking_create
from .services.booking_request import BookingRequest, booking_request_parse
from .services.booking_rules import ChangeDeadlinePassed
from .views.errors import RETRY_AFTER_SECONDS, database_unavailable_message

MAX_RANGE_DAYS = 62

api = NinjaAPI(title="Sprechzeit API", version="1", urls_namespace="api")
# GET /coaches/<slug>/reachability lives in its own module (this one is near its size limit).
api.add_router("", reachability_router)
api.add_router("/coach/", coach_router)


class InvalidParameters(Exception):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors


class ErrorOut(Schema):
    errors: dict[str, str]


class NotFoundOut(Schema):
    detail: str


class DetailOut(Schema):
    detail: str


@api.exception_handler(InvalidParameters)
def invalid_parameters(request, exc: InvalidParameters):
    return api.create_response(request, {"errors": exc.errors}, status=400)


@api.exception_handler(NinjaValidationError)
def invalid_request(request, exc: NinjaValidationError):
    # Ninja answers 422 with pydantic's wording; the contract says 400, per field.
    errors = {}
    for error in exc.errors:
        # loc is like ("body", "payload", "start") or ("query", "type"): keep the field name.
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        field = ".".join(location) or "request"
        message = _("This field is required.") if error.get("type") == "missing" else error.get("msg", "")
        errors.setdefault(field, message or _("This value is not valid."))
    return api.create_response(request, {"errors": errors}, status=400)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # Ninja's 400 is a body it cannot parse, answered {"detail": ...}; the contract's 400 names fields.
    if exc.status_code == 400:
        return api.create_response(request, {"errors": {"request": _("The body must be a JSON object.")}}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request, exc):
    # The 503 of scheduler/views/errors.py in JSON (ninja meets its views' errors before the middleware).
    response = api.create_response(request, {"detail": database_unavailable_message()}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class AppointmentTypeOut(Schema):
    slug: str
    name: str
    description: str
    duration_minutes: int
    channels: list[str]
    # Where a client who chooses in_person meets the coach ("" when the type has no meeting).
    location: str
    needs_approval: str


@api.get(
    "/coaches/{slug}/types",
    response={200: list[AppointmentTypeOut], 404: NotFoundOut, 503: DetailOut},
    tags=["booking"],
)
def list_types(request, slug: str):
    coach = get_object_or_404(coaches(), slug=slug)
    return [
        AppointmentTypeOut(
            slug=t.slug,
            name=t.local_name,
            description=t.local_description,
            duration_minutes=t.duration_minutes,
            channels=t.allowed_channels,
            location=t.location.strip() if Channel.IN_PERSON in t.allowed_channels else "",
            needs_approval=t.approval,
        )
        for t in appointment_types_bookable(coach=coach)
    ]


@api.get(
    "/coaches/{slug}/slots",
    response={200: SlotsOut, 400: ErrorOut, 404: NotFoundOut, 503: DetailOut},
    tags=["booking"],
    summary="Bookable slots, grouped by the visitor's local date",
)
def list_slots(request, slug: str, type: str, start: str | None = None, end: str | None = None, tz: str | None = None):
    """`start` and `end` are local dates in `tz` (both included; default: the next 31 days in the
    coach's zone); at most 62 days at once. Times are ISO 8601 with the visitor's offset."""
    key = slots_answer_key(coach=slug, type=type, start=start, end=end, tz=tz)
    body, versions = slots_answer_cached(key=key)
    if body is not None:
        return HttpResponse(body, content_type="application/json; charset=utf-8")
    # The bookable type as the booking endpoint finds it (cached per process); the coach
    # is looked up on its own only to tell an unknown coach (404) from an unknown type (400).
    appointment_type = appointment_type_bookable(coach_slug=slug, type_slug=type)
    coach = appointment_type.coach if appointment_type else get_object_or_404(coaches(), slug=slug)
    errors: dict[str, str] = {}
    zone = coach.zone
    if tz is not None:
        if tz in time_zone_names():
            zone = ZoneInfo(tz)
        else:
            errors["tz"] = _("Unknown time zone; use an IANA name such as Europe/Berlin.")
    if appointment_type is None:
        errors["type"] = _("This coach has no bookable appointment type of that name.")
    first_day = timebounds.date_parameter(start, "start", errors)
    last_day = timebounds.date_parameter(end, "end", errors)
    if errors:
        raise InvalidParameters(errors)

    first_day = first_day or timezone.now().astimezone(zone).date()
    last_day = last_day or first_day + timedelta(days=30)
    if last_day < first_day:
        raise InvalidParameters({"end": _("The end date is before the start date.")})
    if (last_day - first_day).days + 1 > MAX_RANGE_DAYS:
        raise InvalidParameters({"end": _("Ask for at most %(days)d days at once.") % {"days": MAX_RANGE_DAYS}})

    range_end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
    slots = slots_bookable(
        appointment_type=appointment_type,
        range_start=datetime.combine(first_day, time(0), tzinfo=zone),
        range_end=range_end,
        now=timezone.now(),
    )
    body = slots_json(slots, appointment_type=appointment_type, first_day=first_day, last_day=last_day, zone=zone)
    # The question in plain values, for computing it again ahead (services/slots_answers_warm.py).
    recipe = {
        "kind": "api",
        "type": appointment_type.pk,
        "first_day": f"{first_day}",
        "last_day": f"{last_day}",
        "tz": zone.key,
    }
    slots_answer_keep(
        key=key,
        versions=versions,
        body=body,
        slots=slots,
        appointment_type=appointment_type,
        range_end=range_end,
        recipe=recipe,
    )
    return HttpResponse(body, content_type="application/json; charset=utf-8")


class BookingBody(Schema):
    """What a booking's body has besides BookingRequest's text fields (BookingIn adds those)."""

    type: str
    start: str
    # The zone is called `timezone` here, as in the answers.
    timezone: str = ""
    # As on the form: the client agrees to the privacy notice, or nothing is stored.
    privacy_consent: bool = False

    @field_validator("*", mode="after")
    @classmethod
    def storable(cls, value):
        # A NUL or a lone surrogate (JSON allows both) would reach the database and fail there.
        if isinstance(value, str) and unstorable(value):
            raise PydanticCustomError("unstorable", unstorable_message())
        return value


# BookingRequest's text fields under their own names, "" when left out. The channel's values
# are documented here and checked by booking_request_clean (a 400 that names the type's).
CHANNEL_FIELD = Field("", json_schema_extra={"enum": list(Channel.values)}, description="One of the type's `channels`.")
BookingIn = create_model(
    "BookingIn",
    __base__=BookingBody,
    **{name: (str, CHANNEL_FIELD if name == "channel" else "") for name in BookingRequest.text_fields()},
)


def _field_errors(exc: DjangoValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {field: " ".join(messages) for field, messages in exc.message_dict.items()}
    return {"request": " ".join(exc.messages)}


def _too_many(request, seconds: int, detail: str):
    response = api.create_response(request, {"detail": detail}, status=429)
    response["Retry-After"] = str(seconds)
    return response


@api.post(
    "/coaches/{slug}/bookings",
    response={201: BookingOut, 400: ErrorOut, 404: NotFoundOut, 409: DetailOut, 429: DetailOut, 503: DetailOut},
    tags=["booking"],
    summary="Book a slot",
)
def create_booking(request, slug: str, payload: BookingIn):
    """`start` is one of the slots' starts (ISO 8601 with offset). The channel decides which
    contact field is required: `phone` for phone, `threema_id` for threema, `whatsapp` for
    whatsapp; video, in_person and email need none (their messages go by e-mail). 400 names every
    field's problem at once; 409 means someone else got the slot first."""
    appointment_type = appointment_type_bookable(coach_slug=slug, type_slug=payload.type)
    if appointment_type is None:
        get_object_or_404(coaches(), slug=slug)
    if wait := ratelimit.booking_attempt_limited(request, payload.email):
        return _too_many(request, wait, _("Too many booking attempts. Please wait a moment and try again."))
    if appointment_type is None:
        raise InvalidParameters({"type": _("This coach has no bookable appointment type of that name.")})
    booking_request = booking_request_parse(data=payload.model_dump(), zone_field="timezone")
    try:
        booking = booking_create(appointment_type=appointment_type, request=booking_request)
    except DjangoValidationError as exc:
        raise InvalidParameters(_field_errors(exc)) from None
    except SlotTaken:
        return Status(409, {"detail": _("This time was just taken. Please choose another one.")})
    return Status(201, booking_out(booking))


def _booking_by_token(token: str) -> Booking:
    return get_object_or_404(bookings_with_details(), token=token)


@api.get(
    "/bookings/{token}", response={200: BookingOut, 404: NotFoundOut, 429: DetailOut, 503: DetailOut}, tags=["booking"]
)
def get_booking(request, token: str):
    if wait := ratelimit.booking_link_limited(request):
        return _too_many(request, wait, str(phrases.TOO_MANY_REQUESTS % {"seconds": wait}))
    return booking_out(_booking_by_token(token))


@api.post(
    "/bookings/{token}/cancel",
    response={200: BookingOut, 400: ErrorOut, 404: NotFoundOut, 409: DetailOut, 429: DetailOut, 503: DetailOut},
    tags=["booking"],
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object", "properties": {"note": {"type": "string"}}}}},
        }
    },
)
def cancel_booking(request, token: str):
    """Optional JSON body `{"note": "..."}`: a note shown to the coach. 409 when the type's
    deadline for cancelling online (`cancel_online_until`) has passed: the detail says whom
    to contact instead."""
    if wait := ratelimit.booking_link_limited(request):
        return _too_many(request, wait, str(phrases.TOO_MANY_REQUESTS % {"seconds": wait}))
    booking = _booking_by_token(token)
    try:
        body = json.loads(request.body or b"{}")
        note = body.get("note", "") if isinstance(body, dict) else ""
    except (ValueError, UnicodeDecodeError):
        raise InvalidParameters({"request": _('The body must be JSON, e.g. {"note": "..."}.')}) from None
    if unstorable(str(note)):
        raise InvalidParameters({"note": unstorable_message()})
    try:
        booking = booking_cancel(booking=booking, note=str(note)[:2000])
    except ChangeDeadlinePassed as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    except DjangoValidationError as exc:
        raise InvalidParameters(_field_errors(exc)) from None
    return booking_out(booking)
