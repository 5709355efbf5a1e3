"""Claiming and sending: one message at a time, checked against the booking as it is
now, handed to its channel's backend, and its outcome recorded (see the package's
docstring for the guarantees). An automatic answer to a message outside a booking has no
booking to be overtaken by; it keeps WhatsApp's 24-hour rule instead, and its failure is
read in the coach's received messages, not sent to the coach as an alert."""

import logging
import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..channels.base import DeliveryError, get_backend
from ..models import Booking, Notification
from ..models.common import Channel
from ..selectors.coach_bookings import ALERT_KINDS
from .calendar_entries import (
    ENTRY_TRUE_WHILE,
    calendar_alert_render,
    calendar_connected,
    calendar_entry_render,
    calendar_entry_sent,
    calendar_failure_alert,
    is_calendar_alert,
)
from .contact_answer import contact_answer_render
from .proposal_texts import proposal_render
from .queue import notifications_dispatch
from .texts import client_key_problem, render
from .write import Kind, Status, coach_alert_write

logger = logging.getLogger("sprechzeit.outbox")

MAX_ATTEMPTS = 6
# A calendar write is safe to repeat, and a calendar server may be down for a while: tried
# for about three hours (the backoff reaches its 30 minutes at the eighth attempt).
CALENDAR_MAX_ATTEMPTS = 12
# A row left in "sending" this long belongs to a worker that died (or hangs): whether it
# handed the message over is unknown.
SENDING_TIMEOUT = timedelta(minutes=5)
# A due row dispatched this long ago without being claimed is dispatched again.
REDISPATCH_AFTER = timedelta(minutes=2)
# WhatsApp takes free text (our automatic answer) only within 24 hours of the recipient's own
# message; later, Meta would refuse it. A few minutes are kept in hand for the sending itself.
FREE_TEXT_WINDOW = timedelta(hours=24) - timedelta(minutes=5)

# ALERT_KINDS tell the coach what happened to another message, not the booking's state:
# no later change makes them untrue. (Their sequence is the other message's pk.)
# The booking's statuses in which what a message of each kind says is true. Every change
# of a booking raises its sequence and writes the messages that tell of it, so a message
# whose sequence is behind the booking's has been overtaken by a later one, and is not sent.
# (Reminders have their own rule: they become obsolete, see _obsolete.)
TRUE_WHILE = {
    Kind.ADDRESS_CONFIRMATION: {Booking.Status.UNCONFIRMED},
    Kind.REQUEST_RECEIVED: {Booking.Status.REQUESTED},
    Kind.COACH_REQUEST_WAITING: {Booking.Status.REQUESTED},
    Kind.CONFIRMED: {Booking.Status.CONFIRMED},
    Kind.COACH_NEW_BOOKING: {Booking.Status.CONFIRMED},
    Kind.RESCHEDULED: {Booking.Status.REQUESTED, Booking.Status.CONFIRMED},
    Kind.DECLINED: {Booking.Status.DECLINED, Booking.Status.EXPIRED},
    Kind.CANCELLED: {Booking.Status.CANCELLED},
    # The booking as it is when sent: true in every status the coach sees.
    Kind.CALENDAR_ENTRY: ENTRY_TRUE_WHILE,
}
# What providers report about a sent message, in the order it happens; a report never
# moves a message back (a late "delivered" leaves "read"). WhatsApp: sent, delivered, read
# or failed; Threema's receipts: received, read, then acknowledged or declined.
DELIVERY_ORDER = {"sent": 1, "delivered": 2, "received": 2, "failed": 3, "read": 4, "acknowledged": 5, "declined": 5}


def _backoff(attempts: int) -> timedelta:
    """20 s, 40 s, 80 s, … up to 30 minutes, each ±50 % so retries do not march in step."""
    seconds = min(10 * 2**attempts, 1800)
    return timedelta(seconds=seconds * random.uniform(0.5, 1.5))


def _obsolete(notification: Notification, now: datetime) -> bool:
    booking = notification.booking
    if notification.kind == Kind.PROPOSAL:  # the link was used or withdrawn before it went out
        return not notification.booking_link.is_open
    if notification.kind == Kind.CALENDAR_ENTRY:
        return not calendar_connected(notification)  # disconnected since: nothing to write to
    if notification.kind != Kind.REMINDER or booking is None:
        return False
    return (
        booking.status != Booking.Status.CONFIRMED or notification.sequence != booking.sequence or booking.start <= now
    )


