"""Tests for scheduler.slot_engine (pure Python, no Django needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.slot_engine import (
    NO_SLOTS,
    Interval,
    SlotRules,
    WeeklyWindow,
    Window,
    bookable_slots,
    is_bookable,
    merge_intervals,
)
from tests.helpers import BERLIN

SYDNEY = ZoneInfo("Australia/Sydney")
NEW_YORK = ZoneInfo("America/New_York")
MIN = timedelta(minutes=1)

# Rule tests run in UTC on Monday 2026-06-01 unless they say otherwise.
MONDAY = date(2026, 6, 1)


def t(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def utc(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, t(hhmm), tzinfo=UTC)


def local(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, t(hhmm), tzinfo=zone)


def iv(a: datetime, b: datetime) -> Interval:
    return Interval(a, b)


def weekly(weekday: int, *spans: str) -> list[WeeklyWindow]:
    """weekly(0, "09:00-12:00", ...) -> WeeklyWindows on that weekday."""
    return [WeeklyWindow(weekday, t(s.split("-")[0]), t(s.split("-")[1])) for s in spans]


def windows(*spans: str) -> list[Window]:
    return [Window(t(s.split("-")[0]), t(s.split("-")[1])) for s in spans]


def rules(duration: int = 30, step: int = 30, **kw) -> SlotRules:
    """SlotRules with minutes for the timedelta fields."""
    for name in ("buffer_before", "buffer_after", "minimum_notice", "horizon"):
        if name in kw:
            kw[name] = timedelta(minutes=kw[name])
    return SlotRules(duration=timedelta(minutes=duration), step=timedelta(minutes=step), **kw)


def make_kwargs(**overrides) -> dict:
    """Defaults: UTC coach, Monday 09:00-12:00, 30/30 slots, nothing busy,
    now = Sunday 00:00 UTC, range = Monday 2026-06-01 (UTC)."""
    kwargs = dict(
        weekly_hours=weekly(0, "09:00-12:00"),
        date_overrides={},
        busy=[],
        booked_starts=[],
        rules=rules(),
        zone=UTC,
        now=utc(MONDAY - timedelta(days=1), "00:00"),
        range_start=utc(MONDAY, "00:00"),
        range_end=utc(MONDAY + timedelta(days=1), "00:00"),
    )
    kwargs.update(overrides)
    return kwargs


def starts(**overrides) -> list[str]:
    """Slot starts as 'HH:MM' UTC (all on MONDAY); also checks end = start + duration."""
    kwargs = make_kwargs(**overrides)
    result = bookable_slots(**kwargs)
    for slot in result:
        assert slot.end - slot.start == kwargs["rules"].duration
        assert slot.start.utcoffset() == timedelta(0)
    return [slot.start.strftime("%H:%M") for slot in result]


def bookable_kwargs(**overrides) -> dict:
    kwargs = make_kwargs(**overrides)
    del kwargs["range_start"], kwargs["range_end"]
    return kwargs


# --- slot grid --------------------------------------------------------------


@pytest.mark.parametrize(
    "hours, duration, step, expected",
    [
        (["09:00-10:00"], 15, 15, ["09:00", "09:15", "09:30", "09:45"]),
        (["09:00-10:00"], 30, 15, ["09:00", "09:15", "09:30"]),
        # the grid is anchored at the window's start, not at the full hour
        (["09:10-10:30"], 20, 20, ["09:10", "09:30", "09:50", "10:10"]),
        # step larger than duration leaves gaps
        (["09:00-11:00"], 30, 45, ["09:00", "09:45", "10:30"]),
        # each window has its own grid
        (["09:00-10:00", "14:05-15:00"], 30, 30, ["09:00", "09:30", "14:05"]),
    ],
)
def test_slots_are_aligned_to_window_start_plus_k_steps(hours, duration, step, expected):
    assert starts(weekly_hours=weekly(0, *hours), rules=rules(duration, step)) == expected


@pytest.mark.parametrize(
    "hours, duration, step, expected",
    [
        (["09:00-10:30"], 60, 30, ["09:00", "09:30"]),  # 09:30-10:30 ends exactly at the end
        (["09:00-10:29"], 60, 30, ["09:00"]),
        (["09:00-09:59"], 60, 30, []),  # window shorter than one slot
        (["09:00-10:00"], 45, 10, ["09:00", "09:10"]),  # 09:20 would end at 10:05
    ],
)
def test_slot_must_end_inside_window(hours, duration, step, expected):
    assert starts(weekly_hours=weekly(0, *hours), rules=rules(duration, step)) == expected


def test_overlapping_windows_are_merged_without_duplicates():
    merged = starts(weekly_hours=weekly(0, "09:00-11:00", "10:00-12:00", "09:30-10:30"))
    assert merged == starts(weekly_hours=weekly(0, "09:00-12:00"))


def test_touching_windows_are_merged_so_a_slot_may_span_the_join():
    got = starts(weekly_hours=weekly(0, "09:00-10:00", "10:00-11:00"), rules=rules(60, 30))
    assert got == ["09:00", "09:30", "10:00"]


def test_other_weekdays_have_no_hours():
    assert starts(weekly_hours=weekly(1, "09:00-12:00")) == []


# --- busy and buffers ------------------------------------------------------


BUSY_10 = [iv(utc(MONDAY, "10:00"), utc(MONDAY, "10:30"))]


@pytest.mark.parametrize(
    "busy, before, after, expected",
    [
        ([], 0, 0, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]),
        # touching a busy interval on either side is fine
        (BUSY_10, 0, 0, ["09:00", "09:30", "10:30", "11:00", "11:30"]),
        # buffer after: 09:30-10:00 + 5 min reaches into 10:00
        (BUSY_10, 0, 5, ["09:00", "10:30", "11:00", "11:30"]),
        # buffer before: 10:30 - 5 min reaches back into 10:30
        (BUSY_10, 5, 0, ["09:00", "09:30", "11:00", "11:30"]),
        # buffers that exactly touch the busy interval are fine
        (BUSY_10, 0, 30, ["09:00", "10:30", "11:00", "11:30"]),
        (BUSY_10, 30, 0, ["09:00", "09:30", "11:00", "11:30"]),
        (BUSY_10, 30, 30, ["09:00", "11:00", "11:30"]),
        # a short busy interval blocks the slot around it, the next grid slot is free
        ([iv(utc(MONDAY, "09:10"), utc(MONDAY, "09:20"))], 0, 0, ["09:30", "10:00", "10:30", "11:00", "11:30"]),
        # busy intervals given in another zone are compared as instants (12:00 CEST = 10:00 UTC)
        (
            [iv(local(MONDAY, "12:00", BERLIN), local(MONDAY, "12:30", BERLIN))],
            0,
            0,
            ["09:00", "09:30", "10:30", "11:00", "11:30"],
        ),
        # overlapping and unsorted busy intervals
        (
            [
                iv(utc(MONDAY, "11:00"), utc(MONDAY, "11:40")),
                iv(utc(MONDAY, "09:00"), utc(MONDAY, "09:45")),
                iv(utc(MONDAY, "09:40"), utc(MONDAY, "10:01")),
            ],
            0,
            0,
            ["10:30"],
        ),
        # a busy interval spanning the whole day (e.g. a multi-day block)
        ([iv(utc(MONDAY, "00:00") - timedelta(days=2), utc(MONDAY, "00:00") + timedelta(days=2))], 0, 0, []),
        # an empty busy interval blocks nothing
        (
            [iv(utc(MONDAY, "10:00"), utc(MONDAY, "10:00"))],
            0,
            0,
            ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"],
        ),
    ],
)
def test_busy_intervals_and_buffers(busy, before, after, expected):
    got = starts(busy=busy, rules=rules(30, 30, buffer_before=before, buffer_after=after))
    assert got == expected


def test_short_busy_inside_a_long_one_does_not_hide_it():
    # busy [08:00, 12:00) with [09:30, 09:45) inside: the second window must stay blocked
    busy = [iv(utc(MONDAY, "09:30"), utc(MONDAY, "09:45")), iv(utc(MONDAY, "08:00"), utc(MONDAY, "12:00"))]
    assert starts(busy=busy, weekly_hours=weekly(0, "09:00-09:30", "10:00-11:00", "12:00-12:30")) == ["12:00"]


def test_busy_jump_keeps_grid_alignment():
    # busy 09:05-09:50, 15-min grid from 09:00: the first free start is 10:00, not 09:50
    busy = [iv(utc(MONDAY, "09:05"), utc(MONDAY, "09:50"))]
    got = starts(busy=busy, rules=rules(15, 15), weekly_hours=weekly(0, "09:00-10:30"))
    assert got == ["10:00", "10:15"]


# --- notice, horizon, past --------------------------------------------------


@pytest.mark.parametrize(
    "now, notice, expected_first",
    [
        ("08:00", 60, "09:00"),
        ("08:00", 90, "09:30"),  # start == now + notice is allowed
        ("08:00", 91, "10:00"),
        ("09:40", 0, "10:00"),  # past and running slots never appear
        ("09:30", 0, "09:30"),
        ("11:31", 0, None),
    ],
)
def test_minimum_notice_and_past(now, notice, expected_first):
    got = starts(now=utc(MONDAY, now), rules=rules(minimum_notice=notice))
    all_starts = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    expected = [] if expected_first is None else all_starts[all_starts.index(expected_first) :]
    assert got == expected


@pytest.mark.parametrize(
    "horizon_minutes, expected",
    [
        (10 * 60, ["09:00", "09:30"]),
        (9 * 60 + 30, ["09:00"]),  # start == now + horizon is excluded
        (9 * 60, []),
        (24 * 60, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]),
    ],
)
def test_horizon(horizon_minutes, expected):
    got = starts(now=utc(MONDAY, "00:00"), rules=rules(horizon=horizon_minutes))
    assert got == expected


def test_default_horizon_is_180_days():
    now = utc(MONDAY, "00:00")
    inside = now + timedelta(days=179)
    beyond = now + timedelta(days=180)
    hours = [WeeklyWindow(d, t("00:00"), t("23:59")) for d in range(7)]
    kw = dict(weekly_hours=hours, now=now, rules=SlotRules(duration=MIN * 30, step=MIN * 30))
    assert bookable_slots(**make_kwargs(range_start=inside, range_end=inside + timedelta(hours=1), **kw))
    assert not bookable_slots(**make_kwargs(range_start=beyond, range_end=beyond + timedelta(hours=1), **kw))


def test_range_selects_by_start():
    got = starts(range_start=utc(MONDAY, "09:15"), range_end=utc(MONDAY, "10:30"))
    assert got == ["09:30", "10:00"]  # 10:00 ends after range_end but starts inside it


def test_empty_or_reversed_range():
    assert starts(range_start=utc(MONDAY, "10:00"), range_end=utc(MONDAY, "10:00")) == []
    assert starts(range_start=utc(MONDAY, "11:00"), range_end=utc(MONDAY, "10:00")) == []


# --- not_before (requests the coach must answer in time) --------------------


@pytest.mark.parametrize(
    "not_before, expected",
    [
        (None, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]),
        (utc(MONDAY, "10:30"), ["10:30", "11:00", "11:30"]),  # start == not_before is allowed
        (utc(MONDAY, "10:31"), ["11:00", "11:30"]),  # the grid stays: no slot moves to 10:31
        (local(MONDAY, "12:30", BERLIN), ["10:30", "11:00", "11:30"]),  # any zone: the same instant
        (utc(MONDAY - timedelta(days=3), "00:00"), ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]),
        (utc(MONDAY, "11:31"), []),
        (NO_SLOTS, []),
    ],
)
def test_not_before(not_before, expected):
    assert starts(not_before=not_before) == expected


def test_not_before_and_the_minimum_notice_both_hold():
    now = utc(MONDAY, "08:00")
    later = ["10:30", "11:00", "11:30"]
    assert starts(now=now, rules=rules(minimum_notice=150), not_before=utc(MONDAY, "09:30")) == later  # notice
    assert starts(now=now, rules=rules(minimum_notice=60), not_before=utc(MONDAY, "10:30")) == later  # not_before


def test_no_slots_offers_nothing_in_any_range_or_week():
    hours = [WeeklyWindow(d, t("00:00"), t("23:59")) for d in range(7)]
    kwargs = make_kwargs(weekly_hours=hours, range_end=utc(MONDAY + timedelta(days=170), "00:00"))
    assert bookable_slots(**kwargs)
    assert bookable_slots(**{**kwargs, "not_before": NO_SLOTS}) == []


# --- caps -------------------------------------------------------------------


ALL_MONDAY = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


@pytest.mark.parametrize(
    "booked, cap, zone, expected",
    [
        ([], 2, UTC, ALL_MONDAY),
        ([utc(MONDAY, "13:00")], 2, UTC, ALL_MONDAY),
        ([utc(MONDAY, "13:00"), utc(MONDAY, "14:00")], 2, UTC, []),
        ([utc(MONDAY, "13:00"), utc(MONDAY, "14:00"), utc(MONDAY, "15:00")], 2, UTC, []),
        ([], 0, UTC, []),
        (None, None, UTC, ALL_MONDAY),  # no cap at all, many bookings
        # starts on other days do not count
        ([utc(MONDAY - timedelta(days=1), "13:00"), utc(MONDAY + timedelta(days=1), "09:00")], 1, UTC, ALL_MONDAY),
        # the date is the coach-local date: 22:30 UTC Sunday is 00:30 Monday in Berlin (CEST)
        ([utc(MONDAY - timedelta(days=1), "22:30")], 1, BERLIN, []),
        # ... and 21:30 UTC Sunday is still Sunday in Berlin
        ([utc(MONDAY - timedelta(days=1), "21:30")], 1, BERLIN, ALL_MONDAY),
    ],
)
def test_daily_cap(booked, cap, zone, expected):
    if booked is None:
        booked = [utc(MONDAY, "13:00")] * 20
    # Berlin coach with hours 11:00-14:00 local = 09:00-12:00 UTC in June
    hours = weekly(0, "11:00-14:00") if zone is BERLIN else weekly(0, "09:00-12:00")
    got = starts(booked_starts=booked, rules=rules(daily_cap=cap), zone=zone, weekly_hours=hours)
    assert got == expected


def week_starts(booked, cap, zone=UTC, hours="09:00-10:00"):
    """Slots of two ISO weeks (2026-06-01..06-14), Mon-Sun hours, as dates."""
    kwargs = make_kwargs(
        weekly_hours=[w for d in range(7) for w in weekly(d, hours)],
        booked_starts=booked,
        rules=rules(60, 60, weekly_cap=cap),
        zone=zone,
        range_start=utc(MONDAY, "00:00") - timedelta(hours=3),
        range_end=utc(MONDAY, "00:00") + timedelta(days=14),
    )
    return sorted({s.start.astimezone(zone).date() for s in bookable_slots(**kwargs)})


WEEK1 = [MONDAY + timedelta(days=i) for i in range(7)]
WEEK2 = [MONDAY + timedelta(days=7 + i) for i in range(7)]


@pytest.mark.parametrize(
    "booked, cap, zone, expected",
    [
        ([], 2, UTC, WEEK1 + WEEK2),
        ([utc(MONDAY, "13:00")], 2, UTC, WEEK1 + WEEK2),
        # two bookings on Mon and Sun of week 1 close all of week 1, week 2 stays open
        ([utc(MONDAY, "13:00"), utc(WEEK1[6], "20:00")], 2, UTC, WEEK2),
        ([utc(WEEK2[2], "13:00")], 1, UTC, WEEK1),
        # the Sunday before belongs to the previous ISO week
        ([utc(MONDAY - timedelta(days=1), "13:00")], 1, UTC, WEEK1 + WEEK2),
        # ... but 22:30 UTC that Sunday is already Monday 00:30 in Berlin
        ([utc(MONDAY - timedelta(days=1), "22:30")], 1, BERLIN, WEEK2),
        ([], 0, UTC, []),
    ],
)
def test_weekly_cap(booked, cap, zone, expected):
    assert week_starts(booked, cap, zone) == expected


def test_weekly_cap_counts_the_whole_week_even_outside_the_range():
    # Only Sunday 2026-06-07 is asked for; the booking on Monday 00:00 of that ISO week counts.
    sunday = MONDAY + timedelta(days=6)
    kwargs = make_kwargs(
        weekly_hours=weekly(6, "09:00-12:00"),
        rules=rules(weekly_cap=1),
        range_start=utc(sunday, "00:00"),
        range_end=utc(sunday, "23:59"),
    )
    assert bookable_slots(**kwargs)
    assert not bookable_slots(**{**kwargs, "booked_starts": [utc(MONDAY, "00:00")]})
    assert bookable_slots(**{**kwargs, "booked_starts": [utc(MONDAY, "00:00") - MIN]})


def test_daily_and_weekly_caps_combine():
    kwargs = make_kwargs(
        weekly_hours=[w for d in range(7) for w in weekly(d, "09:00-10:00")],
        booked_starts=[utc(MONDAY, "13:00")],
        rules=rules(60, 60, daily_cap=1, weekly_cap=5),
        range_end=utc(MONDAY, "00:00") + timedelta(days=7),
    )
    got = [s.start.date() for s in bookable_slots(**kwargs)]
    assert got == WEEK1[1:]


# --- overrides --------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({}, ALL_MONDAY),
        # an override replaces the weekly hours of that date entirely
        ({MONDAY: windows("14:00-15:00")}, ["14:00", "14:30"]),
        ({MONDAY: windows("08:00-09:00", "11:00-12:00")}, ["08:00", "08:30", "11:00", "11:30"]),
        # an empty override closes the day
        ({MONDAY: []}, []),
        ({MONDAY: ()}, []),
        # overrides for other dates change nothing here
        ({MONDAY + timedelta(days=7): []}, ALL_MONDAY),
    ],
)
def test_overrides_on_a_working_day(overrides, expected):
    assert starts(date_overrides=overrides) == expected


def test_override_opens_a_day_without_weekly_hours():
    sunday = MONDAY - timedelta(days=1)
    kwargs = make_kwargs(
        date_overrides={sunday: windows("10:00-11:00")}, now=utc(sunday, "00:00"), range_start=utc(sunday, "00:00")
    )
    got = [s.start for s in bookable_slots(**kwargs)]
    assert got == [utc(sunday, "10:00"), utc(sunday, "10:30")] + [utc(MONDAY, h) for h in ALL_MONDAY]


# --- merge_intervals --------------------------------------------------------


def h(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, 1, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    "given_, expected",
    [
        ([], []),
        ([iv(h(1), h(2))], [iv(h(1), h(2))]),
        ([iv(h(1), h(2)), iv(h(3), h(4))], [iv(h(1), h(2)), iv(h(3), h(4))]),
        ([iv(h(3), h(4)), iv(h(1), h(2))], [iv(h(1), h(2)), iv(h(3), h(4))]),  # unsorted
        ([iv(h(1), h(3)), iv(h(2), h(4))], [iv(h(1), h(4))]),  # overlapping
        ([iv(h(1), h(2)), iv(h(2), h(3))], [iv(h(1), h(3))]),  # touching
        ([iv(h(1), h(5)), iv(h(2), h(3))], [iv(h(1), h(5))]),  # nested
        ([iv(h(1), h(2)), iv(h(1), h(2))], [iv(h(1), h(2))]),  # duplicate
        ([iv(h(2), h(2)), iv(h(4), h(3))], []),  # empty / reversed dropped
        ([iv(h(1), h(2)), iv(h(2), h(2))], [iv(h(1), h(2))]),
        ([iv(h(1), h(2)), iv(h(2, 1), h(3))], [iv(h(1), h(2)), iv(h(2, 1), h(3))]),  # gap of 1 min stays
        # other zones are normalised: 04:00 CEST = 02:00 UTC touches [01:00, 02:00)
        (
            [iv(h(1), h(2)), iv(datetime(2026, 6, 1, 4, tzinfo=BERLIN), datetime(2026, 6, 1, 5, tzinfo=BERLIN))],
            [iv(h(1), h(3))],
        ),
    ],
)
def test_merge_intervals(given_, expected):
    got = merge_intervals(given_)
    assert got == expected
    assert all(i.start.tzinfo is UTC and i.end.tzinfo is UTC for i in got)


# --- validation -------------------------------------------------------------


NAIVE = datetime(2026, 6, 1, 9, 0)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: bookable_slots(**make_kwargs(now=NAIVE)), "now"),
        (lambda: bookable_slots(**make_kwargs(range_start=NAIVE)), "range_start"),
        (lambda: bookable_slots(**make_kwargs(range_end=NAIVE)), "range_end"),
        (lambda: bookable_slots(**make_kwargs(booked_starts=[NAIVE])), "booked_starts"),
        (lambda: bookable_slots(**make_kwargs(not_before=NAIVE)), "not_before"),
        (lambda: is_bookable(start=NAIVE, **bookable_kwargs()), "start"),
        (lambda: Interval(NAIVE, utc(MONDAY, "10:00")), "Interval.start"),
        (lambda: Interval(utc(MONDAY, "10:00"), NAIVE), "Interval.end"),
        (lambda: rules(duration=0), "duration"),
        (lambda: rules(duration=-30), "duration"),
        (lambda: rules(step=0), "step"),
        (lambda: rules(step=-15), "step"),
        (lambda: rules(buffer_before=-1), "buffer_before"),
        (lambda: rules(buffer_after=-1), "buffer_after"),
        (lambda: rules(minimum_notice=-1), "minimum_notice"),
        (lambda: rules(horizon=0), "horizon"),
        (lambda: rules(daily_cap=-1), "daily_cap"),
        (lambda: rules(weekly_cap=-1), "weekly_cap"),
        (lambda: Window(t("10:00"), t("10:00")), "after its start"),
        (lambda: Window(t("10:00"), t("09:00")), "after its start"),
        (lambda: WeeklyWindow(0, t("10:00"), t("10:00")), "after its start"),
        (lambda: WeeklyWindow(0, t("12:00"), t("09:00")), "after its start"),
        (lambda: WeeklyWindow(7, t("09:00"), t("10:00")), "weekday"),
        (lambda: Window(time(9, tzinfo=UTC), t("10:00")), "naive"),
    ],
)
def test_validation_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --- is_bookable ------------------------------------------------------------


@pytest.mark.parametrize(
    "start, overrides, expected",
    [
        (utc(MONDAY, "09:30"), {}, True),  # on grid, free
        (local(MONDAY, "11:30", BERLIN), {}, True),  # same instant in another zone
        (utc(MONDAY, "09:10"), {}, False),  # off grid
        (utc(MONDAY, "09:30") + timedelta(microseconds=1), {}, False),  # off grid by 1 µs
        (utc(MONDAY, "11:30"), {}, True),  # last slot of the window
        (utc(MONDAY, "12:00"), {}, False),  # would end after the window
        (utc(MONDAY, "08:30"), {}, False),  # before the window
        (utc(MONDAY, "10:00"), {"busy": BUSY_10}, False),  # busy start
        (utc(MONDAY, "09:30"), {"busy": BUSY_10, "rules": rules(buffer_after=1)}, False),  # buffer
        (utc(MONDAY, "09:30"), {"now": utc(MONDAY, "09:31")}, False),  # in the past
        (utc(MONDAY, "09:30"), {"rules": rules(minimum_notice=34 * 60)}, False),
        (utc(MONDAY, "09:30"), {"date_overrides": {MONDAY: []}}, False),
        (utc(MONDAY, "09:30"), {"booked_starts": [utc(MONDAY, "11:00")], "rules": rules(daily_cap=1)}, False),
        (
            utc(MONDAY, "09:30"),
            {"booked_starts": [utc(MONDAY + timedelta(days=6), "23:00")], "rules": rules(weekly_cap=1)},
            False,
        ),  # weekly cap, later booking
        (utc(MONDAY + timedelta(days=7), "09:30"), {}, True),  # next Monday
        (utc(MONDAY, "09:30"), {"not_before": utc(MONDAY, "09:30")}, True),
        (utc(MONDAY, "09:30"), {"not_before": utc(MONDAY, "09:31")}, False),  # too soon to answer
        (utc(MONDAY, "11:30"), {"not_before": NO_SLOTS}, False),
    ],
)
def test_is_bookable(start, overrides, expected):
    assert is_bookable(start=start, **bookable_kwargs(**overrides)) is expected


# --- DST --------------------------------------------------------------------


def sunday_night(day: date, zone: ZoneInfo, hours: str = "01:00-04:00") -> list[datetime]:
    """Slots of a Sunday window (30/30) on ``day`` as UTC starts."""
    kwargs = make_kwargs(
        weekly_hours=weekly(6, hours),
        zone=zone,
        now=local(day, "00:00", zone) - timedelta(days=1),
        range_start=local(day, "00:00", zone),
        range_end=local(day + timedelta(days=1), "00:00", zone),
    )
    return [s.start for s in bookable_slots(**kwargs)]


def utc_at(year, month, day, *times):
    return [datetime(year, month, day, int(x[:2]), int(x[3:]), tzinfo=UTC) for x in times]


def test_berlin_spring_forward_window_loses_an_hour():
    # 01:00 CET = 00:00 UTC ... 04:00 CEST = 02:00 UTC: only two real hours
    got = sunday_night(date(2026, 3, 29), BERLIN)
    assert got == utc_at(2026, 3, 29, "00:00", "00:30", "01:00", "01:30")
    local_times = [s.astimezone(BERLIN).strftime("%H:%M") for s in got]
    assert local_times == ["01:00", "01:30", "03:00", "03:30"]


def test_berlin_nonexistent_start_moves_forward_by_the_gap():
    # 02:30 does not exist on 2026-03-29; it means 03:30 CEST = 01:30 UTC
    got = sunday_night(date(2026, 3, 29), BERLIN, "02:30-04:00")
    assert got == utc_at(2026, 3, 29, "01:30")
    # a window lying entirely inside the gap with its end mapped earlier collapses
    assert sunday_night(date(2026, 3, 29), BERLIN, "02:30-03:00") == []


def test_berlin_fall_back_window_gains_an_hour():
    # 01:00 CEST = 23:00 UTC (Sat) ... 04:00 CET = 03:00 UTC: four real hours
    got = sunday_night(date(2026, 10, 25), BERLIN)
    assert got == (
        utc_at(2026, 10, 24, "23:00", "23:30")
        + utc_at(2026, 10, 25, "00:00", "00:30", "01:00", "01:30", "02:00", "02:30")
    )


def test_berlin_ambiguous_start_takes_first_occurrence():
    # 02:30 happens twice on 2026-10-25; the first one is 02:30 CEST = 00:30 UTC
    got = sunday_night(date(2026, 10, 25), BERLIN, "02:30-03:30")
    assert got[0] == utc_at(2026, 10, 25, "00:30")[0]
    assert got == utc_at(2026, 10, 25, "00:30", "01:00", "01:30", "02:00")
    # a fold=1 time in the window is still read as the first occurrence
    day = date(2026, 10, 25)
    kwargs = make_kwargs(
        weekly_hours=[WeeklyWindow(6, time(2, 30, fold=1), t("03:30"))],
        zone=BERLIN,
        now=local(day, "00:00", BERLIN) - timedelta(days=1),
        range_start=local(day, "00:00", BERLIN),
        range_end=local(day + timedelta(days=1), "00:00", BERLIN),
    )
    assert bookable_slots(**kwargs)[0].start == utc_at(2026, 10, 25, "00:30")[0]


def office_hours(zone, first: date, days: int) -> list[datetime]:
    kwargs = make_kwargs(
        weekly_hours=[w for d in range(5) for w in weekly(d, "09:00-12:00")],
        zone=zone,
        rules=rules(60, 60),
        now=local(first, "00:00", zone) - timedelta(days=1),
        range_start=local(first, "00:00", zone),
        range_end=local(first + timedelta(days=days), "00:00", zone),
    )
    return [s.start for s in bookable_slots(**kwargs)]


@pytest.mark.parametrize(
    "monday, first_utc",
    [
        (date(2026, 3, 23), datetime(2026, 3, 23, 8, tzinfo=UTC)),  # CET
        (date(2026, 3, 30), datetime(2026, 3, 30, 7, tzinfo=UTC)),  # CEST, after spring forward
        (date(2026, 10, 19), datetime(2026, 10, 19, 7, tzinfo=UTC)),  # CEST
        (date(2026, 10, 26), datetime(2026, 10, 26, 8, tzinfo=UTC)),  # CET, after fall back
    ],
)
def test_berlin_office_hours_around_dst(monday, first_utc):
    got = office_hours(BERLIN, monday, 7)
    assert len(got) == 15  # Mon-Fri, 3 slots each
    assert got[0] == first_utc
    assert [s.astimezone(BERLIN).strftime("%H:%M") for s in got[:3]] == ["09:00", "10:00", "11:00"]
    assert all(s.astimezone(BERLIN).time() in (t("09:00"), t("10:00"), t("11:00")) for s in got)


def test_berlin_week_across_spring_forward():
    # Fri 2026-03-27 09:00 CET = 08:00 UTC; Mon 2026-03-30 09:00 CEST = 07:00 UTC
    got = office_hours(BERLIN, date(2026, 3, 27), 4)
    assert got == [datetime(2026, 3, 27, h, tzinfo=UTC) for h in (8, 9, 10)] + [
        datetime(2026, 3, 30, h, tzinfo=UTC) for h in (7, 8, 9)
    ]


def test_sydney_dst_ends_2026_04_05():
    # 01:00 AEDT (+11) = 14:00 UTC Sat ... 04:00 AEST (+10) = 18:00 UTC: four hours
    got = sunday_night(date(2026, 4, 5), SYDNEY)
    assert len(got) == 8
    assert got[0] == datetime(2026, 4, 4, 14, tzinfo=UTC)
    assert got[-1] == datetime(2026, 4, 4, 17, 30, tzinfo=UTC)
    # ambiguous 02:30 -> first occurrence (AEDT, 15:30 UTC); 03:00 is AEST (17:00 UTC)
    assert sunday_night(date(2026, 4, 5), SYDNEY, "02:30-03:00") == [
        datetime(2026, 4, 4, 15, 30, tzinfo=UTC),
        datetime(2026, 4, 4, 16, tzinfo=UTC),
        datetime(2026, 4, 4, 16, 30, tzinfo=UTC),
    ]


def test_sydney_dst_starts_2026_10_04():
    # 01:00 AEST (+10) = 15:00 UTC Sat ... 04:00 AEDT (+11) = 17:00 UTC: two hours
    got = sunday_night(date(2026, 10, 4), SYDNEY)
    assert got == [
        datetime(2026, 10, 3, 15, tzinfo=UTC),
        datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
        datetime(2026, 10, 3, 16, tzinfo=UTC),
        datetime(2026, 10, 3, 16, 30, tzinfo=UTC),
    ]
    # nonexistent 02:30 moves forward to 03:30 AEDT = 16:30 UTC
    assert sunday_night(date(2026, 10, 4), SYDNEY, "02:30-04:00") == [datetime(2026, 10, 3, 16, 30, tzinfo=UTC)]


@pytest.mark.parametrize(
    "monday, first_utc",
    [
        (date(2026, 3, 30), datetime(2026, 3, 29, 22, tzinfo=UTC)),  # AEDT: 09:00 = 22:00 UTC the day before
        (date(2026, 4, 6), datetime(2026, 4, 5, 23, tzinfo=UTC)),  # AEST
    ],
)
def test_sydney_office_hours(monday, first_utc):
    got = office_hours(SYDNEY, monday, 7)
    assert len(got) == 15
    assert got[0] == first_utc


NUUK = ZoneInfo("America/Nuuk")


def test_gap_across_midnight_nuuk():
    """Nuuk springs forward at 23:00 on Saturday 2026-03-28 (-02 -> -01), so
    Saturday 23:00-23:59 does not exist and moves to Sunday 00:00-00:59.  A
    Saturday window ending in the gap therefore reaches into Sunday (local);
    such slots must be found whichever way the range is cut, and overlap with
    Sunday's own windows must not produce duplicates."""
    assert NUUK.utcoffset(datetime(2026, 3, 28, 12)) == timedelta(hours=-2), "tz database older than 2023"
    saturday, sunday = date(2026, 3, 28), date(2026, 3, 29)
    kwargs = make_kwargs(
        weekly_hours=weekly(5, "22:00-23:59"),
        zone=NUUK,
        now=utc(saturday, "00:00"),
        range_start=local(saturday, "00:00", NUUK),
        range_end=local(saturday, "00:00", NUUK) + timedelta(days=3),
    )
    expected = utc_at(2026, 3, 29, "00:00", "00:30", "01:00")
    assert [s.start for s in bookable_slots(**kwargs)] == expected
    assert expected[2].astimezone(NUUK) == local(sunday, "00:00", NUUK)
    # a range that starts at Sunday's local midnight still sees the slot from Saturday's window
    sunday_on = {**kwargs, "range_start": local(sunday, "00:00", NUUK)}
    assert [s.start for s in bookable_slots(**sunday_on)] == expected[2:]
    single = {k: v for k, v in kwargs.items() if k not in ("range_start", "range_end")}
    assert is_bookable(start=expected[2], **single)
    # Sunday 00:00-02:00 overlaps Saturday's shifted window: sorted, no duplicates
    both = {**kwargs, "weekly_hours": weekly(5, "22:00-23:59") + weekly(6, "00:00-02:00")}
    assert [s.start for s in bookable_slots(**both)] == utc_at(
        2026, 3, 29, "00:00", "00:30", "01:00", "01:30", "02:00", "02:30"
    )


