"""Tests for scheduler.reachability (pure Python, no database): reply windows across DST
and in a visitor's zone, the status now, away spans, per-channel windows and the answer
deadline of a request."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.reachability import (
    AWAY,
    LOOK_AHEAD,
    MIN_ANSWER_TIME,
    OUTSIDE,
    REPLY_WINDOW,
    AwaySpan,
    ReplyWindowRule,
    Status,
    answer_deadline,
    answerable_from,
    first_answer_window_end,
    next_reply_window,
    reply_window_times,
    status_at,
)
from scheduler.slot_engine import Interval
from tests.helpers import BERLIN, wall_time

NEW_YORK = ZoneInfo("America/New_York")
LEAD = timedelta(hours=12)
# A plain summer week: Monday 1 June 2026 (Berlin on CEST, UTC+2).
MONDAY = date(2026, 6, 1)


def at(day: date, hhmm: str, zone: ZoneInfo = BERLIN) -> datetime:
    return wall_time(day, hhmm, zone)


def rule(weekday: int, start: str, end: str, *channels: str) -> ReplyWindowRule:
    return ReplyWindowRule(
        weekday=weekday,
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
        channels=frozenset(channels),
    )


# The demo coach's promise: Monday, Wednesday and Friday 08:00–09:00 (Berlin).
MON_WED_FRI = [rule(0, "08:00", "09:00"), rule(2, "08:00", "09:00"), rule(4, "08:00", "09:00")]


def times(windows, start: datetime, end: datetime, *, away=(), zone=BERLIN, channel=None) -> list[Interval]:
    return reply_window_times(
        windows=windows, zone=zone, away=list(away), range_start=start, range_end=end, channel=channel
    )


def local_spans(spans: list[Interval], zone: ZoneInfo) -> list[tuple[str, str]]:
    """Each span as (local start, local end), "YYYY-MM-DD HH:MM", for readable asserts."""
    return [(f"{s.start.astimezone(zone):%Y-%m-%d %H:%M}", f"{s.end.astimezone(zone):%Y-%m-%d %H:%M}") for s in spans]


def status(windows, now: datetime, away=()) -> Status:
    return status_at(windows=windows, zone=BERLIN, away=list(away), now=now)


# --- reply windows across DST and in another zone -------------------------------------


def test_a_window_keeps_its_wall_clock_time_across_the_march_change_in_berlin():
    # Sunday 29 March 2026 is the last Sunday of March: Berlin goes from UTC+1 to UTC+2 at 02:00.
    sundays = [rule(6, "08:00", "09:00")]
    spans = times(sundays, at(date(2026, 3, 21), "00:00"), at(date(2026, 4, 6), "00:00"))
    assert local_spans(spans, BERLIN) == [
        ("2026-03-22 08:00", "2026-03-22 09:00"),
        ("2026-03-29 08:00", "2026-03-29 09:00"),
        ("2026-04-05 08:00", "2026-04-05 09:00"),
    ]
    # In UTC the window moves an hour earlier with the change.
    assert [span.start for span in spans] == [
        datetime(2026, 3, 22, 7, tzinfo=UTC),
        datetime(2026, 3, 29, 6, tzinfo=UTC),
        datetime(2026, 4, 5, 6, tzinfo=UTC),
    ]
    assert all(span.end - span.start == timedelta(hours=1) for span in spans)


def test_a_window_keeps_its_wall_clock_time_across_the_october_change_in_berlin():
    # Sunday 25 October 2026 is the last Sunday of October: back to UTC+1 at 03:00.
    sundays = [rule(6, "08:00", "09:00")]
    spans = times(sundays, at(date(2026, 10, 17), "00:00"), at(date(2026, 11, 2), "00:00"))
    assert local_spans(spans, BERLIN) == [
        ("2026-10-18 08:00", "2026-10-18 09:00"),
        ("2026-10-25 08:00", "2026-10-25 09:00"),
        ("2026-11-01 08:00", "2026-11-01 09:00"),
    ]
    assert [span.start.hour for span in spans] == [6, 7, 7]  # UTC
    assert all(span.end - span.start == timedelta(hours=1) for span in spans)


def test_a_berlin_window_in_new_york_moves_with_both_zones_changes():
    # The US changes on 8 March 2026, Europe on 29 March: for three weeks the zones are five
    # hours apart instead of six, so Monday 08:00 in Berlin is 03:00 in New York, not 02:00.
    mondays = [rule(0, "08:00", "09:00")]
    spans = times(mondays, at(date(2026, 3, 1), "00:00", NEW_YORK), at(date(2026, 4, 1), "00:00", NEW_YORK))
    assert local_spans(spans, NEW_YORK) == [
        ("2026-03-02 02:00", "2026-03-02 03:00"),
        ("2026-03-09 03:00", "2026-03-09 04:00"),
        ("2026-03-16 03:00", "2026-03-16 04:00"),
        ("2026-03-23 03:00", "2026-03-23 04:00"),
        ("2026-03-30 02:00", "2026-03-30 03:00"),
    ]
    assert {span for (span, _end) in local_spans(spans, BERLIN)} == {
        "2026-03-02 08:00",
        "2026-03-09 08:00",
        "2026-03-16 08:00",
        "2026-03-23 08:00",
        "2026-03-30 08:00",
    }


def test_a_late_window_falls_on_the_previous_day_in_new_york_and_the_range_is_in_instants():
    late = [rule(1, "03:00", "04:00")]  # Tuesday 03:00 Berlin is Monday 21:00 in New York (summer)
    monday_ny = (at(MONDAY, "00:00", NEW_YORK), at(MONDAY + timedelta(days=1), "00:00", NEW_YORK))
    assert local_spans(times(late, *monday_ny), NEW_YORK) == [("2026-06-01 21:00", "2026-06-01 22:00")]


def test_windows_are_utc_sorted_merged_and_not_clipped_to_the_range():
    touching = [rule(0, "09:00", "10:00"), rule(0, "08:00", "09:00"), rule(0, "08:30", "08:45")]
    spans = times(touching, at(MONDAY, "08:30"), at(MONDAY, "08:40"))
    assert spans == [Interval(at(MONDAY, "08:00").astimezone(UTC), at(MONDAY, "10:00").astimezone(UTC))]
    assert spans[0].start.tzinfo is UTC


def test_windows_outside_the_range_and_empty_ranges_give_nothing():
    assert times(MON_WED_FRI, at(MONDAY, "09:00"), at(MONDAY + timedelta(days=2), "08:00")) == []
    assert times(MON_WED_FRI, at(MONDAY, "08:30"), at(MONDAY, "08:30")) == []
    assert times([], at(MONDAY, "00:00"), at(MONDAY + timedelta(days=7), "00:00")) == []


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        times(MON_WED_FRI, datetime(2026, 6, 1), at(MONDAY, "12:00"))
    with pytest.raises(ValueError, match="timezone-aware"):
        status(MON_WED_FRI, datetime(2026, 6, 1, 8, 30))


# --- away --------------------------------------------------------------------------


def test_a_window_inside_a_blocked_period_does_not_happen():
    seminar = AwaySpan(at(MONDAY + timedelta(days=1), "00:00"), at(MONDAY + timedelta(days=4), "00:00"), "Seminar")
    spans = times(MON_WED_FRI, at(MONDAY, "00:00"), at(MONDAY + timedelta(days=7), "00:00"), away=[seminar])
    assert local_spans(spans, BERLIN) == [
        ("2026-06-01 08:00", "2026-06-01 09:00"),  # Wednesday's is gone
        ("2026-06-05 08:00", "2026-06-05 09:00"),
    ]


def test_away_time_cuts_a_window_partly():
    until_half_past = AwaySpan(at(MONDAY, "06:00"), at(MONDAY, "08:30"))
    from_quarter_to = AwaySpan(at(MONDAY, "08:45"), at(MONDAY, "12:00"))
    spans = times(MON_WED_FRI, at(MONDAY, "00:00"), at(MONDAY, "23:00"), away=[from_quarter_to, until_half_past])
    assert local_spans(spans, BERLIN) == [("2026-06-01 08:30", "2026-06-01 08:45")]


# --- the status now ----------------------------------------------------------------


def test_status_in_a_reply_window():
    assert status(MON_WED_FRI, at(MONDAY, "08:30")) == Status(REPLY_WINDOW, at(MONDAY, "09:00").astimezone(UTC))


def test_status_at_the_start_and_end_of_a_window():
    # Half-open: a window is on from its first minute and over at its end.
    assert status(MON_WED_FRI, at(MONDAY, "08:00")).state == REPLY_WINDOW
    after = status(MON_WED_FRI, at(MONDAY, "09:00"))
    assert after == Status(OUTSIDE, at(MONDAY + timedelta(days=2), "08:00").astimezone(UTC))


def test_status_outside_until_the_next_window():
    saturday = at(MONDAY + timedelta(days=5), "12:00")
    assert status(MON_WED_FRI, saturday) == Status(OUTSIDE, at(MONDAY + timedelta(days=7), "08:00").astimezone(UTC))


def test_status_away_with_the_public_note():
    seminar = AwaySpan(
        at(MONDAY + timedelta(days=1), "00:00"), at(MONDAY + timedelta(days=4), "00:00"), "Seminar in Wien"
    )
    # Wednesday 08:30 would be a reply window; the seminar wins.
    now = status(MON_WED_FRI, at(MONDAY + timedelta(days=2), "08:30"), away=[seminar])
    assert now == Status(AWAY, at(MONDAY + timedelta(days=4), "00:00").astimezone(UTC), "Seminar in Wien")


def test_status_away_without_a_note():
    holiday = AwaySpan(at(MONDAY, "00:00"), at(MONDAY + timedelta(days=7), "00:00"))
    now = status(MON_WED_FRI, at(MONDAY + timedelta(days=3), "15:00"), away=[holiday])
    assert now == Status(AWAY, at(MONDAY + timedelta(days=7), "00:00").astimezone(UTC), "")
    assert now.until.tzinfo is UTC


def test_away_spans_that_touch_or_overlap_run_on_and_a_gap_ends_them():
    first = AwaySpan(at(MONDAY, "00:00"), at(MONDAY + timedelta(days=2), "12:00"), "Seminar in Wien")
    touching = AwaySpan(at(MONDAY + timedelta(days=2), "12:00"), at(MONDAY + timedelta(days=3), "18:00"))
    overlapping = AwaySpan(at(MONDAY + timedelta(days=3), "17:00"), at(MONDAY + timedelta(days=4), "10:00"), "Reise")
    after_a_gap = AwaySpan(at(MONDAY + timedelta(days=4), "11:00"), at(MONDAY + timedelta(days=5), "00:00"))
    spans = [after_a_gap, overlapping, touching, first]  # in no order
    now = status(MON_WED_FRI, at(MONDAY, "08:30"), away=spans)
    # Away until Friday 10:00, with the note of the span the coach is in now.
    assert now == Status(AWAY, at(MONDAY + timedelta(days=4), "10:00").astimezone(UTC), "Seminar in Wien")
    # Friday's 08:00–09:00 falls into the away time; between 10:00 and 11:00 there is no window.
    assert next_reply_window(windows=MON_WED_FRI, zone=BERLIN, away=spans, now=at(MONDAY, "08:30")).start == at(
        MONDAY + timedelta(days=7), "08:00"
    )


def test_inside_two_overlapping_spans_the_later_end_and_the_first_note_count():
    quiet = AwaySpan(at(MONDAY, "00:00"), at(MONDAY, "20:00"))
    noted = AwaySpan(at(MONDAY, "06:00"), at(MONDAY, "12:00"), "Workshop")
    assert status(MON_WED_FRI, at(MONDAY, "08:30"), away=[quiet, noted]) == Status(
        AWAY, at(MONDAY, "20:00").astimezone(UTC), "Workshop"
    )


def test_the_end_of_away_time_is_in_a_window_again():
    morning = AwaySpan(at(MONDAY, "06:00"), at(MONDAY, "08:30"), "Arzt")
    assert status(MON_WED_FRI, at(MONDAY, "08:29"), away=[morning]).state == AWAY
    assert status(MON_WED_FRI, at(MONDAY, "08:30"), away=[morning]) == Status(
        REPLY_WINDOW, at(MONDAY, "09:00").astimezone(UTC)
    )


def test_status_of_a_coach_without_windows_or_with_none_ahead():
    assert status([], at(MONDAY, "08:30")) == Status(OUTSIDE, None)
    long_leave = AwaySpan(at(MONDAY, "10:00"), at(MONDAY, "10:00") + LOOK_AHEAD + timedelta(days=7))
    assert status(MON_WED_FRI, at(MONDAY, "09:30"), away=[long_leave]) == Status(OUTSIDE, None)


def test_status_reads_the_same_instant_in_any_zone():
    berlin_now = at(MONDAY, "08:30")
    assert status(MON_WED_FRI, berlin_now.astimezone(NEW_YORK)) == status(MON_WED_FRI, berlin_now)


# --- the next window and per-channel windows ---------------------------------------------


# E-mail and Threema on Monday morning, WhatsApp on Tuesday evening, everything on Wednesday.
PER_CHANNEL = [
    rule(0, "08:00", "09:00", "email", "threema"),
    rule(1, "17:00", "18:00", "whatsapp"),
    rule(2, "12:00", "13:00"),
]


def next_window(now: datetime, **kwargs) -> Interval | None:
    return next_reply_window(windows=PER_CHANNEL, zone=BERLIN, away=[], now=now, **kwargs)


def test_next_window_per_channel():
    monday_early = at(MONDAY, "07:00")
    assert next_window(monday_early, channel="email").start == at(MONDAY, "08:00")
    assert next_window(monday_early, channel="threema").start == at(MONDAY, "08:00")
    assert next_window(monday_early, channel="whatsapp").start == at(MONDAY + timedelta(days=1), "17:00")
    assert next_window(monday_early, channel="phone").start == at(MONDAY + timedelta(days=2), "12:00")
    assert next_window(monday_early).start == at(MONDAY, "08:00")  # any channel


def test_the_window_on_now_or_the_one_after_it():
    in_window = at(MONDAY, "08:30")
    assert next_window(in_window, channel="email") == Interval(
        at(MONDAY, "08:00").astimezone(UTC), at(MONDAY, "09:00").astimezone(UTC)
    )
    assert next_window(in_window, channel="email", after_current=True).start == at(MONDAY + timedelta(days=2), "12:00")
    assert next_window(in_window, after_current=True).start == at(MONDAY + timedelta(days=1), "17:00")


def test_per_channel_times_leave_out_other_channels_windows():
    week = (at(MONDAY, "00:00"), at(MONDAY + timedelta(days=7), "00:00"))
    assert local_spans(times(PER_CHANNEL, *week, channel="whatsapp"), BERLIN) == [
        ("2026-06-02 17:00", "2026-06-02 18:00"),
        ("2026-06-03 12:00", "2026-06-03 13:00"),
    ]
    assert len(times(PER_CHANNEL, *week)) == 3
    assert PER_CHANNEL[0].serves(None) and not PER_CHANNEL[0].serves("whatsapp") and PER_CHANNEL[2].serves("phone")


def test_no_next_window_beyond_the_look_ahead():
    long_leave = AwaySpan(at(MONDAY, "10:00"), at(MONDAY, "10:00") + LOOK_AHEAD + timedelta(days=7))
    assert next_reply_window(windows=MON_WED_FRI, zone=BERLIN, away=[long_leave], now=at(MONDAY, "09:30")) is None


# --- answer deadlines ----------------------------------------------------------------


def deadline(now: datetime, start: datetime, windows=MON_WED_FRI, away=(), lead=LEAD) -> datetime | None:
    return answer_deadline(windows=windows, zone=BERLIN, away=list(away), now=now, start=start, lead=lead)


def test_the_deadline_is_the_end_of_the_first_window_that_leaves_the_lead():
    monday_early = at(MONDAY, "07:00")
    # Monday 09:00 + 12 h = 21:00 is before Tuesday 10:00.
    assert deadline(monday_early, at(MONDAY + timedelta(days=1), "10:00")) == at(MONDAY, "09:00")
    assert deadline(monday_early, at(MONDAY + timedelta(days=1), "10:00")).tzinfo is UTC
    # Also for an appointment weeks later: the first window, never the appointment's start.
    assert deadline(monday_early, at(MONDAY + timedelta(days=30), "10:00")) == at(MONDAY, "09:00")


def test_no_deadline_when_start_minus_lead_is_before_the_first_windows_end():
    monday_early = at(MONDAY, "07:00")
    assert deadline(monday_early, at(MONDAY, "20:59")) is None
    assert deadline(monday_early, at(MONDAY, "21:00")) == at(MONDAY, "09:00")  # exactly the lead: fits
    assert answerable_from(windows=MON_WED_FRI, zone=BERLIN, away=[], now=monday_early, lead=LEAD) == at(
        MONDAY, "21:00"
    )


def test_a_window_about_to_end_does_not_count():
    nearly_over = at(MONDAY, "08:50")  # 10 minutes left, less than MIN_ANSWER_TIME
    assert MIN_ANSWER_TIME > timedelta(minutes=10)
    assert first_answer_window_end(windows=MON_WED_FRI, zone=BERLIN, away=[], now=nearly_over) == at(
        MONDAY + timedelta(days=2), "09:00"
    )
    assert deadline(nearly_over, at(MONDAY + timedelta(days=1), "10:00")) is None
    assert deadline(nearly_over, at(MONDAY + timedelta(days=3), "10:00")) == at(MONDAY + timedelta(days=2), "09:00")
    # With 15 minutes left the current window still counts.
    assert deadline(at(MONDAY, "08:45"), at(MONDAY + timedelta(days=1), "10:00")) == at(MONDAY, "09:00")


def test_away_moves_the_deadline_to_the_next_window_that_happens():
    seminar = AwaySpan(at(MONDAY, "00:00"), at(MONDAY + timedelta(days=3), "00:00"), "Seminar")
    now = at(MONDAY, "07:00")
    assert deadline(now, at(MONDAY + timedelta(days=2), "10:00"), away=[seminar]) is None
    assert deadline(now, at(MONDAY + timedelta(days=7), "10:00"), away=[seminar]) == at(
        MONDAY + timedelta(days=4), "09:00"
    )


def test_no_deadline_when_no_window_comes_within_the_look_ahead():
    long_leave = AwaySpan(at(MONDAY, "00:00"), at(MONDAY, "00:00") + LOOK_AHEAD + timedelta(days=7))
    now = at(MONDAY, "07:00")
    assert deadline(now, now + LOOK_AHEAD * 2, away=[long_leave]) is None
    assert answerable_from(windows=MON_WED_FRI, zone=BERLIN, away=[long_leave], now=now, lead=LEAD) is None


def test_a_coach_without_windows_answers_until_the_lead_before_the_start():
    now = at(MONDAY, "07:00")
    assert deadline(now, at(MONDAY + timedelta(days=1), "10:00"), windows=[]) == at(MONDAY, "22:00")
    # The request must still leave MIN_ANSWER_TIME before start - lead.
    assert answerable_from(windows=[], zone=BERLIN, away=[], now=now, lead=LEAD) == now + MIN_ANSWER_TIME + LEAD
    assert deadline(now, now + LEAD + MIN_ANSWER_TIME, windows=[]) == now + MIN_ANSWER_TIME
    assert deadline(now, now + LEAD + timedelta(minutes=14), windows=[]) is None


def test_a_channel_window_counts_for_the_deadline_too():
    only_email = [rule(1, "17:00", "18:00", "email")]
    now = at(MONDAY, "07:00")
    assert deadline(now, at(MONDAY + timedelta(days=3), "10:00"), windows=only_email) == at(
        MONDAY + timedelta(days=1), "18:00"
    )


def test_the_deadline_across_the_october_change():
    # Friday 23 October 2026 08:00–09:00 (UTC+2); the appointment on Monday 26th (UTC+1).
    now = at(date(2026, 10, 23), "07:00")
    found = deadline(now, at(date(2026, 10, 26), "10:00"))
    assert found == at(date(2026, 10, 23), "09:00") and found == datetime(2026, 10, 23, 7, tzinfo=UTC)
    # Asked after Friday's window: Monday's (after the change) is the first, so 09:00 + 12 h.
    assert deadline(at(date(2026, 10, 23), "10:00"), at(date(2026, 10, 26), "20:59")) is None
    assert deadline(at(date(2026, 10, 23), "10:00"), at(date(2026, 10, 26), "21:00")) == at(date(2026, 10, 26), "09:00")
