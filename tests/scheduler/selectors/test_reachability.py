"""The reads of the coach's reachability (selectors/reachability.py and
selectors/coach_reachability.py): the status, the next reply window and the next free
time of each type from the database, and the weekly reply windows per channel set."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from scheduler.models import AppointmentType, Booking, ReplyWindow
from scheduler.reachability import AWAY, OUTSIDE, REPLY_WINDOW, Status
from scheduler.selectors.coach_reachability import coach_reachability, next_free_start, reply_windows_weekly
from scheduler.selectors.reachability import reachability_inputs
from tests.factories import (
    AppointmentTypeFactory,
    BlockedPeriodFactory,
    BookingFactory,
    CoachFactory,
)
from tests.helpers import BERLIN, wall_time

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 6, 1)  # Berlin on CEST


def at(day: date, hhmm: str, zone: ZoneInfo = BERLIN) -> datetime:
    return wall_time(day, hhmm, zone)


def days(n: int) -> date:
    return MONDAY + timedelta(days=n)


@pytest.fixture
def coach(answering_coach):
    return answering_coach


@pytest.fixture
def talk(coach):
    return AppointmentTypeFactory(
        coach=coach,
        slug="talk",
        duration=timedelta(minutes=30),
        slot_step=timedelta(minutes=30),
        horizon=timedelta(days=90),
    )


def test_in_a_reply_window_the_next_one_is_the_one_after_it(coach, talk):
    found = coach_reachability(coach=coach, now=at(MONDAY, "08:30"))
    assert found.status == Status(REPLY_WINDOW, at(MONDAY, "09:00").astimezone(UTC))
    assert found.next_reply_window.start == at(days(2), "08:00")
    assert found.next_reply_window.end == at(days(2), "09:00")
    assert found.next_free == {"talk": at(MONDAY, "09:00")}
    assert found.has_windows


def test_outside_the_next_window_is_the_one_the_status_waits_for(coach, talk):
    found = coach_reachability(coach=coach, now=at(MONDAY, "12:00"))
    assert found.status == Status(OUTSIDE, at(days(2), "08:00").astimezone(UTC))
    assert found.next_reply_window.start == found.status.until
    assert found.next_free == {"talk": at(days(7), "09:00")}


def test_away_with_the_note_in_the_readers_language_and_free_times_after_it(coach, talk):
    # Three weeks away: the first free Monday is beyond the first chunk of the search.
    BlockedPeriodFactory(
        coach=coach,
        title="Seminar (private title)",
        public_note="Seminar in Wien",
        public_note_en="Seminar in Vienna",
        first_day=days(1),
        last_day=days(21),
    )
    with translation.override("en"):
        found = coach_reachability(coach=coach, now=at(days(2), "08:30"))
    assert found.status == Status(AWAY, at(days(22), "00:00").astimezone(UTC), "Seminar in Vienna")
    assert found.next_reply_window.start == at(days(23), "08:00")  # Wednesday after it
    assert found.next_free == {"talk": at(days(28), "09:00")}
    with translation.override("de"):
        assert coach_reachability(coach=coach, now=at(days(2), "08:30")).status.note == "Seminar in Wien"


def test_away_without_a_note_and_an_english_reader_of_a_german_only_note(coach, talk):
    BlockedPeriodFactory(coach=coach, title="Urlaub", first_day=days(1), last_day=days(3))
    assert coach_reachability(coach=coach, now=at(days(2), "10:00")).status.note == ""
    BlockedPeriodFactory(coach=coach, title="Kongress", public_note="Kongress", first_day=days(8), last_day=days(8))
    with translation.override("en"):
        assert coach_reachability(coach=coach, now=at(days(8), "10:00")).status.note == "Kongress"


def test_an_exact_away_span_and_the_title_stays_private(coach, talk):
    BlockedPeriodFactory(
        coach=coach, title="Zahnarzt", start=at(MONDAY, "07:00"), end=at(MONDAY, "08:30"), public_note=""
    )
    found = coach_reachability(coach=coach, now=at(MONDAY, "07:30"))
    assert found.status == Status(AWAY, at(MONDAY, "08:30").astimezone(UTC), "")
    assert "Zahnarzt" not in repr(found)
    # The rest of Monday's window still happens.
    assert coach_reachability(coach=coach, now=at(MONDAY, "08:40")).status.state == REPLY_WINDOW


def test_next_free_per_type_none_beyond_the_horizon_and_only_bookable_types(coach, talk):
    AppointmentTypeFactory(coach=coach, slug="soon", horizon=timedelta(days=3))  # next Monday is too far
    AppointmentTypeFactory(coach=coach, slug="off", active=False)
    found = coach_reachability(coach=coach, now=at(MONDAY, "12:00"))
    assert found.next_free == {"talk": at(days(7), "09:00"), "soon": None}


def test_the_next_free_time_of_a_request_type_leaves_the_coach_time_to_answer(coach, talk):
    # A request made in Monday's window is answered by 09:00; with 12 hours' lead the
    # first time it can be for is Monday 21:00, so the next free Monday morning is a week on.
    AppointmentTypeFactory(
        coach=coach, slug="request", approval=AppointmentType.Approval.ALWAYS, answer_lead=timedelta(hours=12)
    )
    found = coach_reachability(coach=coach, now=at(MONDAY, "08:30"))
    assert found.next_free == {"talk": at(MONDAY, "09:00"), "request": at(days(7), "09:00")}


def test_a_booked_time_is_not_free_and_nothing_about_the_booking_shows(coach, talk):
    BookingFactory(appointment_type=talk, start=at(days(7), "09:00"), client__name="Kim Muster")
    found = coach_reachability(coach=coach, now=at(MONDAY, "12:00"))
    assert found.next_free == {"talk": at(days(7), "09:30")}
    assert "Kim" not in repr(found) and Booking.objects.count() == 1


def test_next_free_is_the_first_slot_and_cheap(coach, talk, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # found in the first chunk: one query for the slots
        assert next_free_start(appointment_type=talk, now=at(MONDAY, "08:30")) == at(MONDAY, "09:00")
    # Nothing free at all: the search ends at the horizon, in a few growing chunks.
    lonely = AppointmentTypeFactory(coach=CoachFactory(), horizon=timedelta(days=400))
    with django_assert_max_num_queries(7):
        assert next_free_start(appointment_type=lonely, now=at(MONDAY, "08:30")) is None


def test_a_coach_without_reply_windows():
    coach = CoachFactory(slug="bert")
    found = coach_reachability(coach=coach, now=at(MONDAY, "08:30"), appointment_types=[])
    assert found == type(found)(status=Status(OUTSIDE, None), next_reply_window=None, next_free={}, has_windows=False)
    assert reply_windows_weekly(coach=coach, now=at(MONDAY, "08:30")) == []


def test_reachability_inputs_reads_windows_with_channels_and_away_spans(coach):
    ReplyWindow.objects.create(coach=coach, weekday=1, start=time(17), end=time(18), channels=["whatsapp"])
    BlockedPeriodFactory(coach=coach, public_note="Seminar", first_day=days(1), last_day=days(2))
    BlockedPeriodFactory(coach=coach, first_day=days(200), last_day=days(201))  # beyond the look-ahead
    inputs = reachability_inputs(coach=coach, now=at(MONDAY, "08:30"))
    assert inputs["zone"] == BERLIN
    assert sorted((w.weekday, w.start, tuple(w.channels)) for w in inputs["windows"]) == [
        (0, time(8), ()),
        (1, time(17), ("whatsapp",)),
        (2, time(8), ()),
        (4, time(8), ()),
    ]
    assert [(a.start, a.end, a.note) for a in inputs["away"]] == [
        (at(days(1), "00:00"), at(days(3), "00:00"), "Seminar")
    ]


# --- the weekly reply windows -----------------------------------------------------------


def test_weekly_windows_each_once_grouped_by_channels_all_channels_first(coach):
    ReplyWindow.objects.create(coach=coach, weekday=1, start=time(17), end=time(18), channels=["whatsapp"])
    ReplyWindow.objects.create(coach=coach, weekday=3, start=time(12), end=time(13), channels=["threema", "email"])
    ReplyWindow.objects.create(coach=coach, weekday=4, start=time(12), end=time(13), channels=["email", "threema"])
    # A holiday does not change the weekly promise (the status tells about it).
    BlockedPeriodFactory(coach=coach, first_day=days(2), last_day=days(4))
    now = at(MONDAY, "08:30")  # in Monday's window: it shows with next Monday's start
    groups = reply_windows_weekly(coach=coach, now=now)
    assert [group.channels for group in groups] == [(), ("email", "threema"), ("whatsapp",)]
    assert [[(f"{s.start.astimezone(BERLIN):%a %H:%M}") for s in group.times] for group in groups] == [
        ["Wed 08:00", "Fri 08:00", "Mon 08:00"],
        ["Thu 12:00", "Fri 12:00"],
        ["Tue 17:00"],
    ]
    assert all(now <= span.start < now + timedelta(days=7) for group in groups for span in group.times)


def test_weekly_windows_are_those_of_the_coming_week_across_a_dst_change(coach):
    # From Wednesday 25 March 2026 the coming week has Berlin's change (Sunday 29 March):
    # in New York (already on summer time) Monday's 08:00 is 03:00 before it and 02:00 after.
    groups = reply_windows_weekly(coach=coach, now=at(date(2026, 3, 25), "12:00"))
    assert [f"{s.start.astimezone(NEW_YORK):%a %d %H:%M}" for s in groups[0].times] == [
        "Fri 27 03:00",
        "Mon 30 02:00",
        "Wed 01 02:00",
    ]
