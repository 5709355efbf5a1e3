"""Slot availability engine for Sprechzeit (pure Python, stdlib only).

Turns a coach's working hours, busy times and booking rules into the list of
start times a visitor may book.  No Django, no I/O: callers load the data and
pass plain values in; every returned instant is an aware UTC datetime.

Rules (each is restated where it is enforced):

* Intervals are half-open ``[start, end)`` everywhere; touching is not
  overlapping.
* Working hours are wall-clock windows in the coach's zone.  A date override
  replaces the weekly hours of that date entirely; an empty override closes
  the day.  A day's windows are merged (overlapping or touching) before slots
  are cut, so overlapping windows never yield duplicate slots.
* DST: a local time that does not exist (spring-forward gap) moves forward by
  the gap (02:30 in Berlin on the last Sunday of March becomes 03:30 CEST); an
  ambiguous local time (autumn) means its first occurrence.  Both follow from
  ``fold=0`` (PEP 495) and converting through UTC.
* Slots start at ``window start + k * step`` (elapsed time from the window's
  start instant) and must end at or before the window's end instant.
* A slot is free only if ``[start - buffer_before, end + buffer_after)``
  overlaps no busy interval.
* ``now + minimum_notice <= start < now + horizon``; past slots never appear.
* ``not_before``: no slot starts before it (a request must leave the coach time to
  answer, see reachability.answerable_from); ``NO_SLOTS`` there offers none at all.
* Daily cap: a coach-local date with ``daily_cap`` or more booked starts offers
  no slots.  Weekly cap: the same per ISO week (Mon-Sun) in the coach's zone.
  The coach-wide caps (``coach_daily_cap``, ``coach_weekly_cap``) do the same
  with the starts of all the coach's types; a date must pass both.
* Output is sorted by start without duplicates.  Busy intervals are filtered,
  sorted and merged once per call, then swept with a moving pointer.
* Bad input raises ``ValueError``: naive datetimes, a non-positive step or
  duration, a window whose end is not after its start.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

__all__ = [
    "Interval",
    "Window",
    "WeeklyWindow",
    "SlotRules",
    "merge_intervals",
    "bookable_slots",
    "is_bookable",
    "wall_to_utc",
    "NO_SLOTS",
]

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
# Booked starts farther than this from the range cannot share a coach-local ISO
# week with any visited date: a week, the spare day before, slack for offsets.
_CAP_REACH = timedelta(days=9)
# `not_before` that no slot can reach: "nothing can be offered" needs no special case, the
# range is simply empty.
NO_SLOTS = datetime.max.replace(tzinfo=UTC)


def _require_aware(value: datetime, name: str) -> None:
    """Raise ValueError unless ``value`` is a timezone-aware datetime."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _check_window(start: time, end: time, what: str) -> None:
    """Windows are naive wall-clock times within one local day, end > start."""
    if not isinstance(start, time) or not isinstance(end, time):
        raise ValueError(f"{what} start and end must be datetime.time values")
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError(f"{what} times are wall-clock times and must be naive")
    if end <= start:
        raise ValueError(f"{what} end {end} must be after its start {start}")


