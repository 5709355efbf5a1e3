"""The outbox: what a change writes, and how a row is sent exactly once."""

from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction

from scheduler import tasks
from scheduler.channels.base import DeliveryError, MemoryBackend
from scheduler.models import AppointmentType, Booking, Notification
from scheduler.outbox.queue import notifications_dispatch
from scheduler.outbox.send import notification_send, notifications_sweep
from scheduler.outbox.texts import render
from scheduler.outbox.write import booking_notify, notification_retry
from scheduler.services.booking import (
    booking_cancel,
    booking_reschedule,
    bookings_expire_due,
)
from tests.helpers import BERLIN
from tests.scheduler.outbox.helpers import MONDAY, NOW, ScriptedBackend, book

# `kind` comes from tests/scheduler/outbox/conftest.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("backends")]

Kind, Status = Notification.Kind, Notification.Status


def rows(booking):
    return sorted((n.kind, n.audience, n.channel, n.recipient) for n in booking.notifications.all())


def test_a_confirmed_booking_tells_client_and_coach_and_plans_reminders(kind):
    booking = book(kind)
    assert rows(booking) == sorted(
        [
            (Kind.CONFIRMED, "client", "email", "eva@example.org"),
            (Kind.COACH_NEW_BOOKING, "coach", "email", "coach@example.org"),
            (Kind.REMINDER, "client", "email", "eva@example.org"),
            (Kind.REMINDER, "client", "email", "eva@example.org"),
        ]
    )
    reminders = booking.notifications.filter(kind=Kind.REMINDER).order_by("scheduled_for")
    assert [booking.start - r.scheduled_for for r in reminders] == [timedelta(hours=24), timedelta(hours=1)]


def test_a_request_tells_the_client_it_waits_and_the_coach_to_answer(kind):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking = book(kind)
    assert {(n.kind, n.audience) for n in booking.notifications.all()} == {
        (Kind.REQUEST_RECEIVED, "client"),
        (Kind.COACH_REQUEST_WAITING, "coach"),
    }


@pytest.mark.parametrize(
    ("changes", "channel", "recipient"),
    [
        ({"channel": "phone", "phone": "+491701234567"}, "email", "eva@example.org"),
        ({"channel": "threema", "threema_id": "ABCD1234"}, "threema", "ABCD1234"),
        ({"channel": "whatsapp", "whatsapp": "+491701234567"}, "whatsapp", "+491701234567"),
    ],
)
def test_the_client_is_reached_on_their_channel(kind, changes, channel, recipient):
    booking = book(kind, **changes)
    confirmed = booking.notifications.get(kind=Kind.CONFIRMED)
    assert (confirmed.channel, confirmed.recipient) == (channel, recipient)
    # The coach's own number is never part of a message to the client.
    assert kind.coach.user.email not in render(confirmed).text


def test_a_change_cannot_write_its_messages_twice(kind):
    booking = book(kind)
    with pytest.raises(IntegrityError), transaction.atomic():
        booking_notify(booking=booking, event="created_confirmed", now=NOW)


def test_cancel_and_reschedule_tell_both(kind):
    booking = book(kind)
    booking_reschedule(booking=booking, start=datetime.combine(MONDAY, time(10), tzinfo=BERLIN), now=NOW)
    booking_cancel(booking=booking, now=NOW)
    kinds = {(n.kind, n.audience, n.sequence) for n in booking.notifications.exclude(kind=Kind.REMINDER)}
    assert {(Kind.RESCHEDULED, "client", 1), (Kind.RESCHEDULED, "coach", 1)} <= kinds
    assert {(Kind.CANCELLED, "client", 2), (Kind.CANCELLED, "coach", 2)} <= kinds


def test_sent_once_even_when_the_task_arrives_twice(kind, backends):
    booking = book(kind)
    confirmed = booking.notifications.get(kind=Kind.CONFIRMED)
    assert notification_send(notification_id=confirmed.pk) == "sent"
    assert notification_send(notification_id=confirmed.pk) == "skipped"
    confirmed.refresh_from_db()
    assert confirmed.status == Status.SENT and confirmed.attempts == 1 and confirmed.sent_at
    assert [m.reference for m in MemoryBackend.outbox] == [str(confirmed.pk)]


def test_a_reminder_is_not_sent_before_its_time(kind):
    booking = book(kind)
    reminder = booking.notifications.filter(kind=Kind.REMINDER).first()
    assert notification_send(notification_id=reminder.pk, now=NOW) == "skipped"
    assert notification_send(notification_id=reminder.pk, now=reminder.scheduled_for) == "sent"


def test_reminders_of_a_moved_or_cancelled_booking_are_obsolete(kind):
    booking = book(kind)
    old = list(booking.notifications.filter(kind=Kind.REMINDER))
    booking_cancel(booking=booking, now=NOW)
    for reminder in old:
        assert notification_send(notification_id=reminder.pk, now=reminder.scheduled_for) == "obsolete"
    assert MemoryBackend.outbox == []


