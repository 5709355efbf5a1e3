"""Threema through the Threema Gateway HTTP API.

Two modes, chosen by the settings:
- basic (only THREEMA_GATEWAY_ID + THREEMA_GATEWAY_SECRET): `POST /send_simple`;
  Threema's server encrypts the message for the recipient, so it sees the text.
- end-to-end (THREEMA_PRIVATE_KEY set too): we fetch the recipient's public key,
  encrypt here with NaCl and `POST /send_e2e`; the Gateway only sees a box.

Delivery receipts and the messages people send to our ID reach us only in end-to-end
mode, as encrypted incoming messages posted to our callback URL; `verify_callback`,
`decrypt_callback_box`, `parse_delivery_receipt` and `parse_incoming_message` are the
pieces a view needs to read them.
"""

import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Mapping

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey

from . import base
from .base import DeliveryError, FailureTexts, HttpBackend, IncomingMessage, Message

# A Threema ID: 8 characters, upper-case letters and digits; Gateway IDs start with "*".
THREEMA_ID = re.compile(r"^[0-9A-Z*][0-9A-Z]{7}$")
PUBLIC_KEY_CACHE_SECONDS = 24 * 60 * 60
NONCE_BYTES = 24
KEY_BYTES = 32
# Threema pads every end-to-end message so that its length says little about its content.
MIN_PADDED_LENGTH = 32

MESSAGE_TYPE_TEXT = 0x01
MESSAGE_TYPE_IMAGE = 0x02
MESSAGE_TYPE_LOCATION = 0x10
MESSAGE_TYPE_VIDEO = 0x13
MESSAGE_TYPE_AUDIO = 0x14
MESSAGE_TYPE_POLL = 0x15
MESSAGE_TYPE_FILE = 0x17
MESSAGE_TYPE_DELIVERY_RECEIPT = 0x80
MESSAGE_TYPE_TYPING = 0x90
# What a person writes to us: kept for the coach (only a text, a location and a file's caption
# have words we keep; a picture or a voice message arrives as a message without text).
# Everything else (receipts, typing, poll votes, profile pictures, group messages) is not a
# message to the coach.
PERSON_MESSAGE_TYPES = {
    MESSAGE_TYPE_TEXT,
    MESSAGE_TYPE_IMAGE,
    MESSAGE_TYPE_LOCATION,
    MESSAGE_TYPE_VIDEO,
    MESSAGE_TYPE_AUDIO,
    MESSAGE_TYPE_POLL,
    MESSAGE_TYPE_FILE,
}
# A Gateway message id: 8 bytes, hex.
MESSAGE_ID = re.compile(r"^[0-9a-f]{16}$")
# Threema allows 3500 bytes of text; anything longer is not a Threema message.
MAX_TEXT_LENGTH = 3500
MAX_NICKNAME_LENGTH = 120
MESSAGE_ID_BYTES = 8
# Status byte of a delivery receipt.
RECEIPT_RECEIVED = 1
RECEIPT_READ = 2
RECEIPT_ACKNOWLEDGED = 3  # the recipient tapped "thumbs up"
RECEIPT_DECLINED = 4  # the recipient tapped "thumbs down"
RECEIPT_STATUSES = {
    RECEIPT_RECEIVED: "received",
    RECEIPT_READ: "read",
    RECEIPT_ACKNOWLEDGED: "acknowledged",
    RECEIPT_DECLINED: "declined",
}

# The fields of a Gateway callback, in the order their MAC covers them.
CALLBACK_MAC_FIELDS = ("from", "to", "messageId", "date", "nonce", "box")


class _RedactSecret(logging.Filter):
    """httpx logs every request URL at INFO; `GET /pubkeys` carries the secret in its
    query string (the Gateway accepts it nowhere else), so it must be cut out."""

    pattern = re.compile(r"(secret=)[^&\s\"']*")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "secret=" in message:
            record.msg = self.pattern.sub(r"\1[redacted]", message)
            record.args = ()
        return True


