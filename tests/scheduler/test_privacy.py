"""Anonymising a client and deleting a client's account (scheduler/services/privacy.py)."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from scheduler.models import Booking, Client, Notification
from scheduler.services.privacy import DELETED_CLIENT, bookings_anonymise, client_account_delete, clients_anonymise
from tests.factories import BookingFactory, ClientFactory, CoachFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymising_a_client_keeps_the_record_but_not_who(coach):
    client = ClientFactory(coach=coach, phone="+491701234567", threema_id="ABCD1234", whatsapp="+491701234567")
    booking = BookingFactory(appointment_type__coach=coach, client=client, start=timezone.now() - timedelta(days=3))
    sent = NotificationFactory(booking=booking, status="sent", last_error="550 mailbox full")
    pending = NotificationFactory(booking=booking, kind="reminder", status="pending")
    to_coach = NotificationFactory(booking=booking, audience="coach", kind="coach_new_booking", recipient="c@x.example")
    before = Booking.objects.get(pk=booking.pk).updated_at
    now = timezone.now()

    assert clients_anonymise(clients=Client.objects.filter(pk=client.pk), now=now) == 1
    assert bookings_anonymise(bookings=Booking.objects.filter(pk=booking.pk), now=now) == 1

    client.refresh_from_db()
    with translation.override(coach.language):
        assert client.name == str(DELETED_CLIENT)
    assert client.email == f"deleted-{client.pk}@anonymised.invalid"
    assert (client.phone, client.threema_id, client.whatsapp, client.pgp_public_key) == ("", "", "", "")
    booking.refresh_from_db()
    assert booking.message == ""
    assert (booking.status, booking.channel) == ("confirmed", "email")
    # Subscribed calendars see the change (the coach's feed shows the client's name).
    assert booking.updated_at > before
    sent.refresh_from_db()
    pending.refresh_from_db()
    to_coach.refresh_from_db()
    assert (sent.recipient, sent.last_error, sent.status) == ("", "", "sent")
    assert (pending.recipient, pending.status) == ("", "obsolete")
    assert to_coach.recipient == "c@x.example"

    # Again: nothing left to do.
    assert clients_anonymise(clients=Client.objects.filter(pk=client.pk), now=now) == 0
    assert bookings_anonymise(bookings=Booking.objects.filter(pk=booking.pk), now=now) == 0


def test_two_anonymised_clients_of_one_coach_stay_distinct(coach):
    first, second = ClientFactory(coach=coach), ClientFactory(coach=coach)
    clients_anonymise(clients=Client.objects.filter(pk__in=[first.pk, second.pk]), now=timezone.now())
    assert Client.objects.filter(coach=coach, email__endswith="@anonymised.invalid").count() == 2


def test_the_deleted_clients_name_is_in_the_coachs_language():
    coach = CoachFactory(language="en")
    client = ClientFactory(coach=coach)
    with translation.override("de"):
        clients_anonymise(clients=Client.objects.filter(pk=client.pk), now=timezone.now())
    client.refresh_from_db()
    assert client.name == "deleted client"


def test_account_deletion_cancels_what_is_ahead_and_tells_the_coach():
    user = UserFactory(email="kim@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    now = timezone.now()
    ahead = BookingFactory(client__email="kim@example.org", start=now + timedelta(days=2))
    requested = BookingFactory(client__email="kim@example.org", start=now + timedelta(days=4), status="requested")
    running = BookingFactory(client__email="kim@example.org", start=now - timedelta(minutes=10))
    over = BookingFactory(client__email="kim@example.org", start=now - timedelta(days=30))

    client_account_delete(user=user, now=now)

    assert not get_user_model().objects.filter(pk=user.pk).exists()
    for booking in (ahead, requested):
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CANCELLED
        to_coach = Notification.objects.get(booking=booking, audience="coach")
        assert (to_coach.kind, to_coach.status) == ("cancelled", "pending")
        assert to_coach.recipient == booking.coach.user.email
        # The client asked for this; no message goes to an address that is gone.
        assert not Notification.objects.filter(booking=booking, audience="client", status="pending").exists()
    for booking in (running, over):
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED
        assert not Notification.objects.filter(booking=booking).exists()
    for booking in (ahead, requested, running, over):
        assert booking.message == ""
        assert booking.client.email.endswith("@anonymised.invalid")
