"""The public booking pages: coach page, slot picker + form, and the pages behind a booking token."""

import html
import re
from datetime import date, time, timedelta
from types import SimpleNamespace
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scheduler import ics, ratelimit
from scheduler.models import AppointmentType, Booking, Client, DateOverride, ReplyWindow, WeeklyHours
from tests.factories import AppointmentTypeFactory, BlockedPeriodFactory, BookingFactory, ClientFactory
from tests.helpers import BERLIN
from tests.scheduler.pages import MESSAGE, MONDAY, TODAY, berlin, error_at, form_data, input_value, text, type_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

NEW_YORK = ZoneInfo("America/New_York")
# A Monday in the middle of January: both Berlin and New York are on standard time (6 hours apart).
WINTER_MONDAY = next(d for d in (date(TODAY.year + 1, 1, 10) + timedelta(days=i) for i in range(7)) if d.weekday() == 0)


def chosen_zone(page: str) -> str | None:
    """The zone selected in the page's zone chooser."""
    match = re.search(r'<option value="([^"]+)" selected>', page)
    return match.group(1) if match else None


@pytest.fixture
def coach(anna):
    """Anna, whose type is `kind` (both in tests/scheduler/views/conftest.py)."""
    return anna


# --- coach page -----------------------------------------------------------------


def test_coach_page_shows_policy_channels_reply_windows_and_type_links(client, coach):
    AppointmentTypeFactory(coach=coach, slug="kurz", name="Kurz", allowed_channels=["email", "threema"])
    AppointmentTypeFactory(
        coach=coach,
        slug="lang",
        name="Lang",
        allowed_channels=["phone"],
        approval=AppointmentType.Approval.NEW_CLIENTS,
    )
    response = client.get("/anna/")
    assert response.status_code == 200
    page = text(response)
    assert "Ich nehme keine Anrufe ohne Termin an." in page
    assert "I don't take calls without an appointment — book a time here." in page
    assert "Encrypted with your OpenPGP key if you give one." in page
    # Threema's note is true of this site: without the Gateway nothing is sent (test_phrases.py).
    assert "This site does not send Threema messages yet" in page and "End-to-end" not in page
    assert "the coach's own number is never shown" in page
    assert "metadata goes to Meta" not in page  # no type offers WhatsApp
    assert "Urgent matters: please book a short talk." in page  # the reply note, in English
    assert 'href="/anna/kurz/"' in page and 'href="/anna/lang/"' in page
    assert "Your first booking needs the coach's approval." in page
    # The coach's direct contact details appear nowhere.
    assert not re.search(r"\+?\d[\d /-]{7,}\d", page)
    assert "anna.private@example.org" not in page


# Monday 7 December 2026: Berlin UTC+1, New York UTC-5. Anna answers Monday, Wednesday and
# Friday 08:00–09:00 (Berlin); her type `kind` is free on Mondays 09:00–11:00.
DECEMBER_MONDAY = date(2026, 12, 7)


@pytest.fixture
def answering(anna, kind):
    for weekday in (0, 2, 4):
        ReplyWindow.objects.create(coach=anna, weekday=weekday, start=time(8), end=time(9))
    return anna


def reachability_of(client, now, tz="America/New_York", **headers) -> str:
    """The sentence about the coach's reachability on /anna/ at the fixed clock `now`."""
    with time_machine.travel(now, tick=False):
        response = client.get("/anna/", {"tz": tz} if tz else {}, headers=headers)
    assert response.status_code == 200
    found = re.search(r'<p class="reachability">(.*?)</p>', text(response), re.S)
    return found.group(1) if found else ""


def test_coach_page_in_a_reply_window(client, answering):
    assert reachability_of(client, berlin(DECEMBER_MONDAY, 8, 30)) == (
        "Answering messages now, until 03:00. Next reply window: Wednesday, 9 December, 02:00–03:00. "
        "Next free time: Monday, 7 December, 03:00. Times in America/New_York."
    )


