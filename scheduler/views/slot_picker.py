"""The slot picker that the booking page, the client's reschedule page and the coach's
move page share: a month grid and the chosen day's times in the visitor's zone, the 12- or
24-hour clock, and the time zone chooser.

Every state of the picker is a URL (month, day, zone, clock), so it works as plain links and
forms; static/js/booking.js asks the same URLs with ?partial=picker for the picker alone
(PICKER_PARTIAL) and swaps it in place."""

import calendar
import functools
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from ..forms.booking import time_zone_groups
from ..selectors.slots import slots_bookable
from ..selectors.slots_answers import slots_bookable_kept

# ?partial=picker: the view answers with this template (the zone chooser and the picker) only.
PICKER_PARTIAL = "scheduler/partials/picker_region.html"

# Languages read times on a 12-hour clock; every other one on 24 hours.
TWELVE_HOUR_LANGUAGES = frozenset({"en"})
TIME_FORMATS = {"12": "g:i A", "24": "H:i"}


def wants_picker_partial(request) -> bool:
    return request.GET.get("partial") == "picker"


def _parse_date(value: str | None, pattern: str) -> date | None:
    try:
        return datetime.strptime(value or "", pattern).date()
    except ValueError:
        return None


def _query(**params) -> str:
    return "?" + urlencode({key: value for key, value in params.items() if value is not None})


@functools.lru_cache(maxsize=4096)
def _long_date(day: date, language: str) -> str:
    """The day written out in `language` (the active one) as the templates' `long_date`
    does: per cell of every month grid, the template's date filter was a tenth of its page."""
    return date_format(day, pgettext("long date format", "l, j F Y"))


def clock_chosen(params) -> str | None:
    """The clock the visitor chose with the switch ("12" or "24"), else None."""
    value = params.get("clock")
    return value if value in TIME_FORMATS else None


def clock_of(params) -> str:
    """The clock the picker shows: the visitor's choice, else their language's."""
    return clock_chosen(params) or ("12" if (get_language() or "")[:2] in TWELVE_HOUR_LANGUAGES else "24")


# Months without a free slot a first visit passes over.
EMPTY_MONTHS_SKIPPED = 2


