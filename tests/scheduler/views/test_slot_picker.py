"""The shared slot picker (scheduler/views/slot_picker.py): the picker alone for the script
(?partial=picker) from the same kept answers, the zone list with its offsets (common zones
first), the clock of the language and its switch, and the current time of a booking being
moved."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from scheduler.views import slot_picker as picker_module
from scheduler.views.slot_picker import PICKER_PARTIAL, slot_picker, tz_form, utc_offset_label, zone_choices
from tests.factories import BookingFactory, ClientFactory
from tests.scheduler.pages import MONDAY, berlin, text, type_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

BERLIN_ZONE = ZoneInfo("Europe/Berlin")
JANUARY = datetime(2027, 1, 15, 12, tzinfo=UTC)
JULY = datetime(2027, 7, 15, 12, tzinfo=UTC)


# --- the picker alone -------------------------------------------------------------


def test_the_picker_alone_is_the_region_the_script_swaps(client, kind):
    response = client.get(type_url(kind, day=MONDAY.isoformat(), tz="Europe/Berlin", partial="picker"))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == PICKER_PARTIAL
    page = text(response)
    assert page.lstrip().startswith('<div class="picker-region" data-picker-region')
    assert "<html" not in page and '<form method="post"' not in page
    assert "data-month-grid" in page
    # The zone chooser stays on the page: the picker says its zone, month, day and clock for it.
    assert 'id="tz-select"' not in page
    state = f'data-zone="Europe/Berlin" data-month="{MONDAY:%Y-%m}" data-day="{MONDAY.isoformat()}" data-clock="12"'
    assert state in page
    assert ">9:00 AM</a>" in page and ">10:30 AM</a>" in page
    # The same picker as the whole page's.
    whole = text(client.get(type_url(kind, day=MONDAY.isoformat(), tz="Europe/Berlin")))
    assert page.strip() in whole


def test_the_picker_alone_shows_no_form_even_for_a_chosen_time(client, kind):
    start = berlin(MONDAY, 9)
    response = client.get(type_url(kind, start=start.isoformat(), tz="Europe/Berlin", partial="picker"))
    page = text(response)
    assert response.status_code == 200 and "booking-form" not in page
    assert 'aria-current="true">9:00 AM</a>' in page


def test_the_picker_alone_is_computed_from_the_kept_answers(client, kind, monkeypatch, settings):
    settings.SLOTS_ANSWERS_KEPT = True
    asked = []
    kept = picker_module.slots_bookable_kept

    def counting(**kwargs):
        asked.append(kwargs["range_start"])
        return kept(**kwargs)

    monkeypatch.setattr(picker_module, "slots_bookable_kept", counting)
    # Two pages (the same one again would be a kept page: views/kept_pages.py) of one month.
    for clock in ("12", "24"):
        client.get(type_url(kind, day=MONDAY.isoformat(), tz="Europe/Berlin", partial="picker", clock=clock))
    assert len(asked) == 2 and asked[0] == asked[1]


def test_picker_links_keep_the_zone_and_the_chosen_clock(client, kind):
    page = text(client.get(type_url(kind, month=f"{MONDAY:%Y-%m}", tz="America/New_York", clock="24")))
    links = re.findall(r'href="(\?[^"]*)"', page)
    # Every link of the picker but the switch to the other clock.
    picker_links = [
        link for link in links if ("day=" in link or "month=" in link or "start=" in link) and "clock=12" not in link
    ]
    assert picker_links and all("tz=America%2FNew_York" in link and "clock=24" in link for link in picker_links)
    assert '<input type="hidden" name="clock" value="24">' in page


# --- the clock --------------------------------------------------------------------


def test_the_clock_follows_the_language_and_the_switch_overrides_it(client, kind):
    url = type_url(kind, day=MONDAY.isoformat(), tz="Europe/Berlin")
    assert ">9:00 AM</a>" in text(client.get(url))
    assert ">09:00</a>" in text(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
    page = text(client.get(url + "&clock=24"))
    assert ">09:00</a>" in page
    assert re.search(r'<a href="[^"]*clock=24" aria-current="true" data-picker-link data-clock="24">24 h</a>', page)
    assert re.search(r'<a href="[^"]*clock=12" data-picker-link data-clock="12">12 h</a>', page)
    assert ">9:00 vorm.</a>" in text(client.get(url + "&clock=12", HTTP_ACCEPT_LANGUAGE="de"))
    assert ">9:00 AM</a>" in text(client.get(url + "&clock=13"))  # not a clock: the language's


def test_the_summary_above_the_form_uses_the_pickers_clock_and_links_back(client, kind):
    start = berlin(MONDAY, 9, 30)
    page = text(client.get(type_url(kind, start=start.isoformat(), tz="Europe/Berlin", clock="24")))
    summary = re.search(r'<p class="summary">(.*?)</p>', page, re.S).group(1)
    assert "09:30–10:00 (Europe/Berlin)" in summary
    change = re.search(r'<a href="([^"]*)" class="change">', summary).group(1)
    assert change == f"?day={MONDAY.isoformat()}&tz=Europe%2FBerlin&month={MONDAY:%Y-%m}&clock=24#times"


# --- the zone list ----------------------------------------------------------------


def options(html: str) -> list[tuple[str, str]]:
    """(name, label) of each <option>."""
    return re.findall(r'<option value="([^"]+)"(?: selected)?>([^<]+)</option>', html)


def test_the_zone_list_has_common_zones_first_each_with_its_offset_now():
    winter = tz_form(BERLIN_ZONE, now=JANUARY)
    common, others = options(winter["common"]), options(winter["others"])
    assert [name for name, _ in common[:5]] == [
        "Europe/Berlin",
        "Europe/Vienna",
        "Europe/Zurich",
        "Europe/London",
        "Europe/Dublin",
    ]
    assert "America/New_York" in [name for name, _ in common]
    assert not {name for name, _ in common} & {name for name, _ in others}
    assert [name for name, _ in others] == sorted(name for name, _ in others)
    labels = dict(common + others)
    assert labels["Europe/Berlin"] == "Europe/Berlin (UTC+1)"
    assert labels["America/New_York"] == "America/New_York (UTC\u22125)"
    assert labels["Asia/Kolkata"] == "Asia/Kolkata (UTC+5:30)"
    assert '<option value="Europe/Berlin" selected>Europe/Berlin (UTC+1)</option>' in winter["common"]

    summer = dict(options(tz_form(BERLIN_ZONE, now=JULY)["common"]))
    assert summer["America/New_York"] == "America/New_York (UTC\u22124)"
    assert summer["Europe/Berlin"] == "Europe/Berlin (UTC+2)"


def test_zone_choices_carry_the_offset_in_minutes():
    choices = zone_choices(("Europe/Berlin", "America/St_Johns", "Asia/Kathmandu"), JULY)
    assert choices == [
        ("Europe/Berlin", "Europe/Berlin (UTC+2)", 120),
        ("America/St_Johns", "America/St_Johns (UTC\u22122:30)", -150),
        ("Asia/Kathmandu", "Asia/Kathmandu (UTC+5:45)", 345),
    ]


def test_a_rare_zone_name_is_offered_first_and_chosen():
    form = tz_form(ZoneInfo("EST"), now=JANUARY)
    assert form["common"].startswith('<option value="EST" selected>EST (UTC\u22125)</option>')


def test_the_zone_options_are_written_once_per_half_hour():
    first = tz_form(BERLIN_ZONE, now=JANUARY)["others"]
    assert tz_form(BERLIN_ZONE, now=JANUARY + timedelta(minutes=20))["others"] is first
    assert tz_form(BERLIN_ZONE, now=JANUARY + timedelta(minutes=31))["others"] is not first


@pytest.mark.parametrize(
    "minutes, label",
    [(0, "UTC+0"), (60, "UTC+1"), (-300, "UTC\u22125"), (330, "UTC+5:30"), (-570, "UTC\u22129:30"), (825, "UTC+13:45")],
)
def test_utc_offset_labels(minutes, label):
    assert utc_offset_label(timedelta(minutes=minutes)) == label


# --- the current time of a booking being moved ------------------------------------


@pytest.fixture
def moving(kind):
    client = ClientFactory(coach=kind.coach, email="erika@example.org")
    return BookingFactory(
        appointment_type=kind, client=client, start=berlin(MONDAY, 10), time_zone="Europe/Berlin", language="en"
    )


def test_the_current_time_is_marked_and_not_offered(moving, kind):
    with translation.override("en"):
        picker = slot_picker(
            appointment_type=kind,
            zone=BERLIN_ZONE,
            params={"day": MONDAY.isoformat()},
            start=moving.start,
            now=timezone.now(),
            exclude_booking=moving,
        )
    slots = {slot["start"].time(): slot for slot in picker["day_slots"]}
    assert list(slots) == [time(9), time(9, 30), time(10), time(10, 30)]
    assert slots[time(10)]["current"] and not slots[time(10)]["chosen"]
    assert not any(slot["current"] for t, slot in slots.items() if t != time(10))
    assert picker["start_offered"] is False  # moving it to its own time would change nothing
    monday = next(cell for week in picker["weeks"] for cell in week if cell["date"] == MONDAY)
    assert monday["current"]


def test_the_clients_reschedule_page_marks_your_current_time(client, moving):
    page = text(client.get(f"/b/{moving.token}/reschedule/", {"day": MONDAY.isoformat(), "tz": "Europe/Berlin"}))
    assert (
        '<li class="current"><span aria-disabled="true">10:00 AM <small>your current time</small></span></li>' in page
    )
    assert ">10:00 AM</a>" not in page and ">10:30 AM</a>" in page
    assert re.search(rf'aria-label="[^"]*{MONDAY.day} {MONDAY:%B %Y}, your current time"', page)


def test_the_clients_reschedule_page_answers_the_picker_alone_too(client, moving):
    url = f"/b/{moving.token}/reschedule/"
    response = client.get(url, {"day": MONDAY.isoformat(), "tz": "Europe/Berlin", "partial": "picker"})
    assert response.status_code == 200 and [t.name for t in response.templates][0] == PICKER_PARTIAL
    assert "<small>your current time</small>" in text(response) and "<html" not in text(response)


def test_the_coachs_move_page_marks_the_bookings_current_time(client, kind, moving):
    client.force_login(kind.coach.user)
    response = client.get(f"/coach/bookings/{moving.uuid}/reschedule/", {"day": MONDAY.isoformat()})
    assert response.status_code == 200
    assert "<small>the booking's current time</small>" in text(response)
