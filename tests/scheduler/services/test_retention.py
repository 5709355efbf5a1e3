"""Retention: bookings and clients lose who the client was after the coach's retention
period; messages lose their recipient and error after 30 days (they store no text)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from scheduler.models import Booking, InboundMessage, Notification
from scheduler.outbox.write import contact_answer_write
from scheduler.services.retention import months_before, retention_purge
from scheduler.tasks import purge_expired_data
from tests.factories import BookingFactory, ClientFactory, CoachFactory, NotificationFactory
from tests.helpers import rows_naming

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def ended(coach, client, *, days_ago):
    return BookingFactory(appointment_type__coach=coach, client=client, start=NOW - timedelta(days=days_ago))


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 11, 30, 12, tzinfo=UTC), 24, datetime(2024, 11, 30, 12, tzinfo=UTC)),
        (datetime(2026, 3, 31, 8, tzinfo=UTC), 1, datetime(2026, 2, 28, 8, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 13, datetime(2024, 12, 15, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), 12, datetime(2027, 2, 28, tzinfo=UTC)),
    ],
)
def test_months_before_counts_calendar_months(moment, months, expected):
    assert months_before(moment, months) == expected


def test_bookings_past_the_coachs_retention_lose_who_the_client_was():
    coach = CoachFactory()  # keeps 24 months by default
    strict = CoachFactory(retention_months=6)
    gone = ClientFactory(coach=coach, threema_id="ABCD1234")
    returning = ClientFactory(coach=coach)
    recent = ClientFactory(coach=coach)
    strict_client = ClientFactory(coach=strict)
    old = ended(coach, gone, days_ago=800)
    returning_old = ended(coach, returning, days_ago=900)
    returning_new = ended(coach, returning, days_ago=10)
    kept = ended(coach, recent, days_ago=600)
    strict_old = ended(strict, strict_client, days_ago=200)

    report = retention_purge(now=NOW)

    assert (report.bookings, report.clients) == (3, 2)
    for booking in (old, returning_old, strict_old):
        booking.refresh_from_db()
        assert booking.message == ""
        assert booking.status == Booking.Status.CONFIRMED
    for client in (gone, strict_client):
        client.refresh_from_db()
        assert client.email.endswith("@anonymised.invalid")
        assert client.threema_id == ""
    # A client who booked again recently keeps their details; only the old message goes.
    returning.refresh_from_db()
    returning_new.refresh_from_db()
    assert "@anonymised.invalid" not in returning.email
    assert returning_new.message
    kept.refresh_from_db()
    recent.refresh_from_db()
    assert kept.message and "@anonymised.invalid" not in recent.email

    assert retention_purge(now=NOW) == type(report)(0, 0, 0)


def test_messages_keep_recipient_and_error_for_30_days():
    booking = BookingFactory(start=NOW + timedelta(days=3))
    old_sent = NotificationFactory(booking=booking, status="sent", scheduled_for=NOW - timedelta(days=31))
    old_failed = NotificationFactory(
        booking=booking,
        kind="reminder",
        status="failed",
        last_error="550 no such user",
        scheduled_for=NOW - timedelta(days=40),
    )
    old_to_coach = NotificationFactory(
        booking=booking,
        audience="coach",
        kind="coach_new_booking",
        recipient="coach@x.example",
        status="sent",
        scheduled_for=NOW - timedelta(days=31),
    )
    young = NotificationFactory(
        booking=booking, kind="rescheduled", status="sent", scheduled_for=NOW - timedelta(days=29)
    )
    due_later = NotificationFactory(
        booking=booking, kind="reminder", status="pending", scheduled_for=NOW - timedelta(days=31, hours=1)
    )

    report = retention_purge(now=NOW)

    assert report.notifications == 2
    old_sent.refresh_from_db()
    old_failed.refresh_from_db()
    assert (old_sent.recipient, old_sent.status) == ("", "sent")
    assert (old_failed.recipient, old_failed.last_error) == ("", "")
    for kept in (old_to_coach, young, due_later):
        recipient = kept.recipient
        kept.refresh_from_db()
        assert kept.recipient == recipient != ""
    assert Notification.objects.count() == 5


def test_purge_command_runs_it_and_says_what_it_did(capsys):
    coach = CoachFactory()
    expired = ended(coach, ClientFactory(coach=coach), days_ago=1000)
    recent = BookingFactory(start=timezone.now() - timedelta(days=50))
    NotificationFactory(booking=recent, status="sent", scheduled_for=recent.start - timedelta(days=1))
    call_command("purge")
    out = capsys.readouterr().out
    assert "Anonymised 1 booking(s) and 1 client(s); cleared the details of 1 message(s)." in out
    expired.refresh_from_db()
    assert expired.client.email.endswith("@anonymised.invalid")
    assert Notification.objects.get(booking=recent).recipient == ""


def test_beat_runs_the_purge_every_day():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-data"]
    assert entry["task"] == "scheduler.tasks.purge_expired_data"
    assert entry["schedule"] == 24 * 60 * 60
    coach = CoachFactory(retention_months=1)
    ended(coach, ClientFactory(coach=coach), days_ago=40)
    assert purge_expired_data() == {"bookings": 1, "clients": 1, "notifications": 0, "inbound_messages": 0}


def test_the_admins_history_goes_with_the_clients_details():
    """A client past the retention period: no row names them, the admin's history included."""
    from django.contrib.admin.models import CHANGE, LogEntry

    from tests.factories import UserFactory

    now = timezone.now()
    booking = BookingFactory(client__email="old@example.org", client__name="Olga Alt", start=now - timedelta(days=800))
    notification = NotificationFactory(booking=booking, recipient="old@example.org", status="sent")
    staff = UserFactory(email="admin@example.net", is_staff=True)
    for obj in (booking.client, booking, notification):
        LogEntry.objects.log_actions(user_id=staff.pk, queryset=[obj], action_flag=CHANGE, change_message="[]")
    assert rows_naming("old@example.org", "Olga Alt")

    retention_purge(now=now)

    assert rows_naming("old@example.org", "Olga Alt") == []


