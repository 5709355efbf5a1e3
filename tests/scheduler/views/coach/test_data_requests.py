"""The coach's page of clients' data requests (scheduler/views/coach/data_requests.py)."""

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from icalendar import Calendar

from scheduler.models import Booking, Client, ClientDataRequest, Notification
from scheduler.services.client_data_requests import client_erasures_finish
from tests.factories import BookingFactory, CoachFactory, UserFactory
from tests.helpers import rows_naming

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

EMAIL, NAME = "eva.gast@example.org", "Eva Gast"
URL = "/coach/data-requests/"


@pytest.fixture
def bookings(coach):
    now = timezone.now()
    over = BookingFactory(
        appointment_type__coach=coach, client__email=EMAIL, client__name=NAME, start=now - timedelta(days=9)
    )
    ahead = BookingFactory(appointment_type=over.appointment_type, client=over.client, start=now + timedelta(days=4))
    return over, ahead


def test_the_coach_looks_up_an_address_and_sees_the_counts(coach_client, bookings):
    page = coach_client.get(URL)
    assert page.status_code == 200 and 'name="email"' in page.content.decode()
    found = coach_client.post(URL + "look/", {"email": "Eva.Gast@example.org"}).content.decode()
    assert f"What you keep about {EMAIL}" in found
    assert "2 bookings" in found and "0 messages sent" in found
    assert "has a client account" not in found
    assert not ClientDataRequest.objects.exists()  # looking is no request answered


def test_the_downloads_are_the_clients_data_and_recorded(coach_client, coach, bookings):
    response = coach_client.post(URL + "export.json", {"email": EMAIL})
    assert response["Content-Disposition"] == 'attachment; filename="client-data.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["client"]["name"] == NAME and len(data["bookings"]) == 2
    calendar = Calendar.from_ical(coach_client.post(URL + "export.ics", {"email": EMAIL}).content)
    assert len(calendar.walk("VEVENT")) == 2
    assert list(ClientDataRequest.objects.values_list("kind", flat=True)) == ["export", "export"]
    page = coach_client.get(URL).content.decode()
    assert "2 bookings, 0 messages sent, 0 received" in page
    assert EMAIL not in page and NAME not in page


def test_erasing_asks_first_then_erases(coach_client, coach, bookings):
    over, ahead = bookings
    step = coach_client.post(URL + "erase/", {"email": EMAIL})
    assert step.status_code == 200 and 'name="confirm"' in step.content.decode()
    assert "Your data has been erased at your request" in step.content.decode()  # the note, ready to send
    assert Booking.objects.get(pk=ahead.pk).status == "confirmed"  # nothing happened yet
    unticked = coach_client.post(URL + "erase/", {"email": EMAIL, "step": "erase", "note": "Gelöscht."})
    assert unticked.status_code == 400
    assert Booking.objects.get(pk=ahead.pk).status == "confirmed"

    done = coach_client.post(URL + "erase/", {"email": EMAIL, "step": "erase", "note": "Gelöscht.", "confirm": "on"})

    assert done.status_code == 303 and done["Location"] == URL
    ahead.refresh_from_db()
    assert (ahead.status, ahead.status_note) == ("cancelled", "Gelöscht.")
    message = Notification.objects.get(booking=ahead, kind="cancelled", audience="client")
    assert message.status == "pending"
    message.status = "sent"
    message.save()
    client_erasures_finish(now=timezone.now())
    assert rows_naming(EMAIL, NAME) == []
    assert "Erased: 2 bookings" in coach_client.get(URL).content.decode()


def test_an_address_with_an_account_keeps_the_account(coach_client, bookings):
    user = UserFactory(email=EMAIL)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    assert "has a client account" in coach_client.post(URL + "look/", {"email": EMAIL}).content.decode()
    coach_client.post(URL + "erase/", {"email": EMAIL, "step": "erase", "confirm": "on"})
    user.refresh_from_db()
    assert EmailAddress.objects.filter(user=user, email=EMAIL, verified=True).exists()
    assert Client.objects.filter(email=EMAIL).count() == 0


def test_another_coach_sees_and_erases_nothing_of_this_coachs_client(client, bookings):
    other = CoachFactory()
    client.force_login(other.user)
    found = client.post(URL + "look/", {"email": EMAIL}).content.decode()
    assert "You keep nothing about this address." in found
    client.post(URL + "erase/", {"email": EMAIL, "step": "erase", "confirm": "on"})
    assert Booking.objects.get(pk=bookings[1].pk).status == "confirmed"
    assert json.loads(client.post(URL + "export.json", {"email": EMAIL}).content)["client"] is None


def test_only_a_coach_gets_the_page(client):
    assert client.get(URL).status_code == 302  # to the login
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 404
    assert client.post(URL + "erase/", {"email": EMAIL, "step": "erase", "confirm": "on"}).status_code == 404


def test_the_erasure_needs_the_csrf_token(client, coach, bookings):
    strict = type(client)(enforce_csrf_checks=True)
    strict.force_login(coach.user)
    response = strict.post(URL + "erase/", {"email": EMAIL, "step": "erase", "confirm": "on"})
    assert response.status_code == 403
    assert Booking.objects.get(pk=bookings[1].pk).status == "confirmed"
    assert strict.post(URL + "export.json", {"email": EMAIL}).status_code == 403


def test_the_page_speaks_german_and_the_note_says_du_where_the_coach_does(coach_client, coach, bookings):
    coach.address_form = "du"
    coach.save()
    headers = {"Accept-Language": "de"}
    assert "Datenanfragen" in coach_client.get(URL, headers=headers).content.decode()
    step = coach_client.post(URL + "erase/", {"email": EMAIL}, headers=headers).content.decode()
    assert "Löschen, was Sie zu eva.gast@example.org gespeichert haben" in step
    assert "Deine Daten wurden auf deinen Wunsch gelöscht" in step
