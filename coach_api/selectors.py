"""Reads of the coach's API tokens."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet

from scheduler.models import Booking, Coach
from scheduler.selectors.coach_bookings import coach_bookings

from .models import CoachToken, secret_hash


def coach_token_by_secret(secret: str) -> CoachToken | None:
    """The unrevoked token of an active coach with this secret, or None."""
    if not secret or len(secret) > 200:
        return None
    return (
        CoachToken.objects.filter(token_hash=secret_hash(secret), revoked_at__isnull=True, coach__user__is_active=True)
        .select_related("coach")
        .first()
    )


def coach_tokens(*, coach: Coach) -> QuerySet[CoachToken]:
    return CoachToken.objects.filter(coach=coach)


def coach_token(*, coach: Coach, public_id) -> CoachToken | None:
    """One of the coach's tokens by its public id, or None (also for another coach's)."""
    return coach_tokens(coach=coach).filter(uuid=public_id).first()


def api_bookings(
    *,
    coach: Coach,
    status: str = "",
    type_slug: str = "",
    first_day: date | None = None,
    last_day: date | None = None,
) -> QuerySet[Booking]:
    """The coach's bookings (those the workspace shows) by their start, filtered: a status,
    a type's slug, local dates in the coach's zone (both included)."""
    bookings = coach_bookings(coach=coach)
    if status:
        bookings = bookings.filter(status=status)
    if type_slug:
        bookings = bookings.filter(appointment_type__slug=type_slug)
    zone = coach.zone
    if first_day:
        bookings = bookings.filter(start__gte=datetime.combine(first_day, time(0), tzinfo=zone))
    if last_day:
        bookings = bookings.filter(start__lt=datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone))
    return bookings.order_by("start", "pk")
