"""What the outbox's tests share: one booking on a fixed Monday, sending a row when it is due,
and stand-ins for the other side of a channel (a scripted backend, an SMTP server's handler,
a Threema Gateway)."""

import email
import email.policy
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scheduler.channels.base import Backend
from scheduler.models import Notification
from scheduler.outbox.send import notification_send
from scheduler.services.booking import booking_create
from scheduler.services.booking_request import BookingRequest
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BASE_DIR, BERLIN

MONDAY = date(2026, 6, 1)
NOW = datetime(2026, 5, 20, 12, tzinfo=BERLIN)


def book(kind, **changes):
    request = BookingRequest(
        start=datetime.combine(MONDAY, time(9), tzinfo=BERLIN),
        name="Eva Muster",
        email="eva@example.org",
        channel="email",
        message="Ich möchte über meinen nächsten beruflichen Schritt sprechen.",
        language="de",
        privacy_consent=True,
    )
    return booking_create(appointment_type=kind, request=replace(request, **changes), now=NOW)


def talk_a_week_ahead():
    """Anna's type "talk" without reminders; its `start` is 10:00 a week ahead, free."""
    coach = CoachFactory(slug="anna", user__email="anna@example.org")
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(12))
    kind = AppointmentTypeFactory(coach=coach, slug="talk", reminders=[])
    kind.start = datetime.combine(day, time(10), tzinfo=BERLIN)
    return kind


def send(row: Notification) -> str:
    row.refresh_from_db()
    return notification_send(notification_id=row.pk, now=max(NOW, row.scheduled_for))


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


class ScriptedBackend(Backend):
    """Fails as told by `script` (a list of DeliveryError or None), then succeeds. A test
    names it in CHANNEL_BACKENDS as "tests.scheduler.outbox.helpers.ScriptedBackend"."""

    script: list = []
    sent: list = []

    def send(self, message):
        outcome = ScriptedBackend.script.pop(0) if ScriptedBackend.script else None
        if outcome is not None:
            raise outcome
        ScriptedBackend.sent.append(message)
        return f"id-{len(ScriptedBackend.sent)}"


class Sink:
    """An aiosmtpd handler that keeps what it receives and can refuse on command."""

    def __init__(self):
        self.envelopes = []
        self.rcpt_reply = None  # e.g. "550 No such user"
        self.data_reply = None
        # Keep the message, then drop the connection instead of answering (a crash, a network cut).
        self.drop_after_data = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        if self.drop_after_data:
            server.transport.close()
        return "250 Message accepted for delivery"


class FakeGateway(ThreadingHTTPServer):
    """Threema Gateway stand-in. While `hold` is set it keeps requests waiting; a
    message counts as delivered only when its sender was still there for the answer
    (a sender killed mid-request never learns the id, so it will send again)."""

    def __init__(self):
        self.hold = threading.Event()
        self.arrived = threading.Event()
        self.delivered = []
        super().__init__(("127.0.0.1", 0), GatewayHandler)


class GatewayHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.arrived.set()
        while self.server.hold.is_set():
            # The sender's socket turning readable with no data means it went away.
            self.connection.settimeout(0.1)
            try:
                if self.connection.recv(1, socket.MSG_PEEK) == b"":
                    return
            except TimeoutError:
                continue
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"0123456789abcdef")
        self.server.delivered.append(body)

    def log_message(self, *args):
        pass


def sweep_later(env: dict, minutes: int) -> None:
    """Run the beat's sweeper in its own process, as if `minutes` had passed."""
    code = (
        "import django; django.setup(); from datetime import timedelta; from django.utils import timezone;"
        "from scheduler.outbox.send import notifications_sweep;"
        f"notifications_sweep(now=timezone.now() + timedelta(minutes={minutes}))"
    )
    subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, check=True, timeout=60)