def test_coach_page_outside_a_reply_window(client, answering):
    assert reachability_of(client, berlin(DECEMBER_MONDAY, 12)) == (
        "Next reply window: Wednesday, 9 December, 02:00–03:00. Next free time: Monday, 14 December, 03:00. "
        "Times in America/New_York."
    )
    assert reachability_of(client, berlin(DECEMBER_MONDAY, 12), tz="Europe/Berlin") == (
        "Next reply window: Wednesday, 9 December, 08:00–09:00. Next free time: Monday, 14 December, 09:00. "
        "Times in Europe/Berlin."
    )


def test_coach_page_away_with_the_note_as_the_coach_wrote_it(client, answering):
    BlockedPeriodFactory(
        coach=answering,
        title="Firmenseminar X (private)",
        public_note="Seminar in Wien",
        public_note_en="Seminar in Vienna",
        first_day=DECEMBER_MONDAY + timedelta(days=1),
        last_day=DECEMBER_MONDAY + timedelta(days=3),
    )
    wednesday = berlin(DECEMBER_MONDAY + timedelta(days=2), 8, 30)
    assert reachability_of(client, wednesday) == (
        "Away: Seminar in Vienna, until Thursday, 10 December, 18:00. "
        "Next reply window: Friday, 11 December, 02:00–03:00. Next free time: Monday, 14 December, 03:00. "
        "Times in America/New_York."
    )
    # In Berlin the seminar ends with Thursday.
    assert reachability_of(client, wednesday, tz="Europe/Berlin").startswith(
        "Away: Seminar in Vienna, until the end of Thursday, 10 December. "
    )
    # A German visitor reads the German note; the private title shows nowhere.
    german = reachability_of(client, wednesday, tz="Europe/Berlin", accept_language="de")
    assert "Seminar in Wien" in german and "Vienna" not in german
    with time_machine.travel(wednesday, tick=False):
        assert "Firmenseminar" not in client.get("/anna/").content.decode()


def test_coach_page_away_without_a_note(client, answering):
    BlockedPeriodFactory(
        coach=answering,
        title="Urlaub",
        first_day=DECEMBER_MONDAY + timedelta(days=1),
        last_day=DECEMBER_MONDAY + timedelta(days=3),
    )
    assert reachability_of(client, berlin(DECEMBER_MONDAY + timedelta(days=2), 15), tz="Europe/Berlin") == (
        "Away until the end of Thursday, 10 December. Next reply window: Friday, 11 December, 08:00–09:00. "
        "Next free time: Monday, 14 December, 09:00. Times in Europe/Berlin."
    )


def test_an_away_note_is_escaped(client, answering):
    BlockedPeriodFactory(
        coach=answering, public_note="<b>Kongress</b>", first_day=DECEMBER_MONDAY, last_day=DECEMBER_MONDAY
    )
    with time_machine.travel(berlin(DECEMBER_MONDAY, 10), tick=False):
        page = client.get("/anna/").content.decode()
    assert "&lt;b&gt;Kongress&lt;/b&gt;" in page and "<b>Kongress" not in page


def test_coach_page_of_a_coach_without_reply_windows_says_only_the_next_free_time(client, kind):
    assert reachability_of(client, berlin(DECEMBER_MONDAY, 12)) == (
        "Next free time: Monday, 14 December, 03:00. Times in America/New_York."
    )


def test_several_types_each_say_their_next_free_time(client, answering):
    AppointmentTypeFactory(coach=answering, slug="nie", name="Nie frei")  # no hours serve it: none free
    hours = WeeklyHours.objects.get(coach=answering)
    hours.appointment_types.add(answering.appointment_types.get(slug="erstgespraech"))
    with time_machine.travel(berlin(DECEMBER_MONDAY, 12), tick=False):
        page = text(client.get("/anna/", {"tz": "America/New_York"}))
    assert re.findall(r'<p class="next-free">(.*?)</p>', page) == [
        "Next free time: Monday, 14 December, 03:00 (America/New_York).",
        "No free time to book at the moment.",
    ]
    sentence = re.search(r'<p class="reachability">(.*?)</p>', page).group(1)
    assert "Next free time" not in sentence and sentence.startswith("Next reply window: Wednesday, 9 December")
    # The links keep the visitor's zone.
    assert 'href="/anna/erstgespraech/?tz=America%2FNew_York"' in page