@pytest.mark.parametrize(
    "monday, new_york_time",
    [
        (date(2026, 3, 2), "03:00"),  # both on winter time: 6 hours apart
        (date(2026, 3, 9), "04:00"),  # US already on DST, EU not yet: 5 hours apart
        (date(2026, 3, 23), "04:00"),
        (date(2026, 3, 30), "03:00"),  # both on summer time: 6 hours apart again
    ],
)
def test_new_york_visitor_sees_berlin_hours_shift(monday, new_york_time):
    got = office_hours(BERLIN, monday, 5)
    seen = {s.astimezone(NEW_YORK).strftime("%H:%M") for s in got[::3]}
    assert seen == {new_york_time}
    assert got[0].astimezone(BERLIN).strftime("%H:%M") == "09:00"


# --- properties -------------------------------------------------------------


# America/Nuuk switches at 23:00/00:00 local, so its gap and overlap touch midnight.
ZONES = [ZoneInfo(name) for name in ("Europe/Berlin", "Australia/Sydney", "America/New_York", "UTC", "America/Nuuk")]
DST_DATES = [
    date(2026, 3, 8),
    date(2026, 3, 29),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 10, 25),
    date(2026, 11, 1),
    date(2026, 3, 28),
    date(2026, 10, 24),
]


def minutes_near(*typical: int, jitter: int = 30):
    """Minutes: one of the typical values plus a little jitter.

    Plain st.integers() (and the first sampled value) is drawn very often,
    which gave mostly empty ranges and too-short windows; listing typical
    values first keeps most examples interesting."""
    return st.tuples(st.sampled_from(typical), st.integers(0, jitter)).map(sum)


