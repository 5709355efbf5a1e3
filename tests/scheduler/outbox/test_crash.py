"""At most once, also across a crash (issue 14, item 3).

The reproduction: a worker was killed after the mail server had accepted a message and
before the row was marked sent; the sweeper put the row back and it was sent a second time
five minutes later. Now the row's outcome is unknown: it is not sent again by itself, the
coach sees "may not have arrived" and can send it again — with the same Message-ID."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone

from scheduler.channels.base import Backend, DeliveryError
from scheduler.models import Notification
from scheduler.outbox.send import notification_send, notifications_sweep
from scheduler.outbox.write import notification_retry
from tests.helpers import BASE_DIR, database_url, free_port
from tests.scheduler.outbox.helpers import NOW, Sink, book, parse

Kind, Status = Notification.Kind, Notification.Status


class HoldingSink(Sink):
    """Accepts the message (250 to DATA), then keeps the client waiting for its QUIT while
    `hold` is set: the message is the server's, and the sender has not learnt it yet."""

    def __init__(self):
        super().__init__()
        self.hold = threading.Event()
        self.quitting = threading.Event()

    def to(self, address: str) -> list:
        return [envelope for envelope in self.envelopes if envelope.rcpt_tos == [address]]

    async def handle_QUIT(self, server, session, envelope):
        self.quitting.set()
        while self.hold.is_set():
            await asyncio.sleep(0.05)
        return "221 Bye"


@pytest.fixture
def holding_sink(settings):
    sink = HoldingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Sprechzeit <noreply@sprechzeit.test>"
    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "email": "scheduler.channels.email.EmailBackend"}
    sink.env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
        "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
        "EMAIL_CHANNEL_BACKEND": "scheduler.channels.email.EmailBackend",
    }
    yield sink
    sink.hold.clear()
    controller.stop()


def worker_sends(env: dict, notification_id: int) -> subprocess.Popen:
    """A worker process that sends one notification (what `send_notifications` does)."""
    code = (
        "import django; django.setup(); from scheduler.outbox.send import notification_send;"
        f"notification_send(notification_id={notification_id})"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=BASE_DIR, env=env)


@pytest.mark.worker
def test_a_worker_killed_after_the_server_accepted_the_message_sends_no_second_copy(
    transactional_db,
    kind,
    holding_sink,
    task_queue,
):
    task_queue.record()  # booked with the broker away
    booking = book(kind, language="en")
    row = booking.notifications.get(kind=Kind.CONFIRMED)
    Notification.objects.filter(pk=row.pk).update(scheduled_for=timezone.now() - timedelta(minutes=1))

    holding_sink.hold.set()
    worker = worker_sends(holding_sink.env, row.pk)
    try:
        assert holding_sink.quitting.wait(60), "the worker never reached the mail server"
        os.kill(worker.pid, signal.SIGKILL)  # accepted by the server, not yet marked sent
    finally:
        worker.wait(10)
    holding_sink.hold.clear()
    row.refresh_from_db()
    assert row.status == Status.SENDING and len(holding_sink.to("eva@example.org")) == 1

    # The beat's sweeper, past SENDING_TIMEOUT, with a worker ready to send what it queues.
    task_queue.send_at_once()
    notifications_sweep(now=timezone.now() + timedelta(minutes=6))

    assert len(holding_sink.to("eva@example.org")) == 1  # no second copy (the coach's message went out)
    assert len(holding_sink.to("coach@example.org")) == 1
    row.refresh_from_db()
    assert row.status == Status.UNKNOWN and "may not have arrived" in row.last_error
    first = parse(holding_sink.to("eva@example.org")[0].content)
    assert first["Message-ID"] == f"<{row.uuid}@sprechzeit.test>"

    # The coach decides: "send again" sends it, with the same Message-ID, so a mail client
    # that has the first copy can tell it is the same message.
    with transaction.atomic():
        notification_retry(notification=row)
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert [parse(e.content)["Message-ID"] for e in holding_sink.to("eva@example.org")] == [first["Message-ID"]] * 2


# --- The outcome of one attempt, in process -------------------------------------------------


class Uncertain(Backend):
    """A provider that may have the message: no answer came."""

    def send(self, message):
        raise DeliveryError("WhatsApp did not confirm the message (ReadTimeout); it may have arrived.", unknown=True)