_httpx_logger = logging.getLogger("httpx")
if not any(isinstance(existing, _RedactSecret) for existing in _httpx_logger.filters):
    _httpx_logger.addFilter(_RedactSecret())


def _key_from_hex(value: str, prefix: str) -> bytes:
    """32 key bytes from hex, with or without the Gateway's "private:"/"public:" prefix."""
    value = value.strip()
    if value.lower().startswith(prefix):
        value = value[len(prefix) :]
    key = bytes.fromhex(value)  # ValueError on anything that is not hex
    if len(key) != KEY_BYTES:
        raise ValueError(f"a key has {KEY_BYTES} bytes, not {len(key)}")
    return key


def pad(data: bytes) -> bytes:
    """Threema's PKCS#7-style padding: N random bytes (1..255) of value N, at least up to 32 bytes."""
    count = secrets.randbelow(255) + 1
    if len(data) + count < MIN_PADDED_LENGTH:
        count = MIN_PADDED_LENGTH - len(data)
    return data + bytes([count]) * count


def unpad(data: bytes) -> bytes:
    if not data:
        raise ValueError("empty message")
    count = data[-1]
    if count == 0 or count > len(data) or data[-count:] != bytes([count]) * count:
        raise ValueError("invalid padding")
    return data[:-count]


class GatewayBackend(HttpBackend):
    """Sends through the Threema Gateway; end-to-end encrypted when THREEMA_PRIVATE_KEY is set."""

    name = "threema"
    failure_texts = FailureTexts(
        may_have_arrived=gettext_lazy(
            "The Threema Gateway did not confirm the message (%(reason)s); it may have arrived."
        ),
        timed_out=gettext_lazy("The Threema Gateway did not answer in time."),
        unreachable=gettext_lazy("The Threema Gateway could not be reached."),
        unreadable=gettext_lazy("The Threema Gateway sent an answer that could not be read."),
    )

    @property
    def end_to_end(self) -> bool:
        return bool(settings.THREEMA_PRIVATE_KEY)

    def send(self, message: Message) -> str:
        recipient = message.recipient.strip().upper()
        if not THREEMA_ID.match(recipient):
            # Checked here, not only by the Gateway: the ID also goes into a URL path.
            raise DeliveryError(_("%(id)s is not a valid Threema ID.") % {"id": message.recipient}, permanent=True)
        with self._client(base_url=settings.THREEMA_API_URL.rstrip("/")) as client:
            if self.end_to_end:
                return self._send_e2e(client, recipient, message.text)
            response = self._gateway_request(
                client,
                "POST",
                "/send_simple",
                recipient,
                data={"from": settings.THREEMA_GATEWAY_ID, "to": recipient, "text": message.text},
            )
        return self._message_id(response)

    def public_key(self, threema_id: str, client: httpx.Client | None = None) -> bytes:
        """The public key of `threema_id` (32 bytes), from the cache or the Gateway.

        A Threema ID's key never changes, so a day in the cache only saves requests
        (and the Gateway counts lookups against a rate limit)."""
        if not THREEMA_ID.match(threema_id):
            raise DeliveryError(_("%(id)s is not a valid Threema ID.") % {"id": threema_id}, permanent=True)
        cache_key = f"threema:pubkey:{threema_id}"
        cached = cache.get(cache_key)
        if cached:
            return bytes.fromhex(cached)
        if client is None:
            with self._client(base_url=settings.THREEMA_API_URL.rstrip("/")) as own_client:
                return self.public_key(threema_id, own_client)
        response = self._gateway_request(client, "GET", f"/pubkeys/{threema_id}", threema_id)
        try:
            key = _key_from_hex(response.text, "public:")
        except ValueError:
            # A garbled answer is the Gateway's problem, not the recipient's: try again later.
            raise DeliveryError(_("The Threema Gateway returned an unreadable public key."), permanent=False) from None
        cache.set(cache_key, key.hex(), PUBLIC_KEY_CACHE_SECONDS)
        return key

    def _send_e2e(self, client: httpx.Client, recipient: str, text: str) -> str:
        try:
            private_key = PrivateKey(_key_from_hex(settings.THREEMA_PRIVATE_KEY, "private:"))
        except ValueError:
            # Never echo the value: it is the private key.
            raise DeliveryError(
                _('THREEMA_PRIVATE_KEY is not a valid key (64 hex digits, optionally after "private:").'),
                permanent=True,
            ) from None
        their_key = PublicKey(self.public_key(recipient, client))
        nonce = secrets.token_bytes(NONCE_BYTES)
        plaintext = pad(bytes([MESSAGE_TYPE_TEXT]) + text.encode("utf-8"))
        box = Box(private_key, their_key).encrypt(plaintext, nonce).ciphertext
        response = self._gateway_request(
            client,
            "POST",
            "/send_e2e",
            recipient,
            data={"from": settings.THREEMA_GATEWAY_ID, "to": recipient, "nonce": nonce.hex(), "box": box.hex()},
        )
        return self._message_id(response)

    def _gateway_request(
        self, client: httpx.Client, method: str, path: str, recipient: str, **kwargs
    ) -> httpx.Response:
        """One Gateway call with our credentials; every failure becomes a DeliveryError."""
        credentials = {"from": settings.THREEMA_GATEWAY_ID, "secret": settings.THREEMA_GATEWAY_SECRET}
        if method == "GET":
            kwargs["params"] = {**kwargs.get("params", {}), **credentials}
        else:
            kwargs["data"] = {**kwargs.get("data", {}), **credentials}
        return self._request(
            client,
            method,
            path,
            sends=path.startswith("/send"),
            refusal=lambda response: self._status_error(response.status_code, recipient),
            log_as=f"{method} {path}",
            **kwargs,
        )

    @staticmethod
    def _status_error(status: int, recipient: str) -> DeliveryError:
        """The Gateway answers with a bare status code (and an empty body); say what it means."""
        permanent = {
            400: _("The Threema Gateway rejected the recipient %(id)s (invalid ID, or the wrong mode for this ID)."),
            401: _(
                "The Threema Gateway refused our credentials (check THREEMA_GATEWAY_ID and THREEMA_GATEWAY_SECRET)."
            ),
            402: _("The Threema Gateway account has no credits left."),
            404: _("The Threema ID %(id)s does not exist or has no public key."),
            413: _("The message is too long for Threema."),
        }
        if status in permanent:
            return DeliveryError(permanent[status] % {"id": recipient}, permanent=True)
        if status == 429:
            return DeliveryError(_("The Threema Gateway is rate limiting us; trying again later."), permanent=False)
        if status >= 500:
            return DeliveryError(
                _("The Threema Gateway has a temporary problem (HTTP %(status)s).") % {"status": status},
                permanent=False,
            )
        # Any other 4xx: the same request will not succeed later either.
        return DeliveryError(
            _("The Threema Gateway refused the message (HTTP %(status)s).") % {"status": status}, permanent=True
        )

    @staticmethod
    def _message_id(response: httpx.Response) -> str:
        message_id = response.text.strip()
        if not message_id:
            # Accepted, but without an id: it has most likely gone out, and retrying could
            # deliver it twice, so the coach decides.
            raise DeliveryError(_("The Threema Gateway accepted the message but returned no message id."), unknown=True)
        return message_id