# Strategies are built once: building them inside each draw made generation slow.
WINDOW_START = st.integers(0, 24 * 60 - 6) | st.sampled_from([60, 90, 120, 150, 180, 540])  # DST hours
WINDOW_LENGTH = minutes_near(180, 300, 480, 120, 60, 5)
RANGE_OFFSET = st.integers(-12 * 60, 12 * 60)
RANGE_LENGTH = minutes_near(1440, 2880, 4320, 5760, 60, 0, jitter=600)
BUSY_OFFSET = st.integers(-12 * 60, 4 * 24 * 60)
BUSY_LENGTH = minutes_near(60, 15, 240, 30, 0)
BOOKED_OFFSET = st.integers(-2 * 24 * 60, 6 * 24 * 60)
BUFFER = minutes_near(0, 0, 5, 15, 30)
NOTICE = minutes_near(0, 0, 60, 720, 1440, jitter=120)
HORIZON = minutes_near(180 * 1440, 180 * 1440, 1440, 2880, 4320, jitter=600)
NOW_BEFORE_RANGE = minutes_near(0, 60, 720, 1440, 2880, jitter=600)
BASE_DATE = st.sampled_from(DST_DATES) | st.dates(date(2026, 1, 1), date(2026, 12, 31))


def draw_wall_window(draw) -> tuple[time, time]:
    start = draw(WINDOW_START)
    end = min(start + draw(WINDOW_LENGTH), 24 * 60 - 1)
    return time(start // 60, start % 60), time(end // 60, end % 60)


@st.composite
def scenarios(draw):
    """Random inputs around DST dates in a few zones: most examples offer some
    slots, and busy times, caps, notice and horizon each remove some of them."""
    zone = draw(st.sampled_from(ZONES))
    base = draw(BASE_DATE)
    weekly_hours = [
        WeeklyWindow(weekday, *draw_wall_window(draw))
        for weekday in range(7)
        for _ in range(draw(st.sampled_from([1, 2, 1, 3, 0])))
    ]
    overrides = {
        base + timedelta(days=draw(st.integers(-1, 4))): [
            Window(*draw_wall_window(draw)) for _ in range(draw(st.sampled_from([1, 0, 2])))
        ]
        for _ in range(draw(st.sampled_from([0, 1, 2])))
    }
    range_start = datetime.combine(base, time(0), tzinfo=zone) + timedelta(minutes=draw(RANGE_OFFSET))
    range_end = range_start + timedelta(minutes=draw(RANGE_LENGTH))
    anchor = range_start.astimezone(UTC)

    busy = []
    for _ in range(draw(st.sampled_from([8, 3, 15, 0]))):
        start = anchor + timedelta(minutes=draw(BUSY_OFFSET))
        end = start + timedelta(minutes=draw(BUSY_LENGTH))
        zone_ = draw(st.sampled_from(ZONES))  # busy times may come in any zone
        busy.append(Interval(start.astimezone(zone_), end.astimezone(zone_)))
    booked = [anchor + timedelta(minutes=draw(BOOKED_OFFSET)) for _ in range(draw(st.sampled_from([3, 0, 8])))]
    # The coach's bookings of other types: they count only toward the coach-wide caps.
    others = [anchor + timedelta(minutes=draw(BOOKED_OFFSET)) for _ in range(draw(st.sampled_from([0, 4, 10])))]
    slot_rules = SlotRules(
        duration=timedelta(minutes=draw(st.sampled_from([5, 15, 25, 30, 45, 60, 90, 120]))),
        step=timedelta(minutes=draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60, 7]))),
        buffer_before=timedelta(minutes=draw(BUFFER)),
        buffer_after=timedelta(minutes=draw(BUFFER)),
        minimum_notice=timedelta(minutes=draw(NOTICE)),
        horizon=timedelta(minutes=draw(HORIZON)),
        daily_cap=draw(st.sampled_from([None, None, None, 0, 1, 2, 3])),
        weekly_cap=draw(st.sampled_from([None, None, None, 1, 3, 5])),
        coach_daily_cap=draw(st.sampled_from([None, None, None, 0, 2, 4])),
        coach_weekly_cap=draw(st.sampled_from([None, None, None, 3, 6, 12])),
    )
    now = anchor - timedelta(minutes=draw(NOW_BEFORE_RANGE))
    now += timedelta(minutes=draw(st.sampled_from([0, 600, 0, 1440])))  # sometimes inside the range
    return dict(
        weekly_hours=weekly_hours,
        date_overrides=overrides,
        busy=busy,
        booked_starts=booked,
        coach_booked_starts=booked + others,
        rules=slot_rules,
        zone=zone,
        now=now,
        range_start=range_start,
        range_end=range_end,
    )


