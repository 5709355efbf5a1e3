"""The Threema Gateway backend against a fake Gateway on loopback (pytest-httpserver)."""

import hashlib
import hmac
import logging
import secrets
import socket
import threading
from urllib.parse import parse_qs

import pytest
from django.core.cache import cache
from nacl.public import Box, PrivateKey
from werkzeug import Response

from scheduler.channels import threema
from scheduler.channels.base import DeliveryError, Message

GATEWAY_ID = "*SPRECHZ"
SECRET = "gw-secret-5f1e9a7c"
CLIENT_ID = "ECHOECHO"


@pytest.fixture
def gateway(settings, httpserver):
    """Settings pointing the backend at the fake Gateway, in basic mode."""
    settings.THREEMA_API_URL = httpserver.url_for("/").rstrip("/")
    settings.THREEMA_GATEWAY_ID = GATEWAY_ID
    settings.THREEMA_GATEWAY_SECRET = SECRET
    settings.THREEMA_PRIVATE_KEY = ""
    cache.clear()
    yield httpserver
    cache.clear()


@pytest.fixture
def e2e(settings, gateway):
    """End-to-end mode: our key pair in the settings, the client's key pair served at /pubkeys/."""
    ours = PrivateKey.generate()
    client = PrivateKey.generate()
    settings.THREEMA_PRIVATE_KEY = "private:" + bytes(ours).hex()
    gateway.expect_request(
        f"/pubkeys/{CLIENT_ID}", method="GET", query_string={"from": GATEWAY_ID, "secret": SECRET}
    ).respond_with_data(bytes(client.public_key).hex())
    return ours, client


def form(request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.get_data(as_text=True), strict_parsing=True).items()}


def requests_to(server, path):
    return [request for request, _response in server.log if request.path == path]


# --- Basic mode -----------------------------------------------------------------


def test_basic_mode_posts_form_and_returns_the_message_id(gateway):
    gateway.expect_request("/send_simple", method="POST").respond_with_data("0a1b2c3d4e5f6071\n")

    message_id = threema.GatewayBackend().send(Message(recipient=" echoecho ", text="Termin am 3. März, 10:00"))

    assert message_id == "0a1b2c3d4e5f6071"
    [request] = requests_to(gateway, "/send_simple")
    assert request.method == "POST"
    assert request.mimetype == "application/x-www-form-urlencoded"
    assert form(request) == {
        "from": GATEWAY_ID,
        "to": CLIENT_ID,  # normalized: stripped, upper case
        "text": "Termin am 3. März, 10:00",
        "secret": SECRET,
    }
    gateway.check_assertions()


def test_invalid_threema_id_fails_permanently_without_a_request(gateway):
    with pytest.raises(DeliveryError) as error:
        threema.GatewayBackend().send(Message(recipient="../admin", text="x"))
    assert error.value.permanent
    assert gateway.log == []


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(400, True), (401, True), (402, True), (404, True), (413, True), (500, False), (503, False), (429, False)],
)
def test_status_codes_map_to_permanent_or_transient(gateway, status, permanent):
    gateway.expect_request("/send_simple").respond_with_data("", status=status)

    with pytest.raises(DeliveryError) as error:
        threema.GatewayBackend().send(Message(recipient=CLIENT_ID, text="Hallo"))

    assert error.value.permanent is permanent
    assert str(error.value)
    assert SECRET not in str(error.value)
    assert SECRET not in repr(error.value)


def test_a_gateway_that_does_not_answer_in_time_may_have_the_message(gateway):
    # It may have taken the message before the answer was lost, and the Gateway offers no
    # idempotency key: the outcome is unknown, not a failure to retry (that sent it twice).
    release = threading.Event()

    def slow(request):
        release.wait(timeout=5)  # bounded: the server thread never hangs for long
        return Response("too late")

    gateway.expect_request("/send_simple").respond_with_handler(slow)
    try:
        with pytest.raises(DeliveryError) as error:
            threema.GatewayBackend(timeout=0.2).send(Message(recipient=CLIENT_ID, text="Hallo"))
    finally:
        release.set()
    assert error.value.permanent is False and error.value.unknown is True
    assert "may have arrived" in str(error.value)
    assert SECRET not in str(error.value)
    assert error.value.__cause__ is None  # the httpx exception (with the request) is not chained


