"""Provider callbacks: accepted only with a valid signature; they update the message log, and
the messages people send to a coach are kept and answered (through fake provider servers)."""

import hashlib
import hmac
import json
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from nacl.public import Box, PrivateKey

from scheduler.channels import threema
from scheduler.models import InboundMessage, Notification
from tests.factories import BookingFactory, ClientFactory, CoachFactory
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


# --- Messages people send to the coach, answered through fake Gateway and Graph API servers ---

PHONE_NUMBER_ID = "106540352242922"
GRAPH_PATH = f"/v21.0/{PHONE_NUMBER_ID}/messages"
POLICY_DE, POLICY_EN = "Ich nehme keine Anrufe ohne Termin an.", "I take no calls without an appointment."


@pytest.fixture
def anna(db):
    return CoachFactory(
        slug="anna", threema_id="*SPRECHZ", whatsapp_number="+4930123456", policy=POLICY_DE, policy_en=POLICY_EN
    )


@pytest.fixture
def providers(settings, httpserver, memory_backends, send_at_once):
    """Both providers are fake servers on loopback (the Gateway in end-to-end mode, the Graph
    API), a queued task runs at once; the sender ECHOECHO's key pair is known."""
    ours, sender = PrivateKey.generate(), PrivateKey.generate()
    settings.CHANNEL_BACKENDS = {
        **settings.CHANNEL_BACKENDS,
        "threema": "scheduler.channels.threema.GatewayBackend",
        "whatsapp": "scheduler.channels.whatsapp.CloudApiBackend",
    }
    settings.THREEMA_API_URL = httpserver.url_for("/threema").rstrip("/")
    settings.THREEMA_GATEWAY_ID, settings.THREEMA_GATEWAY_SECRET = "*SPRECHZ", GATEWAY_SECRET
    settings.THREEMA_PRIVATE_KEY = "private:" + bytes(ours).hex()
    settings.WHATSAPP_API_URL = httpserver.url_for("/v21.0")
    settings.WHATSAPP_TOKEN, settings.WHATSAPP_PHONE_NUMBER_ID = "EAAtoken", PHONE_NUMBER_ID
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.SITE_URL = "https://sprechzeit.example.org"
    for threema_id in ("ECHOECHO", "OTHERONE", "*OTHERGW"):
        cache.set(f"threema:pubkey:{threema_id}", bytes(sender.public_key).hex())
    httpserver.expect_request("/threema/send_e2e", method="POST").respond_with_data("0123456789abcdef")
    httpserver.expect_request(GRAPH_PATH, method="POST").respond_with_json({"messages": [{"id": "wamid.ANSWER"}]})
    return {"server": httpserver, "ours": ours, "sender": sender}


def threema_text(providers, text, *, sender="ECHOECHO", message_id="a1b2c3d4e5f60718", secret=GATEWAY_SECRET):
    form = threema_form(providers["ours"].public_key, providers["sender"], b"\x01" + text.encode(), secret=secret)
    form.update({"from": sender, "messageId": message_id})
    form["mac"] = hmac.new(
        secret.encode(), "".join(form[k] for k in threema.CALLBACK_MAC_FIELDS).encode(), hashlib.sha256
    ).hexdigest()
    return form


def post_threema(client, form, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/hooks/threema", form)


def threema_answers(providers) -> list[str]:
    """The texts the fake Gateway received, decrypted as their recipient does."""
    texts = []
    for request, _response in providers["server"].log:
        if request.path == "/threema/send_e2e":
            form = {key: value for key, value in request.form.items()}
            box = Box(providers["sender"], providers["ours"].public_key)
            plain = threema.unpad(box.decrypt(bytes.fromhex(form["box"]), bytes.fromhex(form["nonce"])))
            assert plain[0] == threema.MESSAGE_TYPE_TEXT
            texts.append((form["to"], plain[1:].decode()))
    return texts


def graph_requests(providers) -> list[dict]:
    return [json.loads(r.get_data()) for r, _response in providers["server"].log if r.path == GRAPH_PATH]


def test_a_threema_message_is_kept_and_answered_once_in_the_senders_language(
    client, anna, providers, django_capture_on_commit_callbacks
):
    ClientFactory(coach=anna, threema_id="ECHOECHO", language="en")
    ClientFactory(coach=anna, threema_id="OTHERONE", language="de")

    first = threema_text(providers, "Hello, can we talk?")
    assert post_threema(client, first, django_capture_on_commit_callbacks).status_code == 200
    # The Gateway delivers the same callback again, and the sender writes once more.
    post_threema(client, first, django_capture_on_commit_callbacks)
    post_threema(
        client, threema_text(providers, "Hello?", message_id="b1b2c3d4e5f60718"), django_capture_on_commit_callbacks
    )
    post_threema(
        client,
        threema_text(providers, "Guten Tag!", sender="OTHERONE", message_id="c1b2c3d4e5f60718"),
        django_capture_on_commit_callbacks,
    )

    assert InboundMessage.objects.filter(coach=anna).count() == 3
    [(to, english), (to_german, german)] = threema_answers(providers)
    assert (to, to_german) == ("ECHOECHO", "OTHERONE")
    assert POLICY_EN in english and POLICY_DE not in english
    assert "automatic answer" in english and "https://sprechzeit.example.org/anna/" in english
    assert POLICY_DE in german and POLICY_EN not in german
    assert Notification.objects.filter(kind=Notification.Kind.CONTACT_ANSWER, status="sent").count() == 2


def test_a_message_from_another_gateway_is_kept_but_not_answered(
    client, anna, providers, django_capture_on_commit_callbacks
):
    form = threema_text(providers, "Ihre Bestellung ist unterwegs.", sender="*OTHERGW")
    assert post_threema(client, form, django_capture_on_commit_callbacks).status_code == 200
    assert InboundMessage.objects.get().automatic is True
    assert threema_answers(providers) == []


def test_a_threema_reply_about_a_booking_is_attached_and_not_answered(
    client, anna, providers, django_capture_on_commit_callbacks
):
    booking = BookingFactory(
        appointment_type__coach=anna,
        client__threema_id="ECHOECHO",
        channel="threema",
        start=timezone.now() + timedelta(days=2),
    )
    post_threema(client, threema_text(providers, "I will be late"), django_capture_on_commit_callbacks)
    assert InboundMessage.objects.get().booking == booking
    assert threema_answers(providers) == []


def test_a_threema_message_with_a_wrong_mac_is_refused_and_not_kept(
    client, anna, providers, django_capture_on_commit_callbacks
):
    form = threema_text(providers, "Hello", secret="not-the-secret")
    assert post_threema(client, form, django_capture_on_commit_callbacks).status_code == 403
    assert InboundMessage.objects.count() == 0 and threema_answers(providers) == []


def wa_message(text, *, sender="4915112345678", message_id="wamid.IN1", sent=None, **extra):
    sent = sent or timezone.now()
    return {
        "from": sender,
        "id": message_id,
        "timestamp": str(int(sent.timestamp())),
        "type": "text",
        "text": {"body": text},
        **extra,
    }


def wa_payload(*messages):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "4930123456", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Eva"}, "wa_id": "4915112345678"}],
        "messages": list(messages),
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


def post_whatsapp(client, payload, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return whatsapp_post(client, payload, **kwargs)


def test_a_whatsapp_message_is_answered_once_in_free_text(client, anna, providers, django_capture_on_commit_callbacks):
    assert (
        post_whatsapp(client, wa_payload(wa_message("Hallo!")), django_capture_on_commit_callbacks).status_code == 200
    )
    post_whatsapp(
        client, wa_payload(wa_message("Noch da?", message_id="wamid.IN2")), django_capture_on_commit_callbacks
    )

    kept = InboundMessage.objects.order_by("pk")
    assert [(m.sender, m.sender_name, m.language) for m in kept] == [("+4915112345678", "Eva", "de")] * 2
    [answer] = graph_requests(providers)
    assert (answer["type"], answer["to"]) == ("text", "4915112345678")
    # A German number: the coach's German policy.
    assert POLICY_DE in answer["text"]["body"] and "https://sprechzeit.example.org/anna/" in answer["text"]["body"]
    row = Notification.objects.get(kind=Notification.Kind.CONTACT_ANSWER)
    assert (row.status, row.provider_message_id) == ("sent", "wamid.ANSWER")


def test_a_whatsapp_answer_after_24_hours_is_not_sent(client, anna, providers, django_capture_on_commit_callbacks):
    # Meta delivers the webhook a day late (it tries again for days).
    late = wa_message("Hallo!", sent=timezone.now() - timedelta(hours=25))
    post_whatsapp(client, wa_payload(late), django_capture_on_commit_callbacks)

    assert InboundMessage.objects.count() == 1
    assert graph_requests(providers) == []
    row = Notification.objects.get(kind=Notification.Kind.CONTACT_ANSWER)
    assert row.status == Notification.Status.OBSOLETE and "24" in row.last_error  # in the coach's language


def test_whatsapps_system_messages_are_not_answered(client, anna, providers, django_capture_on_commit_callbacks):
    system = {"from": "4915112345678", "id": "wamid.SYS", "type": "system", "system": {"body": "changed number"}}
    away = wa_message("Automatische Antwort: Ich bin im Urlaub.", message_id="wamid.AWAY", sender="4917000000000")
    post_whatsapp(client, wa_payload(system, away), django_capture_on_commit_callbacks)
    assert [m.automatic for m in InboundMessage.objects.all()] == [True, True]
    assert graph_requests(providers) == []


def test_a_whatsapp_reply_to_a_bookings_message_is_attached(
    client, anna, providers, django_capture_on_commit_callbacks
):
    booking = BookingFactory(appointment_type__coach=anna, channel="whatsapp", start=timezone.now() + timedelta(days=1))
    Notification.objects.create(
        booking=booking, kind="confirmed", channel="whatsapp", recipient="+4915199999999", provider_message_id="wamid.C"
    )
    reply = wa_message("Passt!", context={"from": "4930123456", "id": "wamid.C"})
    post_whatsapp(client, wa_payload(reply), django_capture_on_commit_callbacks)
    assert InboundMessage.objects.get().booking == booking
    assert graph_requests(providers) == []


@pytest.mark.parametrize("secret", ["guess", None])
def test_a_whatsapp_message_without_a_valid_signature_is_refused_and_not_kept(
    client, anna, providers, django_capture_on_commit_callbacks, secret
):
    payload = wa_payload(wa_message("Hallo!"))
    if secret is None:
        response = client.post("/hooks/whatsapp", json.dumps(payload), content_type="application/json")
    else:
        response = post_whatsapp(client, payload, django_capture_on_commit_callbacks, secret=secret)
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0 and graph_requests(providers) == []


def test_a_payload_that_is_no_object_is_a_bad_request(client, sent):
    assert whatsapp_post(client, ["not", "an", "object"]).status_code == 400