# database=None: keep hypothesis from writing a .hypothesis/ folder into the repo.
PROPERTY = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def local_dates(kwargs) -> list[date]:
    zone = kwargs["zone"]
    first = kwargs["range_start"].astimezone(zone).date() - timedelta(days=1)
    last = kwargs["range_end"].astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def reference_windows(day: date, kwargs) -> list[Interval]:
    """Brute force: the working windows of coach-local ``day`` as merged UTC intervals. An
    override replaces the weekly hours; wall times are read with fold=0 (a nonexistent time
    moves forward by the gap, an ambiguous one is its first occurrence)."""
    chosen = kwargs["date_overrides"].get(day)
    if chosen is None:
        chosen = [w for w in kwargs["weekly_hours"] if w.weekday == day.weekday()]
    zone = kwargs["zone"]
    return merge_intervals(
        Interval(
            datetime.combine(day, w.start.replace(fold=0), tzinfo=zone),
            datetime.combine(day, w.end.replace(fold=0), tzinfo=zone),
        )
        for w in chosen
    )


def reference_capped(day: date, booked_days: list[date], daily_cap: int | None, weekly_cap: int | None) -> bool:
    """Brute force: whether coach-local ``day`` is full, counting the booked coach-local dates."""
    if daily_cap is not None and sum(d == day for d in booked_days) >= daily_cap:
        return True
    return (
        weekly_cap is not None and sum(d.isocalendar()[:2] == day.isocalendar()[:2] for d in booked_days) >= weekly_cap
    )


