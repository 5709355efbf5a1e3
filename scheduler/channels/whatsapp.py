"""WhatsApp through Meta's WhatsApp Cloud API (Graph API).

A business may write first only with a template that Meta approved beforehand, so
every message about a booking is a template message: the template name per notification
kind comes from `settings.WHATSAPP_TEMPLATES` (through `template_name`, the one place it is
chosen), the variable parts from `Message.template_params`. Only an answer within 24 hours
of the recipient's own message may be free text (`Message.free_text`).

The webhook helpers (`verify_subscription`, `verify_signature`, `parse_statuses`,
`parse_messages`) are what a view needs to receive Meta's delivery statuses and the
messages people send to our number.
"""

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import base
from .base import DeliveryError, FailureTexts, HttpBackend, IncomingMessage, Message

# Graph API error codes (the "code" in {"error": {...}}) that retrying cannot fix ...
PERMANENT_CODES = {
    100,  # invalid parameter
    190,  # access token expired or invalid
    131026,  # message undeliverable (no WhatsApp on that number, old app, terms not accepted)
    131047,  # re-engagement: more than 24 h since the client last wrote
    132001,  # template does not exist (in that language)
}
# ... and those that go away by themselves.
TRANSIENT_CODES = {
    4,  # application request limit reached
    80007,  # WhatsApp Business Account rate limit
    130429,  # throughput rate limit
    131016,  # service temporarily unavailable
    131056,  # too many messages to the same number in a short time
    133004,  # server temporarily unavailable
}
STATUSES = {"sent", "delivered", "read", "failed"}
# Provider text we copy into an error is cut to this length.
DETAIL_LENGTH = 300
# Meta's limit for the body of a text message.
MAX_TEXT_LENGTH = 4096
# Incoming messages that no person wrote: WhatsApp's own notices (a changed number, …) and
# what the Cloud API cannot show us.
AUTOMATIC_TYPES = {"system", "unsupported"}
# Not messages to the coach: a reaction to a message, the notice that someone opened the chat.
IGNORED_TYPES = {"reaction", "request_welcome"}
# Types whose words are a caption of the medium.
CAPTIONED_TYPES = ("image", "video", "document")
MAX_NAME_LENGTH = 120


def _language_code(language: str) -> str:
    codes = settings.WHATSAPP_LANGUAGE_CODES  # our language → the template's, in Meta's business manager
    language = (language or "").lower()
    return (
        codes.get(language)
        or codes.get(language.split("-")[0].split("_")[0])
        or codes.get(settings.LANGUAGE_CODE)
        or settings.LANGUAGE_CODE
    )


def template_name(kind_or_name: str) -> str:
    """The approved template for a notification kind (settings.WHATSAPP_TEMPLATES), the
    name itself when it already is a template's, else the default template. The one place
    the template is chosen: the outbox asks it for the kind, and the backend accepts either."""
    templates = settings.WHATSAPP_TEMPLATES
    if kind_or_name in templates:
        return templates[kind_or_name]
    if kind_or_name in templates.values():
        return kind_or_name
    return templates["default"]


def _parameter_text(value: str) -> str:
    # Meta rejects body parameters with new lines, tabs or more than four spaces in a row.
    return re.sub(r"\s+", " ", str(value)).strip()


