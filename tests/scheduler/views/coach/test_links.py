"""The coach's booking links (/coach/links/) and follow-ups for a client (/coach/clients/…):
making and withdrawing links, booking a session for a client, proposing times."""

import html
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from scheduler.models import Booking, BookingLink, Notification
from scheduler.services.booking_links import booking_link_create
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

MONDAY = date.today() + timedelta(days=14 - date.today().weekday())


def at(hour, day=MONDAY):
    return datetime.combine(day, time(hour), tzinfo=BERLIN)


def text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


@pytest.fixture
def kind(coach):
    coach.time_zone = "Europe/Berlin"
    coach.minimum_message_length = 30
    coach.save()
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(12))
    return AppointmentTypeFactory(
        coach=coach,
        slug="folge",
        name="Folgesitzung",
        listed=False,
        duration=timedelta(minutes=60),
        slot_step=timedelta(minutes=60),
        horizon=timedelta(days=60),
        allowed_channels=["phone", "email", "threema"],
    )


@pytest.fixture
def earlier(kind):
    """Eva's earlier booking (by Threema, from New York): the page the follow-ups start from."""
    return BookingFactory(
        appointment_type=kind,
        start=at(9, MONDAY - timedelta(days=7)),
        channel="threema",
        threema_id="ABCD1234",
        time_zone="America/New_York",
        client_name="Eva Muster",
        client__name="Eva Muster",
        client__email="eva@example.org",
    )


# --- /coach/links/ -------------------------------------------------------------------


def test_the_nav_leads_to_the_links_page(coach_client, kind):
    assert 'href="/coach/links/"' in text(coach_client.get("/coach/"))


def test_make_a_link_for_an_unlisted_type_and_dates(coach_client, kind, earlier):
    answer = coach_client.post(
        "/coach/links/new/",
        {
            "appointment_type": kind.pk,
            "client": earlier.client.pk,
            "note": "Follow-up",
            "valid_from": MONDAY.isoformat(),
            "valid_until": (MONDAY + timedelta(days=4)).isoformat(),
        },
    )
    assert answer.status_code == 303
    link = BookingLink.objects.get()
    assert (link.appointment_type, link.client, link.valid_from) == (kind, earlier.client, MONDAY)
    page = text(coach_client.get("/coach/links/"))
    assert f"/l/{link.token}/" in page
    assert "open" in page and "Eva Muster" in page and "Folgesitzung" in page and "(unlisted)" in page


def test_the_dates_in_the_wrong_order_are_refused(coach_client, kind):
    answer = coach_client.post(
        "/coach/links/new/", {"valid_from": MONDAY.isoformat(), "valid_until": (MONDAY - timedelta(days=1)).isoformat()}
    )
    assert answer.status_code == 400
    assert "The last day comes before the first day." in text(answer)
    assert not BookingLink.objects.exists()


def test_withdraw_a_link_and_see_a_used_one(coach_client, kind):
    open_link = booking_link_create(coach=kind.coach, appointment_type=kind)
    answer = coach_client.post(f"/coach/links/{open_link.token}/withdraw/")
    assert answer.status_code == 303
    open_link.refresh_from_db()
    assert open_link.revoked_at is not None
    assert "withdrawn" in text(coach_client.get("/coach/links/"))


def test_another_coachs_link_is_not_found(coach_client, kind):
    other = booking_link_create(coach=CoachFactory())
    assert coach_client.post(f"/coach/links/{other.token}/withdraw/").status_code == 404
    assert BookingLink.objects.get(pk=other.pk).revoked_at is None


# --- the coach books for a client ---------------------------------------------------


def test_the_booking_page_leads_to_the_follow_ups(coach_client, earlier):
    page = text(coach_client.get(f"/coach/bookings/{earlier.uuid}/"))
    assert f"/coach/clients/{earlier.uuid}/book/" in page
    types = text(coach_client.get(f"/coach/clients/{earlier.uuid}/book/"))
    assert "Folgesitzung" in types and f"/coach/clients/{earlier.uuid}/book/folge/" in types


def test_the_coach_books_an_offered_time_for_the_client(coach_client, earlier, dispatched):
    url = f"/coach/clients/{earlier.uuid}/book/folge/"
    start = at(10).isoformat()
    page = text(coach_client.get(url, {"start": start}))
    assert "Threema (ABCD1234)" in page
    answer = coach_client.post(url, {"start": start, "channel": "threema", "message": "Folgetermin"})
    assert answer.status_code == 303
    booking = Booking.objects.exclude(pk=earlier.pk).get()
    assert answer["Location"] == f"/coach/bookings/{booking.uuid}/"
    assert (booking.status, booking.booked_by_coach, booking.start) == (Booking.Status.CONFIRMED, True, at(10))
    assert (booking.threema_id, booking.time_zone, booking.message) == ("ABCD1234", "America/New_York", "Folgetermin")
    told = booking.notifications.exclude(kind=Notification.Kind.REMINDER)
    # Only the client is told, through the chosen channel.
    assert [(n.kind, n.audience, n.recipient) for n in told] == [("confirmed", "client", "ABCD1234")]


def test_a_time_the_engine_does_not_offer_is_refused(coach_client, earlier):
    url = f"/coach/clients/{earlier.uuid}/book/folge/"
    answer = coach_client.post(url, {"start": at(13).isoformat(), "channel": "threema", "message": ""})
    assert answer.status_code == 400
    assert Booking.objects.count() == 1


def test_another_coachs_booking_is_not_found(coach_client, kind):
    other = BookingFactory(appointment_type=AppointmentTypeFactory(), start=at(9))
    assert coach_client.get(f"/coach/clients/{other.uuid}/book/").status_code == 404


# --- proposals ---------------------------------------------------------------------


def test_propose_up_to_three_times(coach_client, earlier, dispatched):
    url = f"/coach/clients/{earlier.uuid}/propose/folge/"
    assert coach_client.get(url).status_code == 200
    answer = coach_client.post(
        url, {"start_1": f"{MONDAY}T09:00", "start_2": f"{MONDAY}T11:00", "channel": "threema", "note": ""}
    )
    assert answer.status_code == 303
    link = BookingLink.objects.get()
    assert link.proposed_starts == [at(9).astimezone(UTC).isoformat(), at(11).astimezone(UTC).isoformat()]
    assert link.channel == "threema"
    assert Notification.objects.get(booking_link=link).recipient == "ABCD1234"
    listed = re.sub(r"<[^>]+>", "", text(coach_client.get("/coach/links/")))
    assert "Message: threema · pending" in listed and "Proposed:" in listed


def test_a_time_not_offered_is_named(coach_client, earlier):
    url = f"/coach/clients/{earlier.uuid}/propose/folge/"
    answer = coach_client.post(url, {"start_1": f"{MONDAY}T14:00", "channel": "threema"})
    assert answer.status_code == 400
    assert re.search(r"cannot be booked \(any more\): \d\d\.\d\d\.\d{4} 14:00", text(answer))
    assert not BookingLink.objects.exists()


def test_the_availability_preview_offers_unlisted_types_too(coach_client, kind):
    page = text(coach_client.get("/coach/availability/preview/", {"type": "folge"}))
    assert "Folgesitzung" in page