class ConsoleBackend(base.ConsoleBackend):
    kind = "threema"


# --- Callbacks (incoming messages, delivery receipts) ------------------------


def verify_callback(data: Mapping[str, str], secret: str) -> bool:
    """True when the callback's MAC is right: HMAC-SHA256, keyed with the gateway secret,
    over from+to+messageId+date+nonce+box. Anything missing counts as wrong."""
    if not secret:
        return False
    try:
        signed = "".join(data[name] for name in CALLBACK_MAC_FIELDS)
        mac = data["mac"]
    except (KeyError, TypeError):
        return False
    expected = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
    # Bytes, because compare_digest refuses non-ASCII str; constant time so the MAC cannot be guessed byte by byte.
    return hmac.compare_digest(expected.encode(), mac.strip().lower().encode())


def decrypt_callback_box(data: Mapping[str, str], private_key_hex: str, sender_public_key_hex: str) -> bytes:
    """The inner message of a callback (type byte first), padding removed.

    Raises ValueError when a key, the nonce or the box is malformed, the box does not
    open with these keys, or the padding is wrong."""
    try:
        private_key = PrivateKey(_key_from_hex(private_key_hex, "private:"))
        sender_key = PublicKey(_key_from_hex(sender_public_key_hex, "public:"))
        nonce = bytes.fromhex(data["nonce"])
        box = bytes.fromhex(data["box"])
    except (KeyError, TypeError) as exc:
        raise ValueError("callback without nonce or box") from exc
    if len(nonce) != NONCE_BYTES:
        raise ValueError("the nonce has the wrong length")
    try:
        plain = Box(private_key, sender_key).decrypt(box, nonce)
    except CryptoError as exc:
        raise ValueError("the box does not open with these keys") from exc
    return unpad(plain)