def test_transient_failures_retry_with_backoff_then_send(kind, settings, backends):
    settings.CHANNEL_BACKENDS = {
        **settings.CHANNEL_BACKENDS,
        "email": "tests.scheduler.outbox.helpers.ScriptedBackend",
    }
    ScriptedBackend.script = [DeliveryError("503"), DeliveryError("timeout")]
    booking = book(kind)
    row = booking.notifications.get(kind=Kind.CONFIRMED)
    moment = NOW
    outcomes = []
    for _ in range(3):
        outcomes.append(notification_send(notification_id=row.pk, now=moment))
        row.refresh_from_db()
        moment = max(moment, row.scheduled_for)
    assert outcomes == ["retry", "retry", "sent"]
    assert row.attempts == 3 and len(ScriptedBackend.sent) == 1
    assert row.last_error == ""


def test_backoff_grows():
    from scheduler.outbox.send import _backoff

    assert _backoff(1) < _backoff(3) < _backoff(5)  # ranges ±50 %: 10–30 s, 40–120 s, 160–480 s
    assert _backoff(30) <= timedelta(minutes=45)


def test_a_permanent_failure_stops_and_alerts_the_coach(kind, settings, backends):
    settings.CHANNEL_BACKENDS = {
        **settings.CHANNEL_BACKENDS,
        "threema": "tests.scheduler.outbox.helpers.ScriptedBackend",
    }
    ScriptedBackend.script = [DeliveryError("Threema ID not found", permanent=True)]
    booking = book(kind, channel="threema", threema_id="ABCD1234")
    row = booking.notifications.get(kind=Kind.CONFIRMED)
    assert notification_send(notification_id=row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == Status.FAILED and "not found" in row.last_error
    alert = booking.notifications.get(kind=Kind.COACH_DELIVERY_FAILED)
    assert (alert.channel, alert.recipient) == ("email", "coach@example.org")
    assert "not found" in render(alert).text


def test_six_transient_failures_are_a_failure(kind, settings):
    settings.CHANNEL_BACKENDS = {
        **settings.CHANNEL_BACKENDS,
        "email": "tests.scheduler.outbox.helpers.ScriptedBackend",
    }
    ScriptedBackend.script = [DeliveryError("503")] * 6
    booking = book(kind)
    row = booking.notifications.get(kind=Kind.CONFIRMED)
    outcomes = []
    for _ in range(6):
        row.refresh_from_db()
        outcomes.append(notification_send(notification_id=row.pk, now=max(NOW, row.scheduled_for)))
    assert outcomes == ["retry"] * 5 + ["failed"]


def test_the_sweeper_marks_rows_of_dead_workers_unknown_and_dispatches_due_ones(kind, backends):
    booking = book(kind)
    confirmed = booking.notifications.get(kind=Kind.CONFIRMED)
    coach_row = booking.notifications.get(kind=Kind.COACH_NEW_BOOKING)
    Notification.objects.filter(pk=confirmed.pk).update(status=Status.SENDING, claimed_at=NOW - timedelta(minutes=10))
    backends.clear()
    assert notifications_sweep(now=NOW) == 0  # both were queued at commit just now
    assert notifications_sweep(now=NOW + timedelta(minutes=3)) == 1
    assert backends == [coach_row.pk]
    # Whether the dead worker handed it over is unknown: it is not sent again by itself.
    confirmed.refresh_from_db()
    assert confirmed.status == Status.UNKNOWN and "may not have arrived" in confirmed.last_error
    # Dispatched just now: the next sweep leaves them to the queue.
    backends.clear()
    assert notifications_sweep(now=NOW + timedelta(minutes=3)) == 0


def test_a_broker_outage_loses_nothing(kind, task_queue):
    task_queue.down()
    booking = book(kind)
    due = booking.notifications.filter(scheduled_for__lte=NOW)
    Notification.objects.update(dispatched_at=None)
    notifications_dispatch(ids=list(due.values_list("pk", flat=True)))  # after commit, broker down
    assert due.filter(status=Status.PENDING, dispatched_at__isnull=True).count() == 2
    task_queue.record()
    assert notifications_sweep(now=NOW) == 2  # the broker is back: the sweeper sends them
    assert due.filter(dispatched_at__isnull=True).count() == 0


def test_queueing_reads_only_celery_settings_that_django_defines(monkeypatch):
    """Celery looks its settings up on every publish, one per booking; one missing from
    Django's settings costs an exception under each of its names every time."""
    from django.conf import LazySettings

    publish = tasks.send_notifications.apply_async  # what delay() does (the fixture replaces delay)
    publish(([0],))  # the first publish sets the producer up; no such row: a worker skips it
    missing = []
    lookup = LazySettings.__getattr__

    def spy(self, name):
        try:
            return lookup(self, name)
        except AttributeError:
            missing.append(name)
            raise

    monkeypatch.setattr(LazySettings, "__getattr__", spy)
    publish(([0],))
    assert missing == []


def test_messages_speak_the_clients_language_and_carry_the_calendar(kind, openpgp_keys):
    booking = book(kind, pgp_public_key=openpgp_keys["valid"])
    message = render(booking.notifications.get(kind=Kind.CONFIRMED))
    assert "Juni" not in message.subject  # an encrypted mail's subject says nothing of what or when
    assert "Montag, 1. Juni 2026" in message.text and "Montag, 1. Juni 2026" in message.html
    assert '<html lang="de">' in message.html
    assert message.calendar_method == "REQUEST" and b"BEGIN:VEVENT" in message.calendar
    assert "BEGIN PGP PUBLIC KEY BLOCK" in message.pgp_public_key
    booking_cancel(booking=booking, now=NOW)
    cancelled = render(Notification.objects.get(booking=booking, kind=Kind.CANCELLED, audience="client"))
    assert cancelled.calendar_method == "CANCEL" and b"SEQUENCE:1" in cancelled.calendar


def test_a_plain_confirmation_names_the_appointment_in_the_subject(kind):
    booking = book(kind, language="en")
    message = render(booking.notifications.get(kind=Kind.CONFIRMED))
    assert message.subject.startswith("Confirmed:") and "June 2026" in message.subject
    assert "/b/" in message.html and "<a " in message.html  # the manage link is clickable


def test_the_coach_reads_the_message_and_how_to_reach_the_client(kind):
    booking = book(kind, channel="phone", phone="0170 1234567", language="en")
    message = render(booking.notifications.get(kind=Kind.COACH_NEW_BOOKING))
    assert "+491701234567" in message.text and "beruflichen Schritt" in message.text
    assert message.calendar is None and message.pgp_public_key == ""


def test_the_task_calls_the_service(kind, backends):
    booking = book(kind)
    row = booking.notifications.get(kind=Kind.CONFIRMED)
    assert tasks.send_notification(row.pk) == "sent"  # a unit test of one task may call it directly
    assert tasks.send_notifications([row.pk]) == ["skipped"]  # already sent: claimed by nobody


def test_retry_of_a_failed_message(kind, backends):
    booking = book(kind)
    row = booking.notifications.get(kind=Kind.CONFIRMED)
    Notification.objects.filter(pk=row.pk).update(status=Status.FAILED, attempts=6)
    with transaction.atomic():
        notification_retry(notification=row)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 0)


