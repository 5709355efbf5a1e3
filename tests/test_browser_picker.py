"""The slot picker and the booking form in a real browser (Chromium via Playwright): month, day,
zone and clock change in place (a marker on `window` survives, the address follows, back and
forward work), the month grid moves with the keyboard, the zone chooser is searchable, the form
helps before it refuses, and the reschedule picker marks the booking's current time."""

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, BookingFactory, ClientFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGE = "I would like to talk about changing careers and where to start."


def month_after(day: date, months: int = 1) -> date:
    first = day.replace(day=1)
    for _ in range(months):
        first = (first + timedelta(days=31)).replace(day=1)
    return first


def first_weekday_in(month: date, weekday: int) -> date:
    return next(month + timedelta(days=i) for i in range(7) if (month + timedelta(days=i)).weekday() == weekday)


@pytest.fixture
def anna(db):
    """Anna in Berlin, free every weekday 9–11, a half-hour type at /anna/talk/."""
    coach = CoachFactory(
        slug="anna", display_name="Anna Beispiel", time_zone="Europe/Berlin", minimum_message_length=30
    )
    for weekday in range(5):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(11))
    return AppointmentTypeFactory(
        coach=coach,
        slug="talk",
        name="Talk",
        duration=timedelta(minutes=30),
        slot_step=timedelta(minutes=30),
        horizon=timedelta(days=200),
        allowed_channels=["phone", "email", "threema"],
    )


def query(page) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}


def mark_window(page):
    """A marker that only a page that was not reloaded still has."""
    page.evaluate("window.__pickerMarker = 'kept'")


def marker(page):
    return page.evaluate("window.__pickerMarker || null")


def watch_busy(page):
    """Records whether the picker ever showed its loading state (aria-busy and the visible indicator)."""
    page.evaluate(
        """() => {
          window.__busySeen = false;
          new MutationObserver(() => {
            const region = document.querySelector('[data-picker-region][aria-busy=true]');
            const indicator = region && region.querySelector('[data-picker-loading]');
            if (indicator && !indicator.hidden && indicator.offsetParent !== null) window.__busySeen = true;
          }).observe(document.body, {subtree: true, attributes: true, childList: true});
        }"""
    )


def test_month_and_day_change_in_place_and_back_returns_the_previous_month(page, live_server, anna):
    from playwright.sync_api import expect

    first = month_after(date.today())
    second = month_after(first)
    page.goto(f"{live_server.url}/anna/talk/?tz=Europe/Berlin&month={first:%Y-%m}")
    expect(page.locator("#picker-month")).to_have_text(f"{first:%B %Y}")
    mark_window(page)
    watch_busy(page)

    page.get_by_role("link", name="Next month").click()
    expect(page.locator("#picker-month")).to_have_text(f"{second:%B %Y}")
    assert query(page)["month"] == f"{second:%Y-%m}"
    assert marker(page) == "kept"
    assert page.evaluate("window.__busySeen"), "aria-busy and the loading indicator were shown"
    expect(page.locator("[data-picker-region]")).not_to_have_attribute("aria-busy", "true")

    monday = first_weekday_in(second, 0)
    page.locator(f"td[data-day='{monday.isoformat()}'] a").click()
    expect(page.locator("#times h3")).to_have_text(f"Free times on {monday:%A}, {monday.day} {monday:%B %Y}")
    assert query(page)["day"] == monday.isoformat()
    assert marker(page) == "kept"

    page.go_back()
    expect(page.locator("#times")).to_have_count(0)
    expect(page.locator("#picker-month")).to_have_text(f"{second:%B %Y}")
    page.go_back()
    expect(page.locator("#picker-month")).to_have_text(f"{first:%B %Y}")
    assert query(page)["month"] == f"{first:%Y-%m}"
    page.go_forward()
    expect(page.locator("#picker-month")).to_have_text(f"{second:%B %Y}")
    assert marker(page) == "kept"