def test_the_weekly_reply_windows_in_the_visitors_zone_with_their_channels(client, answering):
    ReplyWindow.objects.create(coach=answering, weekday=1, start=time(17), end=time(18), channels=["whatsapp"])
    ReplyWindow.objects.create(
        coach=answering, weekday=3, start=time(5, 30), end=time(6, 30), channels=["threema", "email"]
    )
    with time_machine.travel(berlin(DECEMBER_MONDAY, 12), tick=False):
        page = text(client.get("/anna/", {"tz": "America/New_York"}))
    assert "Every week (times in America/New_York, as they fall in the coming week):" in page
    assert re.findall(r"<li>(<strong>.*?)</li>", page.split('class="reply-windows"')[1].split("</ul>")[0]) == [
        "<strong>All messages:</strong> Monday, Wednesday and Friday, 02:00–03:00",
        "<strong>E-mail and Threema:</strong> Wednesday, 23:30 – 00:30 the next day",
        "<strong>WhatsApp:</strong> Tuesday, 11:00–12:00",
    ]
    assert "Urgent matters: please book a short talk." in page


def test_the_coachs_texts_in_the_visitors_language_german_as_the_fallback(client, kind):
    anna = kind.coach
    anna.policy_en = "I do not take calls without an appointment."
    anna.save()
    kind.name_en, kind.description_en = "First talk", "We get to know each other."
    kind.save()
    english = text(client.get("/anna/"))
    assert "I do not take calls without an appointment." in english and "Ich nehme keine" not in english
    assert ">First talk</a>" in english and "We get to know each other." in english
    assert "Urgent matters: please book a short talk." in english
    german = text(client.get("/anna/", headers={"accept-language": "de"}))
    assert "Ich nehme keine Anrufe ohne Termin an." in german and "I do not take calls" not in german
    assert ">Erstgespräch</a>" in german and "Wir lernen uns kennen." in german
    assert "Dringendes bitte als kurzes Gespräch buchen." in german and "Urgent matters" not in german
    # Without the English words an English visitor reads the German ones.
    anna.policy_en = anna.reply_note_en = ""
    anna.save()
    kind.name_en = kind.description_en = ""
    kind.save()
    fallback = text(client.get("/anna/"))
    assert "Ich nehme keine Anrufe ohne Termin an." in fallback and ">Erstgespräch</a>" in fallback
    assert "Dringendes bitte als kurzes Gespräch buchen." in fallback


def test_coach_page_zone_chooser_like_the_type_page(client, answering):
    page = text(client.get("/anna/"))
    assert "data-tz-detect" in page and chosen_zone(page) == "Europe/Berlin"
    assert re.search(r'<script src="[^"]*js/booking\.js" defer></script>', page)
    assert 'href="/anna/erstgespraech/"' in page  # the type page detects the zone itself
    chosen = text(client.get("/anna/", {"tz": "America/New_York"}))
    assert "data-tz-detect" not in chosen and chosen_zone(chosen) == "America/New_York"
    unknown = text(client.get("/anna/", {"tz": "Mars/Olympus"}))
    assert "We do not know the time zone “Mars/Olympus”; times are shown in Europe/Berlin." in unknown
    assert "Times in Europe/Berlin." in unknown and 'href="/anna/erstgespraech/"' in unknown


def test_pages_have_no_inline_scripts(client, kind):
    for url in ("/anna/", type_url(kind, day=MONDAY.isoformat(), tz="Europe/Berlin")):
        page = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert not re.search(r"\son[a-z]+=", page)


# --- type page: picker ----------------------------------------------------------