def reference_slots(kwargs) -> list[Interval]:
    """Brute force: every grid point of every window, checked against every rule."""
    r, zone, now = kwargs["rules"], kwargs["zone"], kwargs["now"]
    local_days = [s.astimezone(zone).date() for s in kwargs["booked_starts"]]
    coach_days = [s.astimezone(zone).date() for s in kwargs.get("coach_booked_starts", ())]
    result = []
    for day in local_dates(kwargs):
        if reference_capped(day, local_days, r.daily_cap, r.weekly_cap):
            continue
        if reference_capped(day, coach_days, r.coach_daily_cap, r.coach_weekly_cap):
            continue
        for w in reference_windows(day, kwargs):
            start = w.start
            while start + r.duration <= w.end:
                ok = (
                    kwargs["range_start"] <= start < kwargs["range_end"]
                    and now + r.minimum_notice <= start < now + r.horizon
                    and not any(
                        b.start < start + r.duration + r.buffer_after
                        and start - r.buffer_before < b.end
                        and b.start < b.end
                        for b in kwargs["busy"]
                    )
                )
                if ok:
                    result.append(Interval(start, start + r.duration))
                start += r.step
    # set(): in Nuuk a shifted Saturday window can repeat Sunday's slots
    return sorted(set(result), key=lambda s: s.start)


