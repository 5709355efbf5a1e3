from datetime import date, datetime, time, timedelta

import pytest
from django.core.cache import cache

from scheduler.models import AppointmentType, Booking, ReplyWindow
from scheduler.selectors.coaches import appointment_type_bookable
from scheduler.selectors.slots import availability_inputs, slots_bookable
from scheduler.slot_engine import NO_SLOTS, Interval
from tests.factories import (
    AppointmentTypeFactory,
    BlockedPeriodFactory,
    BookingFactory,
    CoachFactory,
    WeeklyHoursFactory,
)
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 6, 1)
NOW = datetime(2026, 5, 1, tzinfo=BERLIN)


def berlin(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def coach():
    return CoachFactory(time_zone="Europe/Berlin")


def slots(appointment_type, first=MONDAY, days=1):
    return slots_bookable(
        appointment_type=appointment_type,
        range_start=berlin(first, 0),
        range_end=berlin(first + timedelta(days=days), 0),
        now=NOW,
    )


@pytest.mark.parametrize("caps", [{}, {"daily_cap": 20, "weekly_cap": 80}])
def test_one_query_whatever_the_data(coach, django_assert_num_queries, caps):
    kind = AppointmentTypeFactory(coach=coach, **caps)
    for weekday in range(5):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(17))
    for day in range(20):
        BookingFactory(appointment_type=kind, start=berlin(MONDAY + timedelta(days=day), 10))
        BlockedPeriodFactory(
            coach=coach, start=berlin(MONDAY + timedelta(days=day), 14), end=berlin(MONDAY + timedelta(days=day), 15)
        )
    with django_assert_num_queries(1):
        result = slots(kind, days=31)
    assert result  # the month still has free time
    assert berlin(MONDAY, 10) not in {s.start for s in result}  # booked
    assert berlin(MONDAY, 14) not in {s.start for s in result}  # blocked


def test_a_type_that_takes_requests_also_reads_the_reply_windows_and_away_time(coach, django_assert_num_queries):
    kind = AppointmentTypeFactory(coach=coach, approval=AppointmentType.Approval.ALWAYS)
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(17))
    ReplyWindow.objects.create(coach=coach, weekday=4, start=time(8), end=time(9))
    with django_assert_num_queries(3):
        result = slots(kind)
    assert result and result[0].start == berlin(MONDAY, 9)  # Friday's window leaves the time to answer


@pytest.mark.parametrize(
    "approval, expected",
    [
        (AppointmentType.Approval.NEVER, None),
        # Friday 1 May 09:00 is the first reply window's end; 12 h later come the first requests.
        (AppointmentType.Approval.ALWAYS, berlin(date(2026, 5, 1), 21)),
        (AppointmentType.Approval.NEW_CLIENTS, berlin(date(2026, 5, 1), 21)),
    ],
)
def test_not_before_is_when_a_request_can_still_be_answered(coach, approval, expected):
    kind = AppointmentTypeFactory(coach=coach, approval=approval, answer_lead=timedelta(hours=12))
    ReplyWindow.objects.create(coach=coach, weekday=4, start=time(8), end=time(9))
    inputs = availability_inputs(
        appointment_type=kind, range_start=berlin(MONDAY, 0), range_end=berlin(MONDAY, 23), now=NOW
    )
    assert inputs["not_before"] == expected


def test_without_a_reply_window_in_reach_a_type_that_takes_requests_offers_nothing(coach):
    kind = AppointmentTypeFactory(coach=coach, approval=AppointmentType.Approval.ALWAYS)
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(17))
    ReplyWindow.objects.create(coach=coach, weekday=4, start=time(8), end=time(9))
    BlockedPeriodFactory(coach=coach, first_day=date(2026, 4, 30), last_day=date(2026, 9, 30))
    inputs = availability_inputs(
        appointment_type=kind, range_start=berlin(MONDAY, 0), range_end=berlin(MONDAY, 23), now=NOW
    )
    assert inputs["not_before"] == NO_SLOTS
    assert slots(kind, days=31) == []


def test_weekly_hours_for_other_types_do_not_count(coach):
    kind = AppointmentTypeFactory(coach=coach)
    other = AppointmentTypeFactory(coach=coach)
    WeeklyHoursFactory(coach=coach, start=time(9), end=time(10)).appointment_types.add(other)
    WeeklyHoursFactory(coach=coach, start=time(14), end=time(15))  # all types
    assert {s.start for s in slots(kind)} == {berlin(MONDAY, 14), berlin(MONDAY, 14, 15), berlin(MONDAY, 14, 30)}
    assert berlin(MONDAY, 9) in {s.start for s in slots(other)}