def test_an_unreachable_gateway_is_transient(settings, gateway):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.THREEMA_API_URL = f"http://127.0.0.1:{port}"

    with pytest.raises(DeliveryError) as error:
        threema.GatewayBackend(timeout=2).send(Message(recipient=CLIENT_ID, text="Hallo"))
    assert error.value.permanent is False
    assert error.value.unknown is False  # no connection, so nothing was handed over: try again
    assert SECRET not in str(error.value)


def test_an_answer_that_cannot_be_decoded_leaves_the_outcome_unknown(gateway):
    # Whether the Gateway took the message is unknown, as after a timeout.
    gateway.expect_request("/send_simple").respond_with_data(b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(DeliveryError) as error:
        threema.GatewayBackend().send(Message(recipient=CLIENT_ID, text="Hallo"))
    assert error.value.permanent is False and error.value.unknown is True
    assert "DecodingError" in str(error.value)


def test_a_public_key_lookup_that_times_out_is_a_plain_retry(settings, gateway):
    # Nothing is sent by a lookup: trying again cannot deliver anything twice.
    settings.THREEMA_PRIVATE_KEY = "private:" + "11" * 32
    release = threading.Event()

    def slow(request):
        release.wait(timeout=5)
        return Response("too late")

    gateway.expect_request(f"/pubkeys/{CLIENT_ID}").respond_with_handler(slow)
    try:
        with pytest.raises(DeliveryError) as error:
            threema.GatewayBackend(timeout=0.2).send(Message(recipient=CLIENT_ID, text="Hallo"))
    finally:
        release.set()
    assert (error.value.permanent, error.value.unknown) == (False, False)
    assert requests_to(gateway, "/send_e2e") == []
    assert SECRET not in str(error.value)
    assert error.value.__cause__ is None


# --- End-to-end mode --------------------------------------------------------------


def test_e2e_encrypts_for_the_recipient_and_fetches_the_key_once(gateway, e2e):
    ours, client = e2e
    gateway.expect_request("/send_e2e", method="POST").respond_with_data("1122334455667788")
    backend = threema.GatewayBackend()
    texts = ["Hi", "Ihr Termin: Dienstag, 14:00–15:00 Uhr. Grüße! " * 3]

    ids = [backend.send(Message(recipient=CLIENT_ID, text=text)) for text in texts]

    assert ids == ["1122334455667788", "1122334455667788"]
    assert len(requests_to(gateway, f"/pubkeys/{CLIENT_ID}")) == 1  # the second send used the cache
    sent = requests_to(gateway, "/send_e2e")
    assert len(sent) == 2
    for request, text in zip(sent, texts, strict=True):
        fields = form(request)
        assert set(fields) == {"from", "to", "nonce", "box", "secret"}
        assert (fields["from"], fields["to"], fields["secret"]) == (GATEWAY_ID, CLIENT_ID, SECRET)
        nonce = bytes.fromhex(fields["nonce"])
        assert len(nonce) == 24
        # The client opens the box with its private key and our public key.
        plain = Box(client, ours.public_key).decrypt(bytes.fromhex(fields["box"]), nonce)
        assert len(plain) >= 32
        padding = plain[-1]
        assert 1 <= padding <= 255
        assert plain[-padding:] == bytes([padding]) * padding
        inner = plain[:-padding]
        assert inner[0] == 0x01
        assert inner[1:].decode("utf-8") == text
    assert form(sent[0])["nonce"] != form(sent[1])["nonce"]  # a fresh nonce every time


def test_e2e_unknown_recipient_key_is_permanent(settings, gateway):
    settings.THREEMA_PRIVATE_KEY = bytes(PrivateKey.generate()).hex()  # without the "private:" prefix
    gateway.expect_request("/pubkeys/NOSUCHID").respond_with_data("", status=404)

    with pytest.raises(DeliveryError) as error:
        threema.GatewayBackend().send(Message(recipient="NOSUCHID", text="Hallo"))
    assert error.value.permanent is True
    assert "NOSUCHID" in str(error.value)
    assert SECRET not in str(error.value)
    assert requests_to(gateway, "/send_e2e") == []


def test_e2e_with_a_broken_private_key_is_permanent_and_does_not_show_it(settings, gateway):
    settings.THREEMA_PRIVATE_KEY = "private:" + "ab" * 31 + "zz"

    with pytest.raises(DeliveryError) as error:
        threema.GatewayBackend().send(Message(recipient=CLIENT_ID, text="Hallo"))
    assert error.value.permanent is True
    assert "abab" not in str(error.value)
    assert gateway.log == []


def test_the_secret_in_the_pubkey_url_is_redacted_from_httpx_logs(gateway, e2e, caplog):
    gateway.expect_request("/send_e2e").respond_with_data("1122334455667788")

    with caplog.at_level(logging.INFO, logger="httpx"):
        threema.GatewayBackend().send(Message(recipient=CLIENT_ID, text="Hallo"))

    # (The fake server's own werkzeug log shows the secret; that is the Gateway's side.)
    ours = "\n".join(record.getMessage() for record in caplog.records if record.name == "httpx")
    assert "/pubkeys/ECHOECHO" in ours  # the request was logged ...
    assert "secret=[redacted]" in ours
    assert SECRET not in ours  # ... without the secret


@pytest.mark.parametrize("length", [0, 1, 30, 31, 32, 100, 4000])
def test_padding_round_trip(length):
    data = secrets.token_bytes(length)
    padded = threema.pad(data)
    assert len(padded) >= 32
    assert 1 <= padded[-1] <= 255
    assert threema.unpad(padded) == data


def test_unpad_rejects_bad_padding():
    with pytest.raises(ValueError):
        threema.unpad(b"\x01hello\x03\x03")  # claims three bytes of padding, has two
    with pytest.raises(ValueError):
        threema.unpad(b"\x01hello\x00")


# --- Callbacks ---------------------------------------------------------------------


def callback(fields: dict[str, str], secret: str = SECRET) -> dict[str, str]:
    signed = "".join(fields[name] for name in ("from", "to", "messageId", "date", "nonce", "box"))
    return {**fields, "mac": hmac.new(secret.encode(), signed.encode(), hashlib.sha256).hexdigest()}


CALLBACK_FIELDS = {
    "from": CLIENT_ID,
    "to": GATEWAY_ID,
    "messageId": "8877665544332211",
    "date": "1767225600",
    "nonce": "00" * 24,
    "box": "ab" * 40,
}


def test_callback_mac_accepted_when_right():
    assert threema.verify_callback(callback(CALLBACK_FIELDS), SECRET) is True


@pytest.mark.parametrize("field", ["from", "to", "messageId", "date", "nonce", "box", "mac"])
def test_callback_mac_rejected_when_a_field_changes(field):
    data = callback(CALLBACK_FIELDS)
    value = data[field]
    data[field] = value[:-1] + ("0" if value[-1] != "0" else "1")
    assert threema.verify_callback(data, SECRET) is False


def test_callback_mac_rejected_with_wrong_secret_or_missing_fields():
    data = callback(CALLBACK_FIELDS)
    assert threema.verify_callback(data, "another-secret") is False
    assert threema.verify_callback(data, "") is False
    assert threema.verify_callback({k: v for k, v in data.items() if k != "date"}, SECRET) is False
    assert threema.verify_callback({k: v for k, v in data.items() if k != "mac"}, SECRET) is False
    assert threema.verify_callback({**data, "mac": "ä" * 64}, SECRET) is False


def test_delivery_receipt_decrypts_and_parses():
    ours = PrivateKey.generate()
    client = PrivateKey.generate()
    receipted = [secrets.token_bytes(8), secrets.token_bytes(8)]
    # What the client's app sends us: a "read" receipt for two of our messages.
    plain = threema.pad(bytes([0x80, threema.RECEIPT_READ]) + b"".join(receipted))
    nonce = secrets.token_bytes(24)
    box = Box(client, ours.public_key).encrypt(plain, nonce).ciphertext
    data = callback({**CALLBACK_FIELDS, "nonce": nonce.hex(), "box": box.hex()})
    assert threema.verify_callback(data, SECRET)

    inner = threema.decrypt_callback_box(data, "private:" + bytes(ours).hex(), bytes(client.public_key).hex())

    assert inner[0] == 0x80
    assert threema.parse_delivery_receipt(inner) == (threema.RECEIPT_READ, [i.hex() for i in receipted])
    assert threema.RECEIPT_STATUSES[threema.RECEIPT_READ] == "read"
    # The wrong keys do not open it.
    with pytest.raises(ValueError):
        threema.decrypt_callback_box(data, bytes(PrivateKey.generate()).hex(), bytes(client.public_key).hex())


def test_parse_delivery_receipt_rejects_other_messages():
    with pytest.raises(ValueError):
        threema.parse_delivery_receipt(b"\x01hello")
    with pytest.raises(ValueError):
        threema.parse_delivery_receipt(b"\x80\x01" + b"\x00" * 7)  # a truncated id


# --- Incoming messages (what people write to our ID) -------------------------------

INCOMING = {"from": "echoecho", "to": "*SPRECHZ", "messageId": "A1B2C3D4E5F60718", "nickname": " Eva "}


def test_a_text_message_is_read_with_sender_id_and_nickname():
    incoming = threema.parse_incoming_message(INCOMING, bytes([threema.MESSAGE_TYPE_TEXT]) + "Grüße, Eva".encode())

    assert incoming.channel == "threema"
    assert (incoming.sender, incoming.to) == ("ECHOECHO", "*SPRECHZ")
    assert incoming.provider_message_id == "a1b2c3d4e5f60718"
    assert (incoming.text, incoming.sender_name, incoming.automatic) == ("Grüße, Eva", "Eva", False)


def test_a_file_keeps_its_caption_and_a_picture_arrives_without_text():
    file_message = bytes([threema.MESSAGE_TYPE_FILE]) + b'{"b": "blob", "d": "My CV"}'
    assert threema.parse_incoming_message(INCOMING, file_message).text == "My CV"
    assert threema.parse_incoming_message(INCOMING, bytes([threema.MESSAGE_TYPE_FILE]) + b"not json").text == ""
    assert threema.parse_incoming_message(INCOMING, bytes([threema.MESSAGE_TYPE_IMAGE]) + b"\x00" * 40).text == ""


@pytest.mark.parametrize("kind", [threema.MESSAGE_TYPE_TYPING, 0x16, 0x41, threema.MESSAGE_TYPE_DELIVERY_RECEIPT])
def test_what_no_person_wrote_to_the_coach_is_no_message(kind):
    assert threema.parse_incoming_message(INCOMING, bytes([kind, 1])) is None


@pytest.mark.parametrize(
    ("fields", "plain"),
    [
        (INCOMING, b""),
        (INCOMING, bytes([threema.MESSAGE_TYPE_TEXT]) + b"\xff\xfe"),  # not UTF-8
        ({**INCOMING, "from": "ECHO"}, b"\x01hello"),
        ({**INCOMING, "messageId": "not-hex"}, b"\x01hello"),
    ],
)
def test_an_unreadable_message_is_a_value_error(fields, plain):
    with pytest.raises(ValueError):
        threema.parse_incoming_message(fields, plain)
