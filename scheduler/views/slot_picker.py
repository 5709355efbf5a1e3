"""The slot picker that the booking page, the client's reschedule page and the coach's
move page share: a month grid and the chosen day's times in the visitor's zone, and the
time zone chooser."""

import calendar
import functools
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..forms.booking import time_zone_groups
from ..selectors.slots import slots_bookable
from ..selectors.slots_answers import slots_bookable_kept


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
    return {
        "current": zone.key,
        "common": _zone_options(common, zone.key),
        "others": _zone_options(others, zone.key),
        "hidden": hidden,
    }


@functools.lru_cache(maxsize=256)
def _zone_options(names: tuple[str, ...], current: str) -> str:
    """The <option>s of the zone chooser, written once per chosen zone: as a template loop
    its 500 zones were most of a booking page's rendering time."""
    return mark_safe(
        "".join(f"<option{' selected' if name == current else ''}>{escape(name)}</option>" for name in names)
    )
