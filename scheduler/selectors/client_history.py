"""A client's history with one coach, for the coach's booking page: their bookings (the
newest first) and how often they cancelled late or did not come. A client is the coach's
own (one Client row per coach and e-mail address): nothing of another coach's is read."""

from dataclasses import dataclass

from django.db.models import Count, Q

from ..models import Booking, Client, Coach
from .coach_bookings import coach_bookings

# Rows shown at most; the counts cover every booking.
HISTORY_SHOWN = 30


@dataclass(frozen=True)
class ClientHistory:
    bookings: list[Booking]
    total: int
    late_cancellations: int
    no_shows: int


def client_history(*, coach: Coach, client: Client) -> ClientHistory:
    """`client`'s bookings with `coach` as the coach sees them (coach_bookings: none that
    waits for the address to be confirmed). Empty for a client of another coach."""
    bookings = coach_bookings(coach=coach).filter(client=client, client__coach=coach)
    counts = bookings.aggregate(
        total=Count("pk"),
        late=Count("pk", filter=Q(outcome=Booking.Outcome.CANCELLED_LATE)),
        no_show=Count("pk", filter=Q(outcome=Booking.Outcome.NO_SHOW)),
    )
    return ClientHistory(
        bookings=list(bookings.order_by("-start")[:HISTORY_SHOWN]),
        total=counts["total"],
        late_cancellations=counts["late"],
        no_shows=counts["no_show"],
    )
