"""The outbox: notifications are written in the transaction of the change they tell
about and sent by a worker after commit.

Sending is idempotent: a task first claims its row with a conditional UPDATE, so a
task delivered twice sends once. Transient failures come back with exponential
backoff and jitter; after MAX_ATTEMPTS, or at once for a permanent failure, the row
is failed and the coach is told. A sweeper (beat, every minute) dispatches what is
due — reminders, retries, rows whose dispatch was lost because the broker was down —
and frees rows a killed worker left in "sending"."""

import logging
import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..channels.base import DeliveryError, get_backend
from ..models import Booking, Channel, Notification

logger = logging.getLogger("sprechzeit.outbox")

Kind = Notification.Kind
Audience = Notification.Audience
Status = Notification.Status

MAX_ATTEMPTS = 6
# A row left in "sending" this long belongs to a worker that died.
SENDING_TIMEOUT = timedelta(minutes=5)
# A due row dispatched this long ago without being claimed is dispatched again.
REDISPATCH_AFTER = timedelta(minutes=2)

# What each change of a booking tells whom.
EVENTS = {
    # Only the client hears of a booking whose address is not confirmed yet: the link to confirm it.
    "created_unconfirmed": [(Kind.ADDRESS_CONFIRMATION, Audience.CLIENT)],
    "created_confirmed": [(Kind.CONFIRMED, Audience.CLIENT), (Kind.COACH_NEW_BOOKING, Audience.COACH)],
    "created_requested": [(Kind.REQUEST_RECEIVED, Audience.CLIENT), (Kind.COACH_REQUEST_WAITING, Audience.COACH)],
    "confirmed": [(Kind.CONFIRMED, Audience.CLIENT)],
    "declined": [(Kind.DECLINED, Audience.CLIENT)],
    "expired": [(Kind.DECLINED, Audience.CLIENT)],
    "cancelled": [(Kind.CANCELLED, Audience.CLIENT), (Kind.CANCELLED, Audience.COACH)],
    "rescheduled": [(Kind.RESCHEDULED, Audience.CLIENT), (Kind.RESCHEDULED, Audience.COACH)],
    # The coach's own change: only the client is told (the coach's message says the client did it).
    "cancelled_by_coach": [(Kind.CANCELLED, Audience.CLIENT)],
    "rescheduled_by_coach": [(Kind.RESCHEDULED, Audience.CLIENT)],
}
# After these, a confirmed booking gets its reminders (planned for its current time).
EVENTS_WITH_REMINDERS = ("created_confirmed", "confirmed", "rescheduled", "rescheduled_by_coach")


def address(booking: Booking, audience: str) -> tuple[str, str]:
    """(channel, recipient) for the client or the coach. A client who is called by the
    coach gets their confirmation by e-mail; the coach always by e-mail. The client is
    reached as this booking gave it (its snapshot), never as another booking said."""
    if audience == Audience.COACH:
        return Channel.EMAIL, booking.coach.user.email
    if booking.channel == Channel.THREEMA:
        return Channel.THREEMA, booking.threema_id
    if booking.channel == Channel.WHATSAPP:
        return Channel.WHATSAPP, booking.whatsapp
    return Channel.EMAIL, booking.client.email


def booking_notify(*, booking: Booking, event: str, now: datetime | None = None) -> list[Notification]:
    """Write the notifications of one change (and the reminders of a confirmed booking)
    in the current transaction; they are dispatched once it commits."""
    now = now or timezone.now()
    rows = []
    for kind, audience in EVENTS[event]:
        channel, recipient = address(booking, audience)
        rows.append(
            Notification(
                booking=booking,
                kind=kind,
                audience=audience,
                channel=channel,
                recipient=recipient,
                sequence=booking.sequence,
                scheduled_for=now,
            )
        )
    if booking.status == Booking.Status.CONFIRMED and event in EVENTS_WITH_REMINDERS:
        channel, recipient = address(booking, Audience.CLIENT)
        for minutes in booking.appointment_type.reminders:
            when = booking.start - timedelta(minutes=minutes)
            if when > now:
                rows.append(
                    Notification(
                        booking=booking,
                        kind=Kind.REMINDER,
                        audience=Audience.CLIENT,
                        channel=channel,
                        recipient=recipient,
                        sequence=booking.sequence,
                        scheduled_for=when,
                    )
                )
    for row in rows:
        # Marked as dispatched up front: if queueing fails after commit, the sweeper
        # tries again REDISPATCH_AFTER later; no second write per message.
        if row.scheduled_for <= now:
            row.dispatched_at = now
    created = Notification.objects.bulk_create(rows)
    due = [row.pk for row in created if row.scheduled_for <= now]
    transaction.on_commit(lambda: notifications_dispatch(ids=due, mark=False))
    return created


