"""A single-use booking link in a real browser (Chromium via Playwright): it leads to an
unlisted type's picker and form, books once, and a second visit shows that it was used."""

import re
from datetime import date, datetime, time, timedelta

import pytest

from scheduler.models import Booking
from scheduler.services.booking_links import booking_link_create, booking_link_propose
from tests.factories import AppointmentTypeFactory, BookingFactory, ClientFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGE = "A follow-up on what we talked about last time, as agreed."


def test_a_single_use_link_is_spent_once(page, live_server):
    from playwright.sync_api import expect

    day = date.today() + timedelta(days=3)
    coach = CoachFactory(slug="anna", display_name="Anna Beispiel", time_zone="Europe/Berlin")
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(11))
    folge = AppointmentTypeFactory(
        coach=coach,
        slug="folge",
        name="Folgesitzung",
        name_en="Follow-up",
        listed=False,
        duration=timedelta(minutes=60),
        slot_step=timedelta(minutes=60),
        allowed_channels=["email"],
    )
    eva = ClientFactory(coach=coach, name="Eva Muster", email="eva@example.org")
    link = booking_link_create(coach=coach, appointment_type=folge, client=eva, valid_from=day, valid_until=day)

    # The unlisted type is not on the coach's page.
    page.goto(f"{live_server.url}/anna/?tz=Europe/Berlin")
    expect(page.get_by_role("heading", name="Anna Beispiel")).to_be_visible()
    expect(page.get_by_text("Follow-up")).to_have_count(0)

    page.goto(f"{live_server.url}/l/{link.token}/?tz=Europe/Berlin")
    expect(page.get_by_text("A personal booking link from Anna Beispiel")).to_be_visible()
    expect(page.locator("td.free a")).to_have_count(1)  # only the link's day
    page.locator("td.free a").click()
    page.locator(".slots a").first.click()  # 09:00 (on the 12- or 24-hour clock the language reads)
    expect(page.get_by_label("Your name")).to_have_value("Eva Muster")
    expect(page.get_by_label("Your e-mail address")).to_have_value("eva@example.org")
    page.get_by_label("Your personal message").fill(MESSAGE)
    page.locator('input[name="channel"][value="email"]').check()
    page.get_by_label("I agree that my details are stored to arrange this appointment.").check()
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url(re.compile(r"/b/[^/]+/(#.*)?$"))
    booking = Booking.objects.get()
    assert booking.appointment_type == folge and booking.booking_link == link

    # A second visit, with the booking made: the link says it was used, and books nothing.
    page.goto(f"{live_server.url}/l/{link.token}/")
    expect(page.get_by_role("heading", name="This link has been used")).to_be_visible()
    expect(page.get_by_text("This link has been used; ask Anna Beispiel for a new one.")).to_be_visible()
    expect(page.get_by_role("button", name="Book this time")).to_have_count(0)
    assert Booking.objects.count() == 1


def test_picking_a_proposed_time_and_the_page_is_accessible(page, live_server):
    from playwright.sync_api import expect

    from tests.test_browser_axe import AXE, serious_violations

    day = date.today() + timedelta(days=3)
    coach = CoachFactory(slug="anna", display_name="Anna Beispiel", time_zone="Europe/Berlin")
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(12))
    folge = AppointmentTypeFactory(
        coach=coach, slug="folge", name_en="Follow-up", listed=False, duration=timedelta(minutes=60),
        slot_step=timedelta(minutes=60), allowed_channels=["email"],
    )  # fmt: skip
    earlier = BookingFactory(
        appointment_type=folge,
        start=datetime.combine(day - timedelta(days=7), time(9), tzinfo=BERLIN),
        channel="email",
        time_zone="Europe/Berlin",
        language="en",
        client__email="eva@example.org",
        client__language="en",
    )
    starts = [datetime.combine(day, time(hour), tzinfo=BERLIN) for hour in (9, 11)]
    link = booking_link_propose(
        coach=coach, appointment_type=folge, client=earlier.client, starts=starts, channel="email"
    )

    page.goto(f"{live_server.url}/l/{link.token}/")
    expect(page.get_by_role("heading", name="Follow-up")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(2)
    if AXE.is_file():
        assert serious_violations(page, AXE.read_text()) == []
    page.get_by_role("radio").last.check()
    page.get_by_label("I agree that my details are stored to arrange this appointment.").check()
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url(re.compile(r"/b/[^/]+/(#.*)?$"))
    booking = Booking.objects.get(booking_link=link)
    assert booking.start == starts[1] and booking.status == Booking.Status.CONFIRMED
