"""The type's online deadline on the client's booking page, in a real browser (Chromium
via Playwright) as a client in New York: before the deadline the page offers to cancel,
and cancelling works without leaving the page's flow; inside the deadline there is no
cancel button, and the page says how and when the coach can be reached instead."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from scheduler.models import Booking, ReplyWindow
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def coaching():
    """Anna's coaching, changeable online until 24 hours before; she answers every day 08:00–09:00 (Berlin)."""
    coach = CoachFactory(
        slug="anna", display_name="Anna Beispiel", time_zone="Europe/Berlin", policy_en="I call back at agreed times."
    )
    for weekday in range(7):
        ReplyWindow.objects.create(coach=coach, weekday=weekday, start=time(8), end=time(9))
    return AppointmentTypeFactory(
        coach=coach, slug="coaching", name="Coaching", name_en="Coaching", change_notice=timedelta(hours=24)
    )


def booking_in(coaching, hours: int) -> Booking:
    start = (timezone.now() + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
    return BookingFactory(
        appointment_type=coaching, start=start, language="en", time_zone="America/New_York", client_name="Eva"
    )


def test_before_the_deadline_the_client_cancels_on_the_page(new_york_page, live_server, coaching):
    from playwright.sync_api import expect

    booking = booking_in(coaching, 72)
    deadline = (booking.start - timedelta(hours=24)).astimezone(NEW_YORK)
    page = new_york_page
    page.goto(f"{live_server.url}/b/{booking.token}/")
    expect(page.locator(".change-until")).to_contain_text(
        f"You can change or cancel it online until {deadline:%A}, {deadline.day} {deadline:%B}"
    )
    expect(page.locator(".change-until")).to_contain_text(f"{deadline:%H:%M} (America/New_York)")
    expect(page.get_by_role("link", name="Choose another time")).to_be_visible()
    page.get_by_text("Cancel this appointment …").click()
    page.get_by_label("A note to the coach (optional)").fill("Something came up.")
    page.get_by_role("button", name="Yes, cancel this appointment").click()
    expect(page.locator(".status strong")).to_have_text("cancelled")
    expect(page.get_by_role("link", name="Book a new time")).to_have_attribute("href", "/anna/coaching/")
    expect(page.get_by_role("link", name="Add to calendar")).to_have_count(0)
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED


def test_inside_the_deadline_there_is_no_cancel_button_and_the_page_says_when_the_coach_answers(
    new_york_page, live_server, coaching
):
    from playwright.sync_api import expect

    booking = booking_in(coaching, 10)
    page = new_york_page
    page.goto(f"{live_server.url}/b/{booking.token}/")
    expect(page.locator(".status strong")).to_have_text("confirmed")
    expect(page.get_by_role("button", name="Yes, cancel this appointment")).to_have_count(0)
    expect(page.get_by_text("Cancel this appointment …")).to_have_count(0)
    expect(page.get_by_role("link", name="Choose another time")).to_have_count(0)
    closed = page.locator(".change-closed")
    expect(closed).to_contain_text("It can no longer be changed or cancelled online")
    expect(closed).to_contain_text("please contact Anna Beispiel")
    expect(closed.locator(".reachable")).to_contain_text("reads and answers messages (E-mail)")
    expect(closed.locator(".reachable")).to_contain_text("(America/New_York)")
    expect(closed).to_contain_text("I call back at agreed times.")
    # The page's own add-to-calendar links stay: the appointment still takes place.
    expect(page.get_by_role("heading", name="Add to calendar")).to_be_visible()
