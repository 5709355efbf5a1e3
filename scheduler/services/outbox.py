"""The outbox: notifications are written in the transaction of the change they tell
about and sent by a worker after commit.

Each message is sent at most once. A task first claims its row with a conditional
UPDATE, so a task delivered twice sends once. A message is rendered when it is sent,
from the booking as it is then; one that a later change of the booking overtook (a
confirmation after a cancellation, an old time after a move) is not sent but marked
superseded. Transient failures come back with exponential backoff and jitter; after
MAX_ATTEMPTS, or at once for a permanent failure, the row is failed and the coach is
told. An attempt whose outcome nobody knows (the provider may have the message: no
answer came, or the worker died in the middle) is never repeated by itself: the row
becomes "unknown" ("may not have arrived") and the coach may send it again. A sweeper
(beat, every minute) dispatches what is due — reminders, retries, rows whose dispatch
was lost because the broker was down — and marks rows a killed worker left in
"sending" as unknown."""

import logging
import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..channels.base import DeliveryError, get_backend
from ..models import Booking, Channel, Notification
from ..selectors.coach_bookings import ALERT_KINDS

logger = logging.getLogger("sprechzeit.outbox")

Kind = Notification.Kind
Audience = Notification.Audience
Status = Notification.Status

MAX_ATTEMPTS = 6
# A row left in "sending" this long belongs to a worker that died (or hangs): whether it
# handed the message over is unknown.
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
}
# What providers report about a sent message, in the order it happens; a report never
# moves a message back (a late "delivered" leaves "read"). WhatsApp: sent, delivered, read
# or failed; Threema's receipts: received, read, then acknowledged or declined.
DELIVERY_ORDER = {"sent": 1, "delivered": 2, "received": 2, "failed": 3, "read": 4, "acknowledged": 5, "declined": 5}


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


def notification_overtaken(notification: Notification) -> bool:
    """Has a later change of the booking made what this message says untrue?"""
    if notification.kind in ALERT_KINDS or notification.kind == Kind.REMINDER:
        return False
    booking = notification.booking
    return notification.sequence != booking.sequence or booking.status not in TRUE_WHILE.get(notification.kind, ())


def notification_send(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one notification if it is due and nobody else is sending it.

    Returns "sent", "retry", "failed", "unknown" (it may have gone out), "obsolete",
    "superseded" or "skipped" (not claimable, or another attempt took the row over)."""
    from ..notify import client_key_problem, render

    now = now or timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, status=Status.PENDING, scheduled_for__lte=now).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related(
        "booking__coach__user", "booking__client", "booking__appointment_type"
    ).get(pk=notification_id)
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
    key_problem = client_key_problem(notification)
    if key_problem:
        _key_unusable_alert(notification, key_problem, now)
    try:
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
    return "sent"


def _attempt_failed(notification: Notification, exc: DeliveryError, now: datetime, mine: QuerySet) -> str:
    error = str(exc)[:2000]
    if exc.unknown:
        # Sending again could deliver it twice; the coach sees "may not have arrived" and decides.
        return "unknown" if mine.update(status=Status.UNKNOWN, last_error=error) else "skipped"
    if exc.permanent or notification.attempts >= MAX_ATTEMPTS:
        return "failed" if _fail(notification, error, now, rows=mine) else "skipped"
    retried = mine.update(status=Status.PENDING, last_error=error, scheduled_for=now + _backoff(notification.attempts))
    return "retry" if retried else "skipped"


def _alert_coach(notification: Notification, kind: str, error: str, now: datetime) -> None:
    """Tell the coach what happened to a message to the client (in the current transaction).
    Not for a booking whose address is unproved: the coach does not see it (it may be a
    stranger's), and there is nothing to do about it."""
    booking = notification.booking
    if notification.audience != Audience.CLIENT or booking.status == Booking.Status.UNCONFIRMED:
        return
    channel, recipient = address(booking, Audience.COACH)
    alert = Notification.objects.create(
        booking=booking,
        kind=kind,
        audience=Audience.COACH,
        channel=channel,
        recipient=recipient,
        sequence=notification.pk,
        scheduled_for=now,
        last_error=error[:2000],
    )
    transaction.on_commit(lambda: notifications_dispatch(ids=[alert.pk]))


def _key_unusable_alert(notification: Notification, problem: str, now: datetime) -> None:
    """Once per booking: the coach hears that the client's key no longer works."""
    with transaction.atomic():
        if not notification.booking.notifications.filter(kind=Kind.COACH_KEY_UNUSABLE).exists():
            _alert_coach(notification, Kind.COACH_KEY_UNUSABLE, problem, now)


def _fail(notification: Notification, error: str, now: datetime, *, rows: QuerySet | None = None) -> bool:
    """Fail the message (those of `rows` that still match) and tell the coach, so the
    client does not wait for a message that never comes. False when no row matched."""
    rows = rows if rows is not None else Notification.objects.filter(pk=notification.pk)
    with transaction.atomic():
        if not rows.update(status=Status.FAILED, last_error=error[:2000]):
            return False
        _alert_coach(notification, Kind.COACH_DELIVERY_FAILED, error, now)
    return True


def notifications_sweep(*, now: datetime | None = None) -> int:
    """Mark rows of dead workers as unknown and dispatch everything due; returns how many
    were dispatched."""
    now = now or timezone.now()
    # The worker died before, while or after handing the message over: nobody can tell, so
    # it is not sent again blindly (that was a duplicate whenever the provider had it).
    Notification.objects.filter(status=Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT).update(
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


def notification_retry(*, notification: Notification) -> None:
    """The coach asks to send a failed message, or one that may not have arrived, again.
    What a provider reported about the earlier attempt does not describe the next one, so
    that report is cleared. (An e-mail keeps its Message-ID: a second copy of one that did
    arrive is recognisable as the same message.)"""
    Notification.objects.filter(pk=notification.pk, status__in=(Status.FAILED, Status.UNKNOWN)).update(
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
