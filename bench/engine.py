"""Benchmark of the slot engine (scheduler/slot_engine.py) on one busy coach month.

Scenario: a coach in Europe/Berlin with weekly hours Mon-Fri 09:00-12:00 and
14:00-17:00 plus Sat 10:00-14:00; the month 2026-03-01 .. 2026-04-01 (local),
which crosses the spring-forward switch; 30-minute slots every 15 minutes with
5-minute buffers; daily cap 8, weekly cap 30; `now` one minute before the
range.  The caller passes everything it knows about the coach:

* 300 bookings (30 min, widened by their 5-minute buffers) inside working
  hours; their starts are the `booked_starts` counted by the caps,
* 50 blocked periods (5 of them 1-4 whole days, the rest 1-4 hours),
* 500 imported busy times (15-120 min, 07:00-21:00 local).

All of it is spread over Feb-Apr, so about a third falls into the measured
month: 300 bookings in one month would exceed the month's working hours and
hit the daily cap on every day, leaving nothing to compute.  Data come from
random.Random(SEED), so every run measures the same input.

Run from the repo root:  PYTHONPATH=. python bench/engine.py
"""

from __future__ import annotations

import random
import statistics
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.slot_engine import Interval, SlotRules, WeeklyWindow, bookable_slots, is_bookable

SEED = 20260301
ZONE = ZoneInfo("Europe/Berlin")
RANGE_START = datetime(2026, 3, 1, tzinfo=ZONE)
RANGE_END = datetime(2026, 4, 1, tzinfo=ZONE)
# Bookings lie in Feb-Apr (about 100 in the month, so some days reach the daily
# cap); blocked and imported busy times spread over Feb-Jul.
BOOKING_DAYS = [date(2026, 2, 1) + timedelta(days=i) for i in range(89)]
BUSY_DAYS = [date(2026, 2, 1) + timedelta(days=i) for i in range(181)]
WEEKLY_HOURS = [
    *(WeeklyWindow(day, time(9), time(12)) for day in range(5)),
    *(WeeklyWindow(day, time(14), time(17)) for day in range(5)),
    WeeklyWindow(5, time(10), time(14)),
]
RULES = SlotRules(
    duration=timedelta(minutes=30),
    step=timedelta(minutes=15),
    buffer_before=timedelta(minutes=5),
    buffer_after=timedelta(minutes=5),
    daily_cap=8,
    weekly_cap=30,
)


def _to_utc(day: date, minute_of_day: int) -> datetime:
    """Local wall time on `day` (minutes after midnight) as a UTC instant."""
    # Build the wall time, then convert: adding minutes to an aware local
    # datetime would be wall-clock arithmetic and go wrong on DST days.
    wall = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60), tzinfo=ZONE)
    return wall.astimezone(UTC)


def make_scenario(seed: int = SEED) -> dict:
    """The keyword arguments of bookable_slots for the benchmark month."""
    rng = random.Random(seed)
    working_days = [d for d in BOOKING_DAYS if d.weekday() < 6]
    buffer = RULES.buffer_before

    # 300 non-overlapping bookings on the 15-minute grid of the working hours.
    bookings: list[Interval] = []
    taken: set[tuple[date, int]] = set()
    while len(bookings) < 300:
        day = rng.choice(working_days)
        opens, closes = rng.choice([(9, 12), (14, 17)] if day.weekday() < 5 else [(10, 14)])
        minute = rng.randrange(opens * 60, closes * 60 - 30 + 1, 15)
        # Bookings plus buffers must not overlap: block the neighbouring grid points too.
        if any((day, minute + m) in taken for m in (-30, -15, 0, 15, 30)):
            continue
        taken.add((day, minute))
        bookings.append(Interval(_to_utc(day, minute), _to_utc(day, minute + 30)))
    busy = [Interval(b.start - buffer, b.end + buffer) for b in bookings]

    for i in range(50):  # blocked periods
        day = rng.choice(BUSY_DAYS)
        if i < 5:
            until = day + timedelta(days=rng.randint(1, 4))
            busy.append(Interval(_to_utc(day, 0), _to_utc(until, 0)))
        else:
            minute = rng.randrange(8 * 60, 18 * 60, 30)
            busy.append(Interval(_to_utc(day, minute), _to_utc(day, minute + 60 * rng.randint(1, 4))))

    for _ in range(500):  # imported external busy times
        day = rng.choice(BUSY_DAYS)
        minute = rng.randrange(7 * 60, 21 * 60 - 120, 5)
        busy.append(Interval(_to_utc(day, minute), _to_utc(day, minute + rng.randrange(15, 121, 5))))

    rng.shuffle(busy)  # callers do not promise any order
    return dict(
        weekly_hours=WEEKLY_HOURS,
        date_overrides={},
        busy=busy,
        booked_starts=[b.start for b in bookings],
        rules=RULES,
        zone=ZONE,
        now=RANGE_START - timedelta(minutes=1),
        range_start=RANGE_START,
        range_end=RANGE_END,
    )


