"""The slots API keeps its answers in the cache (selectors/slots_answers.py): a kept answer
must never outlive a write that changes the slots, nor offer a slot within the minimum notice."""

import json
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from scheduler.models import AppointmentType, Booking, ExternalBusy, ExternalCalendar, ReplyWindow
from scheduler.selectors.slots_answers import (
    ANSWER_KEPT_MAX_AGE,
    ANSWER_MAX_AGE,
    slots_answer_cached,
    slots_answer_keep,
    slots_answer_key,
)
from scheduler.services import coach_availability as availability_services
from scheduler.services import external_calendars
from scheduler.services.booking import booking_cancel
from scheduler.services.coach_availability import HoursWindow
from scheduler.services.external_calendars import external_calendar_import
from scheduler.slot_engine import Interval
from tests.factories import (
    AppointmentTypeFactory,
    BlockedPeriodFactory,
    BookingFactory,
    CoachFactory,
    WeeklyHoursFactory,
)
from tests.helpers import BERLIN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("slots_answers_kept")]

MONDAY = date.today() + timedelta(days=14 - date.today().weekday())
PARAMS = {"type": "coaching", "start": MONDAY.isoformat(), "end": MONDAY.isoformat(), "tz": "Europe/Berlin"}


@pytest.fixture
def coaching(anna_coaching):
    return anna_coaching


def ask(client, **params):
    query = {name: value for name, value in {**PARAMS, **params}.items() if value is not None}
    response = client.get("/api/coaches/anna/slots", query, headers={"accept-language": "en"})
    return response.status_code, response.content


def starts(answer):
    status, content = answer
    assert status == 200
    return [slot["start"][11:16] for day in json.loads(content)["days"] for slot in day["slots"]]


def at(hour: int) -> datetime:
    return datetime.combine(MONDAY, time(hour), tzinfo=BERLIN)


def test_the_same_question_is_answered_from_the_cache_without_a_query(client, coaching, django_assert_num_queries):
    first = ask(client)
    assert starts(first) == ["09:00", "10:00", "11:00"]

    with django_assert_num_queries(0):
        assert ask(client) == first


def test_a_booking_with_one_coach_leaves_another_coachs_kept_answers_valid(client, coaching, django_assert_num_queries):
    ben = CoachFactory(slug="ben", time_zone="Europe/Berlin")
    WeeklyHoursFactory(coach=ben, weekday=0, start=time(9), end=time(12))
    AppointmentTypeFactory(coach=ben, slug="coaching", duration=timedelta(minutes=60), slot_step=timedelta(minutes=60))
    bens = client.get("/api/coaches/ben/slots", PARAMS).content
    assert starts(ask(client)) == ["09:00", "10:00", "11:00"]

    BookingFactory(appointment_type=coaching, start=at(10))

    with django_assert_num_queries(0):  # Ben's answer is still the kept one
        assert client.get("/api/coaches/ben/slots", PARAMS).content == bens
    assert starts(ask(client)) == ["09:00", "11:00"]  # Anna's is computed anew


def test_a_change_of_a_coachs_settings_leaves_another_coachs_kept_answers_valid(
    client, coaching, django_assert_num_queries
):
    ben = CoachFactory(slug="ben", time_zone="Europe/Berlin")
    WeeklyHoursFactory(coach=ben, weekday=0, start=time(9), end=time(12))
    AppointmentTypeFactory(coach=ben, slug="coaching", duration=timedelta(minutes=60), slot_step=timedelta(minutes=60))
    bens = client.get("/api/coaches/ben/slots", PARAMS).content
    assert starts(ask(client)) == ["09:00", "10:00", "11:00"]

    coaching.slot_step = timedelta(minutes=30)
    coaching.save()

    with django_assert_num_queries(0):
        assert client.get("/api/coaches/ben/slots", PARAMS).content == bens
    assert starts(ask(client)) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_a_write_whose_coach_is_not_known_makes_every_kept_answer_stale(client, coaching):
    from scheduler.cache_versions import availability_changed

    first = ask(client)
    availability_changed()  # e.g. a bulk write that names no coach
    assert slots_answer_cached(key=slots_answer_key(coach="anna", **PARAMS))[0] is None
    assert ask(client) == first


def test_without_a_shared_cache_every_answer_is_computed(client, coaching, settings, django_assert_max_num_queries):
    settings.SLOTS_ANSWERS_KEPT = False  # e.g. several processes, each with its own memory cache
    ask(client)
    with django_assert_max_num_queries(5) as captured:
        ask(client)
    assert len(captured) >= 1


def test_a_question_without_start_is_computed_each_time(client, coaching, django_assert_max_num_queries):
    # Its answer begins today, which changes by itself.
    ask(client, start=None, end=None)
    with django_assert_max_num_queries(5) as captured:
        ask(client, start=None, end=None)
    assert len(captured) >= 1


