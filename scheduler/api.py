"""The JSON API (django-ninja; OpenAPI at /api/docs). Endpoints stay thin:
parse and validate, call a selector or service, shape the answer."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError as NinjaValidationError

from . import selectors
from .models import time_zone_names

MAX_RANGE_DAYS = 62

api = NinjaAPI(title="Sprechzeit API", version="1", urls_namespace="api")


class InvalidParameters(Exception):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors


class ErrorOut(Schema):
    errors: dict[str, str]


class NotFoundOut(Schema):
    detail: str


@api.exception_handler(InvalidParameters)
def invalid_parameters(request, exc: InvalidParameters):
    return api.create_response(request, {"errors": exc.errors}, status=400)


@api.exception_handler(NinjaValidationError)
def invalid_request(request, exc: NinjaValidationError):
    # Ninja answers 422 with pydantic's wording; the contract says 400, per field.
    errors = {}
    for error in exc.errors:
        field = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        errors.setdefault(field, error.get("msg", _("This value is not valid.")))
    return api.create_response(request, {"errors": errors}, status=400)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


class AppointmentTypeOut(Schema):
    slug: str
    name: str
    description: str
    duration_minutes: int
    channels: list[str]
    needs_approval: str


class SlotOut(Schema):
    start: datetime
    end: datetime


class DayOut(Schema):
    date: date
    slots: list[SlotOut]


class SlotsOut(Schema):
    coach: str
    type: str
    timezone: str
    start: date
    end: date
    days: list[DayOut]


@api.get("/coaches/{slug}/types", response={200: list[AppointmentTypeOut], 404: NotFoundOut}, tags=["booking"])
def list_types(request, slug: str):
    coach = get_object_or_404(selectors.coaches(), slug=slug)
    return [
        AppointmentTypeOut(
            slug=t.slug,
            name=t.name,
            description=t.description,
            duration_minutes=t.duration_minutes,
            channels=t.allowed_channels,
            needs_approval=t.approval,
        )
        for t in selectors.appointment_types_bookable(coach=coach)
    ]


def _parse_date(value: str | None, name: str, errors: dict[str, str]) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = _("Give a date as YYYY-MM-DD.")
        return None


@api.get(
    "/coaches/{slug}/slots",
    response={200: SlotsOut, 400: ErrorOut, 404: NotFoundOut},
    tags=["booking"],
    summary="Bookable slots, grouped by the visitor's local date",
)
def list_slots(request, slug: str, type: str, start: str | None = None, end: str | None = None, tz: str | None = None):
    """`start` and `end` are local dates in `tz` (both included; default: the next 31 days in the
    coach's zone); at most 62 days at once. Times are ISO 8601 with the visitor's offset."""
    coach = get_object_or_404(selectors.coaches(), slug=slug)
    errors: dict[str, str] = {}
    zone = coach.zone
    if tz is not None:
        if tz in time_zone_names():
            zone = ZoneInfo(tz)
        else:
            errors["tz"] = _("Unknown time zone; use an IANA name such as Europe/Berlin.")
    appointment_type = selectors.appointment_types_bookable(coach=coach).filter(slug=type).first()
    if appointment_type is None:
        errors["type"] = _("This coach has no bookable appointment type of that name.")
    first_day = _parse_date(start, "start", errors)
    last_day = _parse_date(end, "end", errors)
    if errors:
        raise InvalidParameters(errors)

    first_day = first_day or timezone.now().astimezone(zone).date()
    last_day = last_day or first_day + timedelta(days=30)
    if last_day < first_day:
        raise InvalidParameters({"end": _("The end date is before the start date.")})
    if (last_day - first_day).days + 1 > MAX_RANGE_DAYS:
        raise InvalidParameters({"end": _("Ask for at most %(days)d days at once.") % {"days": MAX_RANGE_DAYS}})

    range_start = datetime.combine(first_day, time(0), tzinfo=zone)
    range_end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
    slots = selectors.slots_bookable(
        appointment_type=appointment_type, range_start=range_start, range_end=range_end, now=timezone.now()
    )
    days: dict[date, list[SlotOut]] = {}
    for slot in slots:
        local_start = slot.start.astimezone(zone)
        days.setdefault(local_start.date(), []).append(SlotOut(start=local_start, end=slot.end.astimezone(zone)))
    return SlotsOut(
        coach=coach.slug,
        type=appointment_type.slug,
        timezone=zone.key,
        start=first_day,
        end=last_day,
        days=[DayOut(date=day, slots=day_slots) for day, day_slots in days.items()],
    )
