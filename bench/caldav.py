"""A booking written to the coach's CalDAV calendar: from the booking's commit to the event
stored in a real Radicale (its PUT answered), through the outbox, with a real Celery worker
on Redis and PostgreSQL, as bench/latency.py measures the confirmation.

The ceiling, measured in the same run against the same server: the bare PUT of an event
of the same size, from a process that does nothing else (a new connection each, as the
app makes). The figure is stated as a multiple of it. Bounded: BOOKINGS bookings, made
one at a time, each waited for, within a deadline."""

import statistics
import subprocess
import sys
import tempfile
import time as clock
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from bench.booking import prepare
from bench.server import BASE_DIR, bench_database_url, latencies_from_script, p95, server_env
from tests.radicale import Radicale

BOOKINGS = 60
CEILING_PUTS = 200
# The figure's target: at most this many times the bare PUT's p95.
TARGET_RATIO = 5

SCRIPT = """
import django, json, sys, time
django.setup()
from datetime import datetime
from config.celery import app
from scheduler.field_encryption import encrypt
from scheduler.models import AppointmentType, Booking, ExternalCalendar, Notification
from scheduler.services.booking import booking_create
from scheduler.services.booking_request import BookingRequest
app.control.purge()
given = json.load(sys.stdin)
kind = AppointmentType.objects.select_related("coach__user").get(slug="talk")
ExternalCalendar.objects.create(coach=kind.coach, kind="caldav", name="Radicale", url=given["url"],
    username=given["username"], password_encrypted=encrypt(given["password"]))
entries = Notification.objects.filter(kind="calendar_entry")
deadline = time.monotonic() + 120
for index, start in enumerate(given["starts"]):
    request = BookingRequest(start=datetime.fromisoformat(start), name="Client", email=f"c{index}@example.org",
        channel="email", message="Ich möchte gern über meinen nächsten beruflichen Schritt sprechen.",
        privacy_consent=True)
    booking = booking_create(appointment_type=kind, request=request)
    # One at a time: the latency of a booking, not of a queue (a calendar server stores its
    # events one after another; a flood would measure the wait behind the others).
    while entries.filter(booking=booking).exclude(status="sent").exists() and time.monotonic() < deadline:
        time.sleep(0.005)
rows = entries.filter(status="sent").values_list("sent_at", "booking__created_at")
print(json.dumps([(sent - created).total_seconds() * 1000 for sent, created in rows]))
"""


def event(uid: str) -> bytes:
    """An event about the size of a booking's (with its description)."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Sprechzeit bench//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20300506T080000Z\r\nDTEND:20300506T083000Z\r\n"
        f"SUMMARY:Talk: Client\r\nDESCRIPTION:{'Ich möchte gern über meinen nächsten Schritt sprechen. ' * 4}\r\n"
        "STATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def bare_puts(server: Radicale, puts: int) -> list[float]:
    """Milliseconds of each bare PUT (created with If-None-Match, as the app creates)."""
    server.calendar_new()
    latencies = []
    for index in range(puts):
        began = clock.perf_counter()
        response = httpx.put(
            f"{server.calendar_url}ceiling-{index}.ics",
            content=event(f"ceiling-{index}@bench"),
            headers={"If-None-Match": "*", "Content-Type": "text/calendar; charset=utf-8"},
            auth=server.auth,
            timeout=10,
        )
        latencies.append((clock.perf_counter() - began) * 1000)
        response.raise_for_status()
    return latencies


def caldav_env(database_url: str, **overrides: str) -> dict[str, str]:
    """The bench's environment, with a key for the stored password and loopback allowed."""
    return server_env(
        database_url,
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        CALENDAR_IMPORT_ALLOW_PRIVATE="true",  # Radicale listens on loopback
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        **overrides,
    )


def measure(env: dict[str, str], starts: list[str], *, puts: int = CEILING_PUTS) -> dict:
    """The figure and its ceiling on the database of `env` (prepared by bench.booking.prepare),
    one booking per start, against a Radicale of its own."""
    (BASE_DIR / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="radicale-", dir=BASE_DIR / "var") as folder:
        server = Radicale(Path(folder))
        server.start()
        try:
            server.calendar_new()
            given = {"url": server.calendar_url, "username": server.username, "password": server.password}
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
            try:
                latencies = latencies_from_script(SCRIPT, {**given, "starts": starts}, env)
            finally:
                worker.terminate()
                worker.wait(timeout=30)
            events = len(server.events())  # nothing twice, nothing lost
            ceiling = bare_puts(server, puts)
        finally:
            server.stop()
    figure_p95 = p95(latencies) if latencies else float("nan")
    return {
        "bookings": len(starts),
        "sent": len(latencies),
        "events": events,
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": figure_p95,
        "ceiling_p50_ms": statistics.median(ceiling),
        "ceiling_p95_ms": p95(ceiling),
        "ratio": figure_p95 / p95(ceiling),
    }


def bench_caldav() -> dict | None:
    """On a fresh bench database; None when no PostgreSQL answers."""
    database_url = bench_database_url()
    if database_url is None:
        return None
    env = caldav_env(database_url)
    return measure(env, prepare(env)[:BOOKINGS])


if __name__ == "__main__":
    start = clock.perf_counter()
    print(bench_caldav(), f"{clock.perf_counter() - start:.0f}s")
