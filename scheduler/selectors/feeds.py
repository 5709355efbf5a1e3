"""Reads of the calendar feeds: the coach's private feed and the public busy feed."""

import hmac
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q

from ..availability import Interval, merge_intervals
from ..models import BlockedPeriod, Booking, Coach, ExternalBusy
from .booking import coaches

# Cancelled bookings stay this long in the coach's feed, so subscribed calendars see the cancellation.
CANCELLED_IN_FEED = timedelta(days=30)
# How far back a feed reaches.
FEED_HISTORY = timedelta(days=180)


def coach_by_feed_token(token: str) -> Coach | None:
    """The coach whose private feed this is; the token is compared in constant time."""
    coach = coaches().filter(feed_token=token).first()
    if coach is None or not hmac.compare_digest(coach.feed_token.encode(), token.encode()):
        return None
    return coach


def coach_feed_content(*, coach: Coach, now: datetime) -> tuple[list[Booking], list[BlockedPeriod]]:
    """Active bookings and recently cancelled ones, and blocked periods, from FEED_HISTORY ago on."""
    since = now - FEED_HISTORY
    bookings = list(
        Booking.objects.filter(coach=coach, end__gte=since)
        .filter(
            Q(status__in=Booking.ACTIVE_STATUSES)
            | Q(status=Booking.Status.CANCELLED, updated_at__gte=now - CANCELLED_IN_FEED)
        )
        .select_related("client", "appointment_type")
        .order_by("start")
    )
    blocked = list(BlockedPeriod.objects.filter(coach=coach).filter(Q(end__gte=since) | Q(last_day__gte=since.date())))
    return bookings, blocked


def coach_busy_intervals(*, coach: Coach, now: datetime) -> list[Interval]:
    """Merged busy time from today on (bookings with buffers, blocked periods, imported busy)."""
    zone = coach.zone
    start = now - timedelta(days=1)
    end = now + FEED_HISTORY
    busy = [
        Interval(a, b)
        for a, b in Booking.objects.filter(
            coach=coach, status__in=Booking.ACTIVE_STATUSES, blocked_end__gt=start, blocked_start__lt=end
        ).values_list("blocked_start", "blocked_end")
    ]
    busy += [
        Interval(*period.span(zone))
        for period in BlockedPeriod.objects.filter(coach=coach).filter(Q(end__gt=start) | Q(last_day__gte=start.date()))
    ]
    busy += [
        Interval(a, b)
        for a, b in ExternalBusy.objects.filter(coach=coach, end__gt=start, start__lt=end).values_list("start", "end")
    ]
    return merge_intervals(busy)


def coach_feed_fingerprint(*, coach: Coach, now: datetime) -> str:
    """Changes whenever the coach's feed would: lets an unchanged feed be answered
    (304, or from the cache) without building it. Two aggregate queries."""
    since = now - FEED_HISTORY
    bookings = (
        Booking.objects.filter(coach=coach, end__gte=since)
        .filter(
            Q(status__in=Booking.ACTIVE_STATUSES)
            | Q(status=Booking.Status.CANCELLED, updated_at__gte=now - CANCELLED_IN_FEED)
        )
        .aggregate(count=Count("pk"), changed=Max("updated_at"))
    )
    blocked = (
        BlockedPeriod.objects.filter(coach=coach)
        .filter(Q(end__gte=since) | Q(last_day__gte=since.date()))
        .aggregate(count=Count("pk"), changed=Max("updated_at"))
    )
    parts = [
        coach.pk,
        coach.display_name,
        coach.time_zone,
        bookings["count"],
        bookings["changed"],
        blocked["count"],
        blocked["changed"],
    ]
    return "|".join(str(part) for part in parts)