def test_hours_for_this_and_other_types_count_once(coach):
    kind = AppointmentTypeFactory(coach=coach, duration=timedelta(minutes=60), slot_step=timedelta(minutes=60))
    other = AppointmentTypeFactory(coach=coach)
    WeeklyHoursFactory(coach=coach, start=time(9), end=time(11)).appointment_types.add(kind, other)
    assert [s.start for s in slots(kind)] == [berlin(MONDAY, 9), berlin(MONDAY, 10)]


def test_all_day_blocked_period_blocks_whole_local_days(coach):
    kind = AppointmentTypeFactory(coach=coach)
    for weekday in range(3):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(10))
    BlockedPeriodFactory(coach=coach, title="Seminar in Hamburg", first_day=MONDAY, last_day=MONDAY + timedelta(days=1))
    days = {s.start.astimezone(BERLIN).date() for s in slots(kind, days=3)}
    assert days == {MONDAY + timedelta(days=2)}


def test_other_types_bookings_block_with_their_buffers(coach):
    kind = AppointmentTypeFactory(coach=coach, duration=timedelta(minutes=30), slot_step=timedelta(minutes=30))
    other = AppointmentTypeFactory(coach=coach, buffer_after=timedelta(minutes=30))
    WeeklyHoursFactory(coach=coach, start=time(9), end=time(11))
    BookingFactory(appointment_type=other, start=berlin(MONDAY, 9))  # blocks 09:00–10:00 with its buffer
    assert [s.start for s in slots(kind)] == [berlin(MONDAY, 10), berlin(MONDAY, 10, 30)]


def test_requested_bookings_block_and_count_toward_caps(coach):
    kind = AppointmentTypeFactory(coach=coach, daily_cap=1)
    WeeklyHoursFactory(coach=coach, start=time(9), end=time(12))
    BookingFactory(appointment_type=kind, start=berlin(MONDAY, 9), status=Booking.Status.REQUESTED)
    assert slots(kind) == []


@pytest.mark.parametrize("status", [Booking.Status.CANCELLED, Booking.Status.DECLINED, Booking.Status.EXPIRED])
def test_inactive_bookings_neither_block_nor_count_toward_caps(coach, status):
    kind = AppointmentTypeFactory(
        coach=coach, duration=timedelta(minutes=60), slot_step=timedelta(minutes=60), daily_cap=1
    )
    WeeklyHoursFactory(coach=coach, start=time(9), end=time(11))
    BookingFactory(appointment_type=kind, start=berlin(MONDAY, 9), status=status)
    assert [s.start for s in slots(kind)] == [berlin(MONDAY, 9), berlin(MONDAY, 10)]


def test_a_booking_left_out_neither_blocks_nor_counts(coach):
    kind = AppointmentTypeFactory(
        coach=coach, duration=timedelta(minutes=60), slot_step=timedelta(minutes=60), daily_cap=1
    )
    WeeklyHoursFactory(coach=coach, start=time(9), end=time(11))
    booking = BookingFactory(appointment_type=kind, start=berlin(MONDAY, 9))
    assert slots(kind) == []
    moved = slots_bookable(
        appointment_type=kind,
        range_start=berlin(MONDAY, 0),
        range_end=berlin(MONDAY, 23),
        now=NOW,
        exclude_booking=booking,
    )
    assert [s.start for s in moved] == [berlin(MONDAY, 9), berlin(MONDAY, 10)]


def test_weekly_cap_counts_the_whole_week_before_the_range(coach):
    kind = AppointmentTypeFactory(coach=coach, weekly_cap=1)
    for weekday in range(5):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(10))
    BookingFactory(appointment_type=kind, start=berlin(MONDAY, 9))
    # Asking only for Wednesday still sees Monday's booking of the same week.
    assert slots(kind, first=MONDAY + timedelta(days=2)) == []
    next_monday = MONDAY + timedelta(days=7)
    assert slots(kind, first=next_monday)


