"""The coach's availability through the API (/api/coach/availability/…): weekly hours,
reply windows, date overrides and blocked periods, read and changed through
scheduler/services/coach_availability.py as the workspace's editor does. Times are the
coach's local times; a row is named by its id, and another coach's is a 404."""

import uuid
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from scheduler import timebounds
from scheduler.models.coach_availability import REPLY_CHANNELS
from scheduler.selectors.coach_availability import (
    appointment_types_of,
    blocked_periods_upcoming,
    date_overrides_upcoming,
    weekly_hours_of,
)
from scheduler.services import coach_availability as services

from . import auth
from .errors import InvalidParameters, service_errors
from .schemas import CoachBookingOut, CoachDetailOut, CoachErrorOut, LocalTime, StorableIn, coach_booking_out
from .selectors import api_bookings

router = Router()

ANSWERS = {401: CoachDetailOut, 404: CoachDetailOut, 429: CoachDetailOut, 503: CoachDetailOut}
WRITE_ANSWERS = {**ANSWERS, 400: CoachErrorOut, 403: CoachDetailOut}
WEEKDAY = Field(ge=0, le=6, description="0 is Monday.")


def _saved(write):
    """Run a service; what it refuses is a 400 per field."""
    try:
        return write()
    except ValidationError as exc:
        raise InvalidParameters(service_errors(exc)) from None


class CoachHoursIn(Schema):
    weekday: int = WEEKDAY
    start: LocalTime
    end: LocalTime
    types: list[str] = Field(default_factory=list, description="Slugs of the types it is for; none: every type.")


class CoachHoursOut(CoachHoursIn):
    pass


@router.get("/weekly-hours", url_name="coach_weekly_hours", response={200: list[CoachHoursOut], **ANSWERS})
def get_weekly_hours(request):
    return [
        CoachHoursOut(
            weekday=row.weekday, start=row.start, end=row.end, types=[t.slug for t in row.appointment_types.all()]
        )
        for row in weekly_hours_of(coach=request.coach)
    ]


@router.put(
    "/weekly-hours",
    url_name="coach_weekly_hours",
    response={200: list[CoachHoursOut], **WRITE_ANSWERS},
    auth=auth.write,
)
def put_weekly_hours(request, payload: list[CoachHoursIn]):
    """Replace all weekly hours with these windows (all or nothing)."""
    types = {t.slug: t for t in appointment_types_of(coach=request.coach)}
    unknown = sorted({slug for window in payload for slug in window.types} - set(types))
    if unknown:
        raise InvalidParameters({"types": _("You have no appointment type %(slugs)s.") % {"slugs": ", ".join(unknown)}})
    windows = [
        services.HoursWindow(
            weekday=w.weekday, start=w.start, end=w.end, appointment_types=frozenset(types[s] for s in w.types)
        )
        for w in payload
    ]
    _saved(lambda: services.weekly_hours_replace(coach=request.coach, windows=windows))
    return get_weekly_hours(request)


class CoachReplyWindowIn(Schema):
    weekday: int = WEEKDAY
    start: LocalTime
    end: LocalTime
    channels: list[str] = Field(
        default_factory=list, json_schema_extra={"items": {"enum": list(REPLY_CHANNELS)}}, description="None: all."
    )


class CoachReplyWindowOut(CoachReplyWindowIn):
    id: int


def _reply_window_out(window) -> CoachReplyWindowOut:
    return CoachReplyWindowOut(
        id=window.pk, weekday=window.weekday, start=window.start, end=window.end, channels=window.channels
    )


@router.get("/reply-windows", url_name="coach_reply_windows", response={200: list[CoachReplyWindowOut], **ANSWERS})
def list_reply_windows(request):
    return [_reply_window_out(w) for w in request.coach.reply_windows.order_by("weekday", "start")]


@router.post(
    "/reply-windows",
    url_name="coach_reply_windows",
    response={201: CoachReplyWindowOut, **WRITE_ANSWERS},
    auth=auth.write,
)
def create_reply_window(request, payload: CoachReplyWindowIn):
    window = _saved(lambda: services.reply_window_create(coach=request.coach, **payload.dict()))
    return Status(201, _reply_window_out(window))


@router.put(
    "/reply-windows/{window_id}",
    url_name="coach_reply_window",
    response={200: CoachReplyWindowOut, **WRITE_ANSWERS},
    auth=auth.write,
)
def update_reply_window(request, window_id: int, payload: CoachReplyWindowIn):
    window = get_object_or_404(request.coach.reply_windows, pk=window_id)
    return _reply_window_out(_saved(lambda: services.reply_window_update(window=window, **payload.dict())))


@router.delete(
    "/reply-windows/{window_id}",
    url_name="coach_reply_window",
    response={204: None, **WRITE_ANSWERS},
    auth=auth.write,
)
def delete_reply_window(request, window_id: int):
    services.reply_window_delete(window=get_object_or_404(request.coach.reply_windows, pk=window_id))
    return Status(204, None)


class CoachDateOverrideIn(Schema):
    date: date
    start: LocalTime | None = Field(None, description="With `end`: the day's own hours; neither: the day is closed.")
    end: LocalTime | None = None


class CoachDateOverrideOut(CoachDateOverrideIn):
    id: int


@router.get("/date-overrides", url_name="coach_date_overrides", response={200: list[CoachDateOverrideOut], **ANSWERS})
def list_date_overrides(request):
    """From today on."""
    overrides = date_overrides_upcoming(coach=request.coach, now=timezone.now())
    return [CoachDateOverrideOut(id=o.pk, date=o.date, start=o.start, end=o.end) for o in overrides]