def test_type_page_shows_times_in_the_visitors_zone(client, kind):
    response = client.get(type_url(kind, day=WINTER_MONDAY.isoformat(), tz="America/New_York"))
    assert response.status_code == 200
    page = text(response)
    # 09:00–11:00 in Berlin is 03:00–05:00 in New York in winter, on the 12-hour clock of English.
    assert [f">{t}</a>" in page for t in ("3:00 AM", "3:30 AM", "4:00 AM", "4:30 AM")] == [True] * 4
    assert "09:00" not in page
    assert chosen_zone(page) == "America/New_York"
    assert "data-tz-detect" not in page  # a zone was given: the script must not redirect


def test_type_page_without_tz_uses_the_coach_zone_and_lets_the_script_detect(client, kind):
    response = client.get(type_url(kind, day=MONDAY.isoformat()))
    page = text(response)
    assert ">9:00 AM</a>" in page and ">10:30 AM</a>" in page
    assert chosen_zone(page) == "Europe/Berlin"
    assert "data-tz-detect" in page
    assert re.search(r'<script src="[^"]*js/booking\.js" defer></script>', page)


@pytest.mark.parametrize("tz", ["Mars/Olympus", "../../etc/passwd", ""])
def test_unknown_time_zone_falls_back_to_the_coach_zone(client, kind, tz):
    response = client.get(type_url(kind, day=MONDAY.isoformat(), tz=tz))
    assert response.status_code == 200
    assert ">9:00 AM</a>" in text(response)
    if tz:
        assert "We do not know the time zone" in text(response)


def test_month_grid_links_only_days_with_free_times(client, kind):
    response = client.get(type_url(kind, month=f"{MONDAY:%Y-%m}", tz="Europe/Berlin", day=MONDAY.isoformat()))
    page = response.content.decode()
    assert "<table" in page and '<th scope="col"><abbr title="Monday">Mon</abbr></th>' in page
    label = f"{MONDAY:%A}, {MONDAY.day} {MONDAY:%B %Y}"
    day_link = re.search(rf'<a href="([^"]*)" aria-label="{label}" aria-current="date">{MONDAY.day}</a>', page)
    assert day_link, "the chosen Monday is a link with its full date and aria-current"
    assert f"day={MONDAY.isoformat()}" in html.unescape(day_link.group(1))
    tuesday = MONDAY + timedelta(days=1)
    if tuesday.month == MONDAY.month:
        assert f"day={tuesday.isoformat()}" not in page
        assert f"<span>{tuesday.day}</span>" in page


def test_default_month_is_the_current_one_and_months_can_be_paged(client, kind):
    with time_machine.travel(berlin(date(2027, 3, 10), 12)):  # Mondays 15, 22 and 29 March are free
        page = text(client.get(type_url(kind, tz="Europe/Berlin")))
    assert "March 2027" in page
    assert "month=2027-04" in page
    assert "Previous month" not in page  # nothing to book in the past


def test_a_first_visit_after_the_months_last_free_time_shows_the_next_month(client, kind):
    with time_machine.travel(berlin(date(2027, 3, 29), 12)):  # after the last Monday's hours
        page = text(client.get(type_url(kind, tz="Europe/Berlin")))
        assert "April 2027" in page and "day=2027-04-05" in page
        assert "month=2027-03" in page  # back to March, if the visitor wants to see it
        # A month the visitor asks for is shown as it is.
        page = text(client.get(type_url(kind, tz="Europe/Berlin", month="2027-03")))
    assert "March 2027" in page and "There are no free times in this month." in page


def test_a_first_visit_passes_over_two_empty_months_at_most(client, kind):
    kind.coach.weekly_hours.all().delete()
    DateOverride.objects.create(coach=kind.coach, date=date(2027, 7, 5), start=time(9), end=time(10))
    with time_machine.travel(berlin(date(2027, 3, 10), 12)):
        page = text(client.get(type_url(kind, tz="Europe/Berlin")))
    assert "May 2027" in page and "There are no free times in this month." in page