def test_arrow_keys_move_the_focus_in_the_grid_and_enter_picks_a_day(page, live_server, anna):
    from playwright.sync_api import expect

    month = month_after(date.today())
    page.goto(f"{live_server.url}/anna/talk/?tz=Europe/Berlin&month={month:%Y-%m}")
    mark_window(page)
    expect(page.locator("[data-month-grid]")).to_have_attribute("role", "grid")
    expect(page.locator("[data-month-grid] td[role=gridcell]").first).to_be_attached()
    # One day in the tab order: the first free one.
    roving = page.locator("[data-month-grid] [tabindex='0']")
    expect(roving).to_have_count(1)
    monday = first_weekday_in(month, 0)
    page.locator(f"td[data-day='{monday.isoformat()}'] a").focus()

    def focused_day():
        return page.evaluate("document.activeElement.closest('[data-day]')?.dataset.day")

    page.keyboard.press("ArrowRight")
    assert focused_day() == (monday + timedelta(days=1)).isoformat()
    page.keyboard.press("ArrowDown")
    assert focused_day() == (monday + timedelta(days=8)).isoformat()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowUp")
    assert focused_day() == monday.isoformat()
    page.keyboard.press("End")
    assert focused_day() == (monday + timedelta(days=6)).isoformat()  # Sunday: a day without times, focusable
    expect(page.locator(":focus")).to_have_attribute("aria-disabled", "true")
    sunday = monday + timedelta(days=6)
    expect(page.locator(":focus")).to_have_attribute(
        "aria-label", f"{sunday:%A}, {sunday.day} {sunday:%B %Y}, no free times"
    )
    page.keyboard.press("Home")
    assert focused_day() == monday.isoformat()
    expect(roving).to_have_count(1)

    # Page Down: the next month, the same day of the month, without a reload.
    page.keyboard.press("PageDown")
    following = month_after(month)
    expect(page.locator("#picker-month")).to_have_text(f"{following:%B %Y}")
    expect(page.locator(":focus")).to_have_count(1)
    assert focused_day() == following.replace(day=monday.day).isoformat()
    page.keyboard.press("PageUp")
    expect(page.locator("#picker-month")).to_have_text(f"{month:%B %Y}")
    assert focused_day() == monday.isoformat()

    # Enter picks the day: its times appear, the focus stays on the day.
    page.keyboard.press("Enter")
    expect(page.locator("#times h3")).to_have_text(f"Free times on {monday:%A}, {monday.day} {monday:%B %Y}")
    assert query(page)["day"] == monday.isoformat()
    assert focused_day() == monday.isoformat()
    # Space too, on the next day.
    page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    tuesday = monday + timedelta(days=1)
    expect(page.locator("#times h3")).to_have_text(f"Free times on {tuesday:%A}, {tuesday.day} {tuesday:%B %Y}")
    assert focused_day() == tuesday.isoformat()
    assert marker(page) == "kept"


def test_the_zone_search_finds_new_york_and_the_times_follow(page, live_server, anna):
    from playwright.sync_api import expect

    monday = first_weekday_in(month_after(date.today()), 0)
    page.goto(f"{live_server.url}/anna/talk/?tz=Europe/Berlin&day={monday.isoformat()}&clock=24")
    mark_window(page)
    expect(page.locator("#tz-select")).to_be_hidden()  # the select stays the form's field, behind the search
    search = page.get_by_role("combobox", name="Search a time zone (city or region):")
    search.fill("new")
    options = page.get_by_role("listbox", name="Time zones").get_by_role("option")
    expect(options.first).to_contain_text("America/New York")
    offset = datetime.combine(monday, time(12), tzinfo=ZoneInfo("America/New_York")).utcoffset()
    # The offset now (summer or winter time) and the local time now.
    now_offset = datetime.now(ZoneInfo("America/New_York")).utcoffset()
    expect(options.first).to_contain_text(f"UTC\u2212{-now_offset.days * 24 - now_offset.seconds // 3600}")
    expect(options.first).to_contain_text(re.compile(r"now \d{2}:\d{2}"))
    search.press("ArrowDown")
    search.press("Enter")

    page.wait_for_url(re.compile(r"[?&]tz=America(%2F|/)New_York"))
    expect(page.locator("#tz-select")).to_have_value("America/New_York")
    assert query(page)["day"] == monday.isoformat()
    berlin_nine = datetime.combine(monday, time(9), tzinfo=BERLIN)
    first = berlin_nine.astimezone(ZoneInfo("America/New_York"))
    assert first.utcoffset() == offset
    expect(page.locator(".slots a").first).to_have_text(f"{first:%H:%M}")
    assert marker(page) == "kept"
    expect(search).to_be_focused()

    # Back: Berlin again, in the chooser and in the times.
    page.go_back()
    expect(page.locator(".slots a").first).to_have_text("09:00")
    expect(page.locator("#tz-select")).to_have_value("Europe/Berlin")
    expect(search).to_have_value("Europe/Berlin")
    assert marker(page) == "kept"


