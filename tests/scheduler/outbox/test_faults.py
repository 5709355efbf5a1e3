"""Faults with real processes: a worker killed in the middle of a send, and a broker
that is down when the booking is made. Nothing is lost and nothing is sent twice: a send
whose outcome nobody knows waits for the coach's "send again"."""

import os
import shutil
import signal
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.db import transaction

from config.celery import app as celery_app
from scheduler.models import Notification
from scheduler.outbox.write import notification_retry
from scheduler.services.booking import booking_create
from scheduler.services.booking_request import BookingRequest
from tests.helpers import BASE_DIR, database_url, free_port, wait_for
from tests.scheduler.outbox.helpers import FakeGateway, sweep_later, talk_a_week_ahead

pytestmark = [pytest.mark.redis, pytest.mark.worker]


@pytest.fixture(autouse=True)
def on_redis():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL=redis://… (make test-services)")
    celery_app.control.purge()  # messages other tests queued and nobody consumed


@pytest.fixture
def gateway():
    server = FakeGateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.hold.clear()
    server.shutdown()


@pytest.fixture
def kind(transactional_db):
    return talk_a_week_ahead()


def test_worker_killed_in_the_middle_of_a_send(kind, gateway, start_worker, tmp_path):
    threema_env = {
        "THREEMA_GATEWAY_ID": "*SPRECHZ",
        "THREEMA_GATEWAY_SECRET": "s3cret",
        "THREEMA_API_URL": f"http://127.0.0.1:{gateway.server_address[1]}",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
    }
    gateway.hold.set()
    first = start_worker(**threema_env)
    request = BookingRequest(
        start=kind.start,
        name="Eva",
        email="eva@example.org",
        channel="threema",
        threema_id="ABCD1234",
        message="Ich möchte über meinen nächsten Schritt sprechen.",
        privacy_consent=True,
    )
    booking = booking_create(appointment_type=kind, request=request)
    row = booking.notifications.get(kind=Notification.Kind.CONFIRMED)

    assert gateway.arrived.wait(60), first.log_path.read_text()
    os.kill(first.pid, signal.SIGKILL)  # mid-send: the gateway holds the request
    first.wait(10)
    row.refresh_from_db()
    assert row.status == Notification.Status.SENDING
    gateway.hold.clear()

    start_worker(**threema_env)
    sweep_later({**os.environ, "DATABASE_URL": database_url(), **threema_env}, minutes=6)  # past SENDING_TIMEOUT
    # Whether the Gateway had it is unknown (it offers no idempotency key): not sent again by itself.
    row.refresh_from_db()
    assert row.status == Notification.Status.UNKNOWN and row.last_error  # in the coach's language

    with transaction.atomic():
        notification_retry(notification=row)  # the coach's "send again", queued for the worker

    def sent():
        row.refresh_from_db()
        return row.status == Notification.Status.SENT

    wait_for(sent, timeout=60, what="the second worker to send the message")
    assert len(gateway.delivered) == 1
    assert row.attempts == 1 and row.provider_message_id == "0123456789abcdef"


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_broker_down_at_booking_time(kind, start_worker, tmp_path):
    """The booking is made in a process whose broker is down: it is saved, and its
    messages go out once the broker is back and the sweeper runs."""
    port = free_port()
    broker_env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    book = (
        "import django; django.setup(); from datetime import datetime;"
        "from scheduler.services.booking import booking_create;"
        "from scheduler.services.booking_request import BookingRequest;"
        "from scheduler.models import AppointmentType;"
        "kind = AppointmentType.objects.get(slug='talk');"
        f"request = BookingRequest(start=datetime.fromisoformat('{kind.start.isoformat()}'), name='Eva',"
        "email='eva@example.org', channel='email', message='Ich möchte über meinen nächsten Schritt sprechen.',"
        "privacy_consent=True);"
        "print(booking_create(appointment_type=kind, request=request).token)"
    )
    made = subprocess.run(
        [sys.executable, "-c", book], cwd=BASE_DIR, env=broker_env, capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
    assert "could not queue" in made.stderr  # the broker was down; nothing was raised to the client
    assert Notification.objects.filter(status=Notification.Status.PENDING).count() == 2

    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        start_worker(**{k: broker_env[k] for k in ("REDIS_URL", "EMAIL_BACKEND", "EMAIL_FILE_PATH")})
        sweep_later(broker_env, minutes=3)  # past REDISPATCH_AFTER
        wait_for(
            lambda: Notification.objects.filter(status=Notification.Status.SENT).count() == 2,
            timeout=60,
            what="both messages sent after the broker came back",
        )
        assert len(list((tmp_path / "mail").iterdir())) == 2  # each message written once
    finally:
        redis.terminate()
        redis.wait(10)
