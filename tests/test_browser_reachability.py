"""The coach's page in a real browser (Chromium via Playwright) as a visitor in New York:
the page reloads itself in the browser's zone and says when the coach answers and when
the next free time is, in New York time with the zone named."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.models import ReplyWindow
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK = ZoneInfo("America/New_York")


def day_words(moment: datetime) -> str:
    """How the page names a day: "Thursday, 4 December" (with the year when it is not this one's)."""
    year = f" {moment.year}" if moment.year != datetime.now(NEW_YORK).year else ""
    return f"{moment:%A}, {moment.day} {moment:%B}{year}"


def test_a_visitor_in_new_york_reads_the_reply_window_and_next_free_time_in_new_york_time(new_york_page, live_server):
    from playwright.sync_api import expect

    page = new_york_page
    # The coach answers on one weekday only, 08:00–09:00 in Berlin, and is free after it.
    day = datetime.now(BERLIN).date() + timedelta(days=3)
    coach = CoachFactory(slug="anna", display_name="Anna Beispiel", time_zone="Europe/Berlin")
    ReplyWindow.objects.create(coach=coach, weekday=day.weekday(), start=time(8), end=time(9))
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(11))
    AppointmentTypeFactory(coach=coach, slug="erstgespraech", name="Erstgespräch", minimum_notice=timedelta(0))
    window_start = datetime.combine(day, time(8), tzinfo=BERLIN).astimezone(NEW_YORK)
    window_end = window_start + timedelta(hours=1)
    free = datetime.combine(day, time(9), tzinfo=BERLIN).astimezone(NEW_YORK)

    # Without ?tz= the page is in the coach's zone; the script reloads it in the browser's.
    page.goto(f"{live_server.url}/anna/")
    page.wait_for_url(re.compile(r"[?&]tz=America(%2F|/)New_York"))
    expect(page.locator("#tz-select")).to_have_value("America/New_York")

    sentence = page.locator(".reachability")
    expect(sentence).to_have_text(
        f"Next reply window: {day_words(window_start)}, {window_start:%H:%M}–{window_end:%H:%M}. "
        f"Next free time: {day_words(free)}, {free:%H:%M}. Times in America/New_York."
    )
    # The weekly list says the same window in New York time.
    expect(page.locator(".reply-windows li")).to_have_text(
        [f"{window_start:%A}, {window_start:%H:%M}–{window_end:%H:%M}"]
    )
    expect(page.get_by_text("Every week (times in America/New_York")).to_be_visible()

    # The type's link keeps the zone.
    page.get_by_role("link", name="Erstgespräch", exact=True).click()
    page.wait_for_url(re.compile(r"/anna/erstgespraech/\?tz=America(%2F|/)New_York"))
    expect(page.locator("#tz-select")).to_have_value("America/New_York")
