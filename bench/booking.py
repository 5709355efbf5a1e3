"""Booking throughput over HTTP: gunicorn on PostgreSQL, 16 concurrent clients on
distinct slots, then 50 clients racing for one slot.

The clock starts once every worker has booted and the clients have made WARM_UP
bookings each (imports, connections, caches): the figure is the steady state. Beside
the rate it reports the workers' CPU per booking, which, unlike the rate, does not
depend much on what else runs on the machine.

Beside the HTTP run, the same booking in one process (Django's test client on the same
database and Redis): the PostgreSQL statements and Redis round trips of one booking, counted
(CaptureQueriesContext; a counter around redis-py's send of packed commands, which every
command and pipeline goes through, Celery's publish included), and its CPU time without
gunicorn, the network or the other workers.

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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

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
IN_PROCESS = 100  # bookings timed in one process, after IN_PROCESS_WARM_UP
IN_PROCESS_WARM_UP = 5
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


def booking_body(start: str, index: int) -> dict:
    return {
        "type": "talk",
        "start": start,
        "name": f"Client {index}",
        "email": f"c{index}@example.org",
        "channel": "email",
        "message": MESSAGE,
        "privacy_consent": True,
    }


def _resp_commands(packed: bytes) -> list[str]:
    """The names of the commands in one packed send (RESP arrays of bulk strings)."""
    names, at = [], 0
    while at < len(packed) and packed[at : at + 1] == b"*":
        end = packed.index(b"\r\n", at)
        count, at = int(packed[at + 1 : end]), end + 2
        for position in range(count):
            end = packed.index(b"\r\n", at)
            length = int(packed[at + 1 : end])
            if position == 0:
                names.append(packed[end + 2 : end + 2 + length].decode().upper())
            at = end + 2 + length + 2
    return names


@contextmanager
def redis_round_trips() -> Iterator[list[list[str]]]:
    """Record every send to Redis (one round trip each) as the list of its commands' names."""
    from redis.connection import AbstractConnection

    trips: list[list[str]] = []
    send = AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        parts = [command] if isinstance(command, (bytes, str)) else command
        trips.append(_resp_commands(b"".join(p.encode() if isinstance(p, str) else bytes(p) for p in parts)))
        return send(self, command, check_health)

    AbstractConnection.send_packed_command = counted
    try:
        yield trips
    finally:
        AbstractConnection.send_packed_command = send


def _statement(sql: str) -> str:
    """A statement's first words, enough to tell what it is (the engine's inputs are one UNION)."""
    words = sql.split()
    if not words:
        return ""
    if words[0] in ("INSERT", "UPDATE", "DELETE") or words[:2] == ["SELECT", "'hours',"]:
        head = " ".join(words[:3])
        return "SELECT engine inputs (UNION)" if words[1] == "'hours'," else head.replace('"', "")
    table = next((words[i + 1] for i, word in enumerate(words[:-1]) if word == "FROM"), "")
    return f"{words[0]} {table.replace(chr(34), '')}".strip()


def booking_cost_in_process(starts: list[str], *, count: int = IN_PROCESS) -> dict:
    """One booking's PostgreSQL statements and Redis round trips, and the CPU per booking over
    `count` more, through Django's test client in this process (Django set up, the bench's
    coach in the database, the rate limit lifted). `starts` must hold count + 6 free slots."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    path = "/api/coaches/bench/bookings"
    slots = iter(enumerate(starts, start=50_000))

    def book() -> int:
        index, start = next(slots)
        body = json.dumps(booking_body(start, index))
        # Each its own address, as the HTTP clients: the limit counts per address and e-mail.
        address = f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}"
        return client.post(path, body, content_type="application/json", REMOTE_ADDR=address).status_code

    for _ in range(IN_PROCESS_WARM_UP):
        book()
    with CaptureQueriesContext(connection) as queries, redis_round_trips() as trips:
        status = book()
    # Read now: every request clears the connection's log (reset_queries on request_started).
    statements = [_statement(query["sql"]) for query in queries.captured_queries]
    began = clock.process_time()
    statuses = Counter(book() for _ in range(count))
    cpu_ms = (clock.process_time() - began) * 1000 / count
    return {
        "status": status,
        "statuses": dict(statuses),
        "queries": len(statements),
        "statements": statements,
        "redis_round_trips": len(trips),
        "redis_commands": ["+".join(trip) for trip in trips],
        "cpu_ms": cpu_ms,
    }


def in_process(env, starts: list[str]) -> dict:
    """booking_cost_in_process in a process of its own, with the bench's environment."""
    script = """
import django, json, sys
django.setup()
from bench.booking import booking_cost_in_process
print(json.dumps(booking_cost_in_process(json.loads(sys.stdin.read()))))
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        input=json.dumps(starts),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def post(client: http.client.HTTPConnection, path: str, start: str, index: int) -> tuple[int, float]:
    """One booking over a kept-alive connection (http.client: the load generator shares
    the two cores with the server, so it should cost little)."""
    began = clock.perf_counter()
    client.request(
        "POST", path, body=json.dumps(booking_body(start, index)), headers={"Content-Type": "application/json"}
    )
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
    used = total + len(warm_up) + 1
    cost = in_process(env, starts[used : used + IN_PROCESS + IN_PROCESS_WARM_UP + 1])
    return {
        "bookings": len(results),
        "per_second": len(results) / elapsed,
        "errors": len(results) - statuses.get(201, 0),
        "p50_ms": statistics.median(latencies),
        "p95_ms": p95(latencies),
        "cpu_ms": cpu_seconds * 1000 / len(results),
        "race": dict(race),
        "workers": workers,
        # One booking in one process: its round trips, and its CPU without gunicorn.
        "queries": cost["queries"],
        "statements": cost["statements"],
        "redis_round_trips": cost["redis_round_trips"],
        "redis_commands": cost["redis_commands"],
        "in_process_cpu_ms": cost["cpu_ms"],
        "in_process_statuses": cost["statuses"],
    }


if __name__ == "__main__":
    import pprint

    pprint.pprint(bench_booking(), width=110, sort_dicts=False)