def test_form_is_shown_for_an_offered_start(client, kind):
    start = berlin(WINTER_MONDAY, 9).astimezone(NEW_YORK)
    response = client.get(type_url(kind, start=start.isoformat(), tz="America/New_York"))
    page = text(response)
    assert 'name="csrfmiddlewaretoken"' in page
    assert f"{WINTER_MONDAY:%A}, {WINTER_MONDAY.day} {WINTER_MONDAY:%B %Y}, 3:00 AM–3:30 AM (America/New_York)" in page
    assert input_value(response, "start") == start.isoformat()
    assert input_value(response, "tz") == "America/New_York"
    assert "Requests without a personal text are not answered" in page
    assert "I agree that my details are stored to arrange this appointment." in page
    assert 'name="website"' in page and 'tabindex="-1"' in page
    assert 'minlength="30"' in page
    for channel in ("phone", "email", "threema", "whatsapp"):
        assert f'name="channel" value="{channel}"' in page


def test_form_offers_only_the_types_channels(client, kind):
    kind.allowed_channels = ["email", "threema"]
    kind.save()
    response = client.get(type_url(kind, start=berlin(MONDAY, 9).isoformat()))
    page = text(response)
    assert 'value="threema"' in page and 'value="email"' in page
    assert 'value="phone"' not in page and 'name="whatsapp"' not in page and 'name="phone"' not in page


def test_a_start_that_is_not_offered_shows_no_form(client, kind):
    response = client.get(type_url(kind, start=berlin(MONDAY, 9, 10).isoformat()))
    assert response.status_code == 200
    assert "booking-form" not in text(response)
    assert "This time is not available any more." in text(response)


# --- type page: booking ---------------------------------------------------------


def test_successful_booking_redirects_to_its_token_page(client, kind):
    start = berlin(MONDAY, 9, 30).astimezone(NEW_YORK)
    response = client.post(type_url(kind), form_data(start, tz="America/New_York"))
    booking = Booking.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/b/{booking.token}/"
    assert booking.start == start
    assert booking.time_zone == "America/New_York"
    assert booking.channel == "threema"
    assert booking.threema_id == "ABCD1234"
    assert booking.privacy_consent_at is not None
    assert booking.language == "en"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"threema_id": "abc"}, "threema_id", "A Threema ID has exactly 8 characters"),
        ({"channel": "phone", "phone": "12"}, "phone", "phone number"),
        ({"channel": "whatsapp", "whatsapp": ""}, "whatsapp", "Please enter your WhatsApp number."),
        ({"message": "Kurz."}, "message", "Please write at least 30 characters"),
        ({"privacy_consent": None}, "privacy_consent", "Please agree"),
        ({"email": "erika@"}, "email", "valid e-mail address"),
        ({"name": ""}, "name", "Please tell us your name."),
        ({"pgp_public_key": "not a key"}, "pgp_public_key", "This is not an OpenPGP public key"),
    ],
)
def test_invalid_input_is_shown_at_its_field_and_keeps_everything_typed(client, kind, overrides, field, message):
    data = form_data(berlin(MONDAY, 9), **overrides)
    response = client.post(type_url(kind), data)
    assert response.status_code == 200
    assert Booking.objects.count() == 0
    assert message in error_at(response, field)
    page = text(response)
    assert "Please check the marked fields" in page
    for name in ("name", "email", "phone", "threema_id", "whatsapp"):
        if data.get(name):
            assert input_value(response, name) == data[name], name
    assert f"{data['message']}</textarea>" in page
    if data.get("pgp_public_key"):
        assert f"{data['pgp_public_key']}</textarea>" in page
    assert re.search(rf'name="channel" value="{data["channel"]}"[^>]*checked', page)


def test_a_slot_taken_meanwhile_answers_409_and_keeps_the_details(client, kind):
    taken = berlin(MONDAY, 9)
    BookingFactory(appointment_type=kind, start=taken)
    response = client.post(type_url(kind), form_data(taken))
    assert response.status_code == 409
    page = text(response)
    assert "Sorry — this time was just taken. Please choose another time; your details are kept." in page
    assert input_value(response, "name") == "Erika Mustermann"
    assert input_value(response, "email") == "erika@example.org"
    assert input_value(response, "threema_id") == "ABCD1234"
    assert MESSAGE in page
    # The day's remaining times can be chosen inside the same form.
    assert f'name="start" value="{berlin(MONDAY, 9, 30).isoformat()}"' in page
    assert f'name="start" value="{taken.isoformat()}"' not in page
    assert Booking.objects.count() == 1

    # Choosing another time books it with the details kept.
    response = client.post(type_url(kind), form_data(berlin(MONDAY, 9, 30)))
    assert response.status_code == 303
    assert Booking.objects.count() == 2


