"""Confirmation latency: from a booking's commit to the channel backend having sent
its confirmation, with a real Celery worker on Redis and PostgreSQL. Bounded: 200
bookings, paced, then a deadline for the worker to catch up."""

import os
import statistics
import subprocess
import sys
import time as clock
from pathlib import Path

from bench.booking import prepare
from bench.server import bench_database_url, latencies_from_script

BASE_DIR = Path(__file__).resolve().parent.parent
BOOKINGS = 200


def bench_latency() -> dict | None:
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
    starts = prepare(env)[:BOOKINGS]
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency=2",
            "--loglevel=ERROR",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        script = """
import django, json, sys, time
django.setup()
from datetime import datetime
from config.celery import app
from scheduler.models import AppointmentType, Notification
from scheduler.services.booking import booking_create
from scheduler.services.booking_request import BookingRequest
app.control.purge()
kind = AppointmentType.objects.select_related("coach__user").get(slug="talk")
for index, start in enumerate(json.load(sys.stdin)):
    request = BookingRequest(start=datetime.fromisoformat(start), name="Client", email=f"l{index}@example.org",
        channel="email", message="Ich möchte gern über meinen nächsten beruflichen Schritt sprechen.",
        privacy_consent=True)
    booking_create(appointment_type=kind, request=request)
    time.sleep(0.02)  # paced like real bookings, not a flood
deadline = time.monotonic() + 120
confirmed = Notification.objects.filter(kind="confirmed")
while confirmed.exclude(status="sent").exists() and time.monotonic() < deadline:
    time.sleep(0.2)
rows = confirmed.filter(status="sent").values_list("sent_at", "booking__created_at")
print(json.dumps([(sent - created).total_seconds() * 1000 for sent, created in rows]))
"""
        latencies = latencies_from_script(script, starts, env)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return {
        "sent": len(latencies),
        "bookings": BOOKINGS,
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
    }


if __name__ == "__main__":
    start = clock.perf_counter()
    print(bench_latency(), f"{clock.perf_counter() - start:.0f}s")