def parse_delivery_receipt(plain: bytes) -> tuple[int, list[str]]:
    """(status, [message ids as hex]) of a decrypted delivery receipt (type 0x80).

    The status is one of RECEIPT_STATUSES; the ids are those the Gateway returned
    when we sent the messages."""
    if len(plain) < 2 or plain[0] != MESSAGE_TYPE_DELIVERY_RECEIPT:
        raise ValueError("not a delivery receipt")
    ids = plain[2:]
    if not ids or len(ids) % MESSAGE_ID_BYTES:
        raise ValueError("a delivery receipt lists whole 8-byte message ids")
    return plain[1], [ids[i : i + MESSAGE_ID_BYTES].hex() for i in range(0, len(ids), MESSAGE_ID_BYTES)]


def _file_caption(body: bytes) -> str:
    """A file message is JSON; its caption (if any) is "d"."""
    try:
        caption = json.loads(body.decode("utf-8")).get("d")
    except (ValueError, AttributeError):
        return ""
    return caption if isinstance(caption, str) else ""


def parse_incoming_message(data: Mapping[str, str], plain: bytes) -> IncomingMessage | None:
    """The message a person sent to our ID, from a callback's fields and its decrypted box;
    None for what is not such a message (a receipt, a typing notice, …).

    Raises ValueError when the callback names no valid sender or message id, or a text
    message's text is not UTF-8."""
    if not plain:
        raise ValueError("empty message")
    kind, body = plain[0], plain[1:]
    if kind not in PERSON_MESSAGE_TYPES:
        return None
    sender = str(data.get("from") or "").strip().upper()
    message_id = str(data.get("messageId") or "").strip().lower()
    if not THREEMA_ID.match(sender) or not MESSAGE_ID.match(message_id):
        raise ValueError("a callback without a valid sender or message id")
    if kind == MESSAGE_TYPE_TEXT:
        text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError
    elif kind == MESSAGE_TYPE_LOCATION:
        # "latitude,longitude[,accuracy]", then the place's name and address on their own lines.
        text = body.decode("utf-8", errors="replace")
    elif kind == MESSAGE_TYPE_FILE:
        text = _file_caption(body)
    else:
        text = ""
    return IncomingMessage(
        channel="threema",
        sender=sender,
        to=str(data.get("to") or "").strip().upper(),
        provider_message_id=message_id,
        text=text.strip()[:MAX_TEXT_LENGTH],
        sender_name=str(data.get("nickname") or "").strip()[:MAX_NICKNAME_LENGTH],
    )