def test_expired_request_tells_the_client(kind):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking = book(kind)
    bookings_expire_due(now=booking.start)
    assert booking.notifications.filter(kind=Kind.DECLINED, audience="client").exists()
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.EXPIRED


def test_gateway_answering_503_twice_then_200_sends_once(kind, settings, httpserver):
    from werkzeug import Response

    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "threema": "scheduler.channels.threema.GatewayBackend"}
    settings.THREEMA_API_URL = httpserver.url_for("")
    settings.THREEMA_GATEWAY_ID, settings.THREEMA_GATEWAY_SECRET, settings.THREEMA_PRIVATE_KEY = (
        "*SPRECHZ",
        "s3cret",
        "",
    )
    answers = iter([Response("busy", status=503), Response("busy", status=503), Response("0123456789abcdef")])
    received = []

    def gateway(request):
        received.append(request.form["to"])
        return next(answers)

    httpserver.expect_request("/send_simple", method="POST").respond_with_handler(gateway)
    booking = book(kind, channel="threema", threema_id="ABCD1234")
    row = booking.notifications.get(kind=Kind.CONFIRMED)
    outcomes = []
    while not outcomes or outcomes[-1] == "retry":
        row.refresh_from_db()
        outcomes.append(notification_send(notification_id=row.pk, now=max(NOW, row.scheduled_for)))
    row.refresh_from_db()
    assert outcomes == ["retry", "retry", "sent"]
    assert (row.attempts, row.provider_message_id, received) == (3, "0123456789abcdef", ["ABCD1234"] * 3)


def test_a_bookings_message_is_read_with_its_booking_in_one_query(kind):
    """The booking, its coach, client and type come joined with the row; nothing is read
    again one by one while the message is checked and rendered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    booking = book(kind)
    confirmation = booking.notifications.get(kind=Kind.CONFIRMED)
    with CaptureQueriesContext(connection) as queries:
        assert notification_send(notification_id=confirmation.pk, now=NOW) == "sent"
    reads = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]
    rows_read = [sql for sql in reads if sql.split(" FROM ", 1)[1].startswith('"scheduler_notification"')]
    assert len(rows_read) == 1 and 'JOIN "scheduler_booking"' in rows_read[0]
    for table in ("scheduler_booking", "scheduler_coach", "scheduler_client", "scheduler_appointmenttype"):
        assert not any(sql.split(" FROM ", 1)[1].startswith(f'"{table}"') for sql in reads), table
