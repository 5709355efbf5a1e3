"""Tests for scheduler.slot_engine's coach-wide caps: a daily and a weekly limit of the coach's
appointments of all types together, beside each type's own caps (pure Python, no Django)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.slot_engine import bookable_slots, is_bookable
from tests.helpers import BERLIN
from tests.scheduler.test_slot_engine import (
    MONDAY,
    PROPERTY,
    WEEK1,
    WEEK2,
    bookable_kwargs,
    make_kwargs,
    rules,
    scenarios,
    utc,
    weekly,
)

TUESDAY = MONDAY + timedelta(days=1)
EVERY_DAY = [w for d in range(7) for w in weekly(d, "09:00-10:00")]


def open_days(type_starts=(), other_starts=(), zone=None, **caps) -> list:
    """Dates with a slot in two ISO weeks (2026-06-01..06-14), one 60-minute slot a day.
    `type_starts` are bookings of the asked type, `other_starts` of the coach's other types."""
    kwargs = make_kwargs(
        weekly_hours=EVERY_DAY,
        booked_starts=list(type_starts),
        coach_booked_starts=[*type_starts, *other_starts],
        rules=rules(60, 60, **caps),
        range_end=utc(MONDAY, "00:00") + timedelta(days=14),
        **({"zone": zone} if zone else {}),
    )
    return sorted({s.start.astimezone(kwargs["zone"]).date() for s in bookable_slots(**kwargs)})


ALL_DAYS = WEEK1 + WEEK2


@pytest.mark.parametrize(
    "type_starts, other_starts, caps, expected",
    [
        # one booking of each type reaches a coach-wide daily cap of 2: Monday closes for both
        ([utc(MONDAY, "13:00")], [utc(MONDAY, "14:00")], {"coach_daily_cap": 2}, ALL_DAYS[1:]),
        # two bookings of another type alone close the day for this type
        ([], [utc(MONDAY, "13:00"), utc(MONDAY, "14:00")], {"coach_daily_cap": 2}, ALL_DAYS[1:]),
        # ...one is not enough, nor are two on different days
        ([], [utc(MONDAY, "13:00")], {"coach_daily_cap": 2}, ALL_DAYS),
        ([utc(MONDAY, "13:00")], [utc(TUESDAY, "13:00")], {"coach_daily_cap": 2}, ALL_DAYS),
        # without coach-wide caps other types' bookings count toward nothing
        ([], [utc(MONDAY, "13:00")] * 5, {}, ALL_DAYS),
        ([], [utc(MONDAY, "13:00")] * 5, {"daily_cap": 1, "weekly_cap": 1}, ALL_DAYS),
        # weekly: one of each type in week 1 closes all of week 1, week 2 stays open
        ([utc(MONDAY, "13:00")], [utc(WEEK1[6], "20:00")], {"coach_weekly_cap": 2}, WEEK2),
        ([], [utc(WEEK2[3], "13:00")] * 3, {"coach_weekly_cap": 3}, WEEK1),
        ([], [], {"coach_daily_cap": 0}, []),
        # the type's own cap still closes a day the coach's allows, and the other way round
        ([utc(MONDAY, "13:00")], [], {"daily_cap": 1, "coach_daily_cap": 5}, ALL_DAYS[1:]),
        ([utc(MONDAY, "13:00")], [utc(TUESDAY, "13:00")] * 2, {"daily_cap": 1, "coach_daily_cap": 2}, ALL_DAYS[2:]),
        ([utc(MONDAY, "13:00")], [utc(WEEK2[0], "13:00")], {"weekly_cap": 1, "coach_weekly_cap": 1}, []),
    ],
)
def test_coach_wide_caps_count_every_type(type_starts, other_starts, caps, expected):
    assert open_days(type_starts, other_starts, **caps) == expected


def test_coach_wide_caps_count_the_coach_local_date():
    # 22:30 UTC Sunday is 00:30 Monday in Berlin (CEST); 21:30 UTC is still Sunday there.
    late_sunday = utc(MONDAY - timedelta(days=1), "22:30")
    assert MONDAY not in open_days(other_starts=[late_sunday], zone=BERLIN, coach_daily_cap=1)
    assert MONDAY in open_days(other_starts=[late_sunday - timedelta(hours=1)], zone=BERLIN, coach_daily_cap=1)


def test_is_bookable_refuses_a_start_over_the_coach_wide_cap():
    kwargs = bookable_kwargs(
        booked_starts=[utc(MONDAY, "11:00")],
        coach_booked_starts=[utc(MONDAY, "11:00"), utc(MONDAY, "11:30")],
        rules=rules(coach_daily_cap=2),
    )
    assert not is_bookable(start=utc(MONDAY, "09:00"), **kwargs)
    assert is_bookable(start=utc(MONDAY, "09:00"), **{**kwargs, "coach_booked_starts": [utc(MONDAY, "11:00")]})


def test_a_negative_coach_wide_cap_is_refused():
    for name in ("coach_daily_cap", "coach_weekly_cap"):
        with pytest.raises(ValueError, match=name):
            rules(**{name: -1})


# --- properties (scenarios: random hours, busy times, both kinds of caps, around DST) ---


@PROPERTY
@given(scenarios())
def test_property_coach_wide_caps_never_add_a_slot(kwargs):
    without = replace(kwargs["rules"], coach_daily_cap=None, coach_weekly_cap=None)
    assert set(bookable_slots(**kwargs)) <= set(bookable_slots(**{**kwargs, "rules": without}))


@PROPERTY
@given(scenarios(), st.integers(-2 * 24 * 60, 6 * 24 * 60))
def test_property_another_types_booking_never_adds_a_slot(kwargs, offset):
    extra = kwargs["range_start"] + timedelta(minutes=offset)
    after = bookable_slots(**{**kwargs, "coach_booked_starts": [*kwargs["coach_booked_starts"], extra]})
    assert set(after) <= set(bookable_slots(**kwargs))


@PROPERTY
@given(scenarios())
def test_property_the_coach_cap_over_one_type_is_the_types_cap(kwargs):
    # A coach with one type: the coach-wide caps over its bookings act as the type's own caps.
    r = kwargs["rules"]
    as_coach = replace(r, daily_cap=None, weekly_cap=None, coach_daily_cap=r.daily_cap, coach_weekly_cap=r.weekly_cap)
    as_type = replace(r, coach_daily_cap=None, coach_weekly_cap=None)
    starts = kwargs["booked_starts"]
    coach_only = bookable_slots(**{**kwargs, "rules": as_coach, "booked_starts": [], "coach_booked_starts": starts})
    type_only = bookable_slots(**{**kwargs, "rules": as_type, "coach_booked_starts": []})
    assert coach_only == type_only
