"""Where the conversation happens, in a real browser (Chromium via Playwright): the coach's
type form asks for the address while "in person" is ticked; a client books a video call on
the demo's `coaching` with nothing to fill in but the e-mail address, and the booking's page
has the "join" button and the add-to-calendar links."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command

from scheduler.models import AppointmentType, Booking
from tests.helpers import BERLIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGE = "I would like to talk about my next step at work, and how to get there."


@pytest.fixture(autouse=True)
def _clean_rate_limits(settings):
    settings.JITSI_URL = "https://meet.jit.si"
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = ""
    cache.clear()
    yield
    cache.clear()


def next_weekday(days_ahead: int):
    day = datetime.now(BERLIN).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_the_type_form_asks_for_the_address_while_in_person_is_ticked(page, live_server):
    from playwright.sync_api import expect

    call_command("demo", verbosity=0)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("coach@example.com")
    page.get_by_label("Password").fill("demo-pass-123")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(live_server.url + "/coach/")

    page.goto(live_server.url + "/coach/types/kennenlernen/")
    address = page.get_by_label("Address for meeting in person")
    in_person = page.get_by_role("checkbox", name="In person, at the type's address")
    expect(address).to_be_hidden()
    in_person.check()
    expect(address).to_be_visible()
    expect(address).to_have_attribute("required", "")
    address.fill("Hauptstraße 5, 1010 Wien")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(live_server.url + "/coach/types/")
    kind = AppointmentType.objects.get(coach__slug="demo", slug="kennenlernen")
    assert "in_person" in kind.allowed_channels and kind.location == "Hauptstraße 5, 1010 Wien"

    page.goto(live_server.url + "/coach/types/coaching/")
    expect(page.get_by_label("Address for meeting in person")).to_have_value("Musterstraße 1, 10115 Berlin")


def test_a_client_books_a_video_call_and_finds_the_join_button(page, live_server):
    from playwright.sync_api import expect

    call_command("demo", verbosity=0)
    day = next_weekday(7)
    start = datetime.combine(day, time(10), tzinfo=BERLIN)
    page.goto(f"{live_server.url}/demo/coaching/?tz=Europe/Berlin&start={start.isoformat()}")
    page.get_by_label("Your name").fill("Eva Muster")
    page.get_by_label("Your e-mail address").fill("eva@example.org")
    page.get_by_label("Your personal message").fill(MESSAGE)
    page.get_by_role("radio", name=re.compile(r"^Video call")).check()
    expect(page.get_by_label("Phone number the coach should call")).to_be_hidden()
    expect(page.get_by_label("Your Threema ID")).to_be_hidden()
    page.get_by_label("I agree that my details are stored to arrange this appointment.").check()
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url(re.compile(r"/b/[A-Za-z0-9_-]{20,}/(#book)?$"))

    booking = Booking.objects.get()
    assert booking.channel == "video" and booking.status == Booking.Status.CONFIRMED
    join = page.get_by_role("link", name="Join the video call")
    expect(join).to_have_attribute("href", f"https://meet.jit.si/{booking.video_room}")
    expect(page.get_by_role("heading", name="Add to calendar")).to_be_visible()
    google = page.get_by_role("link", name="Google Calendar").get_attribute("href")
    assert "calendar.google.com" in google and booking.video_room in google
