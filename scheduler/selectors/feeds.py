"""Reads of the calendar feeds: the coach's private feed and the public busy feed."""

import hmac
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple
from uuid import UUID

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Max, Min, Q, When

from ..models import AppointmentType, BlockedPeriod, Booking, Coach, ExternalBusy
from ..models.common import Channel
from ..slot_engine import Interval, merge_intervals
from .coaches import coaches

# Cancelled bookings stay this long in the coach's feed, so subscribed calendars see the cancellation.
CANCELLED_IN_FEED = timedelta(days=30)
# How far back a feed reaches.
FEED_HISTORY = timedelta(days=180)


def bookings_in_feed(*, now: datetime) -> Q:
    """The bookings a feed shows: active ones and those cancelled in the last
    CANCELLED_IN_FEED (so subscribed calendars remove them), from FEED_HISTORY ago on."""
    return Q(end__gte=now - FEED_HISTORY) & (
        Q(status__in=Booking.ACTIVE_STATUSES)
        | Q(status=Booking.Status.CANCELLED, updated_at__gte=now - CANCELLED_IN_FEED)
    )


def bookings_in_coach_feed(*, now: datetime) -> Q:
    """What the coach's feed shows of `bookings_in_feed`: not a booking whose client has not
    confirmed their address (it may be a stranger's, and the coach does not see it), nor one
    cancelled while it waited so (the coach never saw it; a confirmed one has no hold left)."""
    never_seen = Q(status=Booking.Status.UNCONFIRMED) | Q(
        status=Booking.Status.CANCELLED, hold_until__isnull=False, address_confirmed_at__isnull=True
    )
    return bookings_in_feed(now=now) & ~never_seen


def coach_by_feed_token(token: str) -> Coach | None:
    """The coach whose private feed this is; the token is compared in constant time."""
    coach = coaches().filter(feed_token=token).first()
    if coach is None or not hmac.compare_digest(coach.feed_token.encode(), token.encode()):
        return None
    return coach


class FeedBooking(NamedTuple):
    """A booking as the coach's feed writes it: a row, not a model instance, because
    building 5,000 instances (with client and type) costs more than the whole feed."""

    uuid: UUID
    start: datetime
    end: datetime
    status: str
    channel: str
    message: str
    sequence: int
    type_name: str
    client_name: str
    client_email: str
    client_phone: str
    contact: str
    type_location: str  # the address of an in-person meeting
    video_room: str


# The columns of FeedBooking, in its order.
FEED_BOOKING_COLUMNS = (
    "uuid",
    "start",
    "end",
    "status",
    "channel",
    "message",
    "sequence",
    "appointment_type__name",
    "client_name",
    "client__email",
    "phone",
    "contact",
    "appointment_type__location",
    "video_room",
)


def _contact() -> Case:
    """The contact on the booking's channel, chosen in the query by Channel.contact_field."""
    return Case(
        *(When(channel=channel, then=F(channel.contact_field)) for channel in Channel if channel.contact_field),
        default=F("client__email"),
        output_field=CharField(),
    )


def feed_booking(*, booking_id: int) -> FeedBooking | None:
    """One booking as the coach's feed writes it (for its event in the coach's CalDAV calendar)."""
    row = Booking.objects.filter(pk=booking_id).annotate(contact=_contact()).values_list(*FEED_BOOKING_COLUMNS).first()
    return None if row is None else FeedBooking._make(row)


def coach_feed_content(*, coach: Coach, now: datetime) -> tuple[list[FeedBooking], list[BlockedPeriod]]:
    """Active bookings and recently cancelled ones, and blocked periods, from FEED_HISTORY ago on.
    One query for the bookings (joined with client and type), one for the blocked periods.
    Name and contact are the booking's own (what this booking gave), not the client row's."""
    since = now - FEED_HISTORY
    rows = (
        Booking.objects.filter(coach=coach)
        .filter(bookings_in_coach_feed(now=now))
        .annotate(contact=_contact())
        .order_by("start")
        .values_list(*FEED_BOOKING_COLUMNS)
    )
    bookings = [FeedBooking._make(row) for row in rows]
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


