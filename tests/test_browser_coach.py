"""A week of the coach's work in a real browser (Chromium via Playwright) with a real
worker: log in as the demo coach, add a blocked period over an existing booking (the
collision is listed before anything is saved), approve a waiting request and see the
client's confirmation go out in the booking's message log."""

from datetime import datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command

from scheduler.models import AppointmentType, BlockedPeriod, Booking, Coach, Notification
from scheduler.services.booking import booking_address_confirm, booking_create
from scheduler.services.booking_request import BookingRequest
from tests.helpers import BERLIN, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clean_rate_limits():
    cache.clear()
    yield
    cache.clear()


def weekdays_from(first_day, count):
    """The next `count` Monday-to-Friday dates from `first_day` on (the demo's working days)."""
    days, day = [], first_day
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def book(type_slug, day, name, email):
    """A booking as the client makes it, their address confirmed where the type asks for that."""
    appointment_type = AppointmentType.objects.get(coach__slug="demo", slug=type_slug)
    booking = booking_create(
        appointment_type=appointment_type,
        request=BookingRequest(
            start=datetime.combine(day, time(10), tzinfo=BERLIN),
            name=name,
            email=email,
            channel="email",
            message="I would like to talk about my next step at work, and how to get there.",
            language="en",
            time_zone="Europe/Berlin",
            privacy_consent=True,
        ),
    )
    if booking.status == Booking.Status.UNCONFIRMED:
        booking = booking_address_confirm(booking=booking)
    return booking


def test_coach_blocks_a_seminar_over_a_booking_and_approves_a_request(page, live_server, start_worker, tmp_path):
    from playwright.sync_api import expect

    call_command("demo", verbosity=0)
    seminar_day, request_day = weekdays_from(datetime.now(BERLIN).date() + timedelta(days=3), 2)
    kept = book("coaching", seminar_day, "Eva Kept", "eva@example.org")
    request = book("kennenlernen", request_day, "Ben Request", "ben@example.org")
    assert (kept.status, request.status) == (Booking.Status.CONFIRMED, Booking.Status.REQUESTED)
    worker = start_worker(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(tmp_path / "mail")
    )

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("coach@example.com")
    page.get_by_label("Password").fill("demo-pass-123")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(live_server.url + "/coach/")

    # A blocked period over the confirmed booking: the booking is listed, nothing is saved yet.
    page.get_by_role("link", name="Availability").click()
    page.get_by_role("link", name="Blocked periods").first.click()
    page.get_by_role("link", name="Add a blocked period").click()
    page.get_by_label("Title").fill("3-day seminar in Hamburg")
    page.get_by_label("First day").fill(seminar_day.isoformat())
    page.get_by_role("button", name="Save").click()
    collisions = page.get_by_role("alert")
    expect(collisions).to_contain_text("You have 1 booking in this period.")
    expect(collisions).to_contain_text("Eva Kept")
    hamburg = BlockedPeriod.objects.filter(title="3-day seminar in Hamburg")  # the demo has a seminar of its own
    assert not hamburg.exists()
    page.get_by_role("button", name="Save and keep the bookings").click()
    expect(page.get_by_text("3-day seminar in Hamburg")).to_be_visible()
    assert hamburg.get().first_day == seminar_day
    kept.refresh_from_db()
    assert kept.status == Booking.Status.CONFIRMED

    # The waiting request is on the overview; confirming it writes the client's confirmation.
    page.get_by_role("link", name="Overview").click()
    requests = page.locator("section", has=page.get_by_role("heading", name="Requests waiting for your answer"))
    expect(requests).to_contain_text("Ben Request")
    requests.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Booking.Status.CONFIRMED

    def confirmation_sent():
        if worker.poll() is not None:
            pytest.fail("the worker exited:\n" + worker.log_path.read_text())
        return Notification.objects.filter(
            booking=request, kind=Notification.Kind.CONFIRMED, status=Notification.Status.SENT
        ).exists()

    wait_for(confirmation_sent, timeout=60, what="the client's confirmation sent by the worker")
    page.goto(live_server.url + f"/coach/bookings/{request.uuid}/")
    confirmation = page.locator("tr", has_text="ben@example.org").filter(has_text="confirmed")
    expect(confirmation).to_contain_text("sent")
    assert Coach.objects.get(slug="demo").blocked_periods.count() == 2  # the demo's own seminar and Hamburg
