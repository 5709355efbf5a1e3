"""Booking throughput over HTTP: gunicorn on PostgreSQL, 16 concurrent clients on
distinct slots, then 50 clients racing for one slot.

The clock starts once every worker has booted and the clients have made WARM_UP
bookings each (imports, connections, caches): the figure is the steady state. Beside
the rate it reports the workers' CPU per booking, which, unlike the rate, does not
depend much on what else runs on the machine.

Uses its own database `sprechzeit_bench` on the server of BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/test); bounded in count and time.
"""

import http.client
import json
import statistics
import subprocess
import sys
import threading
import time as clock
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from bench.server import (
    BASE_DIR,
    CLIENTS,
    WORKERS,
    bench_database_url,
    gunicorn,
    p95,
    run_clients,
    server_env,
    workers_cpu_seconds,
)

BOOKINGS_PER_CLIENT = 50
WARM_UP = 3  # bookings per client before the clock starts
RACERS = 50
MESSAGE = "Ich möchte gern über meinen nächsten beruflichen Schritt sprechen."


def prepare(env) -> list[str]:
    """Migrate, create a coach open around the clock, return free slot starts (ISO)."""
    script = """
import django, json
django.setup()
from datetime import time, timedelta
from django.core.management import call_command
from django.utils import timezone
call_command("migrate", verbosity=0)
from scheduler.selectors.slots import slots_bookable
from scheduler.models import AppointmentType, Coach, WeeklyHours
from scheduler.models.common import Channel
from accounts.models import User
user = User.objects.create_user(email="bench@example.org")
coach = Coach.objects.create(user=user, slug="bench", display_name="Bench", time_zone="Europe/Berlin")
kind = AppointmentType.objects.create(coach=coach, slug="talk", name="Talk", duration=timedelta(minutes=15),
    slot_step=timedelta(minutes=15), minimum_notice=timedelta(0), horizon=timedelta(days=400),
    allowed_channels=list(Channel.values))
WeeklyHours.objects.bulk_create(WeeklyHours(coach=coach, weekday=d, start=time(0), end=time(23, 45)) for d in range(7))
now = timezone.now()
slots = slots_bookable(appointment_type=kind, range_start=now + timedelta(days=1),
    range_end=now + timedelta(days=30), now=now)
print(json.dumps([s.start.isoformat() for s in slots]))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def post(client: http.client.HTTPConnection, path: str, start: str, index: int) -> tuple[int, float]:
    """One booking over a kept-alive connection (http.client: the load generator shares
    the two cores with the server, so it should cost little)."""
    body = {
        "type": "talk",
        "start": start,
        "name": f"Client {index}",
        "email": f"c{index}@example.org",
        "channel": "email",
        "message": MESSAGE,
        "privacy_consent": True,
    }
    began = clock.perf_counter()
    client.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = client.getresponse()
    response.read()
    return response.status, (clock.perf_counter() - began) * 1000


def wait_until_booted(server: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until the workers' CPU stops rising: /healthz answers as soon as one worker is
    up, while the others still import Django (a second or more of CPU each)."""
    deadline = clock.monotonic() + timeout
    before = workers_cpu_seconds(server)
    while clock.monotonic() < deadline:
        clock.sleep(0.5)
        now = workers_cpu_seconds(server)
        if now - before < 0.05:
            return
        before = now


def bench_booking(workers: int = WORKERS) -> dict | None:
    database_url = bench_database_url()
    if database_url is None:
        return None
    # The race answers 49 conflicts on purpose; the quiet log (LOG_LEVEL=ERROR) leaves them out.
    env = server_env(database_url, BOOKING_RATE_LIMIT="1000000/m")
    starts = prepare(env)
    with gunicorn(env, workers) as server:
        path = "/api/coaches/bench/bookings"

        def book(client, item):
            return post(client, path, item[1], item[0])

        total = CLIENTS * BOOKINGS_PER_CLIENT
        warm_up = list(enumerate(starts[total : total + CLIENTS * WARM_UP], start=total))
        race_start = starts[total + len(warm_up)]
        wait_until_booted(server)
        run_clients(server.port, warm_up, book)
        cpu_before = workers_cpu_seconds(server)
        results, elapsed = run_clients(server.port, enumerate(starts[:total]), book)
        cpu_seconds = workers_cpu_seconds(server) - cpu_before
        statuses = Counter(status for status, _ in results)
        latencies = [ms for _, ms in results]

        barrier = threading.Barrier(RACERS)

        def racer(index):
            client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            client.connect()
            barrier.wait()
            try:
                return post(client, path, race_start, 10_000 + index)[0]
            finally:
                client.close()

        with ThreadPoolExecutor(RACERS) as pool:
            race = Counter(pool.map(racer, range(RACERS)))
    return {
        "bookings": len(results),
        "per_second": len(results) / elapsed,
        "errors": len(results) - statuses.get(201, 0),
        "p50_ms": statistics.median(latencies),
        "p95_ms": p95(latencies),
        "cpu_ms": cpu_seconds * 1000 / len(results),
        "race": dict(race),
        "workers": workers,
    }


if __name__ == "__main__":
    print(bench_booking())