class CloudApiBackend(HttpBackend):
    """Sends approved template messages, and free-text answers, through the WhatsApp Cloud API."""

    name = "whatsapp"
    failure_texts = FailureTexts(
        may_have_arrived=gettext_lazy("WhatsApp did not confirm the message (%(reason)s); it may have arrived."),
        timed_out=gettext_lazy("WhatsApp did not answer in time."),
        unreachable=gettext_lazy("WhatsApp could not be reached."),
    )

    def send(self, message: Message) -> str:
        # The API wants the number in international format without "+" (and nothing but digits).
        to = re.sub(r"\D", "", message.recipient)
        if not to:
            raise DeliveryError(
                _("%(number)s is not a phone number WhatsApp can send to.") % {"number": message.recipient},
                permanent=True,
            )
        if message.free_text:
            name, language = "", _language_code(message.language)
            payload = {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to,
                "type": "text",
                "text": {"body": message.text[:MAX_TEXT_LENGTH], "preview_url": False},
            }
        else:
            name, language, payload = self._template_payload(message, to)
        if message.key:
            # Not an idempotency key (the Cloud API has none): Meta returns it in every status
            # webhook of this message, so a status names our notification even without its id.
            payload["biz_opaque_callback_data"] = message.key
        url = f"{settings.WHATSAPP_API_URL.rstrip('/')}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
        with self._client() as client:
            response = self._request(
                client,
                "POST",
                url,
                sends=True,
                refusal=lambda response: self._error(response, name, language),
                log_as=f"request for {message.reference or '?'}",
                json=payload,
                headers={"Authorization": f"Bearer {settings.WHATSAPP_TOKEN}"},
            )
        return self._message_id(response)

    @staticmethod
    def _template_payload(message: Message, to: str) -> tuple[str, str, dict]:
        """(template name, its language code, the request's body) of a template message."""
        name = template_name(message.template)
        language = _language_code(message.language)
        template = {"name": name, "language": {"code": language}}
        if message.template_params:
            # A template without variables must not get an empty "parameters" list.
            template["components"] = [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": _parameter_text(p)} for p in message.template_params],
                }
            ]
        return name, language, {"messaging_product": "whatsapp", "to": to, "type": "template", "template": template}

    @staticmethod
    def _message_id(response: httpx.Response) -> str:
        try:
            return str(response.json()["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            # Accepted, but without an id: it has most likely gone out, and retrying could
            # deliver it twice, so the coach decides.
            raise DeliveryError(_("WhatsApp accepted the message but returned no message id."), unknown=True) from None

    @staticmethod
    def _error(response: httpx.Response, template: str, language: str) -> DeliveryError:
        status = response.status_code
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}  # a proxy's HTML page, say: only the status code tells
        if not isinstance(error, dict):
            error = {}
        code = error.get("code")
        detail = str(error.get("message") or "")
        data = error.get("error_data")
        if isinstance(data, dict) and data.get("details"):
            detail = f"{detail} ({data['details']})" if detail else str(data["details"])
        token = settings.WHATSAPP_TOKEN
        if token:
            # Meta does not echo the token, but a message for the coach must never risk it.
            detail = detail.replace(token, "[redacted]")
        detail = detail[:DETAIL_LENGTH]

        if code in PERMANENT_CODES:
            texts = {
                100: _("WhatsApp rejected a parameter of the message: %(detail)s"),
                190: _("The WhatsApp access token has expired or is invalid (WHATSAPP_TOKEN)."),
                131026: _(
                    "WhatsApp could not deliver the message: the number may not use WhatsApp "
                    "or has not accepted WhatsApp's current terms."
                ),
                131047: _("WhatsApp refused the message: more than 24 hours have passed since the client last wrote."),
                132001: _('The WhatsApp template "%(template)s" does not exist in language "%(language)s".'),
            }
            text = texts[code] % {"detail": detail, "template": template, "language": language}
            return DeliveryError(text, permanent=True)
        if code in TRANSIENT_CODES or status == 429:
            return DeliveryError(_("WhatsApp is limiting the rate of messages; trying again later."), permanent=False)
        if status >= 500 or status == 408:
            return DeliveryError(
                _("WhatsApp has a temporary problem (HTTP %(status)s).") % {"status": status}, permanent=False
            )
        if status in (401, 403):
            return DeliveryError(
                _("WhatsApp refused our access token or its permissions (HTTP %(status)s).") % {"status": status},
                permanent=True,
            )
        # Any other refusal: the same request will be refused again.
        return DeliveryError(
            _("WhatsApp refused the message (error %(code)s): %(detail)s")
            % {"code": code if code is not None else status, "detail": detail or "-"},
            permanent=True,
        )


class ConsoleBackend(base.ConsoleBackend):
    kind = "whatsapp"


# --- Webhook (delivery statuses, incoming messages) ---------------------------


def verify_subscription(params: Mapping[str, str], verify_token: str | None = None) -> str | None:
    """Meta's subscription check (GET with hub.mode, hub.verify_token, hub.challenge):
    the challenge to answer with when mode and token match, else None."""
    if verify_token is None:
        verify_token = settings.WHATSAPP_VERIFY_TOKEN
    if not verify_token:
        return None  # an unset token must not match an empty one
    challenge = params.get("hub.challenge")
    given = params.get("hub.verify_token") or ""
    if params.get("hub.mode") != "subscribe" or challenge is None:
        return None
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    return challenge


def verify_signature(body: bytes, header: str | None, app_secret: str | None = None) -> bool:
    """True when X-Hub-Signature-256 ("sha256=<hex>") is the HMAC-SHA256 of the raw body
    keyed with the app secret."""
    if app_secret is None:
        app_secret = settings.WHATSAPP_APP_SECRET
    if not app_secret or not header:
        return False
    scheme, _sep, signature = header.strip().partition("=")
    if scheme.lower() != "sha256" or not signature:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    # Bytes, because compare_digest refuses non-ASCII str; constant time against guessing.
    return hmac.compare_digest(expected.encode(), signature.lower().encode())


def _error_text(errors) -> str | None:
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None
    error = errors[0]
    text = str(error.get("title") or error.get("message") or "")
    data = error.get("error_data")
    details = str(data.get("details") or "") if isinstance(data, dict) else ""
    if details and details != text:
        text = f"{text}: {details}" if text else details
    if error.get("code") is not None:
        text = f"{text} ({error['code']})" if text else str(error["code"])
    return text or None


def parse_statuses(payload: dict) -> list[tuple[str, str, str | None]]:
    """(provider message id, status, error text or None) for every status in a webhook payload.

    Only sent, delivered, read and failed are returned; the same payload may also carry
    incoming messages, which are not ours to read here."""
    result = []
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            for status in value.get("statuses") or []:
                if not isinstance(status, dict):
                    continue
                message_id, state = status.get("id"), status.get("status")
                if not message_id or state not in STATUSES:
                    continue
                result.append((str(message_id), state, _error_text(status.get("errors"))))
    return result


def _e164(number) -> str:
    """ "+4915112345678" from what Meta sends ("4915112345678", "+49 151 12345678"); "" for nothing."""
    digits = re.sub(r"\D", "", str(number or ""))
    return f"+{digits}" if digits else ""


def _sent_at(timestamp) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _message_text(message: dict, kind: str) -> str:
    """The words of an incoming message: the text, a button's label, a caption, a place."""
    part = message.get(kind)
    part = part if isinstance(part, dict) else {}
    if kind == "text":
        text = part.get("body")
    elif kind == "button":
        text = part.get("text")
    elif kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        text = reply.get("title") if isinstance(reply, dict) else None
    elif kind in CAPTIONED_TYPES:
        text = part.get("caption")
    elif kind == "location":
        text = "\n".join(str(part[key]) for key in ("name", "address") if part.get(key))
    elif kind == "system":
        text = part.get("body")
    else:
        text = None
    return str(text).strip() if isinstance(text, (str, int, float)) else ""


def _incoming(message: dict, business_number: str, names: dict) -> IncomingMessage | None:
    kind = str(message.get("type") or "")
    sender, message_id = _e164(message.get("from")), str(message.get("id") or "")
    # A group's messages are not written to the coach; without sender or id there is nobody to keep it for.
    if not sender or not message_id or kind in IGNORED_TYPES or message.get("group_id"):
        return None
    context = message.get("context")
    reply_to = str(context.get("id") or "") if isinstance(context, dict) else ""
    return IncomingMessage(
        channel="whatsapp",
        sender=sender,
        to=business_number,
        provider_message_id=message_id[:255],
        text=_message_text(message, kind)[:MAX_TEXT_LENGTH],
        sender_name=names.get(sender, "")[:MAX_NAME_LENGTH],
        sent_at=_sent_at(message.get("timestamp")),
        reply_to=reply_to[:255],
        automatic=kind in AUTOMATIC_TYPES,
    )


def parse_messages(payload: dict) -> list[IncomingMessage]:
    """The messages people sent to our number, in a webhook payload (`messages` in each
    change's value, with the sender's profile name from `contacts` and our number from
    `metadata`). Reactions, group messages and anything without a sender are left out."""
    result = []
    for entry in payload.get("entry") or [] if isinstance(payload, dict) else []:
        for change in (entry or {}).get("changes") or [] if isinstance(entry, dict) else []:
            value = (change or {}).get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
            business_number = _e164(metadata.get("display_phone_number"))
            names = {}
            for contact in value.get("contacts") or []:
                if isinstance(contact, dict) and isinstance(contact.get("profile"), dict):
                    names[_e164(contact.get("wa_id"))] = str(contact["profile"].get("name") or "").strip()
            for message in value.get("messages") or []:
                incoming = _incoming(message, business_number, names) if isinstance(message, dict) else None
                if incoming is not None:
                    result.append(incoming)
    return result