def cancel_booking(coaching):
    booking = BookingFactory(appointment_type=coaching, start=at(10))
    return lambda: booking_cancel(booking=booking, by_coach=True)


def import_busy_then(change):
    def arrange(coaching):
        calendar = ExternalCalendar.objects.create(coach=coaching.coach, name="Work", url="https://example.org/w.ics")
        ExternalBusy.objects.create(coach=coaching.coach, calendar=calendar, start=at(10), end=at(11))
        return lambda: change(calendar)

    return arrange


def hours_for_another_type(coaching):
    hours = coaching.coach.weekly_hours.get()
    other = AppointmentTypeFactory(coach=coaching.coach)
    return lambda: hours.appointment_types.add(other)


def change_type(coaching):
    def change():
        coaching.duration = timedelta(minutes=90)
        coaching.save()

    return change


def change_zone(coaching):
    def change():
        coaching.coach.time_zone = "Europe/London"
        coaching.coach.save()

    return change


def deactivate_coach(coaching):
    def change():
        coaching.coach.user.is_active = False
        coaching.coach.user.save()

    return change


# Each write that changes Monday's slots: (arrange, returning the write).
WRITES = {
    "booking made": lambda coaching: lambda: BookingFactory(appointment_type=coaching, start=at(10)),
    "booking requested": lambda coaching: (
        lambda: BookingFactory(appointment_type=coaching, start=at(10), status=Booking.Status.REQUESTED)
    ),
    "booking cancelled": cancel_booking,
    "blocked period": lambda coaching: (
        lambda: availability_services.blocked_period_save(
            coach=coaching.coach, period=None, title="Seminar", first_day=MONDAY, last_day=MONDAY
        )
    ),
    "blocked period removed": lambda coaching: (
        lambda period: lambda: availability_services.blocked_period_delete(period=period)
    )(BlockedPeriodFactory(coach=coaching.coach, first_day=MONDAY, last_day=MONDAY)),
    "date closed": lambda coaching: (
        lambda: availability_services.date_override_create(coach=coaching.coach, day=MONDAY, start=None, end=None)
    ),
    "weekly hours replaced": lambda coaching: (
        lambda: availability_services.weekly_hours_replace(
            coach=coaching.coach, windows=[HoursWindow(weekday=0, start=time(14), end=time(16))]
        )
    ),
    "hours given to another type": hours_for_another_type,
    "imported calendar switched off": import_busy_then(
        lambda calendar: external_calendars.external_calendar_set_active(calendar=calendar, active=False)
    ),
    "imported calendar deleted": import_busy_then(
        lambda calendar: external_calendars.external_calendar_delete(calendar=calendar)
    ),
    "type changed": change_type,
    "coach's zone changed": change_zone,
    "coach's account deactivated": deactivate_coach,
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_that_changes_the_slots_is_seen_at_once(client, coaching, write):
    change = write(coaching)
    before = ask(client)

    change()

    after = ask(client)
    assert after != before
    cache.clear()
    assert ask(client) == after  # what the database says now


def test_an_imported_calendar_is_seen_at_once(client, coaching, httpserver, settings):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = True
    event = at(10).astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    httpserver.expect_request("/work.ics").respond_with_data(
        "\r\n".join(
            [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//test//EN",
                "BEGIN:VEVENT",
                "UID:call@test",
                "DTSTAMP:20260101T000000Z",
                f"DTSTART:{event}",
                "DURATION:PT1H",
                "END:VEVENT",
                "END:VCALENDAR",
                "",
            ]
        ),
        content_type="text/calendar",
    )
    calendar = ExternalCalendar.objects.create(coach=coaching.coach, name="Work", url=httpserver.url_for("/work.ics"))
    assert starts(ask(client)) == ["09:00", "10:00", "11:00"]

    external_calendar_import(calendar=calendar)

    assert starts(ask(client)) == ["09:00", "11:00"]


def test_a_write_between_reading_the_versions_and_keeping_the_answer_leaves_it_unused(client, coaching):
    # A request reads the versions, then the data; a booking commits in between.
    key = slots_answer_key(coach="anna", **PARAMS)
    _, versions = slots_answer_cached(key=key)
    stale = ask(client)
    cache.delete(key.key)
    BookingFactory(appointment_type=coaching, start=at(10))
    slots_answer_keep(key=key, versions=versions, body=stale[1], slots=[], appointment_type=coaching)

    assert slots_answer_cached(key=key)[0] is None
    assert starts(ask(client)) == ["09:00", "11:00"]


@pytest.fixture
def clock_driven_cache(settings):
    """A cache whose expiry follows time_machine's clock (Redis keeps its own)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_a_kept_answer_loses_its_first_slot_when_it_comes_within_the_minimum_notice(
    client, coaching, clock_driven_cache, django_assert_num_queries
):
    coaching.minimum_notice = timedelta(hours=2)
    coaching.save()
    with time_machine.travel(at(7) - timedelta(seconds=30), tick=False) as traveller:
        assert starts(ask(client)) == ["09:00", "10:00", "11:00"]
        traveller.shift(timedelta(seconds=31))  # 09:00 is now less than two hours away
        with django_assert_num_queries(0):  # trimmed from the kept answer, not computed again
            trimmed = ask(client)
        assert starts(trimmed) == ["10:00", "11:00"]
        assert ask(client) == trimmed
        cache.clear()
        assert ask(client) == trimmed  # the same bytes as an answer computed now


def test_a_kept_answer_whose_slots_all_came_within_the_notice_has_no_days(client, coaching, clock_driven_cache):
    coaching.minimum_notice = timedelta(hours=2)
    coaching.save()
    with time_machine.travel(at(7), tick=False) as traveller:
        assert starts(ask(client)) == ["09:00", "10:00", "11:00"]
        traveller.shift(timedelta(hours=3, seconds=1))
        status, content = ask(client)
        assert json.loads(content)["days"] == []
        cache.clear()
        assert ask(client) == (status, content)


def test_the_booking_page_drops_a_kept_time_that_came_within_the_minimum_notice(client, coaching, clock_driven_cache):
    coaching.minimum_notice = timedelta(hours=2)
    coaching.save()
    with time_machine.travel(at(7) - timedelta(seconds=30), tick=False) as traveller:
        assert page_times(client) == ["09:00", "10:00", "11:00"]
        traveller.shift(timedelta(seconds=31))
        assert page_times(client) == ["10:00", "11:00"]


def test_an_answer_inside_the_horizon_is_kept_long_and_one_it_can_reach_briefly(coaching, clock_driven_cache):
    key = slots_answer_key(coach="anna", **PARAMS)
    _, versions = slots_answer_cached(key=key)
    inside = timezone.now() + coaching.horizon - timedelta(days=1)
    beyond = timezone.now() + coaching.horizon + timedelta(days=1)

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        slots_answer_keep(key=key, versions=versions, body=b"[]", slots=[], appointment_type=coaching, range_end=inside)
        traveller.shift(timedelta(seconds=ANSWER_KEPT_MAX_AGE - 1))
        assert slots_answer_cached(key=key)[0] == b"[]"
        traveller.shift(timedelta(seconds=2))
        assert slots_answer_cached(key=key)[0] is None

        _, versions = slots_answer_cached(key=key)
        slots_answer_keep(key=key, versions=versions, body=b"[]", slots=[], appointment_type=coaching, range_end=beyond)
        traveller.shift(timedelta(seconds=ANSWER_MAX_AGE + 1))
        assert slots_answer_cached(key=key)[0] is None


def test_an_empty_answer_is_kept_at_most_answer_max_age(coaching, clock_driven_cache):
    key = slots_answer_key(coach="anna", **PARAMS)
    _, versions = slots_answer_cached(key=key)

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        slots_answer_keep(key=key, versions=versions, body=b"[]", slots=[], appointment_type=coaching)
        traveller.shift(timedelta(seconds=ANSWER_MAX_AGE - 1))
        assert slots_answer_cached(key=key)[0] == b"[]"
        traveller.shift(timedelta(seconds=2))
        assert slots_answer_cached(key=key)[0] is None


def test_errors_are_never_kept(client, coaching):
    assert ask(client, tz="Mars/Olympus")[0] == 400
    assert ask(client, tz="Mars/Olympus")[0] == 400
    assert ask(client)[0] == 200


def test_without_the_cache_every_answer_is_computed(client, coaching, cache_unreachable, django_assert_max_num_queries):
    assert starts(ask(client)) == ["09:00", "10:00", "11:00"]
    BookingFactory(appointment_type=coaching, start=at(10))

    with django_assert_max_num_queries(5) as captured:
        assert starts(ask(client)) == ["09:00", "11:00"]
    assert len(captured) >= 1


# --- types that take requests: reply windows, and time passing their end ----------------


@pytest.fixture
def requests(coaching):
    coaching.approval = AppointmentType.Approval.ALWAYS
    coaching.answer_lead = timedelta(hours=12)
    coaching.save()
    return coaching


def test_a_reply_window_made_or_removed_is_seen_at_once(client, requests):
    # Away until the Sunday before: the new window's first time is Monday's own, 08:00-08:30,
    # and 12 h after it no Monday slot is left to ask for.
    BlockedPeriodFactory(
        coach=requests.coach, first_day=date.today() - timedelta(days=1), last_day=MONDAY - timedelta(days=1)
    )
    assert starts(ask(client)) == ["09:00", "10:00", "11:00"]  # no reply windows: answered at any time

    window = ReplyWindow.objects.create(coach=requests.coach, weekday=0, start=time(8), end=time(8, 30))
    assert starts(ask(client)) == []

    window.delete()
    assert starts(ask(client)) == ["09:00", "10:00", "11:00"]


WEDNESDAY = date(2026, 6, 3)


def berlin(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BERLIN)


def keep_at(now: datetime, requests, slots):
    key = slots_answer_key(coach="anna", **PARAMS)
    with time_machine.travel(now, tick=False):
        _, versions = slots_answer_cached(key=key)
        slots_answer_keep(key=key, versions=versions, body=b"[]", slots=slots, appointment_type=requests)
    return key


def test_an_answer_is_kept_while_the_first_reply_window_still_counts(requests, clock_driven_cache):
    ReplyWindow.objects.create(coach=requests.coach, weekday=2, start=time(8), end=time(9))
    thursday = Interval(berlin(WEDNESDAY + timedelta(days=1), 9), berlin(WEDNESDAY + timedelta(days=1), 10))
    # At 08:44:30 Wednesday's window counts for 30 seconds more (a quarter of an hour before
    # its end); then the first one is Friday's, and Thursday can no longer be asked for.
    now = berlin(WEDNESDAY, 8, 44, 30)
    key = keep_at(now, requests, [thursday])
    with time_machine.travel(now + timedelta(seconds=29), tick=False):
        assert slots_answer_cached(key=key)[0] == b"[]"
    with time_machine.travel(now + timedelta(seconds=31), tick=False):
        assert slots_answer_cached(key=key)[0] is None


def test_an_answer_the_moving_limit_has_overtaken_is_not_kept(requests, clock_driven_cache):
    ReplyWindow.objects.create(coach=requests.coach, weekday=2, start=time(8), end=time(9))
    thursday = Interval(berlin(WEDNESDAY + timedelta(days=1), 9), berlin(WEDNESDAY + timedelta(days=1), 10))
    # Computed at 08:44, kept at 08:46: Thursday 09:00 is no longer offered.
    key = keep_at(berlin(WEDNESDAY, 8, 46), requests, [thursday])
    with time_machine.travel(berlin(WEDNESDAY, 8, 46), tick=False):
        assert slots_answer_cached(key=key)[0] is None


def test_without_reply_windows_an_answer_is_kept_until_its_first_slot_is_too_soon_to_answer(
    requests, clock_driven_cache
):
    first = Interval(berlin(WEDNESDAY, 12), berlin(WEDNESDAY, 13))
    # A request is answered 12 h before, and needs a quarter of an hour: 23:45 the day before.
    now = berlin(WEDNESDAY - timedelta(days=1), 23, 44, 30)
    key = keep_at(now, requests, [first])
    with time_machine.travel(now + timedelta(seconds=29), tick=False):
        assert slots_answer_cached(key=key)[0] == b"[]"
    with time_machine.travel(now + timedelta(seconds=31), tick=False):
        assert slots_answer_cached(key=key)[0] is None


def page_times(client, day: date = MONDAY) -> list[str]:
    """The times the booking page offers on `day` (without JavaScript: its plain links)."""
    response = client.get(f"/anna/coaching/?day={day.isoformat()}&tz=Europe/Berlin", headers={"accept-language": "en"})
    assert response.status_code == 200
    return re.findall(rf"start={day.isoformat()}T(\d\d:\d\d)", response.content.decode().replace("%3A", ":"))


def test_the_booking_page_computes_its_month_once(client, coaching, django_assert_max_num_queries):
    assert page_times(client) == ["09:00", "10:00", "11:00"]
    with django_assert_max_num_queries(30) as first:
        page_times(client, MONDAY + timedelta(days=1))  # another day of the same month
    # The month's slots came from the cache: none of the engine's queries (bookings, hours).
    assert not any("scheduler_booking" in query["sql"] for query in first.captured_queries)


def test_the_booking_page_never_shows_a_kept_slot_that_a_booking_took(client, coaching):
    assert page_times(client) == ["09:00", "10:00", "11:00"]
    BookingFactory(appointment_type=coaching, start=at(10))
    assert page_times(client) == ["09:00", "11:00"]
    booking_cancel(booking=Booking.objects.get(), by_coach=True)
    assert page_times(client) == ["09:00", "10:00", "11:00"]


def test_an_entry_of_another_format_under_the_key_is_a_miss_not_an_error(client, coaching):
    key = slots_answer_key(coach="anna", **PARAMS)
    _, versions = slots_answer_cached(key=key)
    cache.set(key.key, (versions, b"[]"))  # as an older release kept it

    assert slots_answer_cached(key=key) == (None, versions)
    assert starts(ask(client)) == ["09:00", "10:00", "11:00"]
