"""`make bench`'s HTTP ceiling (bench/ceiling.py) on a tiny load, so that it cannot rot:
gunicorn with the bench's settings serves the hello-world view and the slots API on the
test database, every request is answered 200, and the week it measures has slots. And the
confirmation latency (bench/latency.py) on a few bookings: paced as it says, every
confirmation timed from its commit."""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import Resolver404, resolve

from bench import latency
from bench.api import populate
from bench.booking import prepare
from bench.ceiling import MONTH, SLOTS_PATH, measure
from bench.hello import hello
from bench.server import server_env
from tests.helpers import database_url


@pytest.mark.postgres
@pytest.mark.redis
def test_ceiling_measures_hello_world_and_a_week_of_slots_over_http(transactional_db, client, tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs DATABASE_URL=postgres://… and REDIS_URL=redis://…")
    populate(**MONTH)
    env = server_env(database_url(), REDIS_URL=settings.REDIS_URL, VAR_DIR=str(tmp_path / "var"))

    figures = measure(env, hello_requests=40, slots_requests=20, type_requests=20, clients=4, workers=2)

    for name, requests in (("hello", 40), ("slots_api", 20), ("type_page", 20)):
        figure = figures[name]
        assert figure["requests"] == requests
        assert figure["errors"] == 0
        assert 0 < figure["p50_ms"] <= figure["p95_ms"]
        assert figure["per_second"] > 0 and figure["cpu_ms"] >= 0
    assert figures["ratio"] == figures["slots_api"]["per_second"] / figures["hello"]["per_second"]
    assert figures["type_ratio"] == figures["type_page"]["per_second"] / figures["hello"]["per_second"]
    # The week served over HTTP is the one the API answers in this process.
    week = client.get(SLOTS_PATH).json()
    assert figures["slots"] == sum(len(day["slots"]) for day in week["days"]) > 0


def test_only_the_benchs_urlconf_routes_to_the_hello_world_view():
    assert resolve("/bench/hello", urlconf="bench.hello").func is hello
    with pytest.raises(Resolver404):
        resolve("/bench/hello")


def test_the_commands_of_one_send_to_redis_are_named():
    from bench.booking import _resp_commands

    packed = b"*3\r\n$6\r\nINCRBY\r\n$1\r\nk\r\n$1\r\n1\r\n*3\r\n$6\r\nEXPIRE\r\n$1\r\nk\r\n$2\r\n61\r\n"
    assert _resp_commands(packed) == ["INCRBY", "EXPIRE"]


@pytest.fixture
def bench_starts(settings, transactional_db):
    """bench/booking.py's coach, open around the clock, and ten free starts (ISO)."""
    from datetime import time, timedelta

    from django.utils import timezone

    from accounts.models import User
    from scheduler.models import AppointmentType, Coach, WeeklyHours
    from scheduler.models.common import Channel
    from scheduler.selectors.slots import slots_bookable

    settings.BOOKING_RATE_LIMIT = "1000/m"
    coach = Coach.objects.create(
        user=User.objects.create_user(email="bench@example.org"), slug="bench", display_name="Bench"
    )
    kind = AppointmentType.objects.create(
        coach=coach,
        slug="talk",
        name="Talk",
        duration=timedelta(minutes=15),
        slot_step=timedelta(minutes=15),
        minimum_notice=timedelta(0),
        horizon=timedelta(days=400),
        allowed_channels=list(Channel.values),
    )
    WeeklyHours.objects.bulk_create(
        WeeklyHours(coach=coach, weekday=d, start=time(0), end=time(23, 45)) for d in range(7)
    )
    now = timezone.now()
    slots = slots_bookable(
        appointment_type=kind, range_start=now + timedelta(days=1), range_end=now + timedelta(days=3), now=now
    )
    return [slot.start.isoformat() for slot in slots[:10]]


def test_one_booking_in_process_is_counted_and_asks_nothing_it_need_not(bench_starts):
    """bench/booking.py's in-process part: bookings through the test client, each 201, and the
    statements of one: no search for expired holds and no second read of the client."""
    from bench.booking import booking_cost_in_process

    cost = booking_cost_in_process(bench_starts, count=3)
    assert cost["status"] == 201 and cost["statuses"] == {201: 3}
    assert "INSERT INTO scheduler_booking" in cost["statements"]
    assert "SELECT scheduler_booking" not in cost["statements"]  # expired holds: only when a slot is refused
    assert "SELECT scheduler_client" not in cost["statements"]  # a new client's insert returns it
    assert cost["queries"] == len(cost["statements"]) <= 7 and cost["cpu_ms"] > 0


@pytest.mark.redis
def test_one_booking_makes_four_trips_to_redis(bench_starts, settings):
    """The type's versions, the rate limit, the availability version once after commit, and the
    one task for its messages (which carries the warming of the slot answers)."""
    from bench.booking import booking_cost_in_process

    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL=redis://… (make test-services)")
    cost = booking_cost_in_process(bench_starts, count=1)
    assert cost["status"] == 201
    assert cost["redis_commands"] == ["MGET", "INCRBY+EXPIRE+INCRBY+EXPIRE", "SET", "LPUSH"]


@pytest.mark.postgres
@pytest.mark.redis
def test_latency_paces_below_the_workers_throughput_and_times_every_confirmation(transactional_db, tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs DATABASE_URL=postgres://… and REDIS_URL=redis://…")
    env = server_env(
        database_url(),
        REDIS_URL=settings.REDIS_URL,
        VAR_DIR=str(tmp_path / "var"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    starts = prepare(env)[: latency.WARM_UP + 4 + 10]

    figures = latency.measure(env, starts, bookings=10, calibration=4)

    assert figures["sent"] == figures["bookings"] == 10
    assert 0 < figures["p50_ms"] <= figures["p95_ms"]
    # One booking every service time / UTILISATION, within the bounds.
    service_ms = 1000 / figures["worker_per_second"]
    expected = min(max(service_ms / latency.UTILISATION, latency.MIN_INTERVAL * 1000), latency.MAX_INTERVAL * 1000)
    assert figures["pace_ms"] == pytest.approx(expected)
    assert figures["worker_cpu_ms"] > 0
    # The clock starts at the commit, after the booking's own write (created_at is its start).
    assert figures["created_to_commit_ms"] > 0
