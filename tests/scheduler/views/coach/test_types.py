"""The coach's appointment types in the workspace: /coach/types/."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduler.models import AppointmentType
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, UserFactory
from tests.scheduler.pages import error_at, input_value, text, type_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]


def checked_values(response, name: str) -> set[str]:
    page = response.content.decode()
    return set(re.findall(rf'<input type="checkbox" name="{name}" value="([^"]*)"[^>]*checked', page))


# --- permissions ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", ["coach:types", "coach:type_create"])
def test_anonymous_visitors_are_sent_to_the_login(client, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_visitors_cannot_touch_a_type(client):
    kind = AppointmentTypeFactory(slug="kurz")
    for name in ("coach:type_edit", "coach:type_active", "coach:type_move"):
        response = client.post(reverse(name, args=[kind.slug]), {"active": "0", "direction": "up"})
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    kind.refresh_from_db()
    assert kind.active


def test_a_user_who_is_no_coach_gets_404(client):
    client.force_login(UserFactory())
    assert client.get(reverse("coach:types")).status_code == 404
    assert client.get(reverse("coach:type_create")).status_code == 404


def test_another_coachs_type_is_404(coach_client):
    other = AppointmentTypeFactory(coach=CoachFactory(), slug="fremd", name="Fremd")
    AppointmentTypeFactory(coach=other.coach, slug="zweiter")
    assert coach_client.get(reverse("coach:type_edit", args=["fremd"])).status_code == 404
    assert coach_client.post(reverse("coach:type_edit", args=["fremd"]), type_data()).status_code == 404
    assert coach_client.post(reverse("coach:type_active", args=["fremd"]), {"active": "0"}).status_code == 404
    assert coach_client.post(reverse("coach:type_move", args=["fremd"]), {"direction": "down"}).status_code == 404
    other.refresh_from_db()
    assert other.active and other.name == "Fremd" and other.order == 0
    assert "Fremd" not in text(coach_client.get(reverse("coach:types")))


def test_actions_need_post(coach_client, coach):
    AppointmentTypeFactory(coach=coach, slug="kurz")
    assert coach_client.get(reverse("coach:type_active", args=["kurz"])).status_code == 405
    assert coach_client.get(reverse("coach:type_move", args=["kurz"])).status_code == 405


# --- list -------------------------------------------------------------------------


def test_list_shows_active_and_inactive_types_with_links(coach_client, coach):
    AppointmentTypeFactory(coach=coach, slug="kurz", name="Kurz", order=0)
    AppointmentTypeFactory(coach=coach, slug="alt", name="Alt", active=False, order=1)
    response = coach_client.get(reverse("coach:types"))
    assert response.status_code == 200
    page = text(response)
    assert 'href="/coach/types/kurz/"' in page and 'href="/coach/types/alt/"' in page
    assert page.index("Kurz") < page.index("Alt")
    assert "inactive" in page and "Deactivate" in page and "Activate" in page
    assert 'aria-current="page"' in page and 'href="/coach/types/"' in page


# --- create -----------------------------------------------------------------------


def test_create_makes_the_slug_from_the_name_and_stores_human_units(coach_client, coach):
    AppointmentTypeFactory(coach=coach, slug="vorher", order=4)
    response = coach_client.post(reverse("coach:type_create"), type_data())
    assert response.status_code == 303
    assert response["Location"] == reverse("coach:types")
    created = AppointmentType.objects.get(coach=coach, name="Erstgespräch")
    assert created.slug == "erstgesprach"
    assert created.duration == timedelta(minutes=45)
    assert created.slot_step == timedelta(minutes=15)
    assert (created.buffer_before, created.buffer_after) == (timedelta(minutes=5), timedelta(minutes=10))
    assert created.minimum_notice == timedelta(hours=24)
    assert created.horizon == timedelta(days=90)
    assert (created.daily_cap, created.weekly_cap) == (3, 10)
    assert created.approval == "new_clients"
    assert created.allowed_channels == ["email", "threema"]
    assert created.reminders == [1440, 60]
    assert (created.name_en, created.description_en) == ("First talk", "We get to know each other.")
    assert created.answer_lead == timedelta(hours=12)
    assert created.order == 5 and created.active
    assert "“Erstgespräch” is saved." in text(coach_client.get(reverse("coach:types")))


def test_the_new_type_form_starts_with_the_defaults(coach_client, coach):
    response = coach_client.get(reverse("coach:type_create"))
    assert response.status_code == 200
    assert input_value(response, "minimum_notice") == "2"
    assert input_value(response, "horizon") == "180"
    assert input_value(response, "answer_lead") == "12"
    assert input_value(response, "name_en") is None  # empty, and optional
    # A coach's default ways to talk: all but meeting in person, which needs an address.
    assert checked_values(response, "allowed_channels") == {"phone", "video", "email", "threema", "whatsapp"}
    assert checked_values(response, "reminders") == {"1440", "60"}
    assert "1 week before" in text(response) and "15 minutes before" in text(response)


def test_duplicate_slug_is_an_error_at_the_slug_and_keeps_what_was_typed(coach_client, coach):
    AppointmentTypeFactory(coach=coach, slug="erstgesprach")
    AppointmentTypeFactory(slug="frei")  # another coach's slug is no obstacle
    response = coach_client.post(reverse("coach:type_create"), type_data(description="Mein Text", duration="50"))
    assert response.status_code == 200
    assert "You already have a type with this address" in error_at(response, "slug")
    assert input_value(response, "duration") == "50"
    assert "Mein Text" in text(response)
    assert checked_values(response, "allowed_channels") == {"email", "threema"}
    response = coach_client.post(reverse("coach:type_create"), type_data(slug="frei"))
    assert response.status_code == 303


@pytest.mark.parametrize("slug", ["new", "admin", "Busy.ics", "mit leerzeichen"])
def test_reserved_or_malformed_slug_is_an_error_at_the_slug(coach_client, coach, slug):
    response = coach_client.post(reverse("coach:type_create"), type_data(slug=slug))
    assert response.status_code == 200
    assert error_at(response, "slug")
    assert not AppointmentType.objects.filter(coach=coach).exists()


def test_a_name_without_letters_needs_a_slug(coach_client, coach):
    response = coach_client.post(reverse("coach:type_create"), type_data(name="!!!"))
    assert "Give an address made of letters, digits and hyphens" in error_at(response, "slug")


def test_weekly_cap_below_daily_cap_is_an_error_at_the_weekly_cap(coach_client, coach):
    response = coach_client.post(reverse("coach:type_create"), type_data(daily_cap="4", weekly_cap="2"))
    assert response.status_code == 200
    assert "The weekly limit cannot be lower than the daily limit." in error_at(response, "weekly_cap")
    assert input_value(response, "weekly_cap") == "2"


def test_no_channel_is_an_error_at_the_channels(coach_client, coach):
    response = coach_client.post(reverse("coach:type_create"), type_data(allowed_channels=None))
    assert "Choose at least one way to talk." in error_at(response, "allowed_channels")


def test_only_the_coachs_own_channels_are_offered(coach_client, coach):
    coach.channels = ["email", "phone"]
    coach.save()
    response = coach_client.get(reverse("coach:type_create"))
    assert 'value="threema"' not in response.content.decode()
    assert "You call the client" in text(response)
    response = coach_client.post(reverse("coach:type_create"), type_data(allowed_channels=["email", "threema"]))
    assert response.status_code == 200
    assert error_at(response, "allowed_channels")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration", "0"),
        ("duration", "zehn"),
        ("horizon", "0"),
        ("slot_step", ""),
        ("daily_cap", "0"),
        ("answer_lead", "-1"),
        ("answer_lead", ""),
        ("answer_lead", str(30 * 24 + 1)),
    ],
)
def test_bad_numbers_are_errors_at_their_field(coach_client, coach, field, value):
    response = coach_client.post(reverse("coach:type_create"), type_data(**{field: value}))
    assert response.status_code == 200
    assert error_at(response, field)
    assert input_value(response, field) in (value, None)  # an empty input has no value attribute


# --- edit, activate, reorder ------------------------------------------------------


def test_edit_shows_human_units_and_saves_changes(coach_client, coach):
    kind = AppointmentTypeFactory(
        coach=coach,
        slug="kurz",
        name="Kurz",
        duration=timedelta(minutes=30),
        minimum_notice=timedelta(hours=48),
        horizon=timedelta(days=60),
        reminders=[90],
    )
    response = coach_client.get(reverse("coach:type_edit", args=["kurz"]))
    assert response.status_code == 200
    assert input_value(response, "duration") == "30"
    assert input_value(response, "minimum_notice") == "48"
    assert input_value(response, "horizon") == "60"
    assert input_value(response, "slug") == "kurz"
    # A reminder set elsewhere stays a ticked choice, so saving the form keeps it.
    assert checked_values(response, "reminders") == {"90"}
    assert "1 hour before" in text(response) and "90 minutes before" in text(response)

    response = coach_client.post(
        reverse("coach:type_edit", args=["kurz"]),
        type_data(name="Kurz und gut", slug="kurz-und-gut", reminders=["90", "15"], daily_cap="", weekly_cap=""),
    )
    assert response.status_code == 303
    kind.refresh_from_db()
    assert (kind.name, kind.slug) == ("Kurz und gut", "kurz-und-gut")
    assert kind.reminders == [90, 15]
    assert kind.daily_cap is None and kind.weekly_cap is None
    assert coach_client.get(reverse("coach:type_edit", args=["kurz"])).status_code == 404


def test_edit_may_keep_its_own_slug_but_not_take_another(coach_client, coach):
    AppointmentTypeFactory(coach=coach, slug="kurz", name="Kurz")
    AppointmentTypeFactory(coach=coach, slug="lang", name="Lang")
    url = reverse("coach:type_edit", args=["kurz"])
    assert coach_client.post(url, type_data(name="Kurz", slug="kurz")).status_code == 303
    response = coach_client.post(url, type_data(name="Kurz", slug="lang"))
    assert "You already have a type with this address" in error_at(response, "slug")
    # The page still names the type as it is stored.
    assert "<h1>Kurz</h1>" in response.content.decode()


def test_deactivate_hides_the_type_from_clients_and_activate_brings_it_back(client, coach):
    AppointmentTypeFactory(coach=coach, slug="kurz", name="Kurz")
    client.force_login(coach.user)
    response = client.post(reverse("coach:type_active", args=["kurz"]), {"active": "0"}, follow=True)
    assert response.redirect_chain == [(reverse("coach:types"), 303)]
    assert "“Kurz” is no longer offered" in text(response)
    assert "Kurz" not in text(client.get(f"/{coach.slug}/"))
    assert client.get(f"/{coach.slug}/kurz/").status_code == 404
    client.post(reverse("coach:type_active", args=["kurz"]), {"active": "1"})
    assert f'href="/{coach.slug}/kurz/"' in text(client.get(f"/{coach.slug}/"))


def test_reorder_changes_the_order_on_the_public_page(client, coach):
    # Made elsewhere with equal numbers: the name decides until the coach moves one.
    for slug, name in [("a", "Alpha"), ("b", "Beta"), ("c", "Gamma")]:
        AppointmentTypeFactory(coach=coach, slug=slug, name=name, order=0)
    client.force_login(coach.user)

    def public_order():
        page = text(client.get(f"/{coach.slug}/"))
        return sorted(["Alpha", "Beta", "Gamma"], key=page.index)

    assert public_order() == ["Alpha", "Beta", "Gamma"]
    response = client.post(reverse("coach:type_move", args=["c"]), {"direction": "up"})
    assert response.status_code == 303 and response["Location"].endswith("#type-c")
    assert public_order() == ["Alpha", "Gamma", "Beta"]
    client.post(reverse("coach:type_move", args=["a"]), {"direction": "down"})
    assert public_order() == ["Gamma", "Alpha", "Beta"]
    # The first cannot move further up.
    client.post(reverse("coach:type_move", args=["c"]), {"direction": "up"})
    assert public_order() == ["Gamma", "Alpha", "Beta"]
    assert list(AppointmentType.objects.filter(coach=coach).values_list("slug", "order")) == [
        ("c", 0),
        ("a", 1),
        ("b", 2),
    ]


# --- the type's words in German and English ---------------------------------------


def test_name_and_description_are_edited_in_german_and_english(coach_client, coach):
    AppointmentTypeFactory(
        coach=coach,
        slug="kurz",
        name="Kurzgespräch",
        name_en="Short talk",
        description="Eine Viertelstunde.",
        description_en="A quarter of an hour.",
        answer_lead=timedelta(hours=36),
    )
    response = coach_client.get(reverse("coach:type_edit", args=["kurz"]))
    page = text(response)
    assert input_value(response, "name") == "Kurzgespräch"
    assert input_value(response, "name_en") == "Short talk"
    assert re.search(r">\s*A quarter of an hour.</textarea>", page)
    assert input_value(response, "answer_lead") == "36"
    assert "German (also shown when there is no English)" in page and "English" in page
    assert "first reply window that ends at least this long before the appointment" in page
    assert re.search(r'<input type="text" name="name_en"[^>]* lang="en"', page)

    response = coach_client.post(
        reverse("coach:type_edit", args=["kurz"]),
        type_data(name="Kurzgespräch", slug="kurz", name_en="", description_en="", answer_lead="0"),
    )
    assert response.status_code == 303
    kind = AppointmentType.objects.get(coach=coach, slug="kurz")
    assert (kind.name_en, kind.description_en, kind.answer_lead) == ("", "", timedelta(0))


@pytest.fixture
def bilingual(coach):
    return AppointmentTypeFactory(
        coach=coach,
        slug="erst",
        name="Erstgespräch",
        name_en="First talk",
        description="Wir lernen uns kennen.",
        description_en="We get to know each other.",
    )


def test_an_english_visitor_reads_the_types_english_name_and_description(client, bilingual):
    page = text(client.get(f"/{bilingual.coach.slug}/erst/", headers={"accept-language": "en"}))
    assert "<h1>First talk</h1>" in page and "<title>First talk ·" in page
    assert "We get to know each other." in page
    assert "Erstgespräch" not in page and "Wir lernen uns kennen." not in page


def test_a_german_visitor_reads_the_types_german_name_and_description(client, bilingual):
    page = text(client.get(f"/{bilingual.coach.slug}/erst/", headers={"accept-language": "de"}))
    assert "<h1>Erstgespräch</h1>" in page and "<title>Erstgespräch ·" in page
    assert "Wir lernen uns kennen." in page
    assert "First talk" not in page and "We get to know each other." not in page


def test_without_english_words_an_english_visitor_reads_the_german(client, coach):
    AppointmentTypeFactory(coach=coach, slug="nur", name="Nur Deutsch", description="Nur auf Deutsch beschrieben.")
    page = text(client.get(f"/{coach.slug}/nur/", headers={"accept-language": "en"}))
    assert "<h1>Nur Deutsch</h1>" in page and "Nur auf Deutsch beschrieben." in page


def test_the_clients_own_pages_name_the_type_in_the_clients_language(client, bilingual):
    booking = BookingFactory(appointment_type=bilingual, start=timezone.now() + timedelta(days=20), language="en")
    english = text(client.get(f"/b/{booking.token}/reschedule/", headers={"accept-language": "de"}))
    assert f"First talk with {bilingual.coach.display_name}" in english and "Erstgespräch" not in english
    booking.language = "de"
    booking.save()
    german = text(client.get(f"/b/{booking.token}/reschedule/", headers={"accept-language": "en"}))
    assert "Erstgespräch" in german and "First talk" not in german


# --- where the conversation happens: the address for meeting in person -------------------


@pytest.fixture
def meets_in_person(coach):
    coach.channels = ["phone", "video", "in_person", "email", "threema"]
    coach.save()
    return coach


def test_the_types_form_offers_video_and_in_person_in_the_coachs_words(coach_client, meets_in_person):
    page = text(coach_client.get(reverse("coach:type_create")))
    assert 'value="video"' in page and 'value="in_person"' in page
    assert "Video call (Jitsi Meet)" in page and "In person, at the type's address" in page
    assert 'name="location"' in page and "Address for meeting in person" in page


def test_in_person_needs_the_address_and_keeps_what_was_typed(coach_client, meets_in_person):
    response = coach_client.post(reverse("coach:type_create"), type_data(allowed_channels=["in_person", "video"]))
    assert response.status_code == 200
    assert "Give the address where you meet clients in person." in error_at(response, "location")
    assert checked_values(response, "allowed_channels") == {"in_person", "video"}
    assert not AppointmentType.objects.filter(coach=meets_in_person).exists()

    data = type_data(allowed_channels=["in_person", "video"], location=" Musterstraße 1, 10115 Berlin ")
    assert coach_client.post(reverse("coach:type_create"), data).status_code == 303
    created = AppointmentType.objects.get(coach=meets_in_person)
    assert set(created.allowed_channels) == {"video", "in_person"}
    assert created.location == "Musterstraße 1, 10115 Berlin"
    response = coach_client.get(reverse("coach:type_edit", args=[created.slug]))
    assert input_value(response, "location") == "Musterstraße 1, 10115 Berlin"


def test_a_coach_who_meets_nobody_in_person_is_not_asked_for_an_address(coach_client, coach):
    coach.channels = ["phone", "video", "email"]
    coach.save()
    assert 'name="location"' not in text(coach_client.get(reverse("coach:type_create")))
    assert coach_client.post(reverse("coach:type_create"), type_data(allowed_channels=["video"])).status_code == 303
    assert AppointmentType.objects.get(coach=coach).location == ""


def test_an_address_given_before_stays_editable_when_in_person_is_no_longer_offered(coach_client, coach):
    kind = AppointmentTypeFactory(coach=coach, slug="kurz", allowed_channels=["email"], location="Hauptstraße 5, Wien")
    coach.channels = ["email", "threema"]
    coach.save()
    response = coach_client.get(reverse("coach:type_edit", args=["kurz"]))
    assert input_value(response, "location") == "Hauptstraße 5, Wien"
    data = type_data(allowed_channels=["email"], location="")
    assert coach_client.post(reverse("coach:type_edit", args=["kurz"]), data).status_code == 303
    kind.refresh_from_db()
    assert kind.location == ""
