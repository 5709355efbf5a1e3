"""Confirmation latency: from a booking's commit to the channel backend having sent its
confirmation, with a real Celery worker (concurrency 2) on Redis and PostgreSQL.

The figure is the latency of one message, not of a queue. Bookings made faster than the
worker sends their messages wait in the broker, and their latency then grows with their
place in the line: a burst measures the queue. So the run first measures the worker's own
throughput (after WARM_UP bookings that pay its first tasks: connections, templates,
catalogs), from CALIBRATION bookings made at once, then makes BOOKINGS bookings one after
another, paced at UTILISATION of that throughput (one every service time / UTILISATION,
between MIN_INTERVAL and MAX_INTERVAL): the worker is idle half the time, as a real
installation's is nearly always, and a message waits only when two happen to overlap.

The clock starts at the commit: the moment the booking's transaction has committed and its
on_commit callback hands the messages to Celery (outbox/queue.notifications_dispatch), stamped by wrapping that
callback. Booking.created_at is earlier by the booking's own write (it is set at the start
of the transaction); the difference is reported too. Beside the figure: the worker's CPU per
booking, its whole process tree's (the main process takes the tasks from Redis, the pool's
children send), which unlike the latency does not depend much on what else runs.

Bounded: at most WARM_UP + CALIBRATION + BOOKINGS bookings, the pace at most MAX_INTERVAL, and a
deadline for the worker to catch up after each phase."""

import json
import os
import statistics
import subprocess
import sys
import time as clock
from pathlib import Path

from bench.booking import prepare
from bench.server import bench_database_url, p95

BASE_DIR = Path(__file__).resolve().parent.parent
BOOKINGS = 200
CALIBRATION = 30
WARM_UP = 6  # bookings before the throughput is measured
UTILISATION = 0.5
MIN_INTERVAL = 0.02  # seconds between bookings, at the least
MAX_INTERVAL = 0.5  # and at the most: the run stays bounded however slow the worker is

