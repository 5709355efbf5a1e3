"""The client's booking page (/b/<token>/) and the type's online deadline: before it, the
page says until when the booking can be cancelled or moved here; after it, it offers
neither and says how and when the coach can be reached instead. A booking that is over
offers a new time and nothing to put in a calendar."""

import re
from datetime import datetime, time, timedelta

import pytest
import time_machine

from scheduler.models import Booking, ReplyWindow
from scheduler.models.common import Channel
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory
from tests.helpers import BERLIN
from tests.scheduler.pages import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

START = datetime(2026, 6, 8, 10, tzinfo=BERLIN)  # a Monday
BEFORE = START - timedelta(days=3)  # Friday 10:00
AFTER = START - timedelta(hours=20)  # Sunday 14:00


@pytest.fixture
def booking():
    coach = CoachFactory(
        slug="anna",
        display_name="Anna Berg",
        time_zone="Europe/Berlin",
        channels=list(Channel.values),
        policy="Ich rufe nur zu vereinbarten Terminen zurück.",
        policy_en="I only call back at agreed times.",
        threema_id="ANNA1234",
    )
    ReplyWindow.objects.create(coach=coach, weekday=0, start=time(8), end=time(9))
    kind = AppointmentTypeFactory(
        coach=coach, slug="coaching", name="Coaching", name_en="Coaching", change_notice=timedelta(hours=24)
    )
    return BookingFactory(
        appointment_type=kind,
        start=START,
        channel=Channel.EMAIL,
        time_zone="America/New_York",
        language="en",
    )


def get(client, booking, now):
    with time_machine.travel(now, tick=False):
        response = client.get(f"/b/{booking.token}/")
    assert response.status_code == 200
    return response


def test_before_the_deadline_the_page_says_until_when_and_offers_cancel_and_move(client, booking):
    response = get(client, booking, BEFORE)
    shown = text(response)
    # Sunday 10:00 in Berlin is 04:00 in New York.
    assert "You can change or cancel it online until Sunday, 7 June, 04:00 (America/New_York)" in shown
    page = response.content.decode()
    assert f'action="/b/{booking.token}/cancel/"' in page
    assert f'href="/b/{booking.token}/reschedule/"' in page


def test_without_a_deadline_the_page_names_none(client, booking):
    booking.appointment_type.change_notice = None
    booking.appointment_type.save()
    response = get(client, booking, AFTER)
    assert "online until" not in text(response)
    assert f'action="/b/{booking.token}/cancel/"' in response.content.decode()


def test_after_the_deadline_there_is_no_cancel_or_move_and_the_page_says_how_to_reach_the_coach(client, booking):
    response = get(client, booking, AFTER)
    page, shown = response.content.decode(), text(response)
    assert f"/b/{booking.token}/cancel/" not in page and f"/b/{booking.token}/reschedule/" not in page
    assert (
        "It can no longer be changed or cancelled online (that was possible until Sunday, 7 June, 04:00 "
        "(America/New_York)). To change or cancel it, please contact Anna Berg." in shown
    )
    # Monday 08:00–09:00 in Berlin, in the client's zone; and the coach's own words.
    assert "The next time Anna Berg reads and answers messages (E-mail): Monday, 8 June, 02:00–03:00" in shown
    assert "I only call back at agreed times." in shown


def test_after_the_deadline_a_threema_client_reads_the_coachs_threema_id(client, booking):
    Booking.objects.filter(pk=booking.pk).update(channel=Channel.THREEMA, threema_id="EVA12345")
    shown = text(get(client, booking, AFTER))
    closed = re.search(r'<section class="change-closed".*?</section>', shown, re.S).group(0)
    assert re.search(r"Anna Berg on Threema:\s*<span class=\"contact\">ANNA1234</span>", closed)
    assert "The next time Anna Berg reads and answers messages (Threema): Monday, 8 June, 02:00–03:00" in closed


def test_a_cancel_sent_after_the_deadline_is_refused_with_the_reason(client, booking):
    with time_machine.travel(AFTER, tick=False):
        response = client.post(f"/b/{booking.token}/cancel/", {"note": "Ich bin krank."})
    assert response.status_code == 400
    assert "could be cancelled online until Sunday, 7 June, 04:00 (America/New_York)" in text(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_the_move_page_after_the_deadline_leads_back_to_the_booking(client, booking):
    with time_machine.travel(BEFORE, tick=False):
        assert client.get(f"/b/{booking.token}/reschedule/").status_code == 200
    with time_machine.travel(AFTER, tick=False):
        response = client.get(f"/b/{booking.token}/reschedule/")
    assert response.status_code == 302 and response["Location"] == f"/b/{booking.token}/"


def test_a_move_sent_after_the_deadline_is_refused_with_the_reason(client, booking):
    with time_machine.travel(AFTER, tick=False):
        response = client.post(f"/b/{booking.token}/reschedule/", {"start": (START + timedelta(hours=1)).isoformat()})
    assert response.status_code == 400
    assert "could be moved online until Sunday, 7 June, 04:00 (America/New_York)" in text(response)
    booking.refresh_from_db()
    assert booking.start == START


@pytest.mark.parametrize("status", [Booking.Status.CANCELLED, Booking.Status.DECLINED, Booking.Status.EXPIRED])
def test_a_booking_that_is_over_offers_a_new_time_and_no_calendar(client, booking, status):
    Booking.objects.filter(pk=booking.pk).update(status=status)
    response = get(client, booking, BEFORE)
    page = response.content.decode()
    assert 'href="/anna/coaching/"' in page and "Book a new time" in text(response)
    assert "event.ics" not in page and "Add to calendar" not in text(response)
    assert "calendar.google.com" not in page


def test_a_type_no_longer_on_the_public_page_sends_a_new_booking_to_the_coachs_page(client, booking):
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    booking.appointment_type.listed = False
    booking.appointment_type.save()
    page = get(client, booking, BEFORE).content.decode()
    assert 'href="/anna/"' in page and 'href="/anna/coaching/"' not in page


def test_an_active_booking_keeps_its_calendar_links_and_offers_no_new_time(client, booking):
    response = get(client, booking, BEFORE)
    assert "event.ics" in response.content.decode()
    assert "Book a new time" not in text(response)


def test_the_type_page_says_the_deadline_before_anyone_books(client, booking):
    with time_machine.travel(BEFORE, tick=False):
        response = client.get("/anna/coaching/")
    assert response.status_code == 200
    assert "You can cancel or move it online up to 24 hours before it begins." in text(response)
    booking.appointment_type.change_notice = None
    booking.appointment_type.save()
    with time_machine.travel(BEFORE, tick=False):
        assert "cancel or move it online" not in text(client.get("/anna/coaching/"))