def test_date_override_replaces_and_closes(coach):
    from scheduler.models import DateOverride

    kind = AppointmentTypeFactory(coach=coach, duration=timedelta(minutes=60), slot_step=timedelta(minutes=60))
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(12))
    WeeklyHoursFactory(coach=coach, weekday=1, start=time(9), end=time(12))
    DateOverride.objects.create(coach=coach, date=MONDAY, start=time(18), end=time(19))
    DateOverride.objects.create(coach=coach, date=MONDAY + timedelta(days=1))  # closed
    assert [s.start for s in slots(kind, days=2)] == [berlin(MONDAY, 18)]


def test_imported_busy_times_block(coach):
    from scheduler.models import ExternalBusy

    kind = AppointmentTypeFactory(coach=coach, duration=timedelta(minutes=60), slot_step=timedelta(minutes=60))
    WeeklyHoursFactory(coach=coach, start=time(9), end=time(12))
    ExternalBusy.objects.create(coach=coach, start=berlin(MONDAY, 10), end=berlin(MONDAY, 10, 30))
    assert [s.start for s in slots(kind)] == [berlin(MONDAY, 9), berlin(MONDAY, 11)]


def test_another_coachs_data_does_not_count(coach):
    kind = AppointmentTypeFactory(coach=coach, duration=timedelta(minutes=60), slot_step=timedelta(minutes=60))
    WeeklyHoursFactory(coach=coach, start=time(9), end=time(10))
    BookingFactory(start=berlin(MONDAY, 9))  # someone else's coach
    BlockedPeriodFactory(first_day=MONDAY, last_day=MONDAY)
    assert slots(kind) == [Interval(berlin(MONDAY, 9), berlin(MONDAY, 10))]


def test_a_bookable_type_is_read_once_until_the_coachs_settings_change(coach, django_assert_num_queries):
    kind = AppointmentTypeFactory(coach=coach, slug="talk")
    with django_assert_num_queries(2):  # the coach's id (once per process), the type
        found = appointment_type_bookable(coach_slug=coach.slug, type_slug="talk")
    assert found == kind and found.coach.user.email == coach.user.email
    with django_assert_num_queries(0):
        assert appointment_type_bookable(coach_slug=coach.slug, type_slug="talk") is found
    kind.duration = timedelta(minutes=45)
    kind.save()
    assert appointment_type_bookable(coach_slug=coach.slug, type_slug="talk").duration == timedelta(minutes=45)
    kind.active = False
    kind.save()
    assert appointment_type_bookable(coach_slug=coach.slug, type_slug="talk") is None


@pytest.mark.parametrize("change", ["coach", "user", "delete"])
def test_a_write_of_coach_user_or_type_is_seen_at_once(coach, change):
    kind = AppointmentTypeFactory(coach=coach, slug="talk")
    old_slug = coach.slug
    assert appointment_type_bookable(coach_slug=old_slug, type_slug="talk") is not None
    if change == "coach":
        coach.slug = "renamed"
        coach.save()
        assert appointment_type_bookable(coach_slug="renamed", type_slug="talk") is not None
    elif change == "user":
        coach.user.is_active = False
        coach.user.save()
    else:
        kind.delete()
    assert appointment_type_bookable(coach_slug=old_slug, type_slug="talk") is None


def test_the_version_changes_in_the_cache_only_after_commit(coach, django_capture_on_commit_callbacks):
    from django.db import transaction

    from scheduler.cache_versions import coach_settings_version, settings_version_keys

    before = coach_settings_version(coach.pk)
    stored = cache.get(settings_version_keys(coach.pk)[1])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        AppointmentTypeFactory(coach=coach)
        during = coach_settings_version(coach.pk)
        # A process that reads the old rows meanwhile caches them under the version of before,
        # which the commit replaces; this transaction already reads its own.
        assert cache.get(settings_version_keys(coach.pk)[1]) == stored and during != before
    assert coach_settings_version(coach.pk) == during != before


def test_a_bookable_type_is_read_again_after_its_time_to_live(coach, monkeypatch, django_assert_num_queries):
    from scheduler.selectors import coaches as booking

    AppointmentTypeFactory(coach=coach, slug="talk")
    appointment_type_bookable(coach_slug=coach.slug, type_slug="talk")
    later = booking.monotonic() + booking.BOOKABLE_TYPE_TTL + 1
    monkeypatch.setattr(booking, "monotonic", lambda: later)
    with django_assert_num_queries(1):  # e.g. after a write that sent no signal (QuerySet.update)
        assert appointment_type_bookable(coach_slug=coach.slug, type_slug="talk") is not None
