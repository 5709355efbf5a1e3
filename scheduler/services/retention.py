"""Retention: what the coach keeps of past bookings loses who the client was after the
coach's retention period (default 24 months), and what a sent message stored about its
recipient goes after 30 days. Messages received from people (InboundMessage) are deleted
after the coach's retention period too, and those attached to a booking when the booking's
details go. Run every day by beat and by `manage.py purge`."""

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from ..models import Coach, InboundMessage, Notification
from .privacy import admin_log_scrub, bookings_anonymise, clients_anonymise

# Notifications store no message text (it is rendered when sent), only the recipient's
# address and the provider's last error: those are kept this long, for the coach's questions.
NOTIFICATION_DETAILS_KEPT = timedelta(days=30)

Audience = Notification.Audience


@dataclass
class PurgeReport:
    bookings: int = 0
    clients: int = 0
    notifications: int = 0
    inbound_messages: int = 0


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's last day)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def retention_purge(*, now: datetime | None = None) -> PurgeReport:
    """Every day (beat) and `manage.py purge`: for each coach, anonymise the bookings that
    ended longer ago than the coach keeps them, and the clients whose last booking did;
    delete the messages received longer ago than the coach keeps them and those attached to
    the bookings anonymised; clear recipient and error of messages finished more than 30
    days ago."""
    now = now or timezone.now()
    report = PurgeReport()
    for coach in Coach.objects.only("pk", "retention_months"):
        cutoff = months_before(now, coach.retention_months)
        with transaction.atomic():
            expired_bookings = coach.bookings.filter(end__lt=cutoff)
            # A reply about a booking says who wrote it: it goes with the booking's details.
            # (Deleting a received message deletes the record of its automatic answer.)
            received = InboundMessage.objects.filter(coach=coach).filter(
                Q(received_at__lt=cutoff) | Q(booking__in=expired_bookings)
            )
            report.inbound_messages += received.delete()[1].get(InboundMessage._meta.label, 0)
            report.bookings += bookings_anonymise(bookings=expired_bookings, now=now)
            expired_clients = coach.clients.annotate(last_end=Max("bookings__end")).filter(last_end__lt=cutoff)
            report.clients += clients_anonymise(clients=expired_clients, now=now)
    # Every state a message stays in unless someone acts: "may not have arrived" waits for the
    # coach, but not for longer than the rest.
    Status = Notification.Status
    finished = (Status.SENT, Status.FAILED, Status.OBSOLETE, Status.SUPERSEDED, Status.UNKNOWN)
    stale = Notification.objects.filter(
        Q(audience=Audience.CLIENT) & ~Q(recipient="") | ~Q(last_error=""),
        status__in=finished,
        scheduled_for__lt=now - NOTIFICATION_DETAILS_KEPT,
    )
    report.notifications = stale.count()
    # The admin's history names a message by its recipient ("Confirmation → eva@example.org").
    admin_log_scrub(model=Notification, pks=stale.filter(audience=Audience.CLIENT).values_list("pk", flat=True))
    stale.filter(audience=Audience.CLIENT).update(recipient="", last_error="")
    stale.update(last_error="")
    return report