@router.post(
    "/date-overrides",
    url_name="coach_date_overrides",
    response={201: CoachDateOverrideOut, **WRITE_ANSWERS},
    auth=auth.write,
)
def create_date_override(request, payload: CoachDateOverrideIn):
    if not timebounds.date_in_bounds(payload.date):
        raise InvalidParameters({"date": _("Give a date between 1900 and 2999.")})
    override = _saved(
        lambda: services.date_override_create(
            coach=request.coach, day=payload.date, start=payload.start, end=payload.end
        )
    )
    return Status(201, CoachDateOverrideOut(id=override.pk, date=override.date, start=override.start, end=override.end))


@router.delete(
    "/date-overrides/{override_id}",
    url_name="coach_date_override",
    response={204: None, **WRITE_ANSWERS},
    auth=auth.write,
)
def delete_date_override(request, override_id: int):
    services.date_override_delete(override=get_object_or_404(request.coach.date_overrides, pk=override_id))
    return Status(204, None)


class CoachBlockedPeriodIn(StorableIn):
    """Whole days (`first_day`, `last_day`) or an exact span (`start`, `end`, ISO 8601 with offset)."""

    title: str = Field(max_length=200)
    public_note: str = Field("", max_length=200)
    public_note_en: str = Field("", max_length=200)
    first_day: date | None = None
    last_day: date | None = None
    start: datetime | None = None
    end: datetime | None = None
    decided: list[str] = Field(
        default_factory=list, description="The ids of the bookings in the period that the 409 named."
    )
    cancel_bookings: bool = Field(False, description="Cancel the decided bookings (else they are kept).")
    note: str = Field("", max_length=2000, description="The note to the clients of cancelled bookings.")


class CoachBlockedPeriodOut(Schema):
    id: int
    title: str
    public_note: str
    public_note_en: str
    first_day: date | None
    last_day: date | None
    start: datetime | None
    end: datetime | None


class CoachCollisionsOut(Schema):
    detail: str
    bookings: list[CoachBookingOut]


def _period_out(period, zone) -> CoachBlockedPeriodOut:
    return CoachBlockedPeriodOut(
        id=period.pk,
        title=period.title,
        public_note=period.public_note,
        public_note_en=period.public_note_en,
        first_day=period.first_day,
        last_day=period.last_day,
        start=period.start.astimezone(zone) if period.start else None,
        end=period.end.astimezone(zone) if period.end else None,
    )


@router.get(
    "/blocked-periods", url_name="coach_blocked_periods", response={200: list[CoachBlockedPeriodOut], **ANSWERS}
)
def list_blocked_periods(request):
    """Those that have not ended, current ones first."""
    zone = request.coach.zone
    return [_period_out(p, zone) for p in blocked_periods_upcoming(coach=request.coach, now=timezone.now())]


def _period_save(request, period, payload: CoachBlockedPeriodIn, status: int):
    """Save a period; bookings in it that the coach has not decided about are a 409 naming them."""
    coach = request.coach
    errors = {}
    for name in ("start", "end"):
        value = getattr(payload, name)
        if value is not None and (value.tzinfo is None or timebounds.instant_in_bounds(value) is None):
            errors[name] = _("Give the time with its offset, e.g. 2030-05-04T09:00:00+02:00.")
    for name in ("first_day", "last_day"):
        value = getattr(payload, name)
        if value is not None and not timebounds.date_in_bounds(value):
            errors[name] = _("Give a date between 1900 and 2999.")
    if errors:
        raise InvalidParameters(errors)
    decided = set(api_bookings(coach=coach).filter(uuid__in=_uuids(payload.decided)).values_list("pk", flat=True))
    values = payload.dict(include={"title", "public_note", "public_note_en", "first_day", "last_day", "start", "end"})
    try:
        saved = _saved(
            lambda: services.blocked_period_save(
                coach=coach,
                period=period,
                **values,
                decided=decided,
                cancel_bookings=payload.cancel_bookings,
                note=payload.note,
            )
        )
    except services.BlockedPeriodCollides as exc:
        detail = _("Bookings lie in this period: send their ids in `decided`, to keep them or to cancel them.")
        return Status(
            409, {"detail": detail, "bookings": [coach_booking_out(b, zone=coach.zone) for b in exc.bookings]}
        )
    return Status(status, _period_out(saved, coach.zone))


def _uuids(values: list[str]) -> list[str]:
    """The values that are uuids (anything else names no booking)."""
    found = []
    for value in values:
        try:
            found.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return found


@router.post(
    "/blocked-periods",
    url_name="coach_blocked_periods",
    response={201: CoachBlockedPeriodOut, 409: CoachCollisionsOut, **WRITE_ANSWERS},
    auth=auth.write,
)
def create_blocked_period(request, payload: CoachBlockedPeriodIn):
    return _period_save(request, None, payload, 201)


@router.put(
    "/blocked-periods/{period_id}",
    url_name="coach_blocked_period",
    response={200: CoachBlockedPeriodOut, 409: CoachCollisionsOut, **WRITE_ANSWERS},
    auth=auth.write,
)
def update_blocked_period(request, period_id: int, payload: CoachBlockedPeriodIn):
    return _period_save(request, get_object_or_404(request.coach.blocked_periods, pk=period_id), payload, 200)


@router.delete(
    "/blocked-periods/{period_id}",
    url_name="coach_blocked_period",
    response={204: None, **WRITE_ANSWERS},
    auth=auth.write,
)
def delete_blocked_period(request, period_id: int):
    services.blocked_period_delete(period=get_object_or_404(request.coach.blocked_periods, pk=period_id))
    return Status(204, None)