def _too_late_for_free_text(notification: Notification, now: datetime) -> str:
    """Why an automatic answer on WhatsApp may no longer be sent (24 hours have passed since
    the sender's message), or ""."""
    inbound = notification.inbound_message
    if inbound is None or notification.channel != Channel.WHATSAPP or now - inbound.received_at <= FREE_TEXT_WINDOW:
        return ""
    return _(
        "Not sent: WhatsApp allows an answer in free text only within 24 hours of the sender's message, "
        "and they had passed."
    )


def notification_overtaken(notification: Notification) -> bool:
    """Has a later change of the booking made what this message says untrue? (A message
    without a booking has none to be overtaken by.)"""
    if notification.booking_id is None or notification.kind in ALERT_KINDS or notification.kind == Kind.REMINDER:
        return False
    booking = notification.booking
    return notification.sequence != booking.sequence or booking.status not in TRUE_WHILE.get(notification.kind, ())


# What a row is about, joined in the query that reads it. A row is about a booking, or is an
# automatic answer to an inbound message, or a proposal with a booking link (models/notification.py).
# Nearly all are about a booking: they are read with its relations only, as one join of all
# seven cost more to compile than rendering the message. The others are read again with theirs.
BOOKING_RELATIONS = ("booking__coach__user", "booking__client", "booking__appointment_type")
OTHER_RELATIONS = (
    "inbound_message__coach",
    "booking_link__coach__user",
    "booking_link__client",
    "booking_link__appointment_type",
)


def _claimed_row(notification_id: int) -> Notification:
    notification = Notification.objects.select_related(*BOOKING_RELATIONS).get(pk=notification_id)
    if notification.booking_id is None:
        notification = Notification.objects.select_related(*OTHER_RELATIONS).get(pk=notification_id)
    return notification