@pytest.mark.parametrize("status", ["superseded", "unknown"])
def test_superseded_and_unknown_messages_lose_their_recipient_after_30_days_too(status):
    booking = BookingFactory(start=NOW + timedelta(days=3))
    old = NotificationFactory(booking=booking, status=status, scheduled_for=NOW - timedelta(days=31))
    retention_purge(now=NOW)
    old.refresh_from_db()
    assert old.recipient == ""


def inbound(coach, *, days_ago, booking=None, sender="ECHOECHO"):
    message = InboundMessage.objects.create(
        coach=coach,
        channel="threema",
        sender=sender,
        text="Hello, this is Eva.",
        provider_message_id=f"{coach.pk}-{days_ago}-{sender}",
        received_at=NOW - timedelta(days=days_ago),
        booking=booking,
    )
    contact_answer_write(inbound_message=message, now=message.received_at)
    return message


def test_received_messages_go_after_the_coachs_retention_period_with_their_answers():
    coach = CoachFactory(retention_months=6)
    lenient = CoachFactory()  # 24 months
    old = inbound(coach, days_ago=200)
    young = inbound(coach, days_ago=100)
    kept_longer = inbound(lenient, days_ago=200)

    report = retention_purge(now=NOW)

    assert report.inbound_messages == 1
    assert set(InboundMessage.objects.values_list("pk", flat=True)) == {young.pk, kept_longer.pk}
    assert not Notification.objects.filter(inbound_message_id=old.pk).exists()
    assert rows_naming("Hello, this is Eva.") == [f"scheduler.InboundMessage {pk}" for pk in (young.pk, kept_longer.pk)]


def test_replies_about_a_booking_go_with_the_bookings_details():
    coach = CoachFactory(retention_months=6)
    client = ClientFactory(coach=coach, threema_id="ECHOECHO")
    old_booking = ended(coach, client, days_ago=200)
    new_booking = ended(coach, ClientFactory(coach=coach), days_ago=20)
    # Received recently, but about a booking whose details go now.
    about_old = inbound(coach, days_ago=10, booking=old_booking)
    about_new = inbound(coach, days_ago=10, booking=new_booking, sender="OTHERONE")

    report = retention_purge(now=NOW)

    assert report.inbound_messages == 1
    assert list(InboundMessage.objects.values_list("pk", flat=True)) == [about_new.pk]
    assert not InboundMessage.objects.filter(pk=about_old.pk).exists()
