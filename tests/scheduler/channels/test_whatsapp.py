"""The WhatsApp Cloud API backend against a fake Graph API on loopback (pytest-httpserver)."""

import hashlib
import hmac
import json
import threading

import pytest
from werkzeug import Response

from scheduler.channels import whatsapp
from scheduler.channels.base import DeliveryError, Message

TOKEN = "EAAtoken-7c1d2e3f4a5b"
PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "app-secret-91b2"
PATH = f"/v21.0/{PHONE_NUMBER_ID}/messages"


@pytest.fixture
def graph(settings, httpserver):
    settings.WHATSAPP_API_URL = httpserver.url_for("/v21.0")
    settings.WHATSAPP_TOKEN = TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.WHATSAPP_TEMPLATES = {"confirmed": "booking_confirmed", "default": "booking_update"}
    return httpserver


def message(**overrides) -> Message:
    fields = {
        "recipient": "+4915112345678",
        "text": "Ihr Termin ist bestätigt.",
        "language": "de",
        "template": "booking_confirmed",
        "template_params": ("Anna", "Di., 3. März 2026, 10:00"),
        "reference": "42",
    }
    return Message(**{**fields, **overrides})


def ok(message_id="wamid.HBgLNDkxNTExMjM0NTY3OBUCABEYEjQ2"):
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "4915112345678", "wa_id": "4915112345678"}],
        "messages": [{"id": message_id}],
    }


def test_sends_a_template_message_and_returns_the_provider_id(graph):
    graph.expect_request(PATH, method="POST").respond_with_json(ok())

    provider_id = whatsapp.CloudApiBackend().send(message())

    assert provider_id == "wamid.HBgLNDkxNTExMjM0NTY3OBUCABEYEjQ2"
    [(request, _response)] = graph.log
    assert request.method == "POST"
    assert request.path == PATH
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.mimetype == "application/json"
    assert json.loads(request.get_data()) == {
        "messaging_product": "whatsapp",
        "to": "4915112345678",
        "type": "template",
        "template": {
            "name": "booking_confirmed",
            "language": {"code": "de"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Anna"},
                        {"type": "text", "text": "Di., 3. März 2026, 10:00"},
                    ],
                }
            ],
        },
    }


def test_default_template_english_and_a_notification_kind(graph, settings):
    graph.expect_request(PATH).respond_with_json(ok())
    backend = whatsapp.CloudApiBackend()

    backend.send(message(template="", language="en", template_params=("Ann\nLee",)))
    backend.send(message(template="confirmed", language="en-gb"))
    settings.WHATSAPP_LANGUAGE_CODES = {"de": "de", "en": "en_US"}
    backend.send(message(language="en"))

    bodies = [json.loads(request.get_data())["template"] for request, _response in graph.log]
    assert bodies[0]["name"] == "booking_update"
    assert bodies[0]["language"] == {"code": "en"}
    # Meta refuses new lines inside a parameter.
    assert bodies[0]["components"][0]["parameters"] == [{"type": "text", "text": "Ann Lee"}]
    assert (bodies[1]["name"], bodies[1]["language"]["code"]) == ("booking_confirmed", "en")
    assert bodies[2]["language"]["code"] == "en_US"


def test_template_without_parameters_has_no_components(graph):
    graph.expect_request(PATH).respond_with_json(ok())
    whatsapp.CloudApiBackend().send(message(template_params=()))
    [(request, _response)] = graph.log
    assert "components" not in json.loads(request.get_data())["template"]


def graph_error(code, text="(#%s) An error occurred", status=400):
    body = {"error": {"message": text % code if "%s" in text else text, "type": "OAuthException", "code": code}}
    return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (400, 131047, True),  # re-engagement window
        (400, 131026, True),  # undeliverable
        (404, 132001, True),  # template does not exist
        (400, 100, True),  # invalid parameter
        (401, 190, True),  # token expired
        (401, None, True),
        (403, None, True),
        (400, 130429, False),  # rate limit
        (503, 131016, False),  # service unavailable
        (429, None, False),
        (500, None, False),
        (502, None, False),
    ],
)
def test_error_mapping(graph, status, code, permanent):
    if code is None:
        graph.expect_request(PATH).respond_with_data("<html>Bad gateway</html>", status=status)
    else:
        graph.expect_request(PATH).respond_with_response(graph_error(code, status=status))

    with pytest.raises(DeliveryError) as error:
        whatsapp.CloudApiBackend().send(message())

    assert error.value.permanent is permanent
    assert str(error.value)
    assert TOKEN not in str(error.value)


def test_template_error_names_the_template(graph):
    graph.expect_request(PATH).respond_with_response(graph_error(132001, "(#132001) Template name does not exist"))
    with pytest.raises(DeliveryError) as error:
        whatsapp.CloudApiBackend().send(message())
    assert "booking_confirmed" in str(error.value)


