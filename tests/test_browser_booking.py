"""The booking flow in a real browser (Chromium via Playwright): the visitor's time zone
is detected, a wrong Threema ID is shown at its field with everything else kept, and the
booking can be added to a calendar and cancelled."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler import ics
from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK = ZoneInfo("America/New_York")
MESSAGE = "I would like to talk about changing careers and where to start."


def long_date(day: date) -> str:
    return f"{day:%A}, {day.day} {day:%B %Y}"


def test_booking_in_the_visitors_zone_then_calendar_and_cancel(new_york_page, live_server):
    from playwright.sync_api import expect

    page = new_york_page
    day = date.today() + timedelta(days=3)  # far enough ahead for any minimum notice
    coach = CoachFactory(slug="anna", display_name="Anna Beispiel", time_zone="Europe/Berlin")
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(11))
    AppointmentTypeFactory(
        coach=coach,
        slug="erstgespraech",
        name="Erstgespräch",
        duration=timedelta(minutes=30),
        slot_step=timedelta(minutes=30),
        minimum_notice=timedelta(0),
    )
    berlin_starts = [datetime.combine(day, time(9), tzinfo=BERLIN) + timedelta(minutes=30 * i) for i in range(4)]
    local_starts = [start.astimezone(NEW_YORK) for start in berlin_starts]
    local_day = local_starts[0].date()

    # Without ?tz= the page shows the coach's zone; the script reloads it in the browser's zone.
    page.goto(f"{live_server.url}/anna/erstgespraech/")
    page.wait_for_url(re.compile(r"[?&]tz=America(%2F|/)New_York"))
    expect(page.locator("#tz-select")).to_have_value("America/New_York")

    # The month of the first free time, even when that is the next one.
    expect(page.locator("#picker-month")).to_have_text(f"{local_day:%B %Y}")
    page.get_by_role("link", name=long_date(local_day), exact=True).click()
    expect(page.get_by_role("heading", name=f"Free times on {long_date(local_day)}")).to_be_visible()
    # English: the picker's 12-hour clock.
    expect(page.locator(".slots a")).to_have_text([f"{start:%-I:%M %p}" for start in local_starts])

    page.get_by_role("link", name=f"{local_starts[0]:%-I:%M %p}", exact=True).click()
    first_end = local_starts[0] + timedelta(minutes=30)
    expect(page.locator(".summary")).to_contain_text(
        f"{long_date(local_day)}, {local_starts[0]:%-I:%M %p}–{first_end:%-I:%M %p} (America/New_York)"
    )

    # Only the chosen channel's contact field is shown.
    threema_id = page.get_by_label("Your Threema ID")
    phone = page.get_by_label("Phone number the coach should call")
    expect(threema_id).to_be_hidden()
    expect(phone).to_be_hidden()
    page.get_by_label("Your name").fill("Erika Mustermann")
    page.get_by_label("Your e-mail address").fill("erika@example.org")
    page.get_by_label("Your personal message").fill(MESSAGE)
    page.get_by_role("radio", name=re.compile(r"^Threema")).check()
    expect(threema_id).to_be_visible()
    expect(phone).to_be_hidden()
    threema_id.fill("abc")
    page.get_by_label("I agree that my details are stored to arrange this appointment.").check()
    # The browser checks the format first (tests/test_browser_picker.py); here the server's check.
    page.locator("form.booking-form").evaluate("form => { form.noValidate = true; }")
    page.get_by_role("button", name="Book this time").click()

    # The error sits at the Threema field; nothing typed is lost.
    expect(page.locator("#id_threema_id_error")).to_contain_text("A Threema ID has exactly 8 characters")
    expect(threema_id).to_be_visible()
    expect(threema_id).to_have_value("abc")
    expect(page.get_by_label("Your name")).to_have_value("Erika Mustermann")
    expect(page.get_by_label("Your e-mail address")).to_have_value("erika@example.org")
    expect(page.get_by_label("Your personal message")).to_have_value(MESSAGE)
    assert Booking.objects.count() == 0

    threema_id.fill("ABCD1234")
    page.get_by_role("button", name="Book this time").click()
    # The form's #book anchor stays on the address across the redirect.
    page.wait_for_url(re.compile(r"/b/[A-Za-z0-9_-]{20,}/(#book)?$"))
    expect(page.get_by_text("Your appointment is confirmed.")).to_be_visible()
    expect(page.locator(".details")).to_contain_text(f"{local_starts[0]:%H:%M}")
    expect(page.locator(".details")).to_contain_text("ABCD1234")
    booking = Booking.objects.get()
    assert booking.start == berlin_starts[0]
    assert booking.time_zone == "America/New_York"
    assert f"/b/{booking.token}/" in page.url

    # Add to calendar: Google's, Outlook's and Microsoft 365's pages, and a download of the booking as iCalendar.
    expect(page.get_by_role("heading", name="Add to calendar")).to_be_visible()
    expect(page.get_by_role("link", name="Google Calendar")).to_have_attribute("target", "_blank")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Apple Calendar and others (.ics)").click()
    body = download_info.value.path().read_text().replace("\r\n ", "")
    assert download_info.value.suggested_filename == "sprechzeit.ics"
    assert "BEGIN:VCALENDAR" in body
    assert f"UID:{ics.booking_uid(booking)}" in body

    # Cancel, with the confirmation step.
    page.locator("summary", has_text="Cancel this appointment").click()
    page.get_by_label("A note to the coach (optional)").fill("Something came up, sorry.")
    page.get_by_role("button", name="Yes, cancel this appointment").click()
    expect(page.get_by_text("This appointment has been cancelled.")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, cancel this appointment")).to_have_count(0)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.status_note == "Something came up, sorry."


def test_a_request_waits_for_the_address_confirmation_then_reaches_the_coach(page, live_server):
    from playwright.sync_api import expect

    from scheduler.models import AppointmentType

    day = date.today() + timedelta(days=3)
    coach = CoachFactory(slug="anna", display_name="Anna Beispiel", time_zone="Europe/Berlin")
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(11))
    AppointmentTypeFactory(
        coach=coach,
        slug="erstgespraech",
        duration=timedelta(minutes=30),
        slot_step=timedelta(minutes=30),
        approval=AppointmentType.Approval.NEW_CLIENTS,
        address_confirmation=AppointmentType.AddressConfirmation.REQUESTS,
    )
    start = datetime.combine(day, time(9), tzinfo=BERLIN)
    page.goto(f"{live_server.url}/anna/erstgespraech/?tz=Europe/Berlin&start={start.isoformat()}")
    page.get_by_label("Your name").fill("Erika Mustermann")
    page.get_by_label("Your e-mail address").fill("erika@example.org")
    page.get_by_label("Your personal message").fill(MESSAGE)
    page.get_by_role("radio", name=re.compile(r"^E-mail")).check()
    page.get_by_label("I agree that my details are stored to arrange this appointment.").check()
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url(re.compile(r"/b/[A-Za-z0-9_-]{20,}/(#book)?$"))
    expect(page.get_by_text("Please confirm that this booking is yours")).to_be_visible()
    expect(page.locator(".status")).to_contain_text("erika@example.org")
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.UNCONFIRMED

    # The link from the e-mail: opening it shows a button; only the button confirms.
    assert ics.booking_address_confirm_url(booking).endswith(f"/b/{booking.token}/confirm/{booking.address_token}/")
    page.goto(f"{live_server.url}/b/{booking.token}/confirm/{booking.address_token}/")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.UNCONFIRMED
    page.get_by_role("button", name="Yes, this booking is mine").click()
    expect(page.get_by_text("Your request is waiting for the coach's confirmation.")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED
