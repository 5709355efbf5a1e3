"""The type page kept in the cache (scheduler/views/kept_pages.py): answered again without
rendering it, never once what it shows has changed, never with another visitor's token or
session, never in another visitor's language, zone or clock."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scheduler.cache_versions import availability_version_keys
from scheduler.services import coach_availability as availability_services
from scheduler.services.coach_availability import HoursWindow
from scheduler.views import public
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, WeeklyHoursFactory
from tests.scheduler.pages import MONDAY, berlin, text, type_url

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def pages_kept(settings):
    """As with Redis or the file cache (the defaults)."""
    settings.SLOTS_ANSWERS_KEPT = True


@pytest.fixture
def rendered(monkeypatch):
    """How many times the type page was rendered (not answered from the cache)."""
    calls = []
    real = public.slot_picker

    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(public, "slot_picker", counting)
    return calls


@pytest.fixture
def clock_driven_cache(settings):
    """A cache whose expiry follows time_machine's clock (Redis keeps its own)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def visitor(language="en", **extra) -> Client:
    """A new visitor: no cookies, their browser's language."""
    return Client(HTTP_ACCEPT_LANGUAGE=language, **extra)


def day_url(kind, **params):
    return type_url(kind, day=MONDAY.isoformat(), tz="Europe/Berlin", **params)


def times(response, day=MONDAY) -> list[str]:
    """The times the page offers on `day` (its plain links)."""
    assert response.status_code == 200
    return re.findall(rf"start={day.isoformat()}T(\d\d:\d\d)", response.content.decode().replace("%3A", ":"))


def csrf_value(response) -> str | None:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


def without_token(response) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)


# --- kept, and answered from the cache ---------------------------------------------


def test_the_same_page_is_answered_from_the_cache_without_a_query(kind, rendered, django_assert_num_queries):
    first = visitor().get(day_url(kind))
    assert times(first) == ["09:00", "09:30", "10:00", "10:30"]

    with django_assert_num_queries(0):
        again = visitor().get(day_url(kind))
    assert len(rendered) == 1
    assert without_token(again) == without_token(first)
    for header in ("Content-Type", "Content-Language", "Content-Security-Policy", "Vary"):
        assert again.headers.get(header) == first.headers.get(header), header


def test_the_picker_alone_and_the_whole_page_are_kept_apart(kind):
    whole = visitor().get(day_url(kind))
    alone = visitor().get(day_url(kind, partial="picker"))
    assert "<html" in text(whole) and "<html" not in text(alone)
    assert "<html" in text(visitor().get(day_url(kind)))
    assert "<html" not in text(visitor().get(day_url(kind, partial="picker")))


# --- what the page shows changed ---------------------------------------------------


def book_ten(kind):
    BookingFactory(appointment_type=kind, start=berlin(MONDAY, 10))


def block_the_morning(kind):
    availability_services.blocked_period_save(
        coach=kind.coach, period=None, title="Seminar", first_day=MONDAY, last_day=MONDAY
    )


def hours_from_ten(kind):
    availability_services.weekly_hours_replace(
        coach=kind.coach, windows=[HoursWindow(weekday=0, start=time(10), end=time(11))]
    )


def longer_type(kind):
    kind.duration = timedelta(minutes=60)
    kind.save()


WRITES = {
    "booking": (book_ten, ["09:00", "09:30", "10:30"]),
    "blocked period": (block_the_morning, []),
    "weekly hours": (hours_from_ten, ["10:00", "10:30"]),
    "type": (longer_type, ["09:00", "09:30", "10:00"]),
}


@pytest.mark.parametrize("write, expected", WRITES.values(), ids=WRITES.keys())
def test_a_change_of_the_coachs_calendar_or_type_is_shown_by_the_next_page(kind, write, expected):
    assert times(visitor().get(day_url(kind))) == ["09:00", "09:30", "10:00", "10:30"]
    write(kind)
    assert times(visitor().get(day_url(kind))) == expected
    cache.clear()
    assert times(visitor().get(day_url(kind))) == expected  # what the database says


def test_a_change_of_the_coachs_words_is_shown_by_the_next_page(kind):
    assert "Anna Beispiel" in text(visitor().get(day_url(kind)))
    kind.coach.display_name = "Anna Muster"
    kind.coach.save()
    assert "Anna Muster" in text(visitor().get(day_url(kind)))