def test_the_token_never_reaches_the_error_text(graph):
    # Even if the provider echoed the token back, the coach never sees it.
    graph.expect_request(PATH).respond_with_response(graph_error(100, f"Invalid parameter near {TOKEN}"))
    with pytest.raises(DeliveryError) as error:
        whatsapp.CloudApiBackend().send(message())
    assert error.value.permanent is True
    assert "Invalid parameter" in str(error.value)
    assert TOKEN not in str(error.value)


def test_a_server_that_does_not_answer_in_time_may_have_the_message(graph):
    # The Cloud API offers no idempotency key: sending again could deliver it twice.
    release = threading.Event()

    def slow(request):
        release.wait(timeout=5)  # bounded: the server thread never hangs for long
        return Response(json.dumps(ok()), content_type="application/json")

    graph.expect_request(PATH).respond_with_handler(slow)
    try:
        with pytest.raises(DeliveryError) as error:
            whatsapp.CloudApiBackend(timeout=0.2).send(message())
    finally:
        release.set()
    assert error.value.permanent is False and error.value.unknown is True
    assert TOKEN not in str(error.value)
    assert error.value.__cause__ is None


def test_an_answer_that_cannot_be_decoded_leaves_the_outcome_unknown(graph):
    # Whether WhatsApp took the message is unknown, as after a timeout.
    graph.expect_request(PATH).respond_with_data(b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(DeliveryError) as error:
        whatsapp.CloudApiBackend().send(message())
    assert error.value.permanent is False and error.value.unknown is True
    assert "may have arrived" in str(error.value)
    assert TOKEN not in str(error.value)
    assert error.value.__cause__ is None


def test_success_without_an_id_is_unknown_to_avoid_sending_twice(graph):
    # Accepted (200), so most likely sent; but without an id nothing can confirm it.
    graph.expect_request(PATH).respond_with_json({"messaging_product": "whatsapp"})
    with pytest.raises(DeliveryError) as error:
        whatsapp.CloudApiBackend().send(message())
    assert error.value.unknown is True


def test_an_unreachable_api_is_a_plain_retry(settings, graph):
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.WHATSAPP_API_URL = f"http://127.0.0.1:{port}/v21.0"
    with pytest.raises(DeliveryError) as error:
        whatsapp.CloudApiBackend(timeout=2).send(message())
    assert (error.value.permanent, error.value.unknown) == (False, False)


def test_the_notification_key_travels_as_callback_data(graph):
    graph.expect_request(PATH, method="POST").respond_with_json(ok())
    whatsapp.CloudApiBackend().send(message(key="5d4c490a-d261-4fcc-a9bc-3ca83b81d795"))
    [(request, _response)] = graph.log
    assert json.loads(request.get_data())["biz_opaque_callback_data"] == "5d4c490a-d261-4fcc-a9bc-3ca83b81d795"


# --- Webhook ---------------------------------------------------------------------


def test_subscription_verification(settings):
    params = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    assert whatsapp.verify_subscription(params, "verify-me") == "1158201444"
    assert whatsapp.verify_subscription(params, "something-else") is None
    assert whatsapp.verify_subscription({**params, "hub.mode": "unsubscribe"}, "verify-me") is None
    assert whatsapp.verify_subscription({**params, "hub.verify_token": ""}, "") is None
    # Without an explicit token it reads settings.WHATSAPP_VERIFY_TOKEN; unset means no match.
    settings.WHATSAPP_VERIFY_TOKEN = "verify-me"
    assert whatsapp.verify_subscription(params) == "1158201444"
    settings.WHATSAPP_VERIFY_TOKEN = ""
    assert whatsapp.verify_subscription(params) is None


def signed(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signature_verification():
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    header = signed(body)
    assert whatsapp.verify_signature(body, header, APP_SECRET) is True
    assert whatsapp.verify_signature(body, header.upper().replace("SHA256=", "sha256="), APP_SECRET) is True
    assert whatsapp.verify_signature(body + b" ", header, APP_SECRET) is False
    assert whatsapp.verify_signature(body, header[:-1] + ("0" if header[-1] != "0" else "1"), APP_SECRET) is False
    assert whatsapp.verify_signature(body, signed(body, "other"), APP_SECRET) is False
    assert whatsapp.verify_signature(body, header.removeprefix("sha256="), APP_SECRET) is False
    assert whatsapp.verify_signature(body, None, APP_SECRET) is False
    assert whatsapp.verify_signature(body, "", APP_SECRET) is False
    assert whatsapp.verify_signature(body, header, "") is False
    assert whatsapp.verify_signature(body, "sha256=" + "ä" * 64, APP_SECRET) is False


def test_signature_uses_the_app_secret_setting_by_default(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    body = b"{}"
    assert whatsapp.verify_signature(body, signed(body)) is True


def status(message_id, state, **extra):
    return {"id": message_id, "status": state, "timestamp": "1767225600", "recipient_id": "4915112345678", **extra}


def test_parse_statuses_of_a_realistic_payload():
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
                            "statuses": [
                                status(
                                    "wamid.A",
                                    "sent",
                                    conversation={"id": "c1", "origin": {"type": "utility"}},
                                    pricing={"billable": True, "category": "utility"},
                                ),
                                status("wamid.A", "delivered"),
                                status("wamid.A", "read"),
                                status(
                                    "wamid.B",
                                    "failed",
                                    errors=[
                                        {
                                            "code": 131026,
                                            "title": "Message undeliverable",
                                            "message": "Message undeliverable",
                                            "error_data": {"details": "Message Undeliverable."},
                                        }
                                    ],
                                ),
                                status("wamid.C", "deleted"),  # not one of ours to report
                            ],
                        },
                    }
                ],
            },
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "messages": [{"from": "4915112345678", "id": "wamid.IN", "type": "text"}],
                        },
                    }
                ],
            },
        ],
    }

    statuses = whatsapp.parse_statuses(payload)

    assert [(message_id, state) for message_id, state, _error in statuses] == [
        ("wamid.A", "sent"),
        ("wamid.A", "delivered"),
        ("wamid.A", "read"),
        ("wamid.B", "failed"),
    ]
    assert [error for _id, _state, error in statuses[:3]] == [None, None, None]
    assert "Message undeliverable" in statuses[3][2]
    assert "131026" in statuses[3][2]


