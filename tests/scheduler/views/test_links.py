"""Unlisted types stay off the public pages and the API; booking links (/l/<token>/) lead to
the booking pages, are spent once, and show proposed times."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.models import Booking, BookingLink
from scheduler.services.booking_links import booking_link_create, booking_link_propose, booking_link_revoke
from tests.factories import AppointmentTypeFactory, BookingFactory, ClientFactory
from tests.scheduler.pages import MONDAY, berlin, form_data, input_value, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]


@pytest.fixture
def unlisted(anna):
    return AppointmentTypeFactory(
        coach=anna,
        slug="folgesitzung",
        name="Folgesitzung",
        listed=False,
        duration=timedelta(minutes=60),
        slot_step=timedelta(minutes=60),
        horizon=timedelta(days=400),
        allowed_channels=["email", "threema"],
    )


def link_url(link, *parts):
    return "/l/" + "/".join([link.token, *parts]) + "/"


# --- unlisted types ------------------------------------------------------------------


def test_the_coach_page_and_its_next_free_times_leave_out_unlisted_types(client, kind, unlisted):
    page = text(client.get("/anna/"))
    assert "Erstgespräch" in page
    assert "Folgesitzung" not in page and "/anna/folgesitzung/" not in page


def test_an_unlisted_type_page_is_not_found(client, unlisted):
    assert client.get("/anna/folgesitzung/").status_code == 404
    assert client.post("/anna/folgesitzung/", form_data(berlin(MONDAY, 9))).status_code == 404
    assert Booking.objects.count() == 0


def test_the_api_lists_no_unlisted_type_and_refuses_to_book_one(client, kind, unlisted):
    listed = client.get("/api/coaches/anna/types").json()
    assert [t["slug"] for t in listed] == ["erstgespraech"]
    slots = client.get("/api/coaches/anna/slots", {"type": "folgesitzung"})
    assert slots.status_code == 400 and "type" in slots.json()["errors"]
    body = {
        "type": "folgesitzung",
        "start": berlin(MONDAY, 9).isoformat(),
        "name": "Eva",
        "email": "eva@example.org",
        "channel": "email",
        "message": "x" * 40,
        "privacy_consent": True,
    }
    answer = client.post("/api/coaches/anna/bookings", body, content_type="application/json")
    assert answer.status_code == 400 and "type" in answer.json()["errors"]
    assert Booking.objects.count() == 0


def test_the_reachability_api_names_no_unlisted_type(client, kind, unlisted):
    answer = client.get("/api/coaches/anna/reachability").json()
    assert set(answer["next_free"]) == {"erstgespraech"}


# --- a link ------------------------------------------------------------------------


def test_a_link_for_an_unlisted_type_shows_its_picker_and_books_it_once(client, unlisted):
    link = booking_link_create(coach=unlisted.coach, appointment_type=unlisted)
    page = client.get(link_url(link), {"start": berlin(MONDAY, 9).isoformat(), "tz": "Europe/Berlin"})
    assert page.status_code == 200
    body = text(page)
    assert "Folgesitzung" in body and "can be used for one booking" in body
    assert f'action="/l/{link.token}/?start=' in body  # the form goes back to the link

    booked = client.post(link_url(link), form_data(berlin(MONDAY, 9), channel="email", threema_id=""))
    assert booked.status_code == 303
    booking = Booking.objects.get()
    assert booked["Location"] == f"/b/{booking.token}/"
    assert booking.appointment_type == unlisted and booking.booking_link == link

    again = client.post(link_url(link), form_data(berlin(MONDAY, 10), channel="email", threema_id=""))
    assert again.status_code == 410
    assert "This link has been used; ask Anna Beispiel for a new one." in text(again)
    assert Booking.objects.count() == 1
    assert client.get(link_url(link)).status_code == 410


def test_a_link_for_every_type_lists_the_listed_ones(client, kind, unlisted):
    link = booking_link_create(coach=kind.coach)
    body = text(client.get(link_url(link)))
    assert f"/l/{link.token}/erstgespraech/" in body and "folgesitzung" not in body
    assert client.get(link_url(link, "folgesitzung")).status_code == 404
    page = client.get(link_url(link, "erstgespraech"), {"start": berlin(MONDAY, 9).isoformat(), "tz": "Europe/Berlin"})
    assert f'action="/l/{link.token}/erstgespraech/?start=' in text(page)


def test_a_link_offers_only_its_days(client, kind):
    link = booking_link_create(coach=kind.coach, appointment_type=kind, valid_from=MONDAY, valid_until=MONDAY)
    page = text(client.get(link_url(link), {"month": f"{MONDAY:%Y-%m}", "tz": "Europe/Berlin"}))
    assert f"day={MONDAY.isoformat()}" in page
    next_monday = MONDAY + timedelta(days=7)
    if next_monday.month == MONDAY.month:
        assert f"day={next_monday.isoformat()}" not in page
    outside = client.get(link_url(link), {"start": berlin(next_monday, 9).isoformat(), "tz": "Europe/Berlin"})
    assert 'name="name"' not in text(outside)  # no form for a time outside the link
    refused = client.post(link_url(link), form_data(berlin(next_monday, 9)))
    assert "outside the dates of your link" in text(refused)
    assert Booking.objects.count() == 0


def test_a_link_for_a_client_fills_in_their_name_and_address(client, kind):
    eva = ClientFactory(coach=kind.coach, name="Eva Muster", email="eva@example.org")
    link = booking_link_create(coach=kind.coach, appointment_type=kind, client=eva)
    page = client.get(link_url(link), {"start": berlin(MONDAY, 9).isoformat(), "tz": "Europe/Berlin"})
    assert input_value(page, "name") == "Eva Muster"
    assert input_value(page, "email") == "eva@example.org"


def test_a_withdrawn_link_says_so(client, kind):
    link = booking_link_create(coach=kind.coach, appointment_type=kind)
    booking_link_revoke(link=link)
    page = client.get(link_url(link))
    assert page.status_code == 410
    assert "This link has been withdrawn; ask Anna Beispiel for a new one." in text(page)


def test_an_unknown_link_is_not_found(client, kind):
    assert client.get("/l/not-a-token/").status_code == 404


def test_l_is_not_a_coach_address(anna):
    from django.core.exceptions import ValidationError

    anna.slug = "l"
    with pytest.raises(ValidationError):
        anna.full_clean()


# --- proposed times ----------------------------------------------------------------


@pytest.fixture
def proposal(kind, dispatched):
    earlier = BookingFactory(
        appointment_type=kind,
        start=berlin(MONDAY - timedelta(days=7), 9),
        channel="email",
        time_zone="America/New_York",
        client__email="eva@example.org",
        client__name="Eva Muster",
    )
    return booking_link_propose(
        coach=kind.coach,
        appointment_type=kind,
        client=earlier.client,
        starts=[berlin(MONDAY, 9), berlin(MONDAY, 10)],
        channel="email",
    )


def test_the_proposal_shows_its_times_in_the_client_zone_and_marks_a_taken_one(client, kind, proposal):
    BookingFactory(appointment_type=kind, start=berlin(MONDAY, 10))
    page = " ".join(text(client.get(link_url(proposal))).split())
    assert "03:00–03:30 (America/New_York)" in page  # 09:00 in Berlin
    assert page.count('type="radio" name="start"') == 1
    assert "04:00–04:30 (America/New_York) — no longer free" in page


def test_picking_a_proposed_time_books_it_confirmed_and_spends_the_link(client, kind, proposal):
    start = berlin(MONDAY, 9).astimezone(ZoneInfo("America/New_York"))
    answer = client.post(
        link_url(proposal), {"start": start.isoformat(), "privacy_consent": "on", "tz": "America/New_York"}
    )
    assert answer.status_code == 303
    booking = Booking.objects.get(booking_link=proposal)
    assert booking.status == Booking.Status.CONFIRMED and booking.start == berlin(MONDAY, 9)
    assert BookingLink.objects.get(pk=proposal.pk).spent_at is not None
    assert client.get(link_url(proposal)).status_code == 410


def test_a_pick_without_consent_books_nothing(client, proposal):
    answer = client.post(link_url(proposal), {"start": berlin(MONDAY, 9).isoformat()})
    assert answer.status_code == 400
    assert "Please agree" in text(answer)
    assert not Booking.objects.filter(booking_link=proposal).exists()