def slot_picker(
    *,
    appointment_type,
    zone: ZoneInfo,
    params,
    start: datetime | None,
    now: datetime,
    exclude_booking=None,
    current_label: str | None = None,
) -> dict:
    """The month grid, the chosen day's slots and whether `start` is offered, all in `zone`.

    The month comes from `start`, else `?day=`, else `?month=`, else it is the first of
    this month and the next EMPTY_MONTHS_SKIPPED ones with a free slot (a visitor at the end
    of a full month sees the next one); it is kept between this month and the last one the
    booking horizon reaches.

    A booking being moved (`exclude_booking`) has its own time marked, not offered: moving
    it there would change nothing. `current_label` names that time for the page's reader.
    """
    tz = zone.key
    clock = clock_chosen(params)
    first_month = now.astimezone(zone).date().replace(day=1)
    last_month = (now + appointment_type.horizon).astimezone(zone).date().replace(day=1)
    day = start.astimezone(zone).date() if start else _parse_date(params.get("day"), "%Y-%m-%d")
    asked_month = day.replace(day=1) if day else _parse_date(params.get("month"), "%Y-%m")
    month = min(max(asked_month or first_month, first_month), last_month)
    if day and day.replace(day=1) != month:
        day = None
    for skipped in range(EMPTY_MONTHS_SKIPPED + 1):
        next_month = (month + timedelta(days=31)).replace(day=1)
        month_range = {
            "appointment_type": appointment_type,
            "range_start": datetime.combine(month, time(0), tzinfo=zone),
            "range_end": datetime.combine(next_month, time(0), tzinfo=zone),
            "now": now,
        }
        # A booking being moved sees its own old time free: that month is this booking's own.
        if exclude_booking is None:
            slots = slots_bookable_kept(**month_range)
        else:
            slots = slots_bookable(**month_range, exclude_booking=exclude_booking)
        if slots or asked_month or month >= last_month or skipped == EMPTY_MONTHS_SKIPPED:
            break
        month = next_month
    current = exclude_booking.start.astimezone(zone) if exclude_booking is not None else None
    by_day: dict[date, list[datetime]] = {}
    for slot in slots:
        local = slot.start.astimezone(zone)
        by_day.setdefault(local.date(), []).append(local)
    month_param = f"{month:%Y-%m}"
    # What every day's link has besides its day (as _query writes it, once for the month).
    day_rest = _query(tz=tz, month=month_param, clock=clock)[1:] + "#times"
    language = get_language() or ""
    weeks = [
        [
            {
                "date": d,
                "iso": d.isoformat(),
                "label": _long_date(d, language),
                "number": d.day,
                "in_month": d.month == month.month,
                "url": f"?day={d.isoformat()}&{day_rest}" if d in by_day else None,
                "chosen": d == day,
                "current": current is not None and d == current.date(),
            }
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    ]
    duration = appointment_type.duration
    day_starts = by_day.get(day, [])
    if current is not None and current.date() == day and current not in day_starts:
        # Shown where it is even when the type's steps have moved since it was booked.
        day_starts = sorted([*day_starts, current])
    slot_rest = _query(tz=tz, clock=clock)[1:] + "#book"
    day_slots = [
        {
            "start": local,
            "end": local + duration,
            "value": local.isoformat(),
            "url": f"?start={quote_plus(local.isoformat())}&{slot_rest}",
            "chosen": start is not None and local == start and local != current,
            "current": local == current,
        }
        for local in day_starts
    ]
    # The same view with another clock: a link, so that it works without JavaScript too.
    here = {"tz": tz, "month": month_param, "day": day.isoformat() if day else None}
    if start is not None:
        here = {"start": start.astimezone(zone).isoformat(), "tz": tz}
    shown_clock = clock_of(params)
    return {
        "zone": zone,
        "month": month,
        "weekdays": [(WEEKDAYS[i], WEEKDAYS_ABBR[i]) for i in range(7)],
        "weeks": weeks,
        "has_slots": bool(by_day),
        "slots": slots,  # the month's, sorted: until when the page is right (views/kept_pages.py)
        "prev_url": _query(month=f"{(month - timedelta(days=1)):%Y-%m}", tz=tz, clock=clock)
        if month > first_month
        else None,
        "next_url": _query(month=f"{next_month:%Y-%m}", tz=tz, clock=clock) if month < last_month else None,
        "day": day,
        "day_slots": day_slots,
        "start_offered": any(slot["chosen"] for slot in day_slots),
        "current_label": current_label or _("your current time"),
        # Back from the form to the chosen day's times, in the same zone and clock.
        "change_url": _query(day=day.isoformat(), tz=tz, month=month_param, clock=clock) + "#times" if day else None,
        "clock": shown_clock,
        "clock_chosen": clock,
        "time_format": TIME_FORMATS[shown_clock],
        "clocks": [
            {"label": _("24 h"), "value": "24", "url": _query(**here, clock="24"), "current": shown_clock == "24"},
            {"label": _("12 h"), "value": "12", "url": _query(**here, clock="12"), "current": shown_clock == "12"},
        ],
    }


def tz_form(zone: ZoneInfo, *, now: datetime | None = None, **hidden) -> dict:
    """The zone chooser: common zones first, then every other one, each with its offset from
    UTC now; `hidden` are the picker's other parameters, kept when the zone changes."""
    common, others = time_zone_groups()
    if zone.key not in common and zone.key not in others:  # a valid but rarely used name, e.g. "EST"
        common = (zone.key, *common)
    # Offsets change only on the hour (or half hour) somewhere: the options are written again each half hour.
    moment = (now or timezone.now()).astimezone(UTC)
    moment = moment.replace(minute=moment.minute // 30 * 30, second=0, microsecond=0)
    return {
        "current": zone.key,
        "common": _zone_options(common, zone.key, moment),
        "others": _zone_options(others, zone.key, moment),
        "hidden": {key: value for key, value in hidden.items() if value is not None},
    }


def utc_offset_label(offset: timedelta) -> str:
    """UTC+1, UTC−5, UTC+5:30 (a real minus sign, as it is read)."""
    minutes = round(offset.total_seconds() / 60)
    sign = "+" if minutes >= 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_choices(names: tuple[str, ...], moment: datetime) -> list[tuple[str, str, int]]:
    """(name, its label with the offset, the offset in minutes) per zone at `moment`."""
    choices = []
    for name in names:
        offset = moment.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)
        choices.append((name, f"{name} ({utc_offset_label(offset)})", round(offset.total_seconds() / 60)))
    return choices


@functools.lru_cache(maxsize=256)
def _zone_options(names: tuple[str, ...], current: str, moment: datetime) -> str:
    """The <option>s of the zone chooser, written once per chosen zone and half hour: as a
    template loop its 500 zones were most of a booking page's rendering time. The script reads
    each zone's offset from its label and computes its local time itself."""
    return mark_safe(
        "".join(
            f'<option value="{escape(name)}"{" selected" if name == current else ""}>{escape(label)}</option>'
            for name, label, _minutes in zone_choices(names, moment)
        )
    )
