"""Writing the outbox's rows: the messages of one change of a booking (in the change's
transaction), the automatic answer to a message outside a booking, an alert to the coach
about another message, and the coach's "send again"."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ..models import Booking, InboundMessage, Notification
from ..models.common import Channel
from ..rows import rows_insert
from .calendar_entries import calendar_entry_row
from .queue import notifications_dispatch, notifications_dispatch_on_commit

Kind = Notification.Kind
Audience = Notification.Audience
Status = Notification.Status

# What each change of a booking tells whom.
EVENTS = {
    # Only the client hears of a booking whose address is not confirmed yet: the link to confirm it.
    "created_unconfirmed": [(Kind.ADDRESS_CONFIRMATION, Audience.CLIENT)],
    "created_confirmed": [(Kind.CONFIRMED, Audience.CLIENT), (Kind.COACH_NEW_BOOKING, Audience.COACH)],
    # The coach booked it for the client (services.booking, by_coach): only the client is told.
    "created_by_coach": [(Kind.CONFIRMED, Audience.CLIENT)],
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
EVENTS_WITH_REMINDERS = ("created_confirmed", "created_by_coach", "confirmed", "rescheduled", "rescheduled_by_coach")


def address(booking: Booking, audience: str) -> tuple[str, str]:
    """(channel, recipient) for the client or the coach. A client who is called by the
    coach gets their confirmation by e-mail; the coach always by e-mail. The client is
    reached as this booking gave it (its snapshot), never as another booking said."""
    if audience == Audience.COACH:
        return Channel.EMAIL, booking.coach.user.email
    channel = Channel(booking.channel)
    # A phone number is for the coach's call, not for messages; e-mail has no contact field
    # of its own (every booking has the client's address).
    if channel == Channel.PHONE or not channel.contact_field:
        return Channel.EMAIL, booking.client.email
    return channel, getattr(booking, channel.contact_field)


def booking_notify(*, booking: Booking, event: str, now: datetime | None = None) -> list[Notification]:
    """Write the notifications of one change (and the reminders of a confirmed booking)
    in the current transaction; they are dispatched once it commits. Every change the
    coach sees is also written to the coach's CalDAV calendar, if they have one."""
    now = now or timezone.now()
    rows = []
    if entry := calendar_entry_row(booking, now):
        rows.append(entry)
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
    created = rows_insert(rows)  # as bulk_create would, in a quarter of its CPU (rows.py)
    due = [row.pk for row in created if row.scheduled_for <= now]
    notifications_dispatch_on_commit(ids=due, coach_id=booking.coach_id)
    return created


def contact_answer_write(*, inbound_message: InboundMessage, now: datetime) -> Notification:
    """The automatic answer to a message outside a booking, to its sender on its channel (in
    the current transaction); dispatched once it commits. Rendered when it is sent
    (outbox/contact_answer.py)."""
    answer = Notification.objects.create(
        inbound_message=inbound_message,
        booking=None,
        kind=Kind.CONTACT_ANSWER,
        audience=Audience.CLIENT,
        channel=inbound_message.channel,
        recipient=inbound_message.sender,
        scheduled_for=now,
        # As booking_notify's rows: marked up front, so a lost dispatch is the sweeper's.
        dispatched_at=now,
    )
    transaction.on_commit(lambda: notifications_dispatch(ids=[answer.pk], mark=False))
    return answer


def coach_alert_write(notification: Notification, kind: str, error: str, now: datetime) -> None:
    """Tell the coach what happened to a message to the client (in the current transaction).
    Not for a booking whose address is unproved: the coach does not see it (it may be a
    stranger's), and there is nothing to do about it. Not for a message without a booking
    (an automatic answer): the coach reads its outcome in the received messages."""
    booking = notification.booking
    if booking is None or notification.audience != Audience.CLIENT or booking.status == Booking.Status.UNCONFIRMED:
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


def notification_retry(*, notification: Notification) -> None:
    """The coach asks to send a failed message, or one that may not have arrived, again.
    What a provider reported about the earlier attempt does not describe the next one, so
    that report is cleared. (An e-mail keeps its Message-ID: a second copy of one that did
    arrive is recognisable as the same message.)"""
    Notification.objects.filter(pk=notification.pk, status__in=(Status.FAILED, Status.UNKNOWN)).update(
        status=Status.PENDING, attempts=0, scheduled_for=timezone.now(), delivery_status=""
    )
    transaction.on_commit(lambda: notifications_dispatch(ids=[notification.pk]))
