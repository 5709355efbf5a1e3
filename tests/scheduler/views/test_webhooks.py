"""Provider callbacks: accepted only with a valid signature, and they update the message log."""

import hashlib
import hmac
import json
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from nacl.public import PrivateKey

from scheduler.channels import threema
from scheduler.models import Notification
from tests.factories import BookingFactory
from tests.helpers import BERLIN
from tests.scheduler.callbacks import GATEWAY_SECRET, threema_form

pytestmark = pytest.mark.django_db
APP_SECRET = "app-secret-for-tests"


@pytest.fixture
def sent(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = "verify-me"
    settings.THREEMA_GATEWAY_SECRET = GATEWAY_SECRET
    booking = BookingFactory(start=datetime(2030, 1, 7, 9, tzinfo=BERLIN))

    def make(channel, provider_id):
        return Notification.objects.create(
            booking=booking,
            kind=Notification.Kind.CONFIRMED,
            channel=channel,
            recipient="x",
            status=Notification.Status.SENT,
            provider_message_id=provider_id,
            scheduled_for=booking.start - timedelta(days=1),
        )

    return make


def whatsapp_post(client, payload, secret=APP_SECRET, signature=None):
    body = json.dumps(payload).encode()
    signature = signature or "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/hooks/whatsapp", body, content_type="application/json", headers={"x-hub-signature-256": signature}
    )


def statuses(message_id, status, errors=None):
    entry = {"id": message_id, "status": status, "timestamp": "1700000000", "recipient_id": "491701234567"}
    if errors:
        entry["errors"] = errors
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {"statuses": [entry]}}]}],
    }


def test_whatsapp_subscription_check(client, sent):
    params = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "12345"}
    assert client.get("/hooks/whatsapp", params).content == b"12345"
    assert client.get("/hooks/whatsapp", {**params, "hub.verify_token": "wrong"}).status_code == 403


def test_whatsapp_status_updates_the_message(client, sent):
    row = sent("whatsapp", "wamid.ABC")
    assert whatsapp_post(client, statuses("wamid.ABC", "delivered")).status_code == 200
    row.refresh_from_db()
    assert row.delivery_status == "delivered" and row.status == Notification.Status.SENT


def test_whatsapp_failure_fails_the_message_and_alerts_the_coach(client, sent):
    row = sent("whatsapp", "wamid.XYZ")
    errors = [{"code": 131026, "title": "Message undeliverable"}]
    assert whatsapp_post(client, statuses("wamid.XYZ", "failed", errors)).status_code == 200
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED and "undeliverable" in row.last_error
    assert Notification.objects.filter(kind=Notification.Kind.COACH_DELIVERY_FAILED).count() == 1


@pytest.mark.parametrize("how", ["wrong secret", "forged", "missing"])
def test_whatsapp_unsigned_posts_are_refused(client, sent, how):
    row = sent("whatsapp", "wamid.ABC")
    payload = statuses("wamid.ABC", "read")
    if how == "wrong secret":
        response = whatsapp_post(client, payload, secret="guess")
    elif how == "forged":
        response = whatsapp_post(client, payload, signature="sha256=" + "0" * 64)
    else:
        response = client.post("/hooks/whatsapp", json.dumps(payload), content_type="application/json")
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.delivery_status == ""


def test_threema_delivery_receipt_updates_the_message(client, sent, settings):
    ours, sender = PrivateKey.generate(), PrivateKey.generate()
    settings.THREEMA_PRIVATE_KEY = bytes(ours).hex()
    cache.set("threema:pubkey:ECHOECHO", bytes(sender.public_key).hex())
    row = sent("threema", "a1b2c3d4e5f60718")
    receipt = bytes([threema.MESSAGE_TYPE_DELIVERY_RECEIPT, threema.RECEIPT_READ]) + bytes.fromhex("a1b2c3d4e5f60718")
    response = client.post("/hooks/threema", threema_form(ours.public_key, sender, receipt))
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.delivery_status == "read"


def test_threema_callback_with_a_wrong_mac_is_refused(client, sent, settings):
    ours, sender = PrivateKey.generate(), PrivateKey.generate()
    settings.THREEMA_PRIVATE_KEY = bytes(ours).hex()
    row = sent("threema", "a1b2c3d4e5f60718")
    receipt = bytes([threema.MESSAGE_TYPE_DELIVERY_RECEIPT, threema.RECEIPT_READ]) + bytes.fromhex("a1b2c3d4e5f60718")
    form = threema_form(ours.public_key, sender, receipt, secret="not-the-secret")
    assert client.post("/hooks/threema", form).status_code == 403
    row.refresh_from_db()
    assert row.delivery_status == ""


def test_webhooks_need_no_csrf_token_but_a_signature(sent, client):
    csrf_client = type(client)(enforce_csrf_checks=True)
    assert whatsapp_post(csrf_client, statuses("none", "read")).status_code == 200
