"""The coach's booking page: marking how an appointment went (cancelled late, no-show, as
agreed), and the client's history with this coach beside it."""

import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, BookingFactory, ClientFactory, CoachFactory
from tests.scheduler.pages import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]


@pytest.fixture
def eva(coach):
    return ClientFactory(coach=coach, name="Eva Muster", email="eva@example.org")


@pytest.fixture
def past(coach, eva):
    """Eva's coaching two days ago, confirmed."""
    kind = AppointmentTypeFactory(coach=coach, name="Coaching")
    return BookingFactory(appointment_type=kind, client=eva, start=timezone.now() - timedelta(days=2))


def move_ahead(booking, **fields):
    """The booking a week from now instead of two days ago."""
    delta = timedelta(days=9)
    spans = {name: F(name) + delta for name in ("start", "end", "blocked_start", "blocked_end")}
    Booking.objects.filter(pk=booking.pk).update(**spans, **fields)


def outcome(client, booking, value):
    return client.post(f"/coach/bookings/{booking.uuid}/outcome/", {"outcome-outcome": value})


def test_the_coach_marks_a_past_booking_a_no_show_and_undoes_it(coach_client, past):
    page = coach_client.get(f"/coach/bookings/{past.uuid}/").content.decode()
    assert f'action="/coach/bookings/{past.uuid}/outcome/"' in page
    assert 'value="no_show"' in page and 'value="cancelled_late"' in page
    response = outcome(coach_client, past, "no_show")
    assert response.status_code == 303
    past.refresh_from_db()
    assert past.outcome == Booking.Outcome.NO_SHOW and past.outcome_marked_at is not None
    shown = text(coach_client.get(response["Location"]))
    assert "Saved: the booking of Eva Muster is marked “no-show”." in shown
    assert "1 no-show" in shown
    outcome(coach_client, past, "")
    past.refresh_from_db()
    assert past.outcome == Booking.Outcome.NONE


def test_a_cancelled_booking_is_marked_cancelled_late_and_offers_no_no_show(coach_client, past):
    move_ahead(past, status=Booking.Status.CANCELLED)
    page = coach_client.get(f"/coach/bookings/{past.uuid}/").content.decode()
    assert 'value="cancelled_late"' in page and 'value="no_show"' not in page
    assert outcome(coach_client, past, "no_show").status_code == 400
    assert outcome(coach_client, past, "cancelled_late").status_code == 303
    past.refresh_from_db()
    assert past.outcome == Booking.Outcome.CANCELLED_LATE


def test_a_booking_still_ahead_offers_no_outcome_and_refuses_one(coach_client, past):
    move_ahead(past)
    page = coach_client.get(f"/coach/bookings/{past.uuid}/").content.decode()
    assert "/outcome/" not in page
    response = outcome(coach_client, past, "no_show")
    assert response.status_code == 400
    assert "Only an appointment that has begun, or one that was cancelled" in text(response)
    past.refresh_from_db()
    assert past.outcome == Booking.Outcome.NONE


def test_marking_needs_post_and_the_csrf_token(coach, past):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(coach.user)
    assert strict.post(f"/coach/bookings/{past.uuid}/outcome/", {"outcome-outcome": "no_show"}).status_code == 403
    assert strict.get(f"/coach/bookings/{past.uuid}/outcome/").status_code == 405
    past.refresh_from_db()
    assert past.outcome == Booking.Outcome.NONE


def test_another_coach_gets_404_and_marks_nothing(client, past):
    client.force_login(CoachFactory().user)
    assert client.get(f"/coach/bookings/{past.uuid}/").status_code == 404
    assert outcome(client, past, "no_show").status_code == 404
    past.refresh_from_db()
    assert past.outcome == Booking.Outcome.NONE


def history_of(response) -> str:
    return re.search(r'<section class="client-history".*?</section>', text(response), re.S).group(0)


def test_the_booking_page_shows_the_clients_history_with_this_coach(coach_client, coach, past, eva):
    kind = past.appointment_type
    later = BookingFactory(
        appointment_type=kind,
        client=eva,
        start=past.start + timedelta(days=7),
        status=Booking.Status.CANCELLED,
        outcome=Booking.Outcome.CANCELLED_LATE,
    )
    BookingFactory(appointment_type=kind, client=eva, start=past.start - timedelta(days=7), outcome="no_show")
    BookingFactory(appointment_type=kind, start=past.start - timedelta(days=14))  # another client's
    history = history_of(coach_client.get(f"/coach/bookings/{past.uuid}/"))
    assert "3 bookings · 1 cancelled late · 1 no-show" in " ".join(history.split())
    assert f'href="/coach/bookings/{later.uuid}/"' in history
    assert "(this booking)" in history
    assert history.count("<tr") == 4  # the head and Eva's three


def test_the_same_address_at_another_coach_is_another_client(coach_client, past, eva):
    elsewhere = ClientFactory(email=eva.email)
    BookingFactory(
        appointment_type__coach=elsewhere.coach,
        coach=elsewhere.coach,
        client=elsewhere,
        start=past.start,
        outcome="no_show",
    )
    history = history_of(coach_client.get(f"/coach/bookings/{past.uuid}/"))
    assert "1 booking · 0 cancelled late · 0 no-shows" in " ".join(history.split())


def test_the_bookings_list_shows_the_outcome(coach_client, past):
    Booking.objects.filter(pk=past.pk).update(outcome=Booking.Outcome.NO_SHOW)
    page = coach_client.get("/coach/bookings/?show=past").content.decode()
    assert '<span class="badge outcome-no_show">no-show</span>' in page