def test_the_clock_follows_the_language_and_the_switch_is_remembered(page, live_server, anna):
    from playwright.sync_api import expect

    monday = first_weekday_in(month_after(date.today()), 0)
    url = f"{live_server.url}/anna/talk/?tz=Europe/Berlin&day={monday.isoformat()}"
    page.goto(url)
    expect(page.locator(".slots a")).to_have_text(["9:00 AM", "9:30 AM", "10:00 AM", "10:30 AM"])
    mark_window(page)
    page.get_by_role("link", name="24 h").click()
    expect(page.locator(".slots a")).to_have_text(["09:00", "09:30", "10:00", "10:30"])
    assert query(page)["clock"] == "24"
    assert marker(page) == "kept"
    expect(page.get_by_role("link", name="24 h")).to_have_attribute("aria-current", "true")

    # A later visit without ?clock= shows the remembered clock; the form's summary follows.
    page.goto(url)
    expect(page.locator(".slots a").first).to_have_text("09:00")
    page.get_by_role("link", name="09:30", exact=True).click()
    expect(page.locator(".summary")).to_contain_text("09:30–10:00 (Europe/Berlin)")


def test_the_picker_and_the_clock_switch_work_without_javascript(browser, live_server, anna):
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    try:
        first = month_after(date.today())
        page.goto(f"{live_server.url}/anna/talk/?tz=Europe/Berlin&month={first:%Y-%m}")
        expect(page.locator("#tz-select")).to_be_visible()
        expect(page.locator("#tz-select option[selected]")).to_have_text(re.compile(r"^Europe/Berlin \(UTC\+[12]\)$"))
        expect(page.locator("[data-month-grid]")).not_to_have_attribute("role", "grid")
        page.get_by_role("link", name="Next month").click()
        expect(page.locator("#picker-month")).to_have_text(f"{month_after(first):%B %Y}")
        monday = first_weekday_in(month_after(first), 0)
        page.locator(f"td[data-day='{monday.isoformat()}'] a").click()
        expect(page.locator(".slots a").first).to_have_text("9:00 AM")
        page.get_by_role("link", name="24 h").click()
        expect(page.locator(".slots a").first).to_have_text("09:00")
        page.locator("#tz-select").select_option("America/New_York")
        page.get_by_role("button", name="Show times").click()
        assert query(page)["tz"] == "America/New_York" and query(page)["clock"] == "24"
        assert query(page)["day"] == monday.isoformat()
    finally:
        context.close()


def test_the_form_helps_before_it_refuses_and_sums_up_the_servers_errors(page, live_server, anna):
    from playwright.sync_api import expect

    monday = first_weekday_in(month_after(date.today()), 0)
    start = datetime.combine(monday, time(9, 30), tzinfo=BERLIN)
    page.goto(f"{live_server.url}/anna/talk/?tz=Europe/Berlin&day={monday.isoformat()}&clock=24")
    page.get_by_role("link", name="09:30", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]start="))

    # The minimum and why, up front, and a live count.
    message = page.get_by_label("Your personal message")
    expect(page.locator("#id_message_helptext")).to_contain_text("Requests without a personal text are not answered")
    expect(page.locator("#id_message_helptext")).to_contain_text("At least 30 characters.")
    count = page.locator("#id_message_count")
    expect(count).to_have_attribute("aria-live", "polite")
    expect(count).to_have_text("0 of 30 characters")
    message.press_sequentially("Hello, coach")
    expect(count).to_have_text("12 of 30 characters")
    message.fill(MESSAGE)
    expect(count).to_have_text(f"{len(MESSAGE)} of 30 characters")

    page.get_by_label("Your name").fill("Erika Mustermann")
    page.get_by_label("Your e-mail address").fill("erika@example.org")
    page.get_by_label("I agree that my details are stored to arrange this appointment.").check()

    # The browser checks the Threema ID's format with the server's words, and sends nothing.
    page.get_by_role("radio", name=re.compile(r"^Threema")).check()
    threema = page.get_by_label("Your Threema ID")
    threema.fill("abc")
    address = page.url
    page.get_by_role("button", name="Book this time").click()
    assert threema.evaluate("e => e.validationMessage").startswith("A Threema ID has exactly 8 characters")
    assert page.url == address and Booking.objects.count() == 0

    # A phone number of the right form that does not exist: only the server can tell.
    page.get_by_role("radio", name=re.compile(r"^The coach calls you")).check()
    phone = page.get_by_label("Phone number the coach should call")
    phone.fill("+49 123 4")
    page.get_by_role("button", name="Book this time").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name=re.compile(r"^Phone number the coach should call: "))
    expect(link).to_have_attribute("href", "#id_phone")
    # The address keeps the chosen time and zone; nothing typed is lost.
    assert query(page)["start"] == start.isoformat() and query(page)["tz"] == "Europe/Berlin"
    expect(message).to_have_value(MESSAGE)
    expect(page.get_by_label("Your name")).to_have_value("Erika Mustermann")
    expect(phone).to_have_value("+49 123 4")
    expect(page.locator(".summary")).to_contain_text("09:30–10:00 (Europe/Berlin)")
    link.click()
    expect(phone).to_be_focused()
    assert Booking.objects.count() == 0

    # "Change" goes back to the chosen day's times.
    page.locator(".summary a.change").click()
    page.wait_for_url(re.compile(r"[?&]day="))
    expect(page.locator("#times h3")).to_contain_text(f"{monday.day} {monday:%B %Y}")
    expect(page.locator(".slots a")).to_have_text(["09:00", "09:30", "10:00", "10:30"])
    assert query(page)["day"] == monday.isoformat() and query(page)["tz"] == "Europe/Berlin"


