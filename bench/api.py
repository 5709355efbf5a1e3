"""The slots API measured in-process (Django test client), with its query count.

Runs on its own SQLite database under var/bench (or DATABASE_URL if set), filled
with a month like the engine benchmark's: 300 bookings, 50 blocked periods and
500 imported busy intervals.
"""

import os
import random
import statistics
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MONTH_START = date(2027, 3, 1)  # a month that crosses the DST change, always in the future
DAYS = 31


_READY = []


def setup_django() -> None:
    """Django on a fresh SQLite database under var/bench, once per process."""
    if _READY:
        return
    _READY.append(True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SLOTS_ANSWERS_KEPT", "true")  # one process: its own cache is shared enough
    var_dir = Path(os.environ.setdefault("VAR_DIR", str(BASE_DIR / "var" / "bench")))
    for stale in var_dir.glob("db.sqlite3*"):  # a fresh database each run
        stale.unlink()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def populate(*, bookings: int = 300, blocked: int = 50, busy: int = 500):
    """The coach "bench" with a session type, working hours and, in the month from MONTH_START,
    `bookings` bookings, `blocked` blocked periods and `busy` imported busy intervals."""
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model

    from scheduler.models import (
        AppointmentType,
        BlockedPeriod,
        Booking,
        Client,
        Coach,
        ExternalBusy,
        WeeklyHours,
    )
    from scheduler.models.common import Channel

    zone = ZoneInfo("Europe/Berlin")
    user_model = get_user_model()
    user = user_model.objects.create_user(email="bench@example.org", password=None)
    coach = Coach.objects.create(user=user, slug="bench", display_name="Bench", time_zone="Europe/Berlin")
    kind = AppointmentType.objects.create(
        coach=coach,
        slug="session",
        name="Session",
        duration=timedelta(minutes=30),
        slot_step=timedelta(minutes=15),
        buffer_before=timedelta(minutes=5),
        buffer_after=timedelta(minutes=5),
        minimum_notice=timedelta(0),
        horizon=timedelta(days=800),
        allowed_channels=list(Channel.values),
    )
    hours = [(d, time(9), time(12)) for d in range(5)] + [(d, time(14), time(17)) for d in range(5)]
    hours.append((5, time(10), time(14)))
    WeeklyHours.objects.bulk_create(WeeklyHours(coach=coach, weekday=d, start=s, end=e) for d, s, e in hours)

    rng = random.Random(20261122)

    def moment(day_offset, minutes):
        local = datetime.combine(MONTH_START + timedelta(days=day_offset), time(8), tzinfo=zone)
        return local + timedelta(minutes=minutes)

    client = Client.objects.create(coach=coach, email="c@example.org", name="Client")
    Booking.objects.bulk_create(
        Booking(
            coach=coach,
            appointment_type=kind,
            client=client,
            start=start,
            end=start + timedelta(minutes=30),
            blocked_start=start - timedelta(minutes=5),
            blocked_end=start + timedelta(minutes=35),
            channel=Channel.EMAIL,
            message="benchmark",
        )
        # 45 minutes apart at the least: a booking blocks 40 with its buffers, and PostgreSQL refuses overlaps.
        for start in (
            moment(day, 45 * k) for day, k in rng.sample([(d, k) for d in range(DAYS) for k in range(14)], bookings)
        )
    )
    BlockedPeriod.objects.bulk_create(
        BlockedPeriod(coach=coach, title="block", start=start, end=start + timedelta(minutes=30 * rng.randint(1, 8)))
        for start in (moment(rng.randrange(DAYS), 15 * rng.randrange(40)) for _ in range(blocked))
    )
    ExternalBusy.objects.bulk_create(
        ExternalBusy(coach=coach, start=start, end=start + timedelta(minutes=15 * rng.randint(1, 6)))
        for start in (moment(rng.randrange(DAYS), 5 * rng.randrange(120)) for _ in range(busy))
    )
    return coach, kind


def bench_slots_api(repeat: int = 50) -> dict:
    """The month's slots asked for `repeat` times computed (the cache emptied before each
    request: database, engine, JSON) and `repeat` times answered from the cache."""
    setup_django()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    coach, kind = populate()
    http = HttpClient(SERVER_NAME="127.0.0.1")
    url = (
        f"/api/coaches/{coach.slug}/slots?type={kind.slug}&start={MONTH_START}"
        f"&end={MONTH_START + timedelta(days=DAYS - 1)}&tz=America/New_York"
    )
    response = http.get(url)  # warm-up
    assert response.status_code == 200, response.status_code
    slots = sum(len(day["slots"]) for day in response.json()["days"])

    def timings(*, computed: bool) -> list[float]:
        measured = []
        for _ in range(repeat):
            if computed:
                cache.clear()
            started = clock.perf_counter()
            http.get(url)
            measured.append((clock.perf_counter() - started) * 1000)
        return sorted(measured)

    computed, kept = timings(computed=True), timings(computed=False)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        http.get(url)
    return {
        "median_ms": statistics.median(computed),
        "p95_ms": computed[int(0.95 * (len(computed) - 1))],
        "kept_median_ms": statistics.median(kept),
        "kept_p95_ms": kept[int(0.95 * (len(kept) - 1))],
        "queries": len(queries),
        "slots": slots,
        "runs": repeat,
    }
