"""Anonymising a client and deleting a client's account (scheduler/services/privacy.py)."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from scheduler.models import Booking, Client, Notification
from scheduler.services.privacy import DELETED_CLIENT, bookings_anonymise, client_account_delete, clients_anonymise
from tests.factories import (
    AppointmentTypeFactory,
    BookingFactory,
    ClientFactory,
    CoachFactory,
    NotificationFactory,
    UserFactory,
    WeeklyHoursFactory,
)
from tests.helpers import rows_naming
from tests.scheduler.pages import MONDAY, berlin, form_data, profile_data

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


# --- the privacy page and the consent --------------------------------------------------


def test_the_privacy_page_shows_the_standard_notice_with_the_coachs_retention(client):
    coach = CoachFactory(display_name="Anna Beispiel", retention_months=18)
    response = client.get(f"/{coach.slug}/privacy/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Anna Beispiel stores the details you give when you book" in page
    assert "kept for 18 months" in page
    assert coach.privacy_version() in page
    assert 'class="language-switch"' in page


def test_the_coachs_own_notice_replaces_the_standard_one_and_has_its_own_version(client):
    coach = CoachFactory()
    standard = coach.privacy_version()
    coach.privacy_text = "Ich speichere nur, was für den Termin nötig ist."
    coach.save()
    page = client.get(f"/{coach.slug}/privacy/").content.decode()
    assert "Ich speichere nur, was für den Termin nötig ist." in page
    assert "stores the details you give" not in page
    assert coach.privacy_version() != standard
    assert len(coach.privacy_version()) == 12


def test_an_unknown_coach_has_no_privacy_page(client):
    assert client.get("/nobody/privacy/").status_code == 404


def test_privacy_is_not_an_address_for_an_appointment_type(coach):
    kind = AppointmentTypeFactory.build(coach=coach, slug="privacy")
    with pytest.raises(ValidationError) as caught:
        kind.full_clean()
    assert "slug" in caught.value.message_dict


def test_the_booking_form_and_the_coach_page_link_to_the_privacy_page(client):
    coach = CoachFactory()
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(11))
    kind = AppointmentTypeFactory(coach=coach)
    monday = date.today() + timedelta(days=14 - date.today().weekday())
    start = datetime.combine(monday, time(9), tzinfo=ZoneInfo(coach.time_zone)).isoformat()
    page = client.get(f"/{coach.slug}/{kind.slug}/?" + urlencode({"start": start})).content.decode()
    assert 'name="privacy_consent"' in page
    assert f'href="/{coach.slug}/privacy/"' in page
    assert f'href="/{coach.slug}/privacy/"' in client.get(f"/{coach.slug}/").content.decode()


def test_the_coach_edits_the_notice_in_the_settings(coach_client, coach):
    data = profile_data(coach, privacy_text="  Mein eigener Datenschutzhinweis.  ")
    assert coach_client.post("/coach/settings/", data).status_code == 303
    coach.refresh_from_db()
    assert coach.privacy_text == "Mein eigener Datenschutzhinweis."
    assert "Mein eigener Datenschutzhinweis." in coach_client.get("/coach/settings/").content.decode()


def test_a_booking_stores_when_and_to_which_notice_its_client_agreed(client):
    coach = CoachFactory(address_form="du")
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(11))
    kind = AppointmentTypeFactory(coach=coach)
    start = berlin(MONDAY, 9)
    response = client.post(f"/{coach.slug}/{kind.slug}/", form_data(start), headers={"Accept-Language": "de"})
    assert response.status_code == 303
    booking = Booking.objects.get()
    assert timezone.now() - booking.privacy_consent_at < timedelta(minutes=1)
    # The notice as the client read it: in German, addressed as the coach does.
    with translation.override(coach.language_for_clients("de")):
        assert booking.privacy_consent_version == coach.privacy_version()

    # The coach changes the notice later: the booking keeps the version that was agreed to.
    agreed = booking.privacy_consent_version
    coach.privacy_text = "Ein neuer Hinweis."
    coach.save()
    booking.refresh_from_db()
    assert booking.privacy_consent_version == agreed != coach.privacy_version()


# --- nothing names a deleted client ------------------------------------------------------


def test_after_an_account_deletion_no_row_names_the_client():
    """The admin's history kept "Kim Muster <kim@example.org>" as the name of the client and
    the recipient of its messages after everything else was anonymised."""
    from django.contrib.admin.models import CHANGE, LogEntry

    user = UserFactory(email="kim@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    booking = BookingFactory(
        client__email="kim@example.org", client__name="Kim Muster", start=timezone.now() + timedelta(days=3)
    )
    notification = NotificationFactory(booking=booking, recipient="kim@example.org")
    staff = UserFactory(email="admin@example.net", is_staff=True, is_superuser=True)
    for obj in (booking.client, booking, notification, user):
        LogEntry.objects.log_actions(user_id=staff.pk, queryset=[obj], action_flag=CHANGE, change_message="[]")
    assert rows_naming("kim@example.org", "Kim Muster")  # the test sees what it looks for

    client_account_delete(user=user)

    assert rows_naming("kim@example.org", "Kim Muster") == []
    assert LogEntry.objects.filter(user=staff).count() == 0
