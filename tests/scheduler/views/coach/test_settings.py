"""The coach's settings in the workspace (/coach/settings/) and what clients see of them."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from scheduler.models import Booking, Coach, ExternalBusy, ExternalCalendar
from scheduler.models.coach import default_channels
from scheduler.models.common import Channel
from scheduler.phrases import CHANNEL_PRIVACY_NOTES, channel_privacy_note_default
from tests.factories import (
    AppointmentTypeFactory,
    BookingFactory,
    ClientFactory,
    CoachFactory,
    UserFactory,
    WeeklyHoursFactory,
)
from tests.helpers import BERLIN, gpg
from tests.scheduler.pages import error_at, input_value, profile_data, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

SETTINGS = "/coach/settings/"
CHANNELS = "/coach/settings/channels/"


def channels_data(coach, **overrides) -> dict:
    """The channels form as the page offers it: the stored notes or the prefilled defaults."""
    data = {"channels": list(coach.channels), "threema_id": coach.threema_id, "whatsapp_number": coach.whatsapp_number}
    for channel in Channel.values:
        for language in ("de", "en"):
            default = channel_privacy_note_default(coach=coach, channel=channel, language=language)
            data[f"note_{language}_{channel}"] = coach.channel_notes.get(language, {}).get(channel, default)
    data.update(overrides)
    return data


# --- permissions ------------------------------------------------------------------

ACTIONS = [
    "coach:settings",
    "coach:settings_channels",
    "coach:feed_rotate",
    "coach:busy_feed_set",
    "coach:calendar_add",
    "coach:settings_key",
    "coach:settings_key_remove",
    "coach:caldav_connect",
]


@pytest.mark.parametrize("name", ACTIONS)
def test_anonymous_visitors_are_sent_to_the_login(client, name):
    response = client.post(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ACTIONS)
def test_a_user_who_is_no_coach_gets_404(client, name):
    client.force_login(UserFactory())
    assert client.post(reverse(name)).status_code == 404


def test_another_coachs_calendar_is_404(coach_client):
    other = ExternalCalendar.objects.create(coach=CoachFactory(), name="Fremd", url="https://example.org/fremd.ics")
    assert coach_client.post(reverse("coach:calendar_active", args=[other.pk]), {"active": "0"}).status_code == 404
    assert coach_client.post(reverse("coach:calendar_delete", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.active
    assert "Fremd" not in text(coach_client.get(SETTINGS))


def test_actions_need_post(coach_client):
    for name in (
        "coach:settings_channels",
        "coach:feed_rotate",
        "coach:busy_feed_set",
        "coach:calendar_add",
        "coach:settings_key",
        "coach:settings_key_remove",
    ):
        assert coach_client.get(reverse(name)).status_code == 405


# --- profile ----------------------------------------------------------------------


def test_settings_page_shows_every_part(coach_client, coach):
    response = coach_client.get(SETTINGS)
    assert response.status_code == 200
    page = text(response)
    assert input_value(response, "display_name") == coach.display_name
    assert input_value(response, "slug") == coach.slug
    assert '<option value="Europe/Berlin" selected>Europe/Berlin</option>' in page
    assert '<option value="Pacific/Auckland">' in page
    assert f"/feeds/{coach.feed_token}/calendar.ics" in page
    assert 'data-copy="feed-url"' in page and "js/copy.js" in page
    assert "The current address stops working at once" in page
    assert 'aria-current="page"' in page and 'href="/coach/settings/"' in page


def test_profile_update_saves_every_field(coach_client, coach):
    response = coach_client.post(
        SETTINGS,
        profile_data(
            coach,
            display_name="Anna Beispiel",
            slug="Anna-B",
            time_zone="America/New_York",
            language="en",
            address_form="du",
            policy=" Keine Anrufe ohne Termin. ",
            policy_en="No calls without an appointment.",
            reply_note="Dringendes bitte als Telefonat buchen.",
            reply_note_en="Urgent matters: please book a call.",
            minimum_message_length="50",
            contact_answer_days="3",
            retention_months="6",
        ),
    )
    assert response.status_code == 303
    coach.refresh_from_db()
    assert (coach.display_name, coach.slug, coach.time_zone) == ("Anna Beispiel", "anna-b", "America/New_York")
    assert (coach.language, coach.address_form) == ("en", "du")
    assert (coach.policy, coach.policy_en) == ("Keine Anrufe ohne Termin.", "No calls without an appointment.")
    assert (coach.reply_note, coach.reply_note_en) == (
        "Dringendes bitte als Telefonat buchen.",
        "Urgent matters: please book a call.",
    )
    assert coach.minimum_message_length == 50
    assert coach.contact_answer_days == 3
    assert coach.retention_months == 6


def test_the_policy_and_reply_note_are_edited_in_german_and_english(coach_client, coach):
    coach.policy, coach.policy_en = "Keine Anrufe ohne Termin.", "No calls without an appointment."
    coach.reply_note, coach.reply_note_en = "Dringendes bitte buchen.", "Urgent matters: please book."
    coach.save()
    response = coach_client.get(SETTINGS)
    page = text(response)
    assert input_value(response, "reply_note") == "Dringendes bitte buchen."
    assert input_value(response, "reply_note_en") == "Urgent matters: please book."
    assert re.search(r">\s*Keine Anrufe ohne Termin.</textarea>", page)
    assert re.search(r">\s*No calls without an appointment.</textarea>", page)
    assert re.search(r'<textarea name="policy"[^>]* lang="de"', page)
    assert re.search(r'<textarea name="policy_en"[^>]* lang="en"', page)
    assert "German (also shown when there is no English)" in page and "Your contact policy" in page
    assert "Note on your reply windows" in page
    # The removed free-text fields are gone from the form.
    assert 'name="reply_windows"' not in page and 'name="answer_requests_before"' not in page


def test_english_visitors_read_the_english_policy_and_german_visitors_the_german(client, coach):
    coach.policy, coach.policy_en = "Bitte erst buchen, ich rufe nicht zurück.", "Please book first; I return no calls."
    coach.save()
    english = text(client.get(f"/{coach.slug}/", headers={"accept-language": "en"}))
    assert "Please book first; I return no calls." in english and "Bitte erst buchen" not in english
    german = text(client.get(f"/{coach.slug}/", headers={"accept-language": "de"}))
    assert "Bitte erst buchen, ich rufe nicht zurück." in german and "Please book first" not in german


def test_without_an_english_policy_english_visitors_read_the_german(client, coach):
    coach.policy, coach.policy_en = "Keine Anrufe ohne Termin.", ""
    coach.save()
    assert "Keine Anrufe ohne Termin." in text(client.get(f"/{coach.slug}/"))


def test_a_taken_slug_is_an_error_at_the_slug_and_keeps_what_was_typed(coach_client, coach):
    CoachFactory(slug="vergeben")
    response = coach_client.post(SETTINGS, profile_data(coach, slug="vergeben", display_name="Neuer Name"))
    assert response.status_code == 200
    assert "This address is taken" in error_at(response, "slug")
    assert input_value(response, "display_name") == "Neuer Name"
    assert input_value(response, "slug") == "vergeben"
    # The workspace's link to the booking page still points at the stored address.
    assert f'href="/{coach.slug}/"' in response.content.decode()
    coach.refresh_from_db()
    assert coach.display_name != "Neuer Name"


@pytest.mark.parametrize("slug", ["admin", "coach", "feeds"])
def test_a_reserved_slug_is_an_error_at_the_slug(coach_client, coach, slug):
    response = coach_client.post(SETTINGS, profile_data(coach, slug=slug))
    assert "This address is reserved" in error_at(response, "slug")


def test_an_unknown_time_zone_is_an_error_at_the_zone(coach_client, coach):
    response = coach_client.post(SETTINGS, profile_data(coach, time_zone="Mars/Olympus_Mons"))
    assert response.status_code == 200
    assert "is not a known time zone" in error_at(response, "time_zone")
    coach.refresh_from_db()
    assert coach.time_zone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("minimum_message_length", "0"),
        ("retention_months", "0"),
        ("contact_answer_days", "0"),
        ("contact_answer_days", "91"),
        ("display_name", ""),
    ],
)
def test_bad_values_are_errors_at_their_field(coach_client, coach, field, value):
    response = coach_client.post(SETTINGS, profile_data(coach, **{field: value}))
    assert response.status_code == 200
    assert error_at(response, field)


# --- channels ---------------------------------------------------------------------


def test_channel_notes_are_prefilled_with_the_defaults_in_both_languages(coach_client, coach):
    page = text(coach_client.get(SETTINGS))
    with translation.override("de"):
        german = str(CHANNEL_PRIVACY_NOTES["email"])
    assert german != str(CHANNEL_PRIVACY_NOTES["email"])  # the catalog is there
    assert german in page
    assert "Encrypted with your OpenPGP key if you give one." in page
    # Threema's is the one true of this site: here messages only go to the log (tests/scheduler/test_phrases.py).
    assert "This site does not send Threema messages yet" in page and "End-to-end" not in page


def test_saving_the_prefilled_notes_stores_nothing(coach_client, coach):
    response = coach_client.post(CHANNELS, channels_data(coach))
    assert response.status_code == 303
    coach.refresh_from_db()
    assert coach.channel_notes == {}


def test_a_custom_note_replaces_the_default_in_its_language_only(client, coach):
    AppointmentTypeFactory(coach=coach, slug="kurz")
    client.force_login(coach.user)
    note = "Threema, weil mir Ihre Daten wichtig sind."
    response = client.post(CHANNELS, channels_data(coach, note_en_threema=f"  {note}  "))
    assert response.status_code == 303
    coach.refresh_from_db()
    assert coach.channel_notes == {"en": {"threema": note}}

    english = text(client.get(f"/{coach.slug}/"))
    assert note in english
    assert "End-to-end encrypted, no phone number needed." not in english
    assert "Encrypted with your OpenPGP key if you give one." in english
    # The booking form of a type shows the same note.
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(11))
    monday = date.today() + timedelta(days=14 - date.today().weekday())
    start = datetime.combine(monday, time(9), tzinfo=BERLIN)
    form_page = text(client.get(f"/{coach.slug}/kurz/", {"start": start.isoformat(), "tz": "Europe/Berlin"}))
    assert 'name="threema_id"' in form_page and note in form_page

    german = text(client.get(f"/{coach.slug}/", headers={"accept-language": "de"}))
    assert note not in german
    assert channel_privacy_note_default(coach=coach, channel="threema", language="de") in german

    # Emptied, the note is the default again.
    client.post(CHANNELS, channels_data(coach, note_en_threema=""))
    coach.refresh_from_db()
    assert coach.channel_notes == {}


def test_a_too_long_note_is_an_error_at_its_field(coach_client, coach):
    response = coach_client.post(CHANNELS, channels_data(coach, note_de_email="x" * 301))
    assert response.status_code == 200
    assert error_at(response, "note_de_email")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("threema_id", "ABC", "A Threema ID has exactly 8 characters"),
        ("threema_id", "abcd-123", "A Threema ID has exactly 8 characters"),
        ("whatsapp_number", "12345", "phone number"),
        ("whatsapp_number", "+49 170", "phone number"),
    ],
)
def test_bad_contact_details_are_errors_at_their_field(coach_client, coach, field, value, message):
    response = coach_client.post(CHANNELS, channels_data(coach, **{field: value}))
    assert response.status_code == 200
    assert message in error_at(response, field)
    assert input_value(response, field) == value
    coach.refresh_from_db()
    assert getattr(coach, field) == ""


def test_contact_details_are_normalised(coach_client, coach):
    response = coach_client.post(
        CHANNELS, channels_data(coach, threema_id=" echo1234 ", whatsapp_number="0170 1234567")
    )
    assert response.status_code == 303
    coach.refresh_from_db()
    assert (coach.threema_id, coach.whatsapp_number) == ("ECHO1234", "+491701234567")


def test_no_channel_at_all_is_an_error_at_the_channels(coach_client, coach):
    data = channels_data(coach)
    del data["channels"]
    response = coach_client.post(CHANNELS, data)
    assert "Offer at least one way to talk." in error_at(response, "channels")


def test_turning_off_a_channel_a_type_uses_alone_is_refused_naming_the_type(coach_client, coach):
    AppointmentTypeFactory(coach=coach, name="Nur Telefon", allowed_channels=["phone"])
    both = AppointmentTypeFactory(coach=coach, name="Beides", allowed_channels=["phone", "email"])
    response = coach_client.post(CHANNELS, channels_data(coach, channels=["email", "threema"], threema_id="ECHO1234"))
    assert response.status_code == 200
    assert "“Nur Telefon”" in error_at(response, "channels")
    assert "Beides" not in error_at(response, "channels")
    assert input_value(response, "threema_id") == "ECHO1234"
    coach.refresh_from_db()
    both.refresh_from_db()
    assert coach.channels == default_channels() and coach.threema_id == ""  # unchanged
    assert both.allowed_channels == ["phone", "email"]


def test_turning_off_a_channel_removes_it_from_the_types(client, coach):
    kind = AppointmentTypeFactory(coach=coach, slug="kurz", allowed_channels=["phone", "email", "whatsapp"])
    hidden = AppointmentTypeFactory(coach=coach, active=False, allowed_channels=["whatsapp", "email"])
    client.force_login(coach.user)
    response = client.post(CHANNELS, channels_data(coach, channels=["email", "phone"]))
    assert response.status_code == 303
    coach.refresh_from_db()
    kind.refresh_from_db()
    hidden.refresh_from_db()
    assert coach.channels == ["phone", "email"]
    assert kind.allowed_channels == ["phone", "email"]
    assert hidden.allowed_channels == ["email"]
    assert "metadata goes to Meta" not in text(client.get(f"/{coach.slug}/"))
    assert 'value="whatsapp"' not in client.get(f"/{coach.slug}/kurz/").content.decode()


# --- the coach's contact details reach only confirmed bookings --------------------


@pytest.fixture
def threema_coach():
    coach = CoachFactory(slug="anna", threema_id="ECHO1234", whatsapp_number="+491709876543")
    AppointmentTypeFactory(coach=coach, slug="kurz")
    return coach


def threema_booking(coach, status):
    return BookingFactory(
        appointment_type=coach.appointment_types.get(),
        client=ClientFactory(coach=coach, threema_id="CLNT5678"),
        start=timezone.now() + timedelta(days=5),
        channel="threema",
        status=status,
    )


def test_a_confirmed_threema_booking_shows_the_coachs_threema_id(client, threema_coach):
    page = text(client.get(f"/b/{threema_booking(threema_coach, Booking.Status.CONFIRMED).token}/"))
    assert "ECHO1234" in page and "CLNT5678" in page
    assert "+491709876543" not in page  # the WhatsApp number belongs to WhatsApp bookings only


def test_a_requested_booking_does_not_show_the_coachs_threema_id(client, threema_coach):
    page = text(client.get(f"/b/{threema_booking(threema_coach, Booking.Status.REQUESTED).token}/"))
    assert "CLNT5678" in page
    assert "ECHO1234" not in page


def test_the_public_pages_never_show_the_coachs_contact_details(client, threema_coach):
    for url in ("/anna/", "/anna/kurz/", "/api/coaches/anna/types"):
        page = text(client.get(url))
        assert "ECHO1234" not in page and "+491709876543" not in page and "1709876543" not in page


def test_a_confirmed_whatsapp_booking_shows_the_coachs_whatsapp_number(client, threema_coach):
    booking = BookingFactory(
        appointment_type=threema_coach.appointment_types.get(),
        client=ClientFactory(coach=threema_coach, whatsapp="+491701112223"),
        start=timezone.now() + timedelta(days=5),
        channel="whatsapp",
    )
    page = text(client.get(f"/b/{booking.token}/"))
    assert "+491709876543" in page and "ECHO1234" not in page


# --- feeds ------------------------------------------------------------------------


def test_rotate_makes_the_old_feed_address_a_404_and_shows_the_new_one(coach_client, coach):
    old = coach.feed_token
    assert coach_client.get(f"/feeds/{old}/calendar.ics").status_code == 200
    response = coach_client.post(reverse("coach:feed_rotate"))
    assert response.status_code == 303
    assert response["Location"] == "/coach/settings/#feeds"
    coach.refresh_from_db()
    assert coach.feed_token != old
    assert coach_client.get(f"/feeds/{old}/calendar.ics").status_code == 404
    assert coach_client.get(f"/feeds/{coach.feed_token}/calendar.ics").status_code == 200
    page = text(coach_client.get(SETTINGS))
    assert f"/feeds/{coach.feed_token}/calendar.ics" in page and old not in page
    assert "The old one no longer works." in page


def test_the_busy_feed_toggle_publishes_and_withdraws_it(coach_client, coach):
    busy_url = f"/{coach.slug}/busy.ics"
    assert coach_client.get(busy_url).status_code == 404
    assert busy_url not in text(coach_client.get(SETTINGS))

    assert coach_client.post(reverse("coach:busy_feed_set"), {"enabled": "1"}).status_code == 303
    assert coach_client.get(busy_url).status_code == 200
    assert busy_url in text(coach_client.get(SETTINGS))

    coach_client.post(reverse("coach:busy_feed_set"), {"enabled": "0"})
    assert coach_client.get(busy_url).status_code == 404
    assert Coach.objects.get(pk=coach.pk).busy_feed_enabled is False


# --- other calendars --------------------------------------------------------------


def test_add_a_calendar_and_see_its_state(coach_client, coach):
    response = coach_client.post(
        reverse("coach:calendar_add"), {"name": "Familie", "url": "https://cloud.example.org/familie.ics"}
    )
    assert response.status_code == 303 and response["Location"] == "/coach/settings/#calendars"
    calendar = ExternalCalendar.objects.get(coach=coach)
    assert (calendar.name, calendar.url, calendar.active) == ("Familie", "https://cloud.example.org/familie.ics", True)
    page = text(coach_client.get(SETTINGS))
    assert "Familie" in page and "Not imported yet." in page

    calendar.last_success_at = timezone.now() - timedelta(hours=1)
    calendar.last_attempt_at = timezone.now()
    calendar.last_error = "The calendar server answered 404."
    calendar.save()
    page = text(coach_client.get(SETTINGS))
    assert "Last success:" in page and "The calendar server answered 404." in page


@pytest.mark.parametrize("url", ["ftp://example.org/cal.ics", "not an address", "javascript:alert(1)"])
def test_a_bad_calendar_address_is_an_error_at_the_address(coach_client, coach, url):
    response = coach_client.post(reverse("coach:calendar_add"), {"name": "Kaputt", "url": url})
    assert response.status_code == 200
    assert "http" in error_at(response, "url")
    assert input_value(response, "url") == url
    assert input_value(response, "name") == "Kaputt"
    assert not ExternalCalendar.objects.exists()


def test_stop_importing_frees_its_busy_times_and_delete_removes_it(coach_client, coach):
    calendar = ExternalCalendar.objects.create(
        coach=coach, name="Familie", url="https://example.org/f.ics", etag='"v1"', parsed_at=timezone.now()
    )
    start = timezone.now() + timedelta(days=1)
    ExternalBusy.objects.create(coach=coach, calendar=calendar, start=start, end=start + timedelta(hours=1))

    response = coach_client.post(reverse("coach:calendar_active", args=[calendar.pk]), {"active": "0"})
    assert response.status_code == 303
    calendar.refresh_from_db()
    assert not calendar.active and calendar.etag == "" and calendar.parsed_at is None
    assert not ExternalBusy.objects.exists()
    assert "not imported" in text(coach_client.get(SETTINGS))

    coach_client.post(reverse("coach:calendar_active", args=[calendar.pk]), {"active": "1"})
    calendar.refresh_from_db()
    assert calendar.active

    assert coach_client.post(reverse("coach:calendar_delete", args=[calendar.pk])).status_code == 303
    assert not ExternalCalendar.objects.exists()
    assert "“Familie” is removed." in text(coach_client.get(SETTINGS))


# --- the coach's own OpenPGP key -----------------------------------------------------

KEY = "/coach/settings/key/"


def grouped(fingerprint: str) -> str:
    return " ".join(fingerprint[i : i + 4] for i in range(0, 40, 4))


def test_the_coach_stores_their_key_and_sees_its_fingerprint_and_expiry(coach_client, coach, openpgp_keys):
    assert 'action="/coach/settings/key/"' in text(coach_client.get(SETTINGS))
    response = coach_client.post(KEY, {"pgp_public_key": "\n" + openpgp_keys["valid"] + "\n"})
    assert response.status_code == 303 and response["Location"].endswith("#key")
    coach.refresh_from_db()
    assert coach.pgp_public_key == openpgp_keys["valid"].strip()
    page = text(coach_client.get(SETTINGS))
    fingerprint = next(
        line.split(":")[9]
        for line in _gpg_colons(openpgp_keys, "valid@example.org").splitlines()
        if line.startswith("fpr:")
    )
    assert grouped(fingerprint) in page
    assert "Valid Client <valid@example.org>" in page and "it does not expire" in page
    assert "Remove the key" in page and "Replace the key" in page


def _gpg_colons(openpgp_keys, uid):
    return gpg(openpgp_keys["home"], "--list-keys", "--with-colons", uid).decode()


def test_a_key_that_ends_shows_when(coach_client, coach, openpgp_keys):
    """A key whose encryption subkey expires: the page says until when it can encrypt."""
    coach.pgp_public_key = openpgp_keys["subkey_expired"]
    coach.save()
    with time_machine.travel(datetime(2020, 3, 1, tzinfo=ZoneInfo("UTC"))):
        page = text(coach_client.get(SETTINGS))
    assert "Can encrypt until" in page and 'datetime="2020-06-01' in page


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("subkey_expired", "encryption subkey expired on 2020-06-01"),
        ("subkey_revoked", "encryption subkey has been revoked"),
        ("expired", "expired on 2020-06-01"),
        ("sign_only", "cannot be used for encryption"),
    ],
)
def test_a_key_that_cannot_encrypt_is_refused_at_its_field(coach_client, coach, openpgp_keys, which, message):
    response = coach_client.post(KEY, {"pgp_public_key": openpgp_keys[which]})
    assert response.status_code == 200
    assert message in error_at(response, "pgp_public_key")
    coach.refresh_from_db()
    assert coach.pgp_public_key == ""


def test_an_empty_key_is_an_error_not_a_removal(coach_client, coach, openpgp_keys):
    coach.pgp_public_key = openpgp_keys["valid"]
    coach.save()
    response = coach_client.post(KEY, {"pgp_public_key": "  "})
    assert "Paste your public key here." in error_at(response, "pgp_public_key")
    coach.refresh_from_db()
    assert coach.pgp_public_key == openpgp_keys["valid"]


def test_the_coach_removes_their_key(coach_client, coach, openpgp_keys):
    coach.pgp_public_key = openpgp_keys["valid"]
    coach.save()
    response = coach_client.post("/coach/settings/key/remove/")
    assert response.status_code == 303
    coach.refresh_from_db()
    assert coach.pgp_public_key == ""
    assert "Remove the key" not in text(coach_client.get(SETTINGS))


def test_a_stored_key_that_stopped_working_says_why(coach_client, coach, openpgp_keys):
    """Checked when stored, a key can expire later: the page says so instead of a fingerprint."""
    coach.pgp_public_key = openpgp_keys["subkey_expired"]
    coach.save()
    page = text(coach_client.get(SETTINGS))
    assert "Your stored key cannot be used any more" in page and "expired on 2020-06-01" in page


# --- the CalDAV calendar -----------------------------------------------------------

CALDAV = "/coach/settings/calendars/caldav/"


def caldav_data(radicale, **overrides) -> dict:
    data = {"url": radicale.calendar_url, "username": radicale.username, "password": radicale.password, "name": ""}
    data.update(overrides)
    return {f"caldav-{name}": value for name, value in data.items()}


def test_connect_a_caldav_calendar_and_see_its_state(coach_client, coach, radicale):
    response = coach_client.post(CALDAV, caldav_data(radicale))

    assert response.status_code == 303 and response["Location"] == "/coach/settings/#calendars"
    calendar = ExternalCalendar.objects.get(coach=coach)
    assert calendar.kind == ExternalCalendar.Kind.CALDAV and calendar.name == "Sprechzeit test"
    assert radicale.password not in calendar.password_encrypted
    response = coach_client.get(SETTINGS)
    page = text(response)
    assert "“Sprechzeit test” is connected: your bookings are written to it" in page
    assert radicale.calendar_url in page and radicale.username in page
    assert radicale.password not in page
    assert "Change the address or the password …" in page
    # Connecting again starts from the address and user name, never the password.
    assert input_value(response, "caldav-url") == radicale.calendar_url
    assert input_value(response, "caldav-username") == radicale.username
    assert input_value(response, "caldav-password") is None  # an empty password field


def test_a_wrong_password_is_shown_at_the_form_and_nothing_is_stored(coach_client, coach, radicale):
    response = coach_client.post(CALDAV, caldav_data(radicale, password="wrong-typed-secret", name="Praxis"))

    assert response.status_code == 200
    page = text(response)
    assert "The calendar refused the user name or password." in page
    assert "What you typed is kept, except the password: please enter it again." in page
    assert "wrong-typed-secret" not in page  # never put back into the page
    assert input_value(response, "caldav-url") == radicale.calendar_url
    assert input_value(response, "caldav-username") == radicale.username
    assert input_value(response, "caldav-name") == "Praxis"
    assert not ExternalCalendar.objects.exists()


def test_missing_fields_of_the_caldav_form_are_errors_at_them(coach_client, coach):
    response = coach_client.post(CALDAV, {"caldav-url": "ftp://example.org/", "caldav-password": "typed-secret"})

    assert response.status_code == 200
    assert "http" in error_at(response, "caldav-url")
    assert error_at(response, "caldav-username")
    assert "Please check the marked fields. What you typed is kept, except the password" in text(response)
    assert "typed-secret" not in text(response)
    assert not ExternalCalendar.objects.exists()


def test_a_password_refused_later_is_shown_on_the_settings_page_and_the_dashboard(coach_client, coach, radicale):
    coach.language = "en"  # the import writes its problems in the coach's language
    coach.save()
    coach_client.post(CALDAV, caldav_data(radicale))
    calendar = ExternalCalendar.objects.get()
    (radicale.folder / "htpasswd").write_text(f"{radicale.username}:changed-on-the-server\n")

    response = coach_client.post(reverse("coach:calendar_sync", args=[calendar.pk]))

    assert response.status_code == 303
    page = text(coach_client.get(SETTINGS))
    assert "“Sprechzeit test” could not be read: The calendar refused the user name or password." in page
    assert "Problem at" in page
    dashboard = text(coach_client.get(reverse("coach:dashboard")))
    assert "Sprechzeit test" in dashboard and "The calendar refused the user name or password." in dashboard


def test_read_now_reads_the_busy_times(coach_client, coach, radicale):
    AppointmentTypeFactory(coach=coach, horizon=timedelta(days=28))
    coach_client.post(CALDAV, caldav_data(radicale))
    calendar = ExternalCalendar.objects.get()
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    event = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:a@test\r\n"
        f"DTSTAMP:20260301T000000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDURATION:PT1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    httpx.put(f"{radicale.calendar_url}a.ics", content=event, auth=radicale.auth, timeout=10).raise_for_status()

    coach_client.post(reverse("coach:calendar_sync", args=[calendar.pk]))

    assert calendar.busy.get().start == start
    assert "“Sprechzeit test” is read: 1 busy time." in text(coach_client.get(SETTINGS))


def test_disconnect_forgets_the_calendar(coach_client, coach, radicale):
    coach_client.post(CALDAV, caldav_data(radicale))
    calendar = ExternalCalendar.objects.get()

    response = coach_client.post(reverse("coach:calendar_delete", args=[calendar.pk]))

    assert response.status_code == 303
    assert not ExternalCalendar.objects.exists()
    page = text(coach_client.get(SETTINGS))
    assert "“Sprechzeit test” is disconnected." in page
    assert "Connect a CalDAV calendar" in page


def test_another_coachs_caldav_calendar_is_404(coach_client):
    other = ExternalCalendar.objects.create(
        coach=CoachFactory(), kind="caldav", name="Fremd", url="https://dav.example.org/fremd/", username="fremd"
    )
    assert coach_client.post(reverse("coach:calendar_sync", args=[other.pk])).status_code == 404
    assert coach_client.post(reverse("coach:calendar_delete", args=[other.pk])).status_code == 404
    assert ExternalCalendar.objects.filter(pk=other.pk).exists()
    assert "Fremd" not in text(coach_client.get(SETTINGS))


def test_the_caldav_calendar_is_not_switched_off_like_an_ics_address(coach_client, coach):
    calendar = ExternalCalendar.objects.create(
        coach=coach, kind="caldav", name="Praxis", url="https://dav.example.org/p/"
    )

    assert coach_client.post(reverse("coach:calendar_active", args=[calendar.pk]), {"active": "0"}).status_code == 404
    calendar.refresh_from_db()
    assert calendar.active


def test_without_an_encryption_key_in_production_the_coach_is_told_instead_of_a_form(coach_client, settings):
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEY = []

    response = coach_client.get(SETTINGS)

    page = text(response)
    assert "the encryption of stored passwords is not set up" in page
    assert 'name="caldav-password"' not in page


def test_read_now_imports_a_calendar_by_address_too(coach_client, coach, httpserver, settings):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = True
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    feed = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:f@test\r\n"
        f"DTSTAMP:20260301T000000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDURATION:PT1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    httpserver.expect_request("/f.ics").respond_with_data(feed, content_type="text/calendar")
    calendar = ExternalCalendar.objects.create(coach=coach, name="Familie", url=httpserver.url_for("/f.ics"))

    coach_client.post(reverse("coach:calendar_sync", args=[calendar.pk]))

    assert calendar.busy.get().start == start
    assert "“Familie” is read: 1 busy time." in text(coach_client.get(SETTINGS))


def test_the_servers_address_lets_the_coach_choose_among_its_calendars(coach_client, coach, radicale):
    response = coach_client.post(CALDAV, caldav_data(radicale, url=radicale.url + "/"))

    assert response.status_code == 200
    assert not ExternalCalendar.objects.exists()
    page = text(response)
    assert re.search(r"There are \d+ calendars at this address: choose one.", page)
    assert f'value="{radicale.calendar_url}"' in page and f"Sprechzeit test ({radicale.calendar_url})" in page
    assert radicale.password not in page

    data = caldav_data(radicale, url=radicale.url + "/", calendar=radicale.calendar_url)
    assert coach_client.post(CALDAV, data).status_code == 303
    assert ExternalCalendar.objects.get(coach=coach).url == radicale.calendar_url