@pytest.mark.parametrize("start", ["forged", "off-grid"])
def test_a_forged_start_is_an_error_at_the_start(client, kind, start):
    value = "2026-02-30T09:00" if start == "forged" else berlin(MONDAY, 9, 10).isoformat()
    response = client.post(type_url(kind), {**form_data(berlin(MONDAY, 9)), "start": value})
    assert response.status_code == 200
    assert Booking.objects.count() == 0
    assert error_at(response, "start")
    assert input_value(response, "name") == "Erika Mustermann"


def test_honeypot_filled_writes_nothing(client, kind):
    response = client.post(type_url(kind), form_data(berlin(MONDAY, 9), website="https://spam.example"))
    assert response.status_code == 400
    assert Booking.objects.count() == 0
    assert Client.objects.count() == 0
    assert "Your request could not be sent." in text(response)


def test_rate_limit_answers_429_with_retry_after_and_keeps_the_details(client, kind, settings, monkeypatch):
    settings.BOOKING_RATE_LIMIT = "2/m"
    # A fixed clock in the middle of a window, so the window cannot roll over during the test.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    data = form_data(berlin(MONDAY, 9), privacy_consent=None)  # invalid: nothing is written
    assert client.post(type_url(kind), data).status_code == 200
    assert client.post(type_url(kind), data).status_code == 200
    response = client.post(type_url(kind), data)
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    page = text(response)
    assert "too many booking attempts" in page
    assert input_value(response, "name") == "Erika Mustermann"
    assert input_value(response, "threema_id") == "ABCD1234"
    assert MESSAGE in page


def test_the_booking_form_needs_a_csrf_token(client, kind):
    strict = type(client)(enforce_csrf_checks=True)
    assert strict.post(type_url(kind), form_data(berlin(MONDAY, 9))).status_code == 403
    assert Booking.objects.count() == 0


def test_unknown_coach_or_type_is_404(client, kind):
    assert client.get("/anna/nope/").status_code == 404
    assert client.get("/nobody/erstgespraech/").status_code == 404
    kind.active = False
    kind.save()
    assert client.get(type_url(kind)).status_code == 404


# --- booking pages --------------------------------------------------------------


@pytest.fixture
def booking(kind):
    client = ClientFactory(coach=kind.coach, name="Erika Mustermann", email="erika@example.org", threema_id="ABCD1234")
    return BookingFactory(
        appointment_type=kind,
        client=client,
        start=berlin(MONDAY, 9),
        channel="threema",
        message=MESSAGE,
        time_zone="America/New_York",
        language="en",  # its pages are in its language, whatever the browser says
    )


