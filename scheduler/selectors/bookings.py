"""Reads of one booking, as the pages and the API about it show it."""

from django.db.models import QuerySet

from ..models import Booking


def bookings_with_details() -> QuerySet[Booking]:
    """Bookings with what every page about one booking shows."""
    return Booking.objects.select_related("coach", "appointment_type", "client")