def notifications_dispatch(*, ids: list[int], mark: bool = True) -> None:
    """Queue the sending of these notifications (and note when, unless the caller already
    did). A broker that is down loses nothing: the rows stay pending and the sweeper
    dispatches them again."""
    from ..tasks import send_notifications

    if not ids:
        return
    try:
        # One task for the messages of one change: one trip to the broker.
        send_notifications.delay(list(ids))
    except Exception:  # the broker's errors vary by transport; the rows are safe in the database
        logger.warning("could not queue notifications %s; the sweeper will", ids, exc_info=True)
        return
    if mark:
        Notification.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())


def _backoff(attempts: int) -> timedelta:
    """20 s, 40 s, 80 s, … up to 30 minutes, each ±50 % so retries do not march in step."""
    seconds = min(10 * 2**attempts, 1800)
    return timedelta(seconds=seconds * random.uniform(0.5, 1.5))


def _obsolete(notification: Notification, now: datetime) -> bool:
    booking = notification.booking
    if notification.kind != Kind.REMINDER:
        return False
    return (
        booking.status != Booking.Status.CONFIRMED or notification.sequence != booking.sequence or booking.start <= now
    )


def notification_send(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one notification if it is due and nobody else is sending it.

    Returns "sent", "retry", "failed", "obsolete" or "skipped" (not claimable)."""
    from ..notify import render

    now = now or timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, status=Status.PENDING, scheduled_for__lte=now).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related(
        "booking__coach__user", "booking__client", "booking__appointment_type"
    ).get(pk=notification_id)
    if _obsolete(notification, now):
        Notification.objects.filter(pk=notification_id).update(status=Status.OBSOLETE)
        return "obsolete"
    try:
        provider_id = get_backend(notification.channel).send(render(notification))
    except DeliveryError as exc:
        if exc.permanent or notification.attempts >= MAX_ATTEMPTS:
            _fail(notification, str(exc), now)
            return "failed"
        Notification.objects.filter(pk=notification_id).update(
            status=Status.PENDING, last_error=str(exc)[:2000], scheduled_for=now + _backoff(notification.attempts)
        )
        return "retry"
    Notification.objects.filter(pk=notification_id).update(
        status=Status.SENT, provider_message_id=provider_id[:255], sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _fail(notification: Notification, error: str, now: datetime) -> None:
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(status=Status.FAILED, last_error=error[:2000])
        if notification.audience == Audience.CLIENT:
            # Tell the coach, so the client does not wait for a message that never comes.
            channel, recipient = address(notification.booking, Audience.COACH)
            alert = Notification.objects.create(
                booking=notification.booking,
                kind=Kind.COACH_DELIVERY_FAILED,
                audience=Audience.COACH,
                channel=channel,
                recipient=recipient,
                sequence=notification.pk,
                scheduled_for=now,
                last_error=error[:2000],
            )
            transaction.on_commit(lambda: notifications_dispatch(ids=[alert.pk]))


def notifications_sweep(*, now: datetime | None = None) -> int:
    """Free rows of dead workers and dispatch everything due; returns how many were dispatched."""
    now = now or timezone.now()
    Notification.objects.filter(status=Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT).update(
        status=Status.PENDING
    )
    due = list(
        Notification.objects.filter(status=Status.PENDING, scheduled_for__lte=now)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER))
        .values_list("pk", flat=True)[:1000]
    )
    notifications_dispatch(ids=due)
    return len(due)


def notification_retry(*, notification: Notification) -> None:
    """The coach asks to try a failed message again. What a provider reported about the
    failed attempt does not describe the next one, so that report is cleared."""
    Notification.objects.filter(pk=notification.pk, status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, scheduled_for=timezone.now(), delivery_status=""
    )
    transaction.on_commit(lambda: notifications_dispatch(ids=[notification.pk]))


def notifications_dispatch_retry(*, notification_id: int) -> None:
    """Queue the next attempt for when it is due (a countdown of at most minutes)."""
    from ..tasks import send_notification

    due = Notification.objects.filter(pk=notification_id).values_list("scheduled_for", flat=True).first()
    if due is None:
        return
    try:
        send_notification.apply_async((notification_id,), countdown=max(0.0, (due - timezone.now()).total_seconds()))
    except Exception:
        logger.warning("could not queue the retry of %s; the sweeper will", notification_id, exc_info=True)
        return
    Notification.objects.filter(pk=notification_id).update(dispatched_at=timezone.now())


def notification_delivery_update(*, channel: str, provider_message_id: str, status: str, error: str = "") -> int:
    """Record what a provider reports about a sent message. A message that later failed
    (WhatsApp's "failed" status) is failed here too, and the coach is told."""
    rows = list(Notification.objects.filter(channel=channel, provider_message_id=provider_message_id))
    for notification in rows:
        if status == "failed" and notification.status == Status.SENT:
            _fail(notification, error or status, timezone.now())
        Notification.objects.filter(pk=notification.pk).update(delivery_status=status[:12])
    return len(rows)
