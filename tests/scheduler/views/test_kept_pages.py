"""Until when a kept type page is right (scheduler/views/kept_pages.page_keep_until): the
clock's effects on what the page shows, each bounding it; writes are the versions' work
(tests/scheduler/views/test_type_page_kept.py)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.models import AppointmentType
from scheduler.reachability import MIN_ANSWER_TIME
from scheduler.selectors.slots_answers import ANSWER_MAX_AGE
from scheduler.slot_engine import Interval
from scheduler.views.kept_pages import page_keep_until

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# 10:05 UTC on a Wednesday in the middle of a month: no half hour, no month's end near.
NOW = datetime(2027, 3, 10, 10, 5, tzinfo=UTC)


def picker(*, month=date(2027, 4, 1), slots=(), zone=BERLIN) -> dict:
    return {"zone": zone, "month": month, "slots": list(slots)}


def slot(hours_ahead: float, *, now=NOW) -> Interval:
    start = now + timedelta(hours=hours_ahead)
    return Interval(start, start + timedelta(minutes=30))


def test_a_page_without_slots_is_kept_at_most_answer_max_age(kind):
    assert page_keep_until(picker=picker(), appointment_type=kind, now=NOW) == NOW + timedelta(seconds=ANSWER_MAX_AGE)


def test_a_page_is_kept_until_its_first_slot_comes_within_the_minimum_notice(kind):
    kind.minimum_notice = timedelta(hours=2)
    first = slot(2 + 1 / 60)  # one minute past the notice
    until = page_keep_until(picker=picker(slots=[first, slot(5)]), appointment_type=kind, now=NOW)
    assert until == first.start - kind.minimum_notice == NOW + timedelta(minutes=1)


def test_a_page_is_kept_until_the_next_half_hour(kind):
    now = NOW.replace(minute=28, second=30)
    assert page_keep_until(picker=picker(), appointment_type=kind, now=now) == now.replace(minute=30, second=0)


def test_a_page_is_kept_until_the_month_ends_in_the_visitors_zone(kind):
    # 22:58 UTC on 31 March is 00:58 on 1 April in Berlin, still 18:58 on 31 March in New York.
    now = datetime(2027, 3, 31, 22, 58, tzinfo=UTC)
    assert page_keep_until(picker=picker(month=date(2027, 4, 1)), appointment_type=kind, now=now) == now + timedelta(
        minutes=2  # the half hour comes first
    )
    new_york = ZoneInfo("America/New_York")
    now = datetime(2027, 4, 1, 3, 59, 50, tzinfo=UTC)  # 23:59:50 on 31 March in New York
    until = page_keep_until(picker=picker(month=date(2027, 4, 1), zone=new_york), appointment_type=kind, now=now)
    assert until == datetime(2027, 4, 1, 0, 0, tzinfo=new_york) == now + timedelta(seconds=10)


def test_a_month_the_horizon_reaches_into_is_not_kept(kind):
    kind.horizon = timedelta(days=30)
    assert page_keep_until(picker=picker(month=date(2027, 4, 1)), appointment_type=kind, now=NOW) == NOW
    kind.horizon = timedelta(days=60)  # April lies wholly inside it
    assert page_keep_until(picker=picker(month=date(2027, 4, 1)), appointment_type=kind, now=NOW) > NOW


def test_a_page_of_requests_is_kept_while_the_coach_can_still_answer_its_first_slot_in_time(kind):
    # Without reply windows the coach answers any time: a request needs answer_lead and
    # MIN_ANSWER_TIME before its start (slots_answers._request_limit_holds_until).
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.answer_lead = timedelta(hours=1)
    first = slot(1 + 17 / 60)
    until = page_keep_until(picker=picker(slots=[first]), appointment_type=kind, now=NOW)
    assert until == first.start - kind.answer_lead - MIN_ANSWER_TIME == NOW + timedelta(minutes=2)
