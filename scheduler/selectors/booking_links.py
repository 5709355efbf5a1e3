"""Reads of booking links: one by its token, the coach's list, what a link allows (its types,
its dates as an instant range, its proposed times) and through which channels a client can
be reached with a proposal."""

from datetime import datetime, time, timedelta

from django.db.models import QuerySet

from ..models import AppointmentType, Booking, BookingLink, Client, Coach
from ..outbox.write import Audience, address
from ..timebounds import parse_instant


def booking_link_by_token(*, token: str) -> BookingLink | None:
    """The link with this token, of an active coach, or None."""
    return (
        BookingLink.objects.select_related("coach__user", "appointment_type", "client", "booking")
        .filter(token=token, coach__user__is_active=True)
        .first()
    )


def coach_booking_links(*, coach: Coach) -> QuerySet[BookingLink]:
    """The coach's links, newest first, with what the list shows of each (a proposal's message too)."""
    return coach.booking_links.select_related("appointment_type", "client", "booking").prefetch_related("notifications")


def coach_booking_link(*, coach: Coach, token: str) -> BookingLink | None:
    return coach_booking_links(coach=coach).filter(token=token).first()


def booking_link_status(link: BookingLink) -> str:
    """ "used", "withdrawn" or "open" (the list's badge)."""
    if link.spent_at is not None:
        return "used"
    return "withdrawn" if link.revoked_at is not None else "open"


def booking_link_types(*, link: BookingLink) -> QuerySet[AppointmentType]:
    """The types a link leads to: its own (listed or not, while active), else the coach's
    listed active ones."""
    types = link.coach.appointment_types.filter(active=True)
    if link.appointment_type_id is not None:
        return types.filter(pk=link.appointment_type_id)
    return types.filter(listed=True)


def booking_link_window(link: BookingLink) -> tuple[datetime | None, datetime | None]:
    """The link's dates as [start, end) instants: from midnight of valid_from to the end of
    valid_until, in the coach's zone; None for an open end."""
    zone = link.coach.zone
    start = datetime.combine(link.valid_from, time(0), tzinfo=zone) if link.valid_from else None
    end = datetime.combine(link.valid_until + timedelta(days=1), time(0), tzinfo=zone) if link.valid_until else None
    return start, end


def booking_link_allows(link: BookingLink, start: datetime) -> bool:
    """Whether `start` lies within the link's dates."""
    first, end = booking_link_window(link)
    return (first is None or start >= first) and (end is None or start < end)


def proposed_starts(link: BookingLink) -> list[datetime]:
    """The proposed times as aware instants, in order (an unreadable entry is left out)."""
    return sorted(start for start in (parse_instant(value) for value in link.proposed_starts) if start is not None)


def client_channels(*, client: Client) -> list[tuple[str, tuple[str, str]]]:
    """Each channel the client booked through, most recent first, with where a message on it
    goes ((channel, recipient) as for their bookings' messages: a phone, video or in-person
    booking's messages go by e-mail)."""
    found: dict[str, tuple[str, str]] = {}
    bookings = client.bookings.exclude(status=Booking.Status.UNCONFIRMED).order_by("-created_at")
    for booking in bookings.select_related("client", "coach__user")[:50]:
        if booking.channel not in found:
            found[booking.channel] = address(booking, Audience.CLIENT)
    return list(found.items())