@PROPERTY
@given(scenarios())
def test_property_matches_brute_force(kwargs):
    assert bookable_slots(**kwargs) == reference_slots(kwargs)


@PROPERTY
@given(scenarios())
def test_property_slots_are_free_inside_windows_sorted_and_unique(kwargs):
    got = bookable_slots(**kwargs)
    r = kwargs["rules"]
    starts_ = [s.start for s in got]
    assert starts_ == sorted(set(starts_))
    windows_ = [w for day in local_dates(kwargs) for w in reference_windows(day, kwargs)]
    for slot in got:
        assert slot.end - slot.start == r.duration
        assert kwargs["range_start"] <= slot.start < kwargs["range_end"]
        assert kwargs["now"] + r.minimum_notice <= slot.start < kwargs["now"] + r.horizon
        assert any(w.start <= slot.start and slot.end <= w.end for w in windows_)
        for b in kwargs["busy"]:
            assert not (
                b.start < b.end and b.start < slot.end + r.buffer_after and slot.start - r.buffer_before < b.end
            )


@PROPERTY
@given(scenarios(), st.integers(0, 5 * 24 * 60), st.integers(1, 6 * 60))
def test_property_adding_busy_never_adds_a_slot(kwargs, offset, length):
    before = bookable_slots(**kwargs)
    start = kwargs["range_start"] - timedelta(days=1) + timedelta(minutes=offset)
    extra = kwargs["busy"] + [Interval(start, start + timedelta(minutes=length))]
    after = bookable_slots(**{**kwargs, "busy": extra})
    assert set(after) <= set(before)


