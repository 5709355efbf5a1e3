"""Reads of the coach's workspace about bookings and their messages: the dashboard's
agenda, requests and problems, the bookings list and one booking with its messages.
Each is one query, whatever the number of rows."""

from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, CharField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from ..models import Booking, Coach, ExternalCalendar, Notification

# The dashboard's agenda: today and the next 14 days.
AGENDA_DAYS = 15
# Failed messages (and those that may not have arrived) listed on the dashboard at most
# (the oldest are the least useful).
FAILED_SHOWN = 50

Status = Booking.Status
ENDED = (Status.CANCELLED, Status.DECLINED, Status.EXPIRED)


def coach_bookings(*, coach: Coach) -> QuerySet[Booking]:
    """The coach's bookings with what a row shows (type and client). A booking whose client
    has not confirmed their address yet is not the coach's to see (it may be a stranger's)."""
    return (
        Booking.objects.filter(coach=coach)
        .exclude(status=Status.UNCONFIRMED)
        .select_related("appointment_type", "client")
    )


def coach_agenda(*, coach: Coach, now: datetime) -> list[tuple[date, list[Booking]]]:
    """Active bookings from the start of today to the end of the 14th day after, grouped
    by their day in the coach's zone, in order."""
    zone = coach.zone
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=AGENDA_DAYS), time(0), tzinfo=zone)
    bookings = coach_bookings(coach=coach).filter(status__in=Booking.ACTIVE_STATUSES, start__gte=start, start__lt=end)
    days: dict[date, list[Booking]] = {}
    for booking in bookings.order_by("start"):
        days.setdefault(booking.start.astimezone(zone).date(), []).append(booking)
    return list(days.items())


def coach_requests_pending(*, coach: Coach, now: datetime) -> QuerySet[Booking]:
    """Requests waiting for the coach's answer, the most urgent first."""
    return (
        coach_bookings(coach=coach)
        .filter(status=Status.REQUESTED, start__gt=now)
        .order_by(F("respond_by").asc(nulls_last=True), "start")
    )


def coach_bookings_filtered(*, coach: Coach, now: datetime, show: str, channel: str = "") -> QuerySet[Booking]:
    """The bookings list: `show` is "past", "cancelled", "requested" or (any other value)
    upcoming, as BookingFilterForm offers them; `channel` a Channel value or empty for all."""
    bookings = coach_bookings(coach=coach)
    if channel:
        bookings = bookings.filter(channel=channel)
    if show == "past":
        return bookings.filter(status=Status.CONFIRMED, end__lte=now).order_by("-start")
    if show == "cancelled":
        return bookings.filter(status__in=ENDED).order_by("-start")
    if show == "requested":
        return bookings.filter(status=Status.REQUESTED).order_by(F("respond_by").asc(nulls_last=True), "start")
    return bookings.filter(status__in=Booking.ACTIVE_STATUSES, end__gt=now).order_by("start")


def coach_booking(*, coach: Coach, booking_uuid) -> Booking | None:
    """One of the coach's bookings by its public id, or None (also for another coach's)."""
    return coach_bookings(coach=coach).filter(uuid=booking_uuid).first()


# The coach's alerts about another message: true whatever the booking did since (the
# outbox never marks them superseded).
ALERT_KINDS = (Notification.Kind.COACH_DELIVERY_FAILED, Notification.Kind.COACH_KEY_UNUSABLE)


def _retryable(now: datetime) -> Q:
    """A message worth sending again: it failed, or may not have arrived; its appointment
    has not ended; and it still describes the booking as it is (a confirmation that failed
    before the booking was cancelled must not arrive after; the outbox would not send it)."""
    return Q(status__in=(Notification.Status.FAILED, Notification.Status.UNKNOWN), booking__end__gt=now) & (
        Q(kind__in=ALERT_KINDS) | Q(sequence=F("booking__sequence"))
    )


def _calendar_name() -> Subquery:
    """For a write to the coach's CalDAV calendar (its recipient is the calendar's id), the
    calendar's name, to show instead of the id; else None. (The id is compared as text:
    other rows' recipients are addresses.)"""
    calendars = ExternalCalendar.objects.annotate(key=Cast("pk", CharField())).filter(
        key=OuterRef("recipient"), kind=ExternalCalendar.Kind.CALDAV
    )
    return Subquery(calendars.values("name")[:1])


def booking_notifications(*, booking: Booking, now: datetime) -> QuerySet[Notification]:
    """Every message of a booking, in the order they were written; `can_retry` tells
    which failed ones may be sent again, `calendar_name` names the calendar a calendar
    write went to."""
    return booking.notifications.annotate(
        can_retry=ExpressionWrapper(_retryable(now), output_field=BooleanField()),
        calendar_name=_calendar_name(),
    ).order_by("created_at", "pk")


def coach_notifications_failed(*, coach: Coach, now: datetime) -> QuerySet[Notification]:
    """Messages that failed or may not have arrived and that the coach can still send again,
    the newest first (the dashboard's problems); with `calendar_name` as booking_notifications."""
    return (
        Notification.objects.filter(_retryable(now), booking__coach=coach)
        .annotate(calendar_name=_calendar_name())
        .select_related("booking__client", "booking__appointment_type")
        .order_by("-created_at", "-pk")[:FAILED_SHOWN]
    )


def coach_notification(*, coach: Coach, booking_uuid, notification_id: int, now: datetime) -> Notification | None:
    """One message of one of the coach's bookings, with `can_retry`, or None."""
    return (
        Notification.objects.filter(booking__coach=coach, booking__uuid=booking_uuid, pk=notification_id)
        .annotate(
            can_retry=ExpressionWrapper(_retryable(now), output_field=BooleanField()), calendar_name=_calendar_name()
        )
        .select_related("booking__client")
        .first()
    )


def coach_calendar_errors(*, coach: Coach) -> QuerySet[ExternalCalendar]:
    """The coach's imported calendars whose last import failed."""
    return ExternalCalendar.objects.filter(coach=coach, active=True).exclude(last_error="").order_by("name")