@dataclass(frozen=True, slots=True)
class Interval:
    """Half-open instant range ``[start, end)`` with aware datetimes.

    ``end <= start`` is allowed and means "empty"; merge_intervals drops it.
    Intervals produced by this module are always in UTC.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "Interval.start")
        _require_aware(self.end, "Interval.end")


@dataclass(frozen=True, slots=True)
class Window:
    """Wall-clock window ``[start, end)`` in the coach's zone for one date.

    Windows lie within one local day: ``end`` must be after ``start`` (there is
    no "24:00"; use ``time(23, 59)`` or similar for "until midnight").
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        _check_window(self.start, self.end, "Window")


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """Recurring wall-clock window on ``weekday`` (0=Monday ... 6=Sunday)."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.weekday not in range(7):
            raise ValueError(f"WeeklyWindow weekday must be 0..6, got {self.weekday!r}")
        _check_window(self.start, self.end, "WeeklyWindow")


@dataclass(frozen=True, slots=True)
class SlotRules:
    """Booking rules of one appointment type, with the coach's caps over all types.

    ``duration`` and ``step`` must be positive; buffers and notice must not be
    negative; ``horizon`` must be positive; caps are ``None`` (no cap) or >= 0.
    """

    duration: timedelta
    step: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    minimum_notice: timedelta = timedelta(0)
    horizon: timedelta = timedelta(days=180)
    daily_cap: int | None = None
    weekly_cap: int | None = None
    coach_daily_cap: int | None = None
    coach_weekly_cap: int | None = None

    def __post_init__(self) -> None:
        if self.duration <= _ZERO:
            raise ValueError(f"duration must be positive, got {self.duration}")
        if self.step <= _ZERO:
            raise ValueError(f"step must be positive, got {self.step}")
        for name in ("buffer_before", "buffer_after", "minimum_notice"):
            if getattr(self, name) < _ZERO:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")
        if self.horizon <= _ZERO:
            raise ValueError(f"horizon must be positive, got {self.horizon}")
        for name in ("daily_cap", "weekly_cap", "coach_daily_cap", "coach_weekly_cap"):
            cap = getattr(self, name)
            if cap is not None and cap < 0:
                raise ValueError(f"{name} must be None or >= 0, got {cap}")


# --- intervals --------------------------------------------------------------


def _merge_spans(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sort and merge UTC ``(start, end)`` pairs; overlapping or touching
    pairs join, empty ones (end <= start) are dropped."""
    merged: list[list[datetime]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:  # overlaps or touches the previous one
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge intervals into disjoint UTC intervals.

    Overlapping and touching intervals are joined (half-open ``[a, b)`` and
    ``[b, c)`` become ``[a, c)``); empty intervals are dropped.
    """
    spans = ((i.start.astimezone(UTC), i.end.astimezone(UTC)) for i in intervals)
    return [Interval(start, end) for start, end in _merge_spans(spans)]


# --- working hours ----------------------------------------------------------


def wall_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Instant of wall-clock ``wall`` on ``day`` in ``zone``.

    Always fold=0 (the time's own fold is ignored): an ambiguous time takes its
    first occurrence, and a nonexistent time is read with the offset before
    the gap, so after conversion it lands the gap's length later (02:30 ->
    03:30 on a one-hour spring-forward).
    """
    local = datetime(day.year, day.month, day.day, wall.hour, wall.minute, wall.second, wall.microsecond, tzinfo=zone)
    return local.astimezone(UTC)


def _group_by_weekday(weekly_hours: Sequence[WeeklyWindow]) -> dict[int, list[WeeklyWindow]]:
    by_weekday: dict[int, list[WeeklyWindow]] = {}
    for window in weekly_hours:
        by_weekday.setdefault(window.weekday, []).append(window)
    return by_weekday


def _day_spans(
    day: date,
    by_weekday: Mapping[int, Sequence[WeeklyWindow]],
    date_overrides: Mapping[date, Sequence[Window]],
    zone: ZoneInfo,
) -> list[tuple[datetime, datetime]]:
    """The working windows of coach-local date ``day`` as merged UTC spans.

    An override for ``day`` replaces the weekly hours of that date entirely
    (an empty override closes the day).  Wall-clock times are converted with
    fold=0 (see wall_to_utc).  Sorted, merged, without empty windows.
    """
    windows = date_overrides.get(day)
    if windows is None:  # an override, even an empty one, replaces the weekly hours
        windows = by_weekday.get(day.weekday(), ())
    # A window that collapses in a DST gap (e.g. 02:30-03:00) becomes empty and is dropped.
    return _merge_spans((wall_to_utc(day, w.start, zone), wall_to_utc(day, w.end, zone)) for w in windows)


# --- slots ------------------------------------------------------------------


def _cap_counts(
    booked_starts: Iterable[datetime], zone: ZoneInfo, caps: tuple[int | None, int | None], lo: datetime, hi: datetime
) -> tuple[Counter, Counter]:
    """Booked starts per coach-local date and per coach-local ISO week (keyed
    by the week's Monday), counting only starts that can share a date or a
    week with a slot starting in ``[lo, hi)``; nothing without ``caps``
    (daily, weekly)."""
    per_day: Counter = Counter()
    per_week: Counter = Counter()
    counting = caps != (None, None)
    # Skipping far-away starts saves converting them to local dates.
    near_lo, near_hi = lo - _CAP_REACH, hi + _CAP_REACH
    for start in booked_starts:
        _require_aware(start, "booked_starts item")
        if counting and near_lo <= start < near_hi:
            local_day = start.astimezone(zone).date()
            per_day[local_day] += 1
            per_week[local_day - timedelta(days=local_day.weekday())] += 1
    return per_day, per_week


def _is_capped(day: date, caps: tuple[int | None, int | None], per_day: Counter, per_week: Counter) -> bool:
    """A date offers no slots once its day or ISO week has reached its cap."""
    daily_cap, weekly_cap = caps
    if daily_cap is not None and per_day[day] >= daily_cap:
        return True
    monday = day - timedelta(days=day.weekday())
    return weekly_cap is not None and per_week[monday] >= weekly_cap


def bookable_slots(
    *,
    weekly_hours: Sequence[WeeklyWindow],
    date_overrides: Mapping[date, Sequence[Window]],
    busy: Iterable[Interval],
    booked_starts: Iterable[datetime],
    rules: SlotRules,
    zone: ZoneInfo,
    now: datetime,
    range_start: datetime,
    range_end: datetime,
    not_before: datetime | None = None,
    coach_booked_starts: Iterable[datetime] = (),
) -> list[Interval]:
    """Bookable slots (UTC intervals) whose start lies in ``[range_start, range_end)``.

    * ``busy``: everything that blocks the coach (other bookings already
      widened by their own buffers, blocked periods, imported busy times).
      A slot is free iff ``[start - buffer_before, end + buffer_after)``
      overlaps none of them; touching is fine.
    * ``booked_starts``: starts of the requested and confirmed bookings of this
      appointment type, counted for ``daily_cap`` / ``weekly_cap`` per
      coach-local date / ISO week.  A date whose day or week is full offers
      no slots.
    * ``coach_booked_starts``: the same for all the coach's types (this one
      included), counted for ``coach_daily_cap`` / ``coach_weekly_cap``.
    * Slots start at ``window start + k * step`` and end inside the window.
    * ``now + minimum_notice <= start < now + horizon``.
    * ``not_before`` (optional): ``start >= not_before``; ``NO_SLOTS`` offers nothing.

    The result is sorted by start and has no duplicates.
    """
    for value, name in ((now, "now"), (range_start, "range_start"), (range_end, "range_end")):
        _require_aware(value, name)
    if not_before is not None:
        _require_aware(not_before, "not_before")
    now = now.astimezone(UTC)
    # Notice, horizon and not_before just narrow the range of allowed starts.
    lo = max(range_start.astimezone(UTC), now + rules.minimum_notice)
    if not_before is not None:
        lo = max(lo, not_before.astimezone(UTC))
    hi = min(range_end.astimezone(UTC), now + rules.horizon)
    # Each pair of caps with its counts per date and per week: the type's, then the coach's.
    caps = [(rules.daily_cap, rules.weekly_cap), (rules.coach_daily_cap, rules.coach_weekly_cap)]
    counted = [
        (limits, *_cap_counts(starts, zone, limits, lo, hi))
        for starts, limits in zip((booked_starts, coach_booked_starts), caps, strict=True)
    ]
    if lo >= hi:
        return []

    duration, step = rules.duration, rules.step
    before, after = rules.buffer_before, rules.buffer_after + rules.duration
    # Only busy times that can touch a buffered slot starting in [lo, hi) matter;
    # filter them, then sort and merge once.
    reach_lo, reach_hi = lo - before, hi + after
    busy_spans = _merge_spans(
        (b.start.astimezone(UTC), b.end.astimezone(UTC)) for b in busy if b.end > reach_lo and b.start < reach_hi
    )
    busy_ends = [end for _, end in busy_spans]
    n_busy = len(busy_spans)

    by_weekday = _group_by_weekday(weekly_hours)
    slots: list[Interval] = []
    # One spare day before: where a DST gap touches midnight (America/Nuuk
    # springs forward at 23:00), a late window of the previous local date
    # reaches into the next one.  The range check drops the rest.
    day = lo.astimezone(zone).date() - _ONE_DAY
    last_day = hi.astimezone(zone).date()
    while day <= last_day:
        if any(_is_capped(day, *counts) for counts in counted):
            day += _ONE_DAY
            continue
        for w_start, w_end in _day_spans(day, by_weekday, date_overrides, zone):
            # First grid point at or after lo: k = ceil((lo - w_start) / step).
            k = -((w_start - lo) // step) if lo > w_start else 0
            start = w_start + k * step
            # Pointer to the first busy span ending after the buffered start.
            j = bisect_right(busy_ends, start - before)
            while start < hi and start + duration <= w_end:
                while j < n_busy and busy_ends[j] <= start - before:
                    j += 1
                if j < n_busy and busy_spans[j][0] < start + after:
                    # Blocked: jump to the first grid point whose buffered
                    # start clears this busy span, instead of stepping through it.
                    k = -((w_start - busy_ends[j] - before) // step)
                    start = w_start + k * step
                    continue
                slots.append(Interval(start, start + duration))
                start += step
        day += _ONE_DAY

    # Days are visited in order and their windows are disjoint, except in the
    # zones above where a shifted late window overlaps the next day's windows.
    if any(a.start >= b.start for a, b in pairwise(slots)):
        slots = sorted(set(slots), key=lambda slot: slot.start)
    return slots


def is_bookable(*, start: datetime, **inputs) -> bool:
    """True iff ``start`` is exactly one of the slots bookable_slots offers; ``inputs`` are
    bookable_slots' keyword arguments but the range (``weekly_hours`` … ``now``,
    ``not_before``).

    Use it to reject forged start times when a booking is written.  Only the
    coach-local day(s) around ``start`` are computed.  When re-checking a
    booking that already exists, leave it out of ``busy``, ``booked_starts``
    and ``coach_booked_starts``, or it blocks itself.
    """
    _require_aware(start, "start")
    # A one-microsecond range can only contain a slot that starts exactly at `start`.
    return bool(bookable_slots(**inputs, range_start=start, range_end=start + timedelta(microseconds=1)))
