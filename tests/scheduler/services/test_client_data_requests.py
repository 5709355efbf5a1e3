"""A coach answers a client's data request: export and erasure of what the coach keeps about
one e-mail address (scheduler/services/client_data_requests.py)."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.utils import timezone
from icalendar import Calendar

from scheduler.models import Booking, BookingLink, Client, ClientDataRequest, InboundMessage, Notification
from scheduler.outbox.send import notification_send
from scheduler.services.client_data_requests import client_data_erase, client_data_export, client_erasures_finish
from tests.factories import BookingFactory, ClientFactory, CoachFactory, NotificationFactory, UserFactory
from tests.helpers import rows_naming

pytestmark = pytest.mark.django_db

EMAIL, NAME = "eva.gast@example.org", "Eva Gast"


@pytest.fixture
def eva(coach):
    """Eva, the coach's client without an account: a booking over, one ahead, a message
    each, a reply of hers about the booking ahead and a booking link made for her."""
    now = timezone.now()
    client = ClientFactory(coach=coach, email=EMAIL, name=NAME, threema_id="EVAG1234")
    over = BookingFactory(
        appointment_type__coach=coach, client=client, start=now - timedelta(days=20), message="Eva über ihren Beruf"
    )
    ahead = BookingFactory(
        appointment_type=over.appointment_type,
        client=client,
        start=now + timedelta(days=5),
        channel="threema",
        message="Eva möchte weiterreden",
    )
    NotificationFactory(booking=over, status="sent", recipient=EMAIL, last_error="Eva Gast: 250 ok")
    NotificationFactory(booking=ahead, kind="reminder", status="pending", channel="threema", recipient="EVAG1234")
    # A reply about the booking ahead, and a message outside any booking from her Threema ID.
    for number, (text, booking) in enumerate((("Ich komme etwas später", ahead), ("Eine Frage vorab", None))):
        InboundMessage.objects.create(
            coach=coach, channel="threema", sender="EVAG1234", sender_name=NAME, text=text,
            provider_message_id=f"m-{number}", booking=booking,
        )  # fmt: skip
    BookingLink.objects.create(coach=coach, client=client, note="Eva, Folgetermin")
    return {"client": client, "over": over, "ahead": ahead, "now": now}


def test_the_export_holds_the_clients_bookings_and_messages_and_nothing_of_anyone_else(coach, eva):
    other_client = BookingFactory(appointment_type=eva["over"].appointment_type, start=eva["now"] + timedelta(days=9))
    other_coach = BookingFactory(client__email=EMAIL, client__name="Eva bei B", start=eva["now"] + timedelta(days=3))

    data, calendar = client_data_export(coach=coach, email="  Eva.Gast@Example.org ", now=eva["now"])

    assert (data["client"]["email"], data["client"]["name"]) == (EMAIL, NAME)
    assert [b["start"] for b in data["bookings"]] == [eva["over"].start.isoformat(), eva["ahead"].start.isoformat()]
    assert data["bookings"][0]["message"] == "Eva über ihren Beruf"
    assert [m["kind"] for m in data["bookings"][0]["messages_sent_to_you"]] == ["confirmed"]
    assert [m["kind"] for m in data["bookings"][1]["messages_sent_to_you"]] == ["reminder"]
    assert {m["text"] for m in data["messages_received_from_you"]} == {"Ich komme etwas später", "Eine Frage vorab"}
    text = str(data)
    assert other_client.client.email not in text and "Eva bei B" not in text
    uids = {str(event["uid"]) for event in Calendar.from_ical(calendar).walk("VEVENT")}
    assert len(uids) == 2
    assert not any(str(other_coach.uuid) in uid or str(other_client.uuid) in uid for uid in uids)
    record = ClientDataRequest.objects.get()
    assert (record.coach, record.kind) == (coach, "export")
    assert record.counts == {"clients": 1, "bookings": 2, "messages": 2, "received_messages": 2, "booking_links": 1}


def test_an_export_of_an_unknown_address_is_empty_and_recorded(coach):
    data, calendar = client_data_export(coach=coach, email="nobody@example.org", now=timezone.now())
    assert data == {"client": None, "bookings": [], "messages_received_from_you": []}
    assert Calendar.from_ical(calendar).walk("VEVENT") == []
    assert ClientDataRequest.objects.get().counts["clients"] == 0


def test_the_erasure_cancels_what_is_ahead_tells_the_client_once_and_then_names_them_nowhere(
    coach, eva, memory_backends
):
    staff = UserFactory(email="admin@example.net", is_staff=True, is_superuser=True)
    for obj in (eva["client"], eva["over"], *Notification.objects.all(), *InboundMessage.objects.all()):
        LogEntry.objects.log_actions(user_id=staff.pk, queryset=[obj], action_flag=CHANGE, change_message="[]")
    assert rows_naming(EMAIL, NAME, "EVAG1234")  # the check sees what it looks for

    record = client_data_erase(coach=coach, email=EMAIL, now=eva["now"], note="Ihre Daten sind gelöscht.")

    ahead, over = Booking.objects.get(pk=eva["ahead"].pk), Booking.objects.get(pk=eva["over"].pk)
    assert ahead.status == "cancelled"
    assert over.status == "confirmed" and over.message == ""
    # Only the cancellation to the client is left, waiting to go; everything else went.
    waiting = Notification.objects.get()
    assert (waiting.booking, waiting.kind, waiting.audience, waiting.status) == (
        ahead,
        "cancelled",
        "client",
        "pending",
    )
    assert (waiting.channel, waiting.recipient) == ("threema", "EVAG1234")
    assert not InboundMessage.objects.exists() and not BookingLink.objects.exists()
    assert record.pending_client == eva["client"] and record.finished_at is None
    # The address is off the client's row already: a new booking with it is someone new.
    assert not Client.objects.filter(email=EMAIL).exists()
    assert client_erasures_finish(now=eva["now"]) == 0  # not while the message waits

    assert notification_send(notification_id=waiting.pk, now=eva["now"]) == "sent"
    [sent] = memory_backends
    assert sent.recipient == "EVAG1234"
    assert NAME.split()[0] in sent.text and "Ihre Daten sind gelöscht." in sent.text

    assert client_erasures_finish(now=eva["now"]) == 1
    assert rows_naming(EMAIL, NAME, "EVAG1234", "Eva") == []
    assert not Notification.objects.exists()
    assert LogEntry.objects.filter(user=staff).count() == 0
    record.refresh_from_db()
    assert (record.kind, record.pending_client, record.finished_at) == ("erase", None, eva["now"])
    assert record.counts == {
        "clients": 1,
        "bookings": 2,
        "messages": 2,
        "received_messages": 2,
        "booking_links": 1,
        "cancelled": 1,
    }


def test_an_erasure_with_nothing_ahead_is_finished_at_once(coach):
    client = ClientFactory(coach=coach, email=EMAIL, name=NAME)
    BookingFactory(appointment_type__coach=coach, client=client, start=timezone.now() - timedelta(days=2))
    record = client_data_erase(coach=coach, email=EMAIL, now=timezone.now())
    assert record.finished_at is not None and record.pending_client is None
    assert rows_naming(EMAIL, NAME) == []


def test_a_failed_cancellation_ends_the_wait_too(coach, eva):
    client_data_erase(coach=coach, email=EMAIL, now=eva["now"])
    Notification.objects.update(status="failed")
    assert client_erasures_finish(now=eva["now"]) == 1
    assert rows_naming(EMAIL, NAME, "EVAG1234") == []


def test_another_coachs_client_with_the_same_address_is_untouched(coach, eva):
    elsewhere = BookingFactory(
        appointment_type__coach=CoachFactory(),
        client__email=EMAIL,
        client__name=NAME,
        start=eva["now"] + timedelta(days=2),
    )
    NotificationFactory(booking=elsewhere, status="pending")
    client_data_erase(coach=coach, email=EMAIL, now=eva["now"])
    Notification.objects.filter(booking__coach=coach).update(status="sent")
    client_erasures_finish(now=eva["now"])

    elsewhere.refresh_from_db()
    assert (elsewhere.status, elsewhere.client.email, elsewhere.client.name) == ("confirmed", EMAIL, NAME)
    assert elsewhere.message and Notification.objects.get(booking=elsewhere).status == "pending"
    assert ClientDataRequest.objects.get().coach == coach


def test_the_record_keeps_no_personal_data(coach, eva):
    client_data_export(coach=coach, email=EMAIL, now=eva["now"])
    client_data_erase(coach=coach, email=EMAIL, now=eva["now"])
    Notification.objects.update(status="sent")
    client_erasures_finish(now=eva["now"])
    for record in ClientDataRequest.objects.values():
        assert EMAIL not in str(record) and "Eva" not in str(record)


def test_beat_finishes_the_waiting_erasures_every_minute(coach, eva):
    from config.celery import app as celery_app
    from scheduler import tasks

    entry = celery_app.conf.beat_schedule["finish-client-erasures"]
    assert (entry["task"], entry["schedule"]) == ("scheduler.tasks.finish_client_erasures", 60.0)
    assert entry["task"] in celery_app.tasks
    client_data_erase(coach=coach, email=EMAIL, now=eva["now"])
    assert tasks.finish_client_erasures() == 0
    Notification.objects.update(status="sent")
    assert tasks.finish_client_erasures() == 1
    assert rows_naming(EMAIL, NAME) == []