# Raised when the feed's text changes in a way no row shows (its wording, its layout), so
# cached feeds and their dates are not used again.
FEED_FORMAT = 3


class FeedFingerprint(NamedTuple):
    key: str  # changes whenever anything the coach's feed shows does
    changed: datetime  # the latest change its rows record: the feed's DTSTAMP
    # Until when no row can leave the feed by time alone (a booking or blocked period past
    # FEED_HISTORY, a cancellation past CANCELLED_IN_FEED); no row enters by time. None: no
    # row can leave.
    holds_until: datetime | None


def _day_start(day) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _holds_until(bookings: dict, blocked: dict) -> datetime | None:
    """The first moment a row of the feed may leave it as time passes (bookings_in_feed and
    the blocked periods' rule, read backwards), or a little before: a blocked period stays
    while either its end or its last day is recent, and the earlier of the two is taken."""
    leaving = [
        bookings["first_end"] and bookings["first_end"] + FEED_HISTORY,
        bookings["first_cancelled"] and bookings["first_cancelled"] + CANCELLED_IN_FEED,
        blocked["first_end"] and blocked["first_end"] + FEED_HISTORY,
        # last_day >= since.date() holds until `since` reaches the day after it, in UTC.
        blocked["first_last_day"] and _day_start(blocked["first_last_day"] + timedelta(days=1)) + FEED_HISTORY,
    ]
    return min((moment for moment in leaving if moment), default=None)


def coach_feed_fingerprint(*, coach: Coach, now: datetime) -> FeedFingerprint:
    """Lets an unchanged feed be answered (304, or from the cache) without building it.
    The key holds everything the feed shows: the coach's name, zone and language (the feed
    is written in it), the names and addresses of the types, the video links' settings, and
    counts and latest changes of its bookings and blocked periods (a row that leaves the
    feed changes a count). `changed` dates the
    feed by its data, not the clock, so unchanged data gives unchanged bytes; it cannot see
    a deletion or a renamed type, so the answer's Last-Modified is kept apart from it
    (views/feeds.py). Three small queries."""
    since = now - FEED_HISTORY
    bookings = (
        Booking.objects.filter(coach=coach)
        .filter(bookings_in_coach_feed(now=now))
        .aggregate(
            count=Count("pk"),
            changed=Max("updated_at"),
            first_end=Min("end"),
            first_cancelled=Min("updated_at", filter=Q(status=Booking.Status.CANCELLED)),
        )
    )
    blocked = (
        BlockedPeriod.objects.filter(coach=coach)
        .filter(Q(end__gte=since) | Q(last_day__gte=since.date()))
        .aggregate(count=Count("pk"), changed=Max("updated_at"), first_end=Min("end"), first_last_day=Min("last_day"))
    )
    # A coach has a handful of types; their names and addresses are in the feed, and a change leaves no date.
    types = list(AppointmentType.objects.filter(coach=coach).order_by("pk").values_list("pk", "name", "location"))
    parts = [
        *feed_settings(),
        coach.pk,
        coach.display_name,
        coach.time_zone,
        coach.language,
        types,
        bookings["count"],
        bookings["changed"],
        blocked["count"],
        blocked["changed"],
    ]
    changes = [coach.created_at, bookings["changed"], blocked["changed"]]
    return FeedFingerprint(
        key="\x00".join(repr(part) for part in parts),
        changed=max(change for change in changes if change is not None),
        holds_until=_holds_until(bookings, blocked),
    )


def feed_settings() -> tuple:
    """What of the installation's settings and code the feed's text depends on."""
    return (
        FEED_FORMAT,
        settings.SITE_URL,  # the events' UIDs name its domain
        settings.JITSI_URL,  # video bookings' links, and their tokens
        settings.JITSI_APP_ID,
        bool(settings.JITSI_APP_SECRET),  # whether links carry a token (the secret stays out of the key)
    )