class Slow(Backend):
    """A provider that answers so late that the sweeper has given the attempt up meanwhile;
    `then` is what it does at last (return an id, or raise)."""

    then = None

    def send(self, message):
        notifications_sweep(now=timezone.now() + timedelta(minutes=6))
        assert Notification.objects.get(pk=int(message.reference)).status == Status.UNKNOWN
        if isinstance(Slow.then, Exception):
            raise Slow.then
        return "wamid.LATE"


@pytest.fixture
def whatsapp_booking(kind, settings, dispatched):
    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "whatsapp": "tests.scheduler.outbox.test_crash.Uncertain"}
    return book(kind, channel="whatsapp", whatsapp="+491701234567")


@pytest.mark.django_db
def test_an_attempt_without_an_answer_is_unknown_and_not_repeated(
    whatsapp_booking, settings, send_at_once, django_capture_on_commit_callbacks
):
    row = whatsapp_booking.notifications.get(kind=Kind.CONFIRMED)
    assert notification_send(notification_id=row.pk, now=NOW) == "unknown"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.UNKNOWN, 1) and "may have arrived" in row.last_error
    notifications_sweep(now=NOW + timedelta(hours=1))
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.UNKNOWN, 1)  # the sweeper does not send it again
    assert not whatsapp_booking.notifications.filter(kind=Kind.COACH_DELIVERY_FAILED).exists()

    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "whatsapp": "scheduler.channels.base.MemoryBackend"}
    with django_capture_on_commit_callbacks(execute=True):
        notification_retry(notification=row)  # the coach's "send again"
    row.refresh_from_db()
    assert row.status == Status.SENT and row.last_error == ""


@pytest.mark.django_db
def test_a_late_success_after_the_row_was_marked_unknown_is_recorded_as_sent(whatsapp_booking, settings):
    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "whatsapp": "tests.scheduler.outbox.test_crash.Slow"}
    Slow.then = None
    row = whatsapp_booking.notifications.get(kind=Kind.CONFIRMED)
    Notification.objects.filter(pk=row.pk).update(scheduled_for=timezone.now() - timedelta(minutes=1))
    assert notification_send(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert (row.status, row.provider_message_id) == (Status.SENT, "wamid.LATE")  # true: it was sent


@pytest.mark.django_db
def test_a_late_failure_after_the_row_was_marked_unknown_is_known_again(whatsapp_booking, settings):
    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "whatsapp": "tests.scheduler.outbox.test_crash.Slow"}
    Slow.then = DeliveryError("WhatsApp has a temporary problem (HTTP 503).")
    row = whatsapp_booking.notifications.get(kind=Kind.CONFIRMED)
    Notification.objects.filter(pk=row.pk).update(scheduled_for=timezone.now() - timedelta(minutes=1))
    assert notification_send(notification_id=row.pk) == "retry"  # it did not go out: try again
    row.refresh_from_db()
    assert row.status == Status.PENDING and "503" in row.last_error


class CoachRetriesMeanwhile(Backend):
    """While this attempt waits, the sweeper gives it up, the coach sends the message again
    and a second attempt claims it; then this one fails late."""

    def send(self, message):
        row = Notification.objects.get(pk=int(message.reference))
        notifications_sweep(now=timezone.now() + timedelta(minutes=6))
        notification_retry(notification=row)
        Notification.objects.filter(pk=row.pk).update(status=Status.SENDING, claimed_at=timezone.now(), attempts=1)
        raise DeliveryError("WhatsApp has a temporary problem (HTTP 503).")


@pytest.mark.django_db
def test_a_late_answer_leaves_a_later_attempt_alone(whatsapp_booking, settings):
    settings.CHANNEL_BACKENDS = {
        **settings.CHANNEL_BACKENDS,
        "whatsapp": "tests.scheduler.outbox.test_crash.CoachRetriesMeanwhile",
    }
    row = whatsapp_booking.notifications.get(kind=Kind.CONFIRMED)
    Notification.objects.filter(pk=row.pk).update(scheduled_for=timezone.now() - timedelta(minutes=1))
    assert notification_send(notification_id=row.pk) == "skipped"
    row.refresh_from_db()
    assert row.status == Status.SENDING and "503" not in row.last_error  # the new attempt's row, untouched
