"""reachability_words.py: days, times and reply windows in the reader's zone, and the
sentence about the coach's reachability (no database)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine

from scheduler.reachability import AWAY, OUTSIDE, REPLY_WINDOW, Status
from scheduler.reachability_words import (
    moment_words,
    next_free_words,
    reachability_sentences,
    status_words,
    until_words,
    weekly_window_words,
    window_words,
)
from scheduler.slot_engine import Interval
from tests.helpers import BERLIN

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 12, 7)


def at(day: date, hhmm: str, zone: ZoneInfo = BERLIN) -> datetime:
    hours, minutes = hhmm.split(":")
    return datetime.combine(day, time(int(hours), int(minutes)), tzinfo=zone)


def window(day: date, start: str, end: str, zone: ZoneInfo = BERLIN) -> Interval:
    return Interval(at(day, start, zone).astimezone(UTC), at(day, end, zone).astimezone(UTC))


def test_moments_and_windows_name_the_zone_unless_told_not_to():
    with time_machine.travel(at(MONDAY, "12:00"), tick=False):
        assert moment_words(at(MONDAY, "09:00"), NEW_YORK) == "Monday, 7 December, 03:00 (America/New_York)"
        assert moment_words(at(MONDAY, "09:00"), NEW_YORK, named=False) == "Monday, 7 December, 03:00"
        friday = window(MONDAY + timedelta(days=4), "08:00", "09:00")
        assert window_words(friday, BERLIN) == "Friday, 11 December, 08:00–09:00 (Europe/Berlin)"
        assert window_words(friday, NEW_YORK, named=False) == "Friday, 11 December, 02:00–03:00"
        # Ending at midnight in the reader's zone: one day. Past midnight: both days.
        to_midnight = Interval(at(MONDAY, "23:00", NEW_YORK), at(MONDAY + timedelta(days=1), "00:00", NEW_YORK))
        assert window_words(to_midnight, NEW_YORK) == "Monday, 7 December, 23:00–00:00 (America/New_York)"
        crossing = Interval(at(MONDAY, "05:30").astimezone(UTC), at(MONDAY, "06:30").astimezone(UTC))
        assert window_words(crossing, NEW_YORK) == (
            "Sunday, 6 December, 23:30 – Monday, 7 December, 00:30 (America/New_York)"
        )


def test_a_year_is_named_only_when_it_is_not_this_one():
    with time_machine.travel(at(MONDAY, "12:00"), tick=False):
        assert moment_words(at(date(2027, 1, 4), "09:00"), BERLIN, named=False) == "Monday, 4 January 2027, 09:00"


def test_until_words_today_at_midnight_and_later():
    now = at(MONDAY, "08:30")
    with time_machine.travel(now, tick=False):
        assert until_words(at(MONDAY, "09:00"), BERLIN, now=now) == "09:00"
        assert (
            until_words(at(MONDAY + timedelta(days=4), "00:00"), BERLIN, now=now) == "the end of Thursday, 10 December"
        )
        # The same instant is not midnight in New York.
        assert until_words(at(MONDAY + timedelta(days=4), "00:00"), NEW_YORK, now=now) == "Thursday, 10 December, 18:00"
        # Midnight tonight ends today.
        assert until_words(at(MONDAY + timedelta(days=1), "00:00"), BERLIN, now=now) == "the end of Monday, 7 December"


def test_status_words_for_each_state():
    now = at(MONDAY, "08:30")
    end_of_thursday = at(MONDAY + timedelta(days=4), "00:00")
    with time_machine.travel(now, tick=False):
        assert status_words(Status(AWAY, end_of_thursday, "Seminar in Wien"), BERLIN, now=now) == (
            "Away: Seminar in Wien, until the end of Thursday, 10 December."
        )
        assert status_words(Status(AWAY, end_of_thursday), BERLIN, now=now) == (
            "Away until the end of Thursday, 10 December."
        )
        assert status_words(Status(REPLY_WINDOW, at(MONDAY, "09:00")), NEW_YORK, now=now) == (
            "Answering messages now, until 03:00."
        )
        assert status_words(Status(OUTSIDE, at(MONDAY + timedelta(days=2), "08:00")), BERLIN, now=now) == ""


def test_the_sentence_names_the_zone_once_and_says_when_no_window_comes():
    now = at(MONDAY, "12:00")
    with time_machine.travel(now, tick=False):
        assert reachability_sentences(
            status=Status(OUTSIDE, None), next_window=None, has_windows=True, zone=BERLIN, now=now, next_free=[None]
        ) == [
            "No reply window in the next three months.",
            "No free time to book at the moment.",
            "Times in Europe/Berlin.",
        ]
        # A coach without windows and with several types (each says its own time): nothing to say.
        assert (
            reachability_sentences(
                status=Status(OUTSIDE, None), next_window=None, has_windows=False, zone=BERLIN, now=now
            )
            == []
        )
        assert (
            next_free_words(at(MONDAY, "15:00"), NEW_YORK)
            == "Next free time: Monday, 7 December, 09:00 (America/New_York)."
        )


def test_weekly_windows_group_days_with_the_same_times_monday_first():
    week = [
        window(MONDAY + timedelta(days=4), "08:00", "09:00"),
        window(MONDAY + timedelta(days=2), "08:00", "09:00"),
        window(MONDAY + timedelta(days=1), "17:00", "18:00"),
        window(MONDAY + timedelta(days=7), "08:00", "09:00"),
        window(MONDAY + timedelta(days=3), "05:30", "06:30"),
    ]
    assert weekly_window_words(week, BERLIN) == [
        "Monday, Wednesday and Friday, 08:00–09:00",
        "Tuesday, 17:00–18:00",
        "Thursday, 05:30–06:30",
    ]
    assert weekly_window_words(week, NEW_YORK) == [
        "Monday, Wednesday and Friday, 02:00–03:00",
        "Tuesday, 11:00–12:00",
        "Wednesday, 23:30 – 00:30 the next day",
    ]
    assert weekly_window_words([], BERLIN) == []
