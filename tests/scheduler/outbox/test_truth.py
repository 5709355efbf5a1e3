"""Messages match the booking when they are sent (issue 14, item 2): one that a later change
overtook is not sent but marked superseded; an invitation (METHOD:REQUEST) carries only
TENTATIVE or CONFIRMED. Delivery reports only move forward (item 8)."""

from datetime import datetime, time

import pytest
from django.db import transaction

from scheduler import ics
from scheduler.channels.base import MemoryBackend
from scheduler.models import AppointmentType, Booking, Notification
from scheduler.outbox.send import notification_delivery_update
from scheduler.outbox.texts import render
from scheduler.services import booking as booking_service
from scheduler.services.booking import (
    booking_cancel,
    booking_confirm,
    booking_decline,
    booking_reschedule,
    bookings_expire_due,
)
from tests.helpers import BERLIN
from tests.scheduler.outbox.helpers import MONDAY, NOW, ScriptedBackend, book, parse, send

# The fixtures `kind` and `backends` are in the outbox conftest.py, `smtp_sink` in the scheduler one.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("backends")]
Kind, Status = Notification.Kind, Notification.Status


def at(hour: int) -> datetime:
    return datetime.combine(MONDAY, time(hour), tzinfo=BERLIN)


def test_a_confirmation_refused_once_is_not_sent_after_the_cancellation(kind, smtp_sink, settings, coach_client):
    """The reproduction: the SMTP server refused the confirmation once (451), the client
    cancelled, the CANCEL went out; the retry used to send "Ihr Termin ist bestätigt" with
    METHOD:REQUEST and STATUS:CANCELLED."""
    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "email": "scheduler.channels.email.EmailBackend"}
    booking = book(kind)  # German, confirmed at once
    confirmation = booking.notifications.get(kind=Kind.CONFIRMED)
    smtp_sink.data_reply = "451 4.3.0 Please try again later"
    assert send(confirmation) == "retry"
    smtp_sink.data_reply = None

    booking_cancel(booking=booking, now=NOW)
    cancellation = booking.notifications.get(kind=Kind.CANCELLED, audience="client")
    assert send(cancellation) == "sent"
    assert send(confirmation) == "superseded"

    assert len(smtp_sink.envelopes) == 1  # only the cancellation
    raw = smtp_sink.envelopes[0].content
    assert b"METHOD:CANCEL" in raw and b"METHOD:REQUEST" not in raw
    assert "bestätigt" not in parse(raw).get_body(("plain",)).get_content()
    confirmation.refresh_from_db()
    assert confirmation.status == Status.SUPERSEDED and confirmation.sent_at is None
    # The coach sees why it was not sent, and cannot send it again.
    page = coach_client.get(f"/coach/bookings/{booking.uuid}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="badge superseded">overtaken by a later change</span>' in page
    assert f"/messages/{confirmation.pk}/retry/" not in page


def test_an_old_time_after_a_move_is_not_sent(kind, backends):
    booking = book(kind)
    booking_reschedule(booking=booking, start=at(10), now=NOW)
    first_move = booking.notifications.get(kind=Kind.RESCHEDULED, audience="client", sequence=1)
    booking_reschedule(booking=booking, start=at(11), now=NOW)
    second_move = booking.notifications.get(kind=Kind.RESCHEDULED, audience="client", sequence=2)

    assert send(first_move) == "superseded"
    assert send(second_move) == "sent"
    [message] = MemoryBackend.outbox
    assert "11:00" in message.text and "10:00" not in message.text


def unconfirmed(kind):
    kind.address_confirmation = AppointmentType.AddressConfirmation.ALWAYS
    kind.save()
    return book(kind)


# Each kind of message, the change that overtakes it, and whether it is then still true.
SCENARIOS = {
    "confirmation after a cancellation": (
        book,
        Kind.CONFIRMED,
        "client",
        lambda b: booking_cancel(booking=b, now=NOW),
        "superseded",
    ),
    "coach's new booking after the client cancelled": (
        book,
        Kind.COACH_NEW_BOOKING,
        "coach",
        lambda b: booking_cancel(booking=b, now=NOW),
        "superseded",
    ),
    "request received after a decline": (
        "request",
        Kind.REQUEST_RECEIVED,
        "client",
        lambda b: booking_decline(booking=b),
        "superseded",
    ),
    "coach's request waiting after the client cancelled": (
        "request",
        Kind.COACH_REQUEST_WAITING,
        "coach",
        lambda b: booking_cancel(booking=b, now=NOW),
        "superseded",
    ),
    "request received after the confirmation": (
        "request",
        Kind.REQUEST_RECEIVED,
        "client",
        lambda b: booking_confirm(booking=b),
        "superseded",
    ),
    "address confirmation after the hold ran out": (
        unconfirmed,
        Kind.ADDRESS_CONFIRMATION,
        "client",
        lambda b: booking_service.bookings_unconfirmed_expire(now=b.hold_until),
        "superseded",
    ),
    "address confirmation after it was used": (
        unconfirmed,
        Kind.ADDRESS_CONFIRMATION,
        "client",
        lambda b: booking_service.booking_address_confirm(booking=b, now=NOW),
        "superseded",
    ),
    "decline of an expired request (nothing later)": (
        "request",
        Kind.DECLINED,
        "client",
        None,
        "sent",
    ),
    "cancellation (nothing later)": (book, Kind.CANCELLED, "client", None, "sent"),
    "reminder after a cancellation": (
        book,
        Kind.REMINDER,
        "client",
        lambda b: booking_cancel(booking=b, now=NOW),
        "obsolete",
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_kind_of_message_is_sent_only_while_it_is_true(kind, backends, scenario):
    make, message_kind, audience, change, outcome = SCENARIOS[scenario]
    if make == "request":
        kind.approval = AppointmentType.Approval.ALWAYS
        kind.save()
        booking = book(kind)
    else:
        booking = make(kind)
    if message_kind == Kind.DECLINED:
        bookings_expire_due(now=booking.start)
    if message_kind == Kind.CANCELLED:
        booking_cancel(booking=booking, now=NOW)
    row = booking.notifications.filter(kind=message_kind, audience=audience).first()
    if change:
        change(Booking.objects.get(pk=booking.pk))
    assert send(row) == outcome
    row.refresh_from_db()
    assert row.status == outcome
    assert len(MemoryBackend.outbox) == (1 if outcome == "sent" else 0)


def test_the_coachs_alert_about_a_failed_message_is_true_after_any_change(kind, backends, settings):
    settings.CHANNEL_BACKENDS = {
        **settings.CHANNEL_BACKENDS,
        "threema": "tests.scheduler.outbox.helpers.ScriptedBackend",
    }
    from scheduler.channels.base import DeliveryError

    ScriptedBackend.script = [DeliveryError("Threema ID not found", permanent=True)]
    booking = book(kind, channel="threema", threema_id="ABCD1234")
    assert send(booking.notifications.get(kind=Kind.CONFIRMED)) == "failed"
    alert = booking.notifications.get(kind=Kind.COACH_DELIVERY_FAILED)
    booking_cancel(booking=booking, now=NOW)
    assert send(alert) == "sent"  # its sequence is the failed message's id, not the booking's


@pytest.mark.parametrize("status", ["cancelled", "declined", "expired", "unconfirmed"])
def test_an_invitation_is_never_made_for_a_booking_that_is_not_on(kind, status):
    booking = book(kind)
    Booking.objects.filter(pk=booking.pk).update(status=status)
    booking.refresh_from_db()
    with pytest.raises(ValueError):
        ics.booking_invitation(booking, method="REQUEST")
    assert b"STATUS:CANCELLED" in ics.booking_invitation(booking, method="CANCEL")


def test_a_moved_request_is_invited_as_tentative(kind, backends):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking = book(kind)
    booking_reschedule(booking=booking, start=at(10), now=NOW)
    message = render(booking.notifications.get(kind=Kind.RESCHEDULED, audience="client"))
    assert message.calendar_method == "REQUEST"
    assert b"STATUS:TENTATIVE" in message.calendar and b"CANCELLED" not in message.calendar


# --- Delivery reports only move forward (item 8) ------------------------------------------


@pytest.fixture
def sent_on_whatsapp(kind, backends):
    booking = book(kind, channel="whatsapp", whatsapp="+491701234567")
    row = booking.notifications.get(kind=Kind.CONFIRMED)
    assert send(row) == "sent"
    Notification.objects.filter(pk=row.pk).update(provider_message_id="wamid.ABC")
    return row


def report(status: str, error: str = "") -> str:
    with transaction.atomic():
        notification_delivery_update(channel="whatsapp", provider_message_id="wamid.ABC", status=status, error=error)
    return Notification.objects.get(provider_message_id="wamid.ABC").delivery_status


def test_a_late_delivered_never_overwrites_read(sent_on_whatsapp):
    assert report("sent") == "sent"
    assert report("read") == "read"
    assert report("delivered") == "read"  # Meta's webhooks come in any order
    assert report("sent") == "read"
    assert report("failed", "late failure") == "read"  # it was read: it did not fail
    sent_on_whatsapp.refresh_from_db()
    assert sent_on_whatsapp.status == Status.SENT
    assert not sent_on_whatsapp.booking.notifications.filter(kind=Kind.COACH_DELIVERY_FAILED).exists()


def test_a_failure_after_delivery_fails_the_message_once_and_stays(sent_on_whatsapp):
    assert report("delivered") == "delivered"
    assert report("failed", "Message undeliverable (131026)") == "failed"
    assert report("delivered") == "failed"
    assert report("failed", "again") == "failed"
    sent_on_whatsapp.refresh_from_db()
    assert sent_on_whatsapp.status == Status.FAILED and "131026" in sent_on_whatsapp.last_error
    assert sent_on_whatsapp.booking.notifications.filter(kind=Kind.COACH_DELIVERY_FAILED).count() == 1
