"""Reads of a client's own data: what /me/ lists and what the export holds. A user's
bookings are those made with one of their verified e-mail addresses, with any coach."""

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, QuerySet

from ..ics import booking_manage_url
from ..models import Booking, Client, Notification
from .feeds import bookings_in_feed


def user_emails_verified(*, user) -> list[str]:
    """The user's verified addresses, lower-cased as clients' addresses are stored."""
    addresses = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return sorted({email.lower() for email in addresses})


def user_clients(*, user) -> QuerySet[Client]:
    """The user as a client of each coach they booked with."""
    return Client.objects.filter(email__in=user_emails_verified(user=user)).select_related("coach")


def user_bookings(*, user) -> QuerySet[Booking]:
    """The user's bookings with every coach, with what their pages show, by start."""
    return (
        Booking.objects.filter(client__in=user_clients(user=user))
        .select_related("coach", "appointment_type", "client")
        .order_by("start")
    )


def user_feed_bookings(*, user, now) -> QuerySet[Booking]:
    """What the user's calendar feed shows: as the coach's feed, but their own bookings."""
    return user_bookings(user=user).filter(bookings_in_feed(now=now))


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def user_data_export(*, user) -> dict:
    """Everything stored about the user, for the JSON export: the account, the stored
    contact details, each coach's record of them, and each booking with the messages
    sent to them."""
    profile = getattr(user, "client_profile", None)
    bookings = with_client_messages(user_bookings(user=user))
    return {
        "account": {
            "email": user.email,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("email")
            ],
        },
        "profile": {
            "name": profile.name,
            "phone": profile.phone,
            "threema_id": profile.threema_id,
            "whatsapp": profile.whatsapp,
            "pgp_public_key": profile.pgp_public_key,
            "language": profile.language,
        }
        if profile
        else None,
        "coaches_records": [
            client_record_data(client) for client in user_clients(user=user).order_by("coach__display_name")
        ],
        "bookings": [booking_data(booking) for booking in bookings],
    }


def with_client_messages(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """The bookings with the messages to their client, for booking_data()."""
    to_client = Notification.objects.filter(audience=Notification.Audience.CLIENT).order_by("scheduled_for", "pk")
    return bookings.prefetch_related(Prefetch("notifications", queryset=to_client))


def client_record_data(client: Client) -> dict:
    """A coach's record of a client, as the exports show it."""
    return {
        "coach": client.coach.display_name,
        "name": client.name,
        "email": client.email,
        "phone": client.phone,
        "threema_id": client.threema_id,
        "whatsapp": client.whatsapp,
        "pgp_public_key": client.pgp_public_key,
        "language": client.language,
        "created_at": _iso(client.created_at),
    }


def booking_data(booking: Booking) -> dict:
    """A booking with the messages sent to its client (prefetched as `notifications`), as
    the exports show it."""
    return {
        "coach": booking.coach.display_name,
        "appointment_type": booking.appointment_type.local_name,
        "start": _iso(booking.start),
        "end": _iso(booking.end),
        "status": booking.status,
        "name": booking.client_name,
        "channel": booking.channel,
        "contact": booking.contact,
        "email": booking.client.email,
        "message": booking.message,
        "language": booking.language,
        "time_zone": booking.time_zone,
        "note": booking.status_note,
        "privacy_consent_at": _iso(booking.privacy_consent_at),
        "privacy_consent_version": booking.privacy_consent_version,
        "created_at": _iso(booking.created_at),
        "manage_url": booking_manage_url(booking),
        "messages_sent_to_you": [
            {
                "kind": notification.kind,
                "channel": notification.channel,
                "recipient": notification.recipient,
                "status": notification.status,
                "scheduled_for": _iso(notification.scheduled_for),
                "sent_at": _iso(notification.sent_at),
                "delivery": notification.delivery_status,
            }
            for notification in booking.notifications.all()
        ],
    }
