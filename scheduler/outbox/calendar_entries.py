"""The booking in the coach's CalDAV calendar, as outbox rows (kind CALENDAR_ENTRY, channel
"caldav", recipient the calendar's id): which changes write one, what a row hands the
backend when it is sent (the booking as it is then: its event, or its removal), and how
the coach hears of a write that failed.

Only the newest state matters, so a row is true whatever the booking's status, as long as
no later change raised the sequence (send.py's TRUE_WHILE); an overtaken row is superseded,
and the row of the later change writes the booking as it is. A failed write is listed
with the failed messages (dashboard, booking page, "send again"); the coach gets an
e-mail about it once per problem of the calendar: not again while no write to that
calendar has succeeded since. Once a write of a booking succeeds, the failed ones before
it are superseded: the calendar has the booking."""

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ..channels.base import Message
from ..coach_ics import coach_entry_calendar
from ..models import Booking, ExternalCalendar, Notification
from .queue import notifications_dispatch
from .texts import workspace_url

Kind = Notification.Kind
Status = Notification.Status
CHANNEL = "caldav"

# Every status but UNCONFIRMED: the coach never sees a booking whose address is unproved.
ENTRY_TRUE_WHILE = set(Booking.Status) - {Booking.Status.UNCONFIRMED}


# Asked at every change of a booking: as a plain statement it costs a sixth of the CPU of
# the same query built by the ORM (the CalDAV calendar is unique per coach).
_CALENDAR_SQL = f"""
SELECT id FROM {ExternalCalendar._meta.db_table} WHERE coach_id = %s AND kind = %s AND active = %s
"""


