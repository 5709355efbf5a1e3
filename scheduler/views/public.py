"""The public booking pages: the coach's page and a type's slot picker with the form."""

import calendar
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.views.decorators.http import require_http_methods

from accounts.selectors import booking_form_initial

from .. import phrases, ratelimit, selectors, services
from ..forms import BookingForm, parse_start, time_zone_groups, zone_or_default
from ..models import Channel
from ..selectors.privacy import user_emails_verified


def home(request):
    """With exactly one coach the site is that coach's booking page; coaches are never listed."""
    coach = selectors.coach_single()
    if coach is not None:
        return redirect("scheduler:coach", coach_slug=coach.slug)
    return render(request, "scheduler/home.html")


def speak_to_clients_of(coach) -> None:
    """Address the visitor as this coach does (Sie or du) for the rest of the request."""
    translation.activate(coach.language_for_clients(translation.get_language()))


def coach_page(request, coach_slug):
    coach = get_object_or_404(selectors.coaches(), slug=coach_slug)
    speak_to_clients_of(coach)
    types = list(selectors.appointment_types_bookable(coach=coach))
    offered = {channel for t in types for channel in t.allowed_channels}
    channels = [
        {"label": label, "note": phrases.channel_privacy_note(coach=coach, channel=value)}
        for value, label in Channel.choices
        if value in offered
    ]
    return render(
        request,
        "scheduler/coach.html",
        {
            "coach": coach,
            "appointment_types": [(t, phrases.APPROVAL_NOTES.get(t.approval)) for t in types],
            "channels": channels,
            "no_calls": phrases.NO_CALLS_WITHOUT_APPOINTMENT,
        },
    )


# --- helpers of the booking pages -------------------------------------------------


def _parse_date(value: str | None, pattern: str) -> date | None:
    try:
        return datetime.strptime(value or "", pattern).date()
    except ValueError:
        return None


def _query(**params) -> str:
    return "?" + urlencode(params)


# Months without a free slot a first visit passes over.
EMPTY_MONTHS_SKIPPED = 2


