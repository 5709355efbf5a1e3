"""The Threema Gateway secret, our Threema private key and the WhatsApp token never reach
a log or a message's recorded error: messages go out through the real backends, the real
outbox and Celery's task tracer to fake providers on loopback, failing, retried, timing
out and finally sent, with every logger at DEBUG."""

import json
import logging
import re
import secrets
import socket
import threading
from collections import defaultdict, deque
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from nacl.public import PrivateKey
from werkzeug import Response

from scheduler import tasks
from scheduler.channels import threema, whatsapp
from scheduler.models import Notification
from scheduler.outbox.write import notification_retry
from tests.factories import BookingFactory, NotificationFactory

pytestmark = pytest.mark.django_db

THREEMA_SECRET = "threema-gw-secret-" + secrets.token_hex(8)
THREEMA_PRIVATE_KEY = bytes(PrivateKey.generate()).hex()
WHATSAPP_TOKEN = "EAAGwhatsapp" + secrets.token_hex(12)
SECRETS = (THREEMA_SECRET, THREEMA_PRIVATE_KEY, WHATSAPP_TOKEN)
CLIENT_ID = "ECHOECHO"
PHONE_NUMBER_ID = "106540352242922"
TIMEOUT = 0.3


class Script:
    """The fake providers: each path answers with its next scripted response, in order."""

    def __init__(self, server):
        self.answers = defaultdict(deque)
        self.waiting = []
        server.expect_request(re.compile(".*")).respond_with_handler(self)

    def add(self, path, *responses):
        self.answers[path].extend(responses)

    def __call__(self, request):
        return self.answers[request.path].popleft()()

    def slow(self):
        """No answer until the client gave up (the server answers one request at a time)."""
        answered = threading.Event()
        self.waiting.append(answered)
        answered.wait(timeout=2)  # bounded all the same
        return Response("too late")

    def release(self):
        for answered in self.waiting:
            answered.set()


def status(code, body=""):
    return lambda: Response(body, status=code)


def json_response(code, body):
    return lambda: Response(json.dumps(body), status=code, content_type="application/json")


@pytest.fixture
def providers(settings, httpserver, monkeypatch, dispatched):
    settings.THREEMA_API_URL = httpserver.url_for("/threema").rstrip("/")
    settings.THREEMA_GATEWAY_ID = "*SPRECHZ"
    settings.THREEMA_GATEWAY_SECRET = THREEMA_SECRET
    settings.THREEMA_PRIVATE_KEY = "private:" + THREEMA_PRIVATE_KEY  # end-to-end: the key lookup runs
    settings.WHATSAPP_API_URL = httpserver.url_for("/v21.0")
    settings.WHATSAPP_TOKEN = WHATSAPP_TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.CHANNEL_BACKENDS = {
        **settings.CHANNEL_BACKENDS,
        "threema": "scheduler.channels.threema.GatewayBackend",
        "whatsapp": "scheduler.channels.whatsapp.CloudApiBackend",
    }
    monkeypatch.setattr(threema.GatewayBackend, "timeout", TIMEOUT)
    monkeypatch.setattr(whatsapp.CloudApiBackend, "timeout", TIMEOUT)
    # Retries are queued with a countdown (`dispatched` keeps them); here the test runs each next attempt itself.
    cache.clear()
    script = Script(httpserver)
    yield script
    script.release()
    cache.clear()


@pytest.fixture
def every_log(caplog):
    """Every record of every logger, at DEBUG. The fake server's own request log is off:
    it is the provider's side, and it prints the query string we sent."""
    # First: set_level sets the capturing handler's level too, and the last call must be DEBUG.
    caplog.set_level(logging.CRITICAL, logger="werkzeug")
    for name in ("celery", "httpx", "httpcore", "sprechzeit", "django"):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG)
    return caplog


def notification(channel, recipient):
    booking = BookingFactory(start=timezone.now() + timedelta(days=5), channel=channel)
    return NotificationFactory(booking=booking, channel=channel, recipient=recipient)


def attempt(pk, providers) -> str:
    """One run of the task through Celery's tracer (eagerly, in this process), due now."""
    Notification.objects.filter(pk=pk).update(scheduled_for=timezone.now())
    result = tasks.send_notification.apply(args=(pk,))
    providers.release()
    if result.successful() and result.result == "unknown":
        # A send that timed out may have arrived: it waits for the coach's "send again".
        notification_retry(notification=Notification.objects.get(pk=pk))
    return result.result if result.successful() else f"raised {type(result.result).__name__}"


def closed_port_url(path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}{path}"


def test_no_secret_in_any_log_or_recorded_error(providers, every_log, capfd, settings):
    pubkey, send_e2e = f"/threema/pubkeys/{CLIENT_ID}", "/threema/send_e2e"
    graph = f"/v21.0/{PHONE_NUMBER_ID}/messages"
    their_key = bytes(PrivateKey.generate().public_key).hex()
    gzip_header = {"Content-Encoding": "gzip"}

    # Threema: the key lookup fails, answers garbage, then a body that cannot be decoded (the
    # httpx exception holds the request, secret and all), then works; the send times out,
    # fails, and goes out.
    threema_message = notification("threema", CLIENT_ID)
    providers.add(
        pubkey, status(500), lambda: Response("not a key"), lambda: Response(b"this is not gzip", headers=gzip_header)
    )
    providers.add(pubkey, lambda: Response(their_key))
    providers.add(send_e2e, providers.slow, status(500), lambda: Response("0a1b2c3d4e5f6071"))
    threema_outcomes = [attempt(threema_message.pk, providers) for _ in range(6)]
    # Refused credentials: a permanent failure, recorded for the coach.
    refused = notification("threema", CLIENT_ID)
    providers.add(send_e2e, status(401))
    threema_outcomes.append(attempt(refused.pk, providers))

    # WhatsApp: unreachable, a server error, a timeout, an error that echoes the token, sent.
    whatsapp_message = notification("whatsapp", "+4915112345678")
    working_url, settings.WHATSAPP_API_URL = settings.WHATSAPP_API_URL, closed_port_url("/v21.0")
    whatsapp_outcomes = [attempt(whatsapp_message.pk, providers)]
    settings.WHATSAPP_API_URL = working_url
    echo = {"error": {"message": f"Invalid OAuth access token - {WHATSAPP_TOKEN}", "code": 100}}
    providers.add(graph, status(500), providers.slow, json_response(400, echo))
    whatsapp_outcomes += [attempt(whatsapp_message.pk, providers) for _ in range(3)]
    sent = notification("whatsapp", "+4915112345678")
    providers.add(graph, json_response(200, {"messages": [{"id": "wamid.1"}]}))
    whatsapp_outcomes.append(attempt(sent.pk, providers))

    assert threema_outcomes == ["retry", "retry", "retry", "unknown", "retry", "sent", "failed"]
    assert whatsapp_outcomes == ["retry", "retry", "unknown", "failed", "sent"]

    # Every line any logger wrote, with tracebacks, and everything printed.
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    logged = "\n".join(formatter.format(record) for record in every_log.records)
    printed = "".join(capfd.readouterr())
    assert "/pubkeys/ECHOECHO" in logged  # the lookup was logged (with the secret cut out) ...
    assert "failed: DecodingError" in logged  # ... and the undecodable answer
    assert "whatsapp: request for" in logged
    errors = list(Notification.objects.exclude(last_error="").values_list("last_error", flat=True))
    assert any("credentials" in error for error in errors) and any("[redacted]" in error for error in errors)
    for secret in SECRETS:
        assert secret not in logged
        assert secret not in printed
        assert not any(secret in error for error in errors)