def test_parse_statuses_of_an_empty_or_odd_payload():
    assert whatsapp.parse_statuses({}) == []
    assert whatsapp.parse_statuses({"entry": [{"changes": [{"value": {"statuses": ["x", {}]}}]}]}) == []


# --- Free text (the automatic answer) and incoming messages -------------------------


def test_free_text_is_sent_as_a_text_message_not_a_template(graph):
    graph.expect_request(PATH, method="POST").respond_with_json(ok("wamid.ANSWER"))

    provider_id = whatsapp.CloudApiBackend().send(message(free_text=True, text="Hello,\nthis is an automatic answer."))

    assert provider_id == "wamid.ANSWER"
    [(request, _response)] = graph.log
    body = json.loads(request.get_data())
    assert body["type"] == "text"
    assert body["text"] == {"body": "Hello,\nthis is an automatic answer.", "preview_url": False}
    assert body["to"] == "4915112345678"
    assert "template" not in body


def incoming_payload(*messages, contacts=None, number="+49 30 1234567"):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": number, "phone_number_id": PHONE_NUMBER_ID},
        "contacts": contacts if contacts is not None else [{"profile": {"name": "Eva"}, "wa_id": "4915112345678"}],
        "messages": list(messages),
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


def test_parse_messages_reads_sender_name_our_number_time_and_the_message_answered():
    text = {
        "from": "4915112345678",
        "id": "wamid.IN1",
        "timestamp": "1767225600",
        "type": "text",
        "text": {"body": " Hallo! "},
        "context": {"from": "49301234567", "id": "wamid.OURS"},
    }
    [incoming] = whatsapp.parse_messages(incoming_payload(text))

    assert incoming.channel == "whatsapp"
    assert (incoming.sender, incoming.to, incoming.sender_name) == ("+4915112345678", "+49301234567", "Eva")
    assert (incoming.provider_message_id, incoming.text, incoming.reply_to) == ("wamid.IN1", "Hallo!", "wamid.OURS")
    assert incoming.sent_at.isoformat() == "2026-01-01T00:00:00+00:00"
    assert incoming.automatic is False


def test_parse_messages_marks_system_and_unsupported_messages_automatic_and_leaves_out_reactions_and_groups():
    payload = incoming_payload(
        {"from": "4915112345678", "id": "wamid.S", "type": "system", "system": {"body": "Number changed"}},
        {"from": "4915112345678", "id": "wamid.U", "type": "unsupported"},
        {"from": "4915112345678", "id": "wamid.R", "type": "reaction", "reaction": {"emoji": "👍"}},
        {"from": "4915112345678", "id": "wamid.G", "type": "text", "text": {"body": "hi"}, "group_id": "g1"},
        {"id": "wamid.X", "type": "text", "text": {"body": "from nobody"}},
        {"from": "4915112345678", "id": "wamid.B", "type": "button", "button": {"text": "Yes, I'll come"}},
        {"from": "4915112345678", "id": "wamid.I", "type": "image", "image": {"caption": "My notes"}},
    )
    found = {incoming.provider_message_id: incoming for incoming in whatsapp.parse_messages(payload)}

    assert set(found) == {"wamid.S", "wamid.U", "wamid.B", "wamid.I"}
    assert found["wamid.S"].automatic and found["wamid.U"].automatic
    assert (found["wamid.B"].text, found["wamid.B"].automatic) == ("Yes, I'll come", False)
    assert found["wamid.I"].text == "My notes"


@pytest.mark.parametrize(
    "payload",
    [{}, {"entry": "x"}, {"entry": [{"changes": [{"value": {"messages": ["x", {}]}}]}]}, {"entry": [None, 3]}],
)
def test_parse_messages_of_an_empty_or_odd_payload(payload):
    assert whatsapp.parse_messages(payload) == []