def coach_calendar_id(booking: Booking) -> int | None:
    """The id of the coach's CalDAV calendar that receives bookings, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_CALENDAR_SQL, [booking.coach_id, ExternalCalendar.Kind.CALDAV, True])
        row = cursor.fetchone()
    return row[0] if row else None


def calendar_connected(notification: Notification) -> bool:
    """Is the calendar a CALENDAR_ENTRY row writes to still connected (and writing)?"""
    return ExternalCalendar.objects.filter(
        pk=int(notification.recipient), kind=ExternalCalendar.Kind.CALDAV, active=True
    ).exists()


def calendar_entry_row(booking: Booking, now: datetime) -> Notification | None:
    """The (unsaved) row that writes the booking as it is after this change to the coach's
    calendar, or None: no calendar, or a booking the coach does not see."""
    if booking.status == Booking.Status.UNCONFIRMED:
        return None
    calendar_id = coach_calendar_id(booking)
    if calendar_id is None:
        return None
    return _entry_row(booking, calendar_id, now)


def _entry_row(booking: Booking, calendar_id: int, now: datetime, **fields) -> Notification:
    return Notification(
        booking=booking,
        kind=Kind.CALENDAR_ENTRY,
        audience=Notification.Audience.COACH,
        channel=CHANNEL,
        recipient=str(calendar_id),
        sequence=booking.sequence,
        scheduled_for=now,
        **fields,
    )


def calendar_entries_write(*, calendar: ExternalCalendar, now: datetime) -> list[Notification]:
    """Write every booking of the coach that has not ended to `calendar` (just connected, or
    connected again): one row each, in the current transaction, dispatched after commit."""
    bookings = Booking.objects.filter(
        coach_id=calendar.coach_id, status__in=Booking.VISIBLE_ACTIVE_STATUSES, end__gt=now
    )
    rows = [_entry_row(booking, calendar.pk, now, dispatched_at=now) for booking in bookings]
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: notifications_dispatch(ids=ids, mark=False))
    return created


def calendar_entry_render(notification: Notification) -> Message:
    """What the backend writes now: the booking's event while it is requested or confirmed,
    else its removal. In the coach's language (also the backend's errors)."""
    booking = notification.booking
    language = booking.coach.language
    remove = booking.status not in Booking.VISIBLE_ACTIVE_STATUSES
    return Message(
        recipient=notification.recipient,
        text="",
        language=language,
        calendar=None if remove else coach_entry_calendar(booking),
        calendar_method="CANCEL" if remove else "",
        reference=str(notification.pk),
        key=str(notification.uuid),
    )


def calendar_entry_sent(notification: Notification, now: datetime) -> None:
    """The calendar has the booking as it was when this row was rendered: earlier writes of
    it that failed are done with. If the booking changed while it was written, the row of
    that change may have written first and been written over by this older state: the
    booking is written once more, as it is now."""
    Notification.objects.filter(
        booking_id=notification.booking_id,
        kind=Kind.CALENDAR_ENTRY,
        recipient=notification.recipient,
        status__in=(Status.FAILED, Status.UNKNOWN),
        pk__lt=notification.pk,
    ).update(status=Status.SUPERSEDED)
    booking = Booking.objects.get(pk=notification.booking_id)
    if booking.sequence == notification.sequence:
        return
    waiting = Notification.objects.filter(
        booking=booking, kind=Kind.CALENDAR_ENTRY, sequence=booking.sequence, status=Status.PENDING
    )
    again = calendar_entry_row(booking, now)
    if again is None or waiting.exists():  # a row still to be sent writes the booking as it is then
        return
    again.dispatched_at = now
    try:
        with transaction.atomic():
            again.save()
    except IntegrityError:  # the same row, written at the same moment by another attempt
        return
    transaction.on_commit(lambda: notifications_dispatch(ids=[again.pk], mark=False))


def _problem_told(notification: Notification) -> bool:
    """Has the coach been told of a failed write to this calendar since its last success?"""
    rows = Notification.objects.filter(kind=Kind.CALENDAR_ENTRY, channel=CHANNEL, recipient=notification.recipient)
    last_success = rows.filter(status=Status.SENT).aggregate(at=Max("sent_at"))["at"]
    failed = rows.filter(status__in=(Status.FAILED, Status.SUPERSEDED))
    failed_ids = failed.filter(claimed_at__gt=last_success) if last_success else failed
    return Notification.objects.filter(
        kind=Kind.COACH_DELIVERY_FAILED, sequence__in=failed_ids.values("pk"), booking__coach=notification.booking.coach
    ).exists()


def calendar_failure_alert(notification: Notification, error: str, now: datetime) -> None:
    """Tell the coach by e-mail that a booking could not be written to the calendar, unless
    they were told of this calendar's problem already (see the module's docstring)."""
    if _problem_told(notification):
        return
    booking = notification.booking
    alert = Notification.objects.create(
        booking=booking,
        kind=Kind.COACH_DELIVERY_FAILED,
        audience=Notification.Audience.COACH,
        channel="email",
        recipient=booking.coach.user.email,
        sequence=notification.pk,
        scheduled_for=now,
        last_error=error[:2000],
    )
    transaction.on_commit(lambda: notifications_dispatch(ids=[alert.pk]))


def is_calendar_alert(notification: Notification) -> bool:
    """Is this the coach's alert about a calendar write (its sequence names the row)?"""
    return (
        notification.kind == Kind.COACH_DELIVERY_FAILED
        and Notification.objects.filter(pk=notification.sequence, kind=Kind.CALENDAR_ENTRY).exists()
    )


def calendar_alert_render(notification: Notification) -> Message:
    """The alert names neither the client nor the time (the e-mail may go out unencrypted):
    the calendar, the reason, and the way to the workspace."""
    booking = notification.booking
    calendar = ExternalCalendar.objects.filter(pk=int(Notification.objects.get(pk=notification.sequence).recipient))
    name = calendar.values_list("name", flat=True).first() or ""
    language = booking.coach.language
    with translation.override(language):
        subject = _("A booking could not be written to your calendar")
        text = _(
            "A booking could not be written to your calendar “%(calendar)s”: %(error)s\n\n"
            "Until this is solved, later bookings may not reach the calendar either; you get this e-mail once, "
            "not for each of them. Your workspace shows every booking, and each one that is missing from the "
            "calendar, with a button to write it again: %(link)s"
        ) % {"calendar": name, "error": notification.last_error, "link": workspace_url(booking)}
        html = render_to_string("notifications/message.html", {"subject": subject, "text": text, "language": language})
    return Message(
        recipient=notification.recipient,
        subject=subject,
        text=text,
        html=html,
        language=language,
        reference=str(notification.pk),
        key=str(notification.uuid),
    )