def notification_send(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one notification if it is due and nobody else is sending it.

    Returns "sent", "retry", "failed", "unknown" (it may have gone out), "obsolete",
    "superseded" or "skipped" (not claimable, or another attempt took the row over)."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, status=Status.PENDING, scheduled_for__lte=now).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    notification = _claimed_row(notification_id)
    # This attempt's row: what a slow attempt learns late changes nothing that a later
    # attempt (the coach's "send again") has claimed since.
    mine = Notification.objects.filter(
        pk=notification_id, claimed_at=now, attempts=notification.attempts, status__in=(Status.SENDING, Status.UNKNOWN)
    )
    if _obsolete(notification, now):
        mine.update(status=Status.OBSOLETE)
        return "obsolete"
    if notification_overtaken(notification):
        mine.update(status=Status.SUPERSEDED)
        return "superseded"
    too_late = _too_late_for_free_text(notification, now)
    if too_late:
        mine.update(status=Status.OBSOLETE, last_error=too_late)
        return "obsolete"
    key_problem = client_key_problem(notification) if notification.booking_id is not None else ""
    if key_problem:
        _key_unusable_alert(notification, key_problem, now)
    try:
        if notification.kind == Kind.PROPOSAL:
            message = proposal_render(notification, now=now)
        elif notification.booking_id is None:
            message = contact_answer_render(notification, now=now)
        elif notification.kind == Kind.CALENDAR_ENTRY:
            message = calendar_entry_render(notification)
        elif is_calendar_alert(notification):
            message = calendar_alert_render(notification)
        else:
            message = render(notification, client_key_problem=key_problem)
    except Exception as exc:  # a bug, not the provider's: nothing went out, so say so
        logger.exception("notification %s could not be rendered", notification_id)
        _fail(notification, _("The message could not be written (%(reason)s).") % {"reason": exc}, now, rows=mine)
        return "failed"
    try:
        provider_id = get_backend(notification.channel).send(message)
    except DeliveryError as exc:
        return _attempt_failed(notification, exc, now, mine)
    note = (
        _("Sent as a notice without content: the client's OpenPGP key no longer works (%(reason)s).")
        % {"reason": key_problem}
        if key_problem
        else ""
    )
    # Recorded whatever the row says by now (a slow attempt may find it marked unknown): it was sent.
    Notification.objects.filter(pk=notification_id).exclude(status=Status.SENT).update(
        status=Status.SENT, provider_message_id=provider_id[:255], sent_at=timezone.now(), last_error=note[:2000]
    )
    if notification.kind == Kind.CALENDAR_ENTRY:
        calendar_entry_sent(notification, now)
    return "sent"


def _attempt_failed(notification: Notification, exc: DeliveryError, now: datetime, mine: QuerySet) -> str:
    error = str(exc)[:2000]
    if exc.unknown:
        # Sending again could deliver it twice; the coach sees "may not have arrived" and decides.
        return "unknown" if mine.update(status=Status.UNKNOWN, last_error=error) else "skipped"
    limit = CALENDAR_MAX_ATTEMPTS if notification.kind == Kind.CALENDAR_ENTRY else MAX_ATTEMPTS
    if exc.permanent or notification.attempts >= limit:
        return "failed" if _fail(notification, error, now, rows=mine) else "skipped"
    retried = mine.update(status=Status.PENDING, last_error=error, scheduled_for=now + _backoff(notification.attempts))
    return "retry" if retried else "skipped"


def _key_unusable_alert(notification: Notification, problem: str, now: datetime) -> None:
    """Once per booking: the coach hears that the client's key no longer works."""
    with transaction.atomic():
        if not notification.booking.notifications.filter(kind=Kind.COACH_KEY_UNUSABLE).exists():
            coach_alert_write(notification, Kind.COACH_KEY_UNUSABLE, problem, now)


def _fail(notification: Notification, error: str, now: datetime, *, rows: QuerySet | None = None) -> bool:
    """Fail the message (those of `rows` that still match) and tell the coach, so the
    client does not wait for a message that never comes (coach_alert_write tells nobody of
    an automatic answer: the received messages show it). False when no row matched."""
    rows = rows if rows is not None else Notification.objects.filter(pk=notification.pk)
    with transaction.atomic():
        if not rows.update(status=Status.FAILED, last_error=error[:2000]):
            return False
        if notification.kind == Kind.CALENDAR_ENTRY:
            calendar_failure_alert(notification, error, now)
        else:
            coach_alert_write(notification, Kind.COACH_DELIVERY_FAILED, error, now)
    return True


def notifications_sweep(*, now: datetime | None = None) -> int:
    """Mark rows of dead workers as unknown (calendar writes: pending again) and dispatch
    everything due; returns how many were dispatched."""
    now = now or timezone.now()
    stuck = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT)
    # A calendar write is safe to repeat (channels/caldav.py): simply tried again.
    stuck.filter(kind=Kind.CALENDAR_ENTRY).update(status=Status.PENDING, scheduled_for=now)
    # The worker died before, while or after handing the message over: nobody can tell, so
    # it is not sent again blindly (that was a duplicate whenever the provider had it).
    stuck.exclude(kind=Kind.CALENDAR_ENTRY).update(
        status=Status.UNKNOWN,
        last_error=_("The sending stopped before the provider's answer was known; the message may not have arrived."),
    )
    due = list(
        Notification.objects.filter(status=Status.PENDING, scheduled_for__lte=now)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER))
        .values_list("pk", flat=True)[:1000]
    )
    notifications_dispatch(ids=due)
    return len(due)


def notification_delivery_update(*, channel: str, provider_message_id: str, status: str, error: str = "") -> int:
    """Record what a provider reports about a sent message; returns how many rows it names.

    Reports only move forward (DELIVERY_ORDER): webhooks arrive in any order, and a late
    "delivered" must not turn "read" back. A message that failed after it was sent
    (WhatsApp's "failed") is failed here too, and the coach is told."""
    rank = DELIVERY_ORDER.get(status)
    rows = list(Notification.objects.filter(channel=channel, provider_message_id=provider_message_id))
    if rank is None:
        return len(rows)
    behind = ["", *(name for name, earlier in DELIVERY_ORDER.items() if earlier < rank)]
    for notification in rows:
        # Conditional, so that two reports racing each other cannot move it back either.
        moved = Notification.objects.filter(pk=notification.pk, delivery_status__in=behind).update(
            delivery_status=status[:12]
        )
        if moved and status == "failed":
            sent = Notification.objects.filter(pk=notification.pk, status=Status.SENT)
            _fail(notification, error or status, timezone.now(), rows=sent)
    return len(rows)