SCRIPT = """
import django, json, os, sys, time
django.setup()
from datetime import datetime
from config.celery import app
from scheduler.models import AppointmentType, Booking, Notification
from scheduler.outbox import queue
from scheduler.services.booking import booking_create
from scheduler.services.booking_request import BookingRequest

given = json.load(sys.stdin)
starts, worker_pid = given["starts"], given["worker_pid"]
committed = {}  # notification id -> when its booking's transaction committed (Unix seconds)
dispatch = queue.notifications_dispatch

def stamped(*, ids, mark=True, warm_coach_id=None):
    # The booking's on_commit callback that queues its messages: its transaction has just committed.
    now = time.time()
    for pk in ids:
        committed[pk] = now
    dispatch(ids=ids, mark=mark, warm_coach_id=warm_coach_id)

queue.notifications_dispatch = stamped

def tree_cpu_seconds(pid):
    # utime + stime of the process and all its descendants (the pool's children).
    ticks, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = open(f"/proc/{current}/stat").read().rsplit(")", 1)[1].split()
            pending += [int(child) for child in open(f"/proc/{current}/task/{current}/children").read().split()]
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")

app.control.purge()
kind = AppointmentType.objects.select_related("coach__user").get(slug="talk")
made = iter(enumerate(starts))

def book():
    index, start = next(made)
    request = BookingRequest(start=datetime.fromisoformat(start), name="Client", email=f"l{index}@example.org",
        channel="email", message="Ich möchte gern über meinen nächsten beruflichen Schritt sprechen.",
        privacy_consent=True)
    return booking_create(appointment_type=kind, request=request)

def confirmations(bookings):
    return Notification.objects.filter(kind="confirmed", booking__in=[b.pk for b in bookings])

def wait_sent(bookings, seconds):
    deadline = time.monotonic() + seconds
    while confirmations(bookings).exclude(status="sent").exists() and time.monotonic() < deadline:
        time.sleep(0.05)

# 0. Warm up: each of the pool's children pays its first task (connections, templates, catalogs).
warm = [book() for _ in range(given["warm_up"])]
wait_sent(warm, 60)
# 1. The worker's throughput, from a burst: from the first commit to the last message sent.
burst = [book() for _ in range(given["calibration"])]
wait_sent(burst, 60)
rows = list(confirmations(burst).filter(status="sent").values_list("pk", "sent_at"))
first = min(committed[pk] for pk, _ in rows)
service = (max(sent for _, sent in rows).timestamp() - first) / len(rows)
interval = min(max(service / given["utilisation"], given["min_interval"]), given["max_interval"])

# 2. Paced bookings: one every `interval`, each made as soon as its turn comes.
cpu_before = tree_cpu_seconds(worker_pid)
paced = []
began = time.monotonic()
for turn in range(given["bookings"]):
    time.sleep(max(0.0, began + turn * interval - time.monotonic()))
    paced.append(book())
wait_sent(paced, 120)
cpu_seconds = tree_cpu_seconds(worker_pid) - cpu_before
rows = confirmations(paced).filter(status="sent").values_list("pk", "sent_at", "booking__created_at", "claimed_at")
print(json.dumps({
    "latencies_ms": [(sent.timestamp() - committed[pk]) * 1000 for pk, sent, _, _ in rows],
    "created_to_commit_ms": [(committed[pk] - created.timestamp()) * 1000 for pk, _, created, _ in rows],
    # Where the time goes: until a worker claimed the row, then until it was sent.
    "pickup_ms": [(claimed.timestamp() - committed[pk]) * 1000 for pk, _, _, claimed in rows],
    "work_ms": [(sent - claimed).total_seconds() * 1000 for _, sent, _, claimed in rows],
    "service_ms": service * 1000,
    "interval_ms": interval * 1000,
    "worker_cpu_ms": cpu_seconds * 1000 / len(paced),
}))
"""


def bench_latency(bookings: int = BOOKINGS, calibration: int = CALIBRATION) -> dict | None:
    database_url = bench_database_url()
    if database_url is None:
        return None
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": os.environ.get("BENCH_VAR_DIR", str(BASE_DIR / "var" / "bench")),
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        # The channel backend is called for real; the messages stay in the worker's memory.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    starts = prepare(env)[: WARM_UP + calibration + bookings]
    return measure(env, starts, bookings=bookings, calibration=calibration)


def measure(env: dict[str, str], starts: list[str], *, bookings: int, calibration: int) -> dict:
    """Start the worker, run SCRIPT against it on a prepared database (bench.booking.prepare)
    and return the figures."""
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("--concurrency=2", "--loglevel=ERROR", "--without-mingle", "--without-gossip"),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    given = {
        "starts": starts,
        "worker_pid": worker.pid,
        "bookings": bookings,
        "calibration": calibration,
        "warm_up": WARM_UP,
        "utilisation": UTILISATION,
        "min_interval": MIN_INTERVAL,
        "max_interval": MAX_INTERVAL,
    }
    try:
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            input=json.dumps(given),
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    latencies = sorted(figures["latencies_ms"])
    return {
        "sent": len(latencies),
        "bookings": bookings,
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": p95(latencies) if latencies else float("nan"),
        "pace_ms": figures["interval_ms"],
        "worker_per_second": 1000 / figures["service_ms"],
        "worker_cpu_ms": figures["worker_cpu_ms"],
        "created_to_commit_ms": statistics.median(figures["created_to_commit_ms"] or [float("nan")]),
        "pickup_p50_ms": statistics.median(figures["pickup_ms"] or [float("nan")]),
        "work_p50_ms": statistics.median(figures["work_ms"] or [float("nan")]),
    }


if __name__ == "__main__":
    start = clock.perf_counter()
    print(bench_latency(), f"{clock.perf_counter() - start:.0f}s")