def test_another_coachs_booking_leaves_the_page_kept(kind, rendered):
    other = AppointmentTypeFactory(coach=CoachFactory(slug="ben"))
    WeeklyHoursFactory(coach=other.coach, weekday=0, start=time(9), end=time(11))
    visitor().get(day_url(kind))
    BookingFactory(appointment_type=other, start=berlin(MONDAY, 10))
    assert times(visitor().get(day_url(kind))) == ["09:00", "09:30", "10:00", "10:30"]
    assert len(rendered) == 1


def test_a_booking_made_while_the_page_is_rendered_leaves_that_page_unused(kind, monkeypatch):
    real = public.slot_picker
    made = []

    def booked_after_reading(**kwargs):
        picker = real(**kwargs)
        if not made:  # after the slots were read, before the page is kept
            made.append(BookingFactory(appointment_type=kind, start=berlin(MONDAY, 10)))
        return picker

    monkeypatch.setattr(public, "slot_picker", booked_after_reading)
    assert "10:00" in times(visitor().get(day_url(kind)))
    assert "10:00" not in times(visitor().get(day_url(kind)))


def test_a_slot_that_comes_within_the_minimum_notice_is_not_shown(kind, clock_driven_cache):
    now = timezone.now()
    kind.minimum_notice = berlin(MONDAY, 9) - now - timedelta(seconds=30)
    kind.save()
    with time_machine.travel(now, tick=False) as traveller:
        assert times(visitor().get(day_url(kind)))[0] == "09:00"
        traveller.shift(timedelta(seconds=28))
        assert times(visitor().get(day_url(kind)))[0] == "09:00"
        traveller.shift(timedelta(seconds=3))  # 9:00 is now within the notice
        assert times(visitor().get(day_url(kind))) == ["09:30", "10:00", "10:30"]


def test_the_zone_chooser_is_written_again_each_half_hour(kind, clock_driven_cache, rendered):
    half_hour = datetime.combine(MONDAY - timedelta(days=7), time(10, 30), tzinfo=UTC)
    with time_machine.travel(half_hour - timedelta(seconds=10), tick=False) as traveller:
        visitor().get(day_url(kind))
        visitor().get(day_url(kind))
        assert len(rendered) == 1
        traveller.shift(timedelta(seconds=11))
        visitor().get(day_url(kind))
        assert len(rendered) == 2


def test_a_month_the_horizon_reaches_into_is_never_kept(kind, rendered):
    kind.horizon = timedelta(days=30)
    kind.save()
    last = (timezone.now() + kind.horizon).date()
    for _ in range(2):
        visitor().get(type_url(kind, month=f"{last:%Y-%m}", tz="Europe/Berlin"))
    assert len(rendered) == 2


# --- never another visitor's page ---------------------------------------------------


def test_a_signed_in_visitor_is_never_answered_from_the_cache_nor_kept(kind, rendered):
    signed_in = visitor()
    signed_in.force_login(get_user_model().objects.create_user(email="erika@example.org", password=None))
    signed_in.get(day_url(kind))
    visitor().get(day_url(kind))  # an anonymous visitor after them: rendered, then kept
    assert len(rendered) == 2
    signed_in.get(day_url(kind))
    assert len(rendered) == 3


def test_a_visitor_with_messages_to_show_is_never_answered_from_the_cache(kind, rendered):
    visitor().get(day_url(kind))
    with_messages = visitor()
    with_messages.cookies["messages"] = "anything"
    with_messages.get(day_url(kind))
    assert len(rendered) == 2


def test_two_visitors_get_their_own_csrf_token_and_both_can_switch_the_language(kind, rendered):
    first, second = visitor(enforce_csrf_checks=True), visitor(enforce_csrf_checks=True)
    tokens = [csrf_value(first.get(day_url(kind))), csrf_value(second.get(day_url(kind)))]
    assert len(rendered) == 1  # the second visitor's page came from the cache
    assert all(tokens) and tokens[0] != tokens[1]
    assert "csrftoken" in second.cookies  # set as a rendered page sets it
    for client, token in zip((first, second), tokens, strict=True):
        switched = client.post(reverse("set_language"), {"language": "de", "next": "/", "csrfmiddlewaretoken": token})
        assert switched.status_code == 302
    # One visitor's token is no good with another's cookie.
    third = visitor(enforce_csrf_checks=True)
    third.get(day_url(kind))
    refused = third.post(reverse("set_language"), {"language": "de", "next": "/", "csrfmiddlewaretoken": tokens[0]})
    assert refused.status_code == 403


