"""Reads for a coach's answer to a client's data request: what the coach keeps about one
e-mail address (the client row, its bookings, the messages sent to the client and received
from them), its counts, and the record of requests answered before. Only this coach's data:
another coach's client with the same address is another client."""

from django.db.models import Q, QuerySet

from ..models import Booking, Client, ClientDataRequest, Coach, InboundMessage, Notification
from .privacy import booking_data, client_record_data, with_client_messages


def client_of(*, coach: Coach, email: str) -> Client | None:
    """The coach's client with this address (stored lower-cased), or None."""
    return Client.objects.filter(coach=coach, email=email.strip().lower()).select_related("coach").first()


def client_bookings(*, client: Client) -> QuerySet[Booking]:
    return client.bookings.select_related("coach", "appointment_type", "client").order_by("start")


def client_inbound_messages(*, client: Client) -> QuerySet[InboundMessage]:
    """What reached the coach from the client: replies about their bookings, and messages
    outside a booking from a Threema ID or WhatsApp number the client gave the coach."""
    senders = set()
    for row in (client, *client.bookings.all()):
        senders.update(value for value in (row.threema_id, row.whatsapp) if value)
    return InboundMessage.objects.filter(coach=client.coach).filter(
        Q(booking__client=client) | Q(booking__isnull=True, sender__in=senders)
    )


def client_notifications(*, client: Client) -> QuerySet[Notification]:
    """Every message about the client's bookings (to them or to the coach about them), the
    proposals sent to them, and the answers to their messages outside a booking."""
    return Notification.objects.filter(
        Q(booking__client=client)
        | Q(booking_link__client=client)
        | Q(inbound_message__in=client_inbound_messages(client=client))
    )


def client_data_counts(*, client: Client | None) -> dict[str, int]:
    """How much the coach keeps about the client (all zero for None)."""
    if client is None:
        return {"clients": 0, "bookings": 0, "messages": 0, "received_messages": 0, "booking_links": 0}
    return {
        "clients": 1,
        "bookings": client.bookings.count(),
        "messages": client_notifications(client=client).count(),
        "received_messages": client_inbound_messages(client=client).count(),
        "booking_links": client.booking_links.count(),
    }


def client_data(*, client: Client) -> dict:
    """Everything the coach keeps about the client, for the JSON export: the same shapes as
    the client's own export on /me/ (selectors/privacy.py), limited to this coach."""
    return {
        "client": client_record_data(client),
        "bookings": [booking_data(booking) for booking in with_client_messages(client_bookings(client=client))],
        "messages_received_from_you": [
            {
                "channel": message.channel,
                "from": message.sender,
                "name": message.sender_name,
                "text": message.text,
                "received_at": message.received_at.isoformat(),
            }
            for message in client_inbound_messages(client=client).order_by("received_at", "pk")
        ],
    }


def client_data_requests(*, coach: Coach) -> QuerySet[ClientDataRequest]:
    """The coach's answered requests, latest first."""
    return ClientDataRequest.objects.filter(coach=coach)


def client_erasures_waiting() -> QuerySet[ClientDataRequest]:
    """Erasures whose cancellation messages were still being sent when they were made."""
    return ClientDataRequest.objects.filter(pending_client__isnull=False).select_related("pending_client")