def slot_picker(
    *, appointment_type, zone: ZoneInfo, params, start: datetime | None, now: datetime, exclude_booking=None
) -> dict:
    """The month grid, the chosen day's slots and whether `start` is offered, all in `zone`.

    The month comes from `start`, else `?day=`, else `?month=`, else it is the first of
    this month and the next EMPTY_MONTHS_SKIPPED ones with a free slot (a visitor at the end
    of a full month sees the next one); it is kept between this month and the last one the
    booking horizon reaches.
    """
    tz = zone.key
    first_month = now.astimezone(zone).date().replace(day=1)
    last_month = (now + appointment_type.horizon).astimezone(zone).date().replace(day=1)
    day = start.astimezone(zone).date() if start else _parse_date(params.get("day"), "%Y-%m-%d")
    asked_month = day.replace(day=1) if day else _parse_date(params.get("month"), "%Y-%m")
    month = min(max(asked_month or first_month, first_month), last_month)
    if day and day.replace(day=1) != month:
        day = None
    for skipped in range(EMPTY_MONTHS_SKIPPED + 1):
        next_month = (month + timedelta(days=31)).replace(day=1)
        slots = selectors.slots_bookable(
            appointment_type=appointment_type,
            range_start=datetime.combine(month, time(0), tzinfo=zone),
            range_end=datetime.combine(next_month, time(0), tzinfo=zone),
            now=now,
            exclude_booking=exclude_booking,
        )
        if slots or asked_month or month >= last_month or skipped == EMPTY_MONTHS_SKIPPED:
            break
        month = next_month
    by_day: dict[date, list[datetime]] = {}
    for slot in slots:
        local = slot.start.astimezone(zone)
        by_day.setdefault(local.date(), []).append(local)
    month_param = f"{month:%Y-%m}"
    weeks = [
        [
            {
                "date": d,
                "in_month": d.month == month.month,
                "url": _query(day=d.isoformat(), tz=tz, month=month_param) + "#times" if d in by_day else None,
                "chosen": d == day,
            }
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    ]
    duration = appointment_type.duration
    day_slots = [
        {
            "start": local,
            "end": local + duration,
            "value": local.isoformat(),
            "url": _query(start=local.isoformat(), tz=tz) + "#book",
            "chosen": start is not None and local == start,
        }
        for local in by_day.get(day, [])
    ]
    return {
        "zone": zone,
        "month": month,
        "weekdays": [(WEEKDAYS[i], WEEKDAYS_ABBR[i]) for i in range(7)],
        "weeks": weeks,
        "has_slots": bool(by_day),
        "prev_url": _query(month=f"{(month - timedelta(days=1)):%Y-%m}", tz=tz) if month > first_month else None,
        "next_url": _query(month=f"{next_month:%Y-%m}", tz=tz) if month < last_month else None,
        "day": day,
        "day_slots": day_slots,
        "start_offered": any(slot["chosen"] for slot in day_slots),
    }


def tz_form(zone: ZoneInfo, **hidden) -> dict:
    common, others = time_zone_groups()
    if zone.key not in common and zone.key not in others:  # a valid but rarely used name, e.g. "EST"
        common = (zone.key, *common)
    return {"current": zone.key, "common": common, "others": others, "hidden": hidden}


def add_service_errors(form, exc: ValidationError) -> None:
    """Put each message of a service's ValidationError at its form field (one complaint per field)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field, field_messages in errors.items():
        target = field if field in form.fields else None
        if target is None or target not in form.errors:
            form.add_error(target, field_messages)


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _bookable_type(coach_slug: str, type_slug: str):
    coach = get_object_or_404(selectors.coaches(), slug=coach_slug)
    speak_to_clients_of(coach)
    return get_object_or_404(selectors.appointment_types_bookable(coach=coach).select_related("coach"), slug=type_slug)


def _type_context(appointment_type, zone, picker, *, start=None, **extra) -> dict:
    return {
        "start": start,
        "end": start + appointment_type.duration if start else None,
        "coach": appointment_type.coach,
        "appointment_type": appointment_type,
        "approval_note": phrases.APPROVAL_NOTES.get(appointment_type.approval),
        "zone": zone,
        "picker": picker,
        "tz_form": tz_form(zone, **({"month": f"{picker['month']:%Y-%m}"} if picker else {})),
        "channel_hint": phrases.CHANNEL_FIELD_HINT,
        **extra,
    }


# --- public booking pages ---------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def type_page(request, coach_slug, type_slug):
    """Slot picker in the visitor's zone and, once a time is chosen, the booking form."""
    appointment_type = _bookable_type(coach_slug, type_slug)
    if request.method == "POST":
        return _booking_submit(request, appointment_type)
    zone, tz_notice = zone_or_default(request.GET.get("tz"), appointment_type.coach.time_zone)
    start = parse_start(request.GET.get("start"))
    now = timezone.now()
    picker = slot_picker(appointment_type=appointment_type, zone=zone, params=request.GET, start=start, now=now)
    form = slot_notice = None
    if start and picker["start_offered"]:
        # A signed-in client's stored details fill in the form.
        initial = {"start": start.astimezone(zone).isoformat(), "tz": zone.key, **booking_form_initial(request.user)}
        form = BookingForm(initial=initial, appointment_type=appointment_type)
    elif request.GET.get("start"):
        slot_notice = phrases.SLOT_GONE
    context = _type_context(
        appointment_type,
        zone,
        picker,
        form=form,
        start=start,
        tz_notice=tz_notice,
        slot_notice=slot_notice,
        detect_tz="tz" not in request.GET,
    )
    return render(request, "scheduler/type.html", context)


def _signed_in_with(request, email: str) -> bool:
    """Whether the visitor is signed in with this e-mail address, verified: a proved booker."""
    if not request.user.is_authenticated:
        return False
    return email.strip().lower() in user_emails_verified(user=request.user)


def _booking_submit(request, appointment_type):
    coach = appointment_type.coach
    zone, _notice = zone_or_default(request.POST.get("tz"), coach.time_zone)
    start = parse_start(request.POST.get("start"))
    wait = ratelimit.booking_attempt_limited(request, request.POST.get("email", ""))
    if wait is not None:
        form = BookingForm(initial=request.POST.dict(), appointment_type=appointment_type)
        context = _type_context(
            appointment_type, zone, None, form=form, start=start, notice=phrases.RATE_LIMITED % {"seconds": wait}
        )
        response = render(request, "scheduler/booking_rate_limited.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response

    form = BookingForm(request.POST, appointment_type=appointment_type)
    status, notice = 200, None
    if form.is_valid():
        try:
            booking_request = form.booking_request()
            booking = services.booking_create(
                appointment_type=appointment_type,
                request=booking_request,
                address_proved=_signed_in_with(request, booking_request.email),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except services.SlotTaken:
            status, notice = 409, phrases.SLOT_TAKEN
        else:
            return see_other(reverse("scheduler:booking", kwargs={"token": booking.token}))
    elif form.is_spam:
        status = 400
    else:
        try:
            services.booking_request_clean(appointment_type=appointment_type, request=form.typed_request())
        except ValidationError as exc:
            add_service_errors(form, exc)
    picker = slot_picker(appointment_type=appointment_type, zone=zone, params={}, start=start, now=timezone.now())
    # When the time itself is the problem, offer the day's other times inside the form.
    rechoose = status == 409 or "start" in form.errors
    start_choices = [slot for slot in picker["day_slots"] if slot["start"] != start] if rechoose else None
    picker["choose_in_form"] = rechoose
    context = _type_context(
        appointment_type,
        zone,
        picker,
        form=form,
        start=start,
        notice=notice,
        start_choices=start_choices,
        detect_tz=False,
    )
    return render(request, "scheduler/type.html", context, status=status)
