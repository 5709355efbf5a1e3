"""Callbacks of the messaging providers. They carry no session, so no CSRF token:
each request is authenticated by its signature instead, before anything else is read.
Delivery reports update the outbox; messages people send to a coach's Threema ID or
WhatsApp number go to services/inbound.py."""

import json
import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ..channels import threema, whatsapp
from ..outbox.send import notification_delivery_update
from ..services.inbound import inbound_message_receive

logger = logging.getLogger("sprechzeit.webhooks")


@csrf_exempt
@require_POST
def threema_callback(request):
    """Threema Gateway (end-to-end mode) posts incoming messages here: delivery receipts for
    our own messages, and what people write to our ID (kept for the coach); anything else
    (typing notices, …) is ignored."""
    data = request.POST
    if not threema.verify_callback(data, settings.THREEMA_GATEWAY_SECRET):
        return HttpResponseForbidden("bad mac")
    if not settings.THREEMA_PRIVATE_KEY:
        return HttpResponse("ok")
    try:
        sender_key = threema.GatewayBackend().public_key(data["from"]).hex()
        plain = threema.decrypt_callback_box(data, settings.THREEMA_PRIVATE_KEY, sender_key)
    except Exception:  # an undecryptable box is the sender's problem; the Gateway must not retry
        # Without the sender's Threema ID: logs name nobody (the message id finds the callback).
        logger.warning("threema callback %s could not be decrypted", data.get("messageId", "?")[:32])
        return HttpResponse("ok")
    if plain[:1] == bytes([threema.MESSAGE_TYPE_DELIVERY_RECEIPT]):
        try:
            status, message_ids = threema.parse_delivery_receipt(plain)
        except ValueError as exc:  # correctly signed, but not a receipt anyone can read
            logger.warning("threema callback %s: malformed delivery receipt (%s)", data.get("messageId", "?")[:32], exc)
            return HttpResponseBadRequest("malformed delivery receipt")
        for message_id in message_ids:
            notification_delivery_update(
                channel="threema",
                provider_message_id=message_id,
                status=threema.RECEIPT_STATUSES.get(status, "received"),
            )
        return HttpResponse("ok")
    try:
        incoming = threema.parse_incoming_message(data, plain)
    except ValueError as exc:  # signed and decrypted, but unreadable: the Gateway must not retry
        logger.warning("threema callback %s: unreadable message (%s)", data.get("messageId", "?")[:32], exc)
        return HttpResponse("ok")
    if incoming is not None:
        inbound_message_receive(message=incoming)
    return HttpResponse("ok")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request):
    """GET: Meta's subscription check. POST: status updates of our messages, and the
    messages people send to our number."""
    if request.method == "GET":
        challenge = whatsapp.verify_subscription(request.GET, settings.WHATSAPP_VERIFY_TOKEN)
        return HttpResponse(challenge) if challenge is not None else HttpResponseForbidden("bad token")
    if not whatsapp.verify_signature(
        request.body, request.headers.get("X-Hub-Signature-256"), settings.WHATSAPP_APP_SECRET
    ):
        return HttpResponseForbidden("bad signature")
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("not json")
    if not isinstance(payload, dict):
        return HttpResponseBadRequest("not a webhook payload")
    for message_id, status, error in whatsapp.parse_statuses(payload):
        notification_delivery_update(
            channel="whatsapp", provider_message_id=message_id, status=status, error=error or ""
        )
    for incoming in whatsapp.parse_messages(payload):
        inbound_message_receive(message=incoming)
    return HttpResponse("ok")
