"""More than one machine, on loopback: two web instances and two workers share one
PostgreSQL and one Redis.

Two gunicorn instances (config/gunicorn.py, two sync workers each, separate processes on
their own ports) and two Celery worker processes run against the test database and the
broker. Forty clients book at the same moment through both instances, most of them racing
for overlapping times. Every answer is 201 or 409, no two active bookings overlap, and every
message goes out exactly once, also when each task is delivered twice more.
"""

import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, time, timedelta
from itertools import pairwise

import httpx
import pytest
from django.conf import settings
from django.db import connection

from scheduler.models import Booking, Notification
from scheduler.tasks import send_notifications
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BASE_DIR, BERLIN, database_url, free_port, run_together, stop_processes, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

CLIENTS = 40
# Eight starts a quarter of an hour apart for 30-minute appointments: neighbours overlap.
STARTS = 8


@pytest.fixture
def services_env(transactional_db, tmp_path):
    """The environment every process gets: the test database, the broker, mail as files."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs DATABASE_URL=postgres://… and REDIS_URL=redis://…")
    return {
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "VAR_DIR": str(tmp_path / "var"),
        "DEBUG": "false",
        "LOG_FORMAT": "json",
        "BOOKING_RATE_LIMIT": "10000/m",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }


@pytest.fixture
def start_web(services_env, tmp_path):
    """Start a gunicorn instance on a free loopback port; `start_web()` returns its
    process (with `base_url` and `log_path`) once /healthz answers 200. All are stopped after."""
    processes = []
    # The test process's own mail settings stay out; services_env sets the file backend.
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("EMAIL_")}

    def start():
        port = free_port()
        log_path = tmp_path / f"web-{len(processes)}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"),
                    *("--bind", f"127.0.0.1:{port}", "--workers", "2", "config.wsgi"),
                ],
                cwd=BASE_DIR,
                env={**inherited, **services_env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process.base_url = f"http://127.0.0.1:{port}"
        process.log_path = log_path
        processes.append(process)
        return process

    yield start
    stop_processes(processes)


def healthy(process) -> bool:
    if process.poll() is not None:
        pytest.fail("gunicorn exited:\n" + process.log_path.read_text())
    try:
        response = httpx.get(process.base_url + "/healthz", timeout=5)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.json() == {"database": "ok", "broker": "ok"}


def test_two_web_instances_and_two_workers_book_and_send_exactly_once(services_env, start_web, start_worker, tmp_path):
    coach = CoachFactory(slug="multi")
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(13))
    # No reminders: every message of a booking is due at once.
    AppointmentTypeFactory(
        coach=coach, slug="talk", duration=timedelta(minutes=30), slot_step=timedelta(minutes=15), reminders=[]
    )
    workers = [start_worker(**services_env) for _ in range(2)]
    webs = [start_web() for _ in range(2)]
    for web in webs:
        wait_for(lambda web=web: healthy(web), timeout=30, what=f"gunicorn at {web.base_url}")

    starts = [datetime.combine(day, time(10), tzinfo=BERLIN) + timedelta(minutes=15 * i) for i in range(STARTS)]

    def book(index):
        body = {
            "type": "talk",
            "start": starts[index % STARTS].isoformat(),
            "name": f"Client {index}",
            "email": f"client{index}@example.org",
            "channel": "email",
            "language": "en",
            "message": "I would like to talk about my next step at work, please.",
            "privacy_consent": True,
        }
        response = httpx.post(f"{webs[index % 2].base_url}/api/coaches/multi/bookings", json=body, timeout=60)
        return response.status_code, response.json().get("token")

    answers = run_together(CLIENTS, book)
    statuses = Counter(status for status, _ in answers)
    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] >= 1

    active = list(Booking.objects.filter(coach=coach, status__in=Booking.ACTIVE_STATUSES).order_by("start"))
    assert {booking.token for booking in active} == {token for status, token in answers if status == 201}
    assert all(booking.status == Booking.Status.CONFIRMED for booking in active)
    for earlier, later in pairwise(active):
        assert earlier.blocked_end <= later.blocked_start, "two active bookings overlap"

    # Each message's task delivered twice more, as a broker redelivers after a lost ack:
    # the two workers race for the same rows.
    notifications = list(Notification.objects.filter(booking__coach=coach).values_list("pk", flat=True))
    assert len(notifications) == 2 * len(active)  # the client's confirmation, the coach's news
    for _ in range(2):
        send_notifications.delay(notifications)

    def all_sent():
        for worker in workers:
            if worker.poll() is not None:
                pytest.fail("a worker exited:\n" + worker.log_path.read_text())
        return not Notification.objects.filter(pk__in=notifications).exclude(status=Notification.Status.SENT).exists()

    wait_for(all_sent, timeout=30, what="every message sent")
    sent = Notification.objects.filter(pk__in=notifications)
    assert set(sent.values_list("attempts", flat=True)) == {1}  # claimed once each
    mail = b"".join(path.read_bytes() for path in (tmp_path / "mail").iterdir())
    message_ids = Counter(re.findall(rb"^Message-ID: <(\S+)>$", mail, re.MULTILINE))
    provider_ids = sent.values_list("provider_message_id", flat=True)
    assert message_ids == Counter(provider_id.encode() for provider_id in provider_ids)

    # Both instances logged JSON lines, among them an access line for each of their answers.
    for web in webs:
        lines = [json.loads(line) for line in web.log_path.read_text().splitlines()]
        access = [line for line in lines if line["logger"] == "gunicorn.access" and line["method"] == "POST"]
        assert len(access) == CLIENTS // 2 and {line["status"] for line in access} <= {201, 409}