@PROPERTY
@given(scenarios(), st.integers(1, 3 * 24 * 60))
def test_property_moving_now_forward_never_adds_a_slot(kwargs, minutes):
    # The horizon moves with `now`, so only slots before the old horizon are compared.
    before = bookable_slots(**kwargs)
    later = kwargs["now"] + timedelta(minutes=minutes)
    after = bookable_slots(**{**kwargs, "now": later})
    old_horizon = kwargs["now"] + kwargs["rules"].horizon
    assert {s for s in after if s.start < old_horizon} <= set(before)


@PROPERTY
@given(scenarios())
def test_property_every_slot_is_bookable_and_neighbours_are_not(kwargs):
    got = bookable_slots(**kwargs)
    single = {k: v for k, v in kwargs.items() if k not in ("range_start", "range_end")}
    got_starts = {s.start for s in got}
    for slot in got:
        assert is_bookable(start=slot.start, **single)
        off = slot.start + timedelta(minutes=1)
        if off not in got_starts and off < kwargs["range_end"]:
            assert not is_bookable(start=off, **single)


@PROPERTY
@given(scenarios(), st.integers(0, 4 * 24 * 60))
def test_property_splitting_the_range_changes_nothing(kwargs, cut_minutes):
    whole = bookable_slots(**kwargs)
    cut = min(kwargs["range_start"] + timedelta(minutes=cut_minutes), kwargs["range_end"])
    first = bookable_slots(**{**kwargs, "range_end": cut})
    second = bookable_slots(**{**kwargs, "range_start": cut})
    assert first + second == whole