def _timings_ms(call, repeat: int) -> list[float]:
    call()  # warm-up: zoneinfo caches, first allocations
    timings = []
    for _ in range(repeat):
        started = clock.perf_counter()
        call()
        timings.append((clock.perf_counter() - started) * 1000)
    return timings


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]  # nearest-rank percentile


def reference(scenario: dict) -> int:
    """The least any engine does with the month's input, as the machine's yardstick: sort the
    busy intervals, and walk the weekly hours' candidate starts (every step, as UTC instants)
    once along them, each checked against the next few busy intervals only, without buffers,
    caps, notice or overrides. Returns how many candidates that rough check finds free."""
    rules, zone = scenario["rules"], scenario["zone"]
    busy = sorted(scenario["busy"], key=lambda interval: interval.start)
    free, index = 0, 0
    day = scenario["range_start"].date()
    while day < scenario["range_end"].date():
        for window in scenario["weekly_hours"]:
            if window.weekday != day.weekday():
                continue
            start = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
            last = datetime.combine(day, window.end, tzinfo=zone).astimezone(UTC) - rules.duration
            while start <= last:
                end = start + rules.duration
                while index < len(busy) and busy[index].end <= start:
                    index += 1
                if not any(b.start < end and start < b.end for b in busy[index : index + 8]):
                    free += 1
                start += rules.step
        day += timedelta(days=1)
    return free


def bench_engine(repeat: int = 200) -> dict:
    """Median and p95 (ms) of bookable_slots over the benchmark month, and the median of the
    reference computation (reference()) on the same input in the same run."""
    scenario = make_scenario()
    slots = bookable_slots(**scenario)
    timings = _timings_ms(lambda: bookable_slots(**scenario), repeat)
    reference_timings = _timings_ms(lambda: reference(scenario), repeat)
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": _p95(timings),
        "reference_ms": statistics.median(reference_timings),
        "slots": len(slots),
        "runs": repeat,
    }


def bench_is_bookable(repeat: int = 200) -> dict:
    """Median and p95 (ms) of is_bookable for one offered start in mid-month."""
    scenario = make_scenario()
    slots = bookable_slots(**scenario)
    start = slots[len(slots) // 2].start
    kwargs = {k: v for k, v in scenario.items() if k not in ("range_start", "range_end")}
    if not is_bookable(start=start, **kwargs):
        raise RuntimeError(f"is_bookable rejects the offered start {start}")
    timings = _timings_ms(lambda: is_bookable(start=start, **kwargs), repeat)
    return {"median_ms": statistics.median(timings), "p95_ms": _p95(timings), "runs": repeat}


if __name__ == "__main__":
    scenario = make_scenario()
    month = bench_engine()
    single = bench_is_bookable()
    print("scenario: Europe/Berlin, 2026-03-01..2026-04-01 (crosses DST), 30 min every 15 min, 5 min buffers")
    print(
        f"input:    {len(scenario['busy'])} busy intervals, {len(scenario['booked_starts'])} booked starts, "
        "caps 8/day 30/week"
    )
    print()
    print(f"{'call':<28}{'median ms':>10}{'p95 ms':>10}{'runs':>7}{'slots':>7}")
    print(
        f"{'bookable_slots (month)':<28}{month['median_ms']:>10.3f}{month['p95_ms']:>10.3f}"
        f"{month['runs']:>7}{month['slots']:>7}"
    )
    print(
        f"{'is_bookable (one start)':<28}{single['median_ms']:>10.3f}{single['p95_ms']:>10.3f}"
        f"{single['runs']:>7}{'':>7}"
    )