def assert_token_headers(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


def test_booking_page_shows_status_and_details_in_the_clients_zone(client, booking):
    response = client.get(f"/b/{booking.token}/")
    assert response.status_code == 200
    assert_token_headers(response)
    page = text(response)
    assert "Your appointment is confirmed." in page
    assert "Erstgespräch" in page and "Anna Beispiel" in page
    local = booking.start.astimezone(NEW_YORK)
    assert f"{local:%A}, {local.day} {local:%B %Y}, {local:%H:%M}–" in page
    assert "(America/New_York)" in page
    assert "ABCD1234" in page and MESSAGE in page
    # The page's own forms need a real Origin for Django's CSRF check (no-referrer would send "null").
    assert '<meta name="referrer" content="same-origin">' in page
    assert "30 minutes" in page
    assert f'href="/b/{booking.token}/event.ics"' in page
    assert f'action="/b/{booking.token}/cancel/"' in page
    assert f'href="/b/{booking.token}/reschedule/"' in page
    assert str(booking.pk) not in re.findall(r'href="([^"]*)"', page)

    # ?tz= shows the same booking in another zone.
    page = text(client.get(f"/b/{booking.token}/", {"tz": "Europe/Berlin"}))
    assert "09:00–09:30 (Europe/Berlin)" in page


def test_requested_booking_waits_for_the_coach(client, booking):
    booking.status = Booking.Status.REQUESTED
    booking.respond_by = berlin(MONDAY - timedelta(days=1), 18)
    booking.save()
    page = text(client.get(f"/b/{booking.token}/"))
    assert "waiting for the coach's confirmation" in page
    respond_by = booking.respond_by.astimezone(NEW_YORK)
    assert f"{respond_by.day} {respond_by:%B %Y}, {respond_by:%H:%M}" in page


def test_declined_booking_shows_the_note_and_no_actions(client, booking):
    booking.status = Booking.Status.DECLINED
    booking.status_note = "Leider passt es diesmal nicht."
    booking.save()
    page = text(client.get(f"/b/{booking.token}/"))
    assert "declined" in page and "Leider passt es diesmal nicht." in page
    assert "/cancel/" not in page and "/reschedule/" not in page


def test_unknown_token_is_404(client, booking):
    assert client.get("/b/not-a-token/").status_code == 404
    assert client.get("/b/not-a-token/event.ics").status_code == 404
    assert client.post("/b/not-a-token/cancel/").status_code == 404
    assert client.get(f"/b/{booking.pk}/").status_code == 404


def test_another_clients_booking_is_never_shown(client, booking):
    other = BookingFactory(
        appointment_type=booking.appointment_type,
        start=berlin(MONDAY, 10),
        message="Geheimes Anliegen von Max.",
        client=ClientFactory(coach=booking.coach, name="Max Anders", email="max@example.org"),
    )
    page = text(client.get(f"/b/{booking.token}/"))
    assert "Max Anders" not in page and "Geheimes Anliegen" not in page and other.token not in page
    assert "max@example.org" not in page


def test_event_ics_is_the_booking_as_a_calendar(client, booking):
    response = client.get(f"/b/{booking.token}/event.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sprechzeit.ics"'
    assert_token_headers(response)
    body = response.content.decode().replace("\r\n ", "")
    assert body.startswith("BEGIN:VCALENDAR")
    assert f"UID:{ics.booking_uid(booking)}" in body


def test_cancel_frees_the_slot(client, booking, kind):
    day_page = type_url(kind, day=MONDAY.isoformat(), tz="Europe/Berlin")
    slot_param = urlencode({"start": booking.start.astimezone(BERLIN).isoformat()})
    assert slot_param not in text(client.get(day_page))

    response = client.post(f"/b/{booking.token}/cancel/", {"note": "Ich bin krank."})
    assert response.status_code == 303
    assert response["Location"] == f"/b/{booking.token}/"
    assert_token_headers(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.status_note == "Ich bin krank."
    page = text(client.get(f"/b/{booking.token}/"))
    assert "Your appointment has been cancelled." in page
    assert "This appointment has been cancelled." in page

    assert slot_param in text(client.get(day_page))


def test_cancel_twice_shows_the_services_message(client, booking):
    booking.status = Booking.Status.CANCELLED
    booking.save()
    response = client.post(f"/b/{booking.token}/cancel/")
    assert response.status_code == 400
    assert "This booking is no longer active." in text(response)


@pytest.fixture
def three_link_requests_a_minute(settings, monkeypatch):
    settings.BOOKING_LINK_RATE_LIMIT = "3/m"
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))  # mid-window


def test_booking_links_are_limited_per_address_found_or_not(client, booking, three_link_requests_a_minute):
    # Someone guessing links: misses count as much as hits.
    assert client.get("/b/guessed-token-1/").status_code == 404
    assert client.get("/b/guessed-token-2/event.ics").status_code == 404
    assert client.get(f"/b/{booking.token}/").status_code == 200

    for path in (f"/b/{booking.token}/", f"/b/{booking.token}/event.ics", f"/b/{booking.token}/reschedule/"):
        response = client.get(path)
        assert response.status_code == 429
        assert response["Retry-After"] == "30"
        assert "Please wait 30 seconds and try again." in text(response)
    # Another address is not limited.
    assert client.get(f"/b/{booking.token}/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_a_limited_cancellation_keeps_the_note_and_cancels_nothing(client, booking, three_link_requests_a_minute):
    for _ in range(3):
        client.get(f"/b/{booking.token}/")
    response = client.post(f"/b/{booking.token}/cancel/", {"note": "Ich bin leider krank geworden."})
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert "Please wait 30 seconds and try again." in text(response)
    assert ">Ich bin leider krank geworden.</textarea>" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_limited_move_keeps_the_chosen_time_and_moves_nothing(client, booking, three_link_requests_a_minute):
    for _ in range(3):
        client.get(f"/b/{booking.token}/")
    new_start = berlin(MONDAY, 10, 30)
    response = client.post(f"/b/{booking.token}/reschedule/", {"start": new_start.isoformat(), "tz": "Europe/Berlin"})
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert "Please wait 30 seconds and try again." in text(response)
    assert "10:30 AM–11:00 AM (Europe/Berlin)" in text(response)
    booking.refresh_from_db()
    assert booking.start == berlin(MONDAY, 9)


def test_cancel_page_by_get_goes_back_to_the_booking(client, booking):
    response = client.get(f"/b/{booking.token}/cancel/")
    assert response.status_code == 302
    assert response["Location"] == f"/b/{booking.token}/"


def test_reschedule_moves_the_booking_and_keeps_the_token(client, booking):
    page_url = f"/b/{booking.token}/reschedule/"
    response = client.get(page_url, {"day": MONDAY.isoformat(), "tz": "Europe/Berlin"})
    assert response.status_code == 200
    assert_token_headers(response)
    new_start = berlin(MONDAY, 10, 30)
    assert urlencode({"start": new_start.isoformat()}) in text(response)

    response = client.get(page_url, {"start": new_start.isoformat(), "tz": "Europe/Berlin"})
    assert "Move my appointment to this time" in text(response)
    assert "10:30 AM–11:00 AM (Europe/Berlin)" in text(response)

    response = client.post(page_url, {"start": new_start.isoformat(), "tz": "Europe/Berlin"})
    assert response.status_code == 303
    assert response["Location"] == f"/b/{booking.token}/"
    moved = Booking.objects.get(pk=booking.pk)
    assert moved.token == booking.token
    assert moved.start == new_start
    assert moved.sequence == booking.sequence + 1
    assert "Your appointment has been moved." in text(client.get(response["Location"]))


def test_reschedule_to_a_taken_time_is_409(client, booking):
    taken = berlin(MONDAY, 10)
    BookingFactory(appointment_type=booking.appointment_type, start=taken)
    response = client.post(f"/b/{booking.token}/reschedule/", {"start": taken.isoformat(), "tz": "Europe/Berlin"})
    assert response.status_code == 409
    assert "this time was just taken" in text(response)
    booking.refresh_from_db()
    assert booking.start == berlin(MONDAY, 9)


def test_reschedule_a_forged_time_is_400(client, booking):
    response = client.post(f"/b/{booking.token}/reschedule/", {"start": "yesterday"})
    assert response.status_code == 400
    response = client.post(f"/b/{booking.token}/reschedule/", {"start": berlin(MONDAY, 9, 10).isoformat()})
    assert response.status_code == 400
    assert "This time cannot be booked." in text(response)
    booking.refresh_from_db()
    assert booking.start == berlin(MONDAY, 9) and booking.sequence == 0


def test_form_and_service_errors_come_together(client, kind):
    """A missing name (the form's check) and a bad Threema ID (the service's) show at once."""
    data = form_data(berlin(MONDAY, 9), name="", threema_id="abc", message="kurz")
    response = client.post(type_url(kind), data)
    assert "tell us your name" in error_at(response, "name")
    assert "8 characters" in error_at(response, "threema_id")
    assert "at least 30" in error_at(response, "message")
    assert input_value(response, "threema_id") == "abc"