def test_what_is_typed_stays_when_another_time_is_chosen(page, live_server, anna):
    from playwright.sync_api import expect

    monday = first_weekday_in(month_after(date.today()), 0)
    page.goto(f"{live_server.url}/anna/talk/?tz=Europe/Berlin&day={monday.isoformat()}&clock=24")
    page.get_by_role("link", name="09:30", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]start="))
    page.get_by_label("Your name").fill("Erika Mustermann")
    page.get_by_label("Your personal message").fill(MESSAGE)
    page.get_by_role("radio", name=re.compile(r"^Threema")).check()
    page.get_by_label("Your Threema ID").fill("ABCD1234")
    page.get_by_label("I agree that my details are stored to arrange this appointment.").check()

    page.locator(".summary a.change").click()
    expect(page.locator("form.booking-form")).to_have_count(0)  # as without JavaScript: the day's times
    page.get_by_role("link", name="10:00", exact=True).click()
    expect(page.locator(".summary")).to_contain_text("10:00–10:30 (Europe/Berlin)")
    expect(page.get_by_label("Your name")).to_have_value("Erika Mustermann")
    expect(page.get_by_label("Your personal message")).to_have_value(MESSAGE)
    expect(page.locator("#id_message_count")).to_have_text(f"{len(MESSAGE)} of 30 characters")
    expect(page.get_by_label("Your Threema ID")).to_be_visible()
    expect(page.get_by_label("Your Threema ID")).to_have_value("ABCD1234")
    # The consent is given again, for this booking.
    expect(page.get_by_label("I agree that my details are stored to arrange this appointment.")).not_to_be_checked()
    page.get_by_label("Your e-mail address").fill("erika@example.org")
    page.get_by_label("I agree that my details are stored to arrange this appointment.").check()
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url(re.compile(r"/b/[A-Za-z0-9_-]{20,}/"))
    booking = Booking.objects.get()
    assert (booking.start, booking.threema_id) == (datetime.combine(monday, time(10), tzinfo=BERLIN), "ABCD1234")
    # Sent: nothing of it is kept in the tab any more.
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('sprechzeit.form:'))") == []


def test_the_reschedule_picker_marks_the_current_time(page, live_server, anna):
    from playwright.sync_api import expect

    monday = first_weekday_in(month_after(date.today()), 0)
    start = datetime.combine(monday, time(10), tzinfo=BERLIN)
    booking = BookingFactory(
        appointment_type=anna,
        client=ClientFactory(coach=anna.coach, email="erika@example.org"),
        start=start,
        time_zone="Europe/Berlin",
        language="en",
    )
    page.goto(f"{live_server.url}/b/{booking.token}/reschedule/?tz=Europe/Berlin&day={monday.isoformat()}&clock=24")
    current = page.locator(".slots li.current")
    expect(current).to_have_text("10:00 your current time")
    expect(current.locator("a")).to_have_count(0)  # not choosable
    expect(page.locator(".slots a")).to_have_text(["09:00", "09:30", "10:30"])
    expect(page.locator(f"td[data-day='{monday.isoformat()}']")).to_have_class(re.compile(r"\bcurrent\b"))
    expect(page.locator(f"td[data-day='{monday.isoformat()}'] a")).to_have_attribute(
        "aria-label", re.compile(r", your current time$")
    )
    # Another month and back, in place, on this page too.
    mark_window(page)
    page.get_by_role("link", name="Next month").click()
    expect(page.locator("#picker-month")).to_have_text(f"{month_after(monday):%B %Y}")
    page.go_back()
    expect(current).to_have_text("10:00 your current time")
    assert marker(page) == "kept"