def test_each_language_and_form_of_address_gets_its_own_page(kind):
    month = type_url(kind, month=f"{MONDAY:%Y-%m}", tz="Europe/Berlin")
    assert "Choose a day to see its free times." in text(visitor("en").get(month))
    assert "Wählen Sie einen Tag" in text(visitor("de").get(month))
    assert "Choose a day to see its free times." in text(visitor("en").get(month))
    chosen = visitor("en")
    chosen.cookies["django_language"] = "de"  # the language switch's choice
    assert "Wählen Sie einen Tag" in text(chosen.get(month))
    kind.coach.address_form = kind.coach.AddressForm.INFORMAL
    kind.coach.save()
    assert "Wähle einen Tag" in text(visitor("de").get(month))
    assert "Choose a day to see its free times." in text(visitor("en").get(month))


def test_each_zone_and_clock_gets_its_own_page(kind):
    assert times(visitor().get(day_url(kind, clock="24"))) == ["09:00", "09:30", "10:00", "10:30"]
    assert ">09:00</a>" in text(visitor().get(day_url(kind, clock="24")))
    assert ">9:00 AM</a>" in text(visitor().get(day_url(kind, clock="12")))
    london = type_url(kind, day=MONDAY.isoformat(), tz="Europe/London")
    assert times(visitor().get(london)) == ["08:00", "08:30", "09:00", "09:30"]
    assert times(visitor().get(day_url(kind))) == ["09:00", "09:30", "10:00", "10:30"]


def test_a_framed_page_is_kept_apart_with_its_coachs_origins(kind, rendered):
    kind.coach.embed_origins = "https://anna.example"
    kind.coach.save()
    framed = day_url(kind, embed="1")
    for _ in range(2):
        page = visitor().get(framed)
        assert "frame-ancestors https://anna.example" in page.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in page.headers
        assert 'class="site-header"' not in text(page)
    assert len(rendered) == 1
    # The browser says it frames the page: a framed page too, not the site's own.
    assert 'class="site-header"' not in text(visitor(HTTP_SEC_FETCH_DEST="iframe").get(day_url(kind)))
    assert 'class="site-header"' in text(visitor().get(day_url(kind)))
    kind.coach.embed_origins = "https://other.example"
    kind.coach.save()
    assert "frame-ancestors https://other.example" in visitor().get(framed).headers["Content-Security-Policy"]


def test_a_chosen_time_or_another_parameter_is_never_kept(kind, rendered):
    chosen = type_url(kind, start=berlin(MONDAY, 9).isoformat(), tz="Europe/Berlin")
    tracked = day_url(kind, utm_source="newsletter")
    for url in (chosen, chosen, tracked, tracked):
        assert visitor().get(url).status_code == 200
    assert len(rendered) == 4


def test_without_the_cache_every_page_is_rendered(kind, cache_unreachable, rendered):
    assert times(visitor().get(day_url(kind))) == ["09:00", "09:30", "10:00", "10:30"]
    assert times(visitor().get(day_url(kind))) == ["09:00", "09:30", "10:00", "10:30"]
    assert len(rendered) == 2


@pytest.mark.django_db(transaction=True)  # the fixtures' writes committed: their versions are in the cache
def test_a_pages_copy_in_this_process_goes_with_a_write_announced_by_another(kind, rendered):
    # Another process's write reaches this one only through the versions in the cache.
    visitor().get(day_url(kind))
    visitor().get(day_url(kind))
    assert len(rendered) == 1
    cache.set(availability_version_keys(kind.coach_id)[1], "another process's write")
    visitor().get(day_url(kind))
    assert len(rendered) == 2


def test_the_page_is_read_from_the_cache_once_a_process(kind, monkeypatch):
    visitor().get(day_url(kind))
    asked = []
    real = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: asked.append(list(keys)) or real(keys))
    visitor().get(day_url(kind))
    assert asked and not any(key.startswith("type-page:") for keys in asked for key in keys)
