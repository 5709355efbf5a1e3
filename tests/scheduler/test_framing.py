"""Which pages another website may frame (scheduler/framing.py), and the framed booking:
anonymous, its POST checked by a signed form token instead of the CSRF cookie, ending on a
confirmation inside the coach's public path."""

import re
from datetime import datetime, timedelta

import pytest
from django.core import signing
from django.test import Client

from scheduler import framing
from scheduler.models import Booking
from tests.scheduler.pages import form_data, input_value, text
from tests.security.conftest import world  # noqa: F401 (the security tests' world: every page)
from tests.security.pages import FRAMEABLE, PAGES, offered_start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]


def frame_ancestors(response) -> str:
    match = re.search(r"frame-ancestors ([^;]+)", response.get("Content-Security-Policy", ""))
    return match.group(1).strip() if match else ""


def get_page(client, world, name):  # noqa: F811
    who, address = PAGES[name]
    user = {None: None, "anna": world.anna.user, "kim": world.kim.user, "staff": world.staff}[who]
    if user is not None:
        client.force_login(user)
    return client.get(address(world))


# --- the headers, page by page ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FRAMEABLE))
def test_the_public_pages_may_be_framed_by_any_website(client, world, name):  # noqa: F811
    response = get_page(client, world, name)
    assert response.status_code == 200
    assert frame_ancestors(response) == "*"
    assert "X-Frame-Options" not in response


@pytest.mark.parametrize("name", sorted(FRAMEABLE))
def test_only_the_coachs_listed_websites_may_frame_them(client, world, name):  # noqa: F811
    world.anna.coach.embed_origins = "https://www.anna.example\nhttp://localhost:8080"
    world.anna.coach.save()
    response = get_page(client, world, name)
    assert frame_ancestors(response) == "https://www.anna.example http://localhost:8080"
    assert "X-Frame-Options" not in response


def test_another_coachs_list_does_not_limit_anna(client, world):  # noqa: F811
    world.ben.coach.embed_origins = "https://www.ben.example"
    world.ben.coach.save()
    assert frame_ancestors(client.get(f"/{world.anna.coach.slug}/")) == "*"
    assert frame_ancestors(client.get(f"/{world.ben.coach.slug}/")) == "https://www.ben.example"


@pytest.mark.parametrize("name", sorted(set(PAGES) - FRAMEABLE))
def test_every_other_page_refuses_frames(client, world, name):  # noqa: F811
    response = get_page(client, world, name)
    assert response["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == "'none'"


@pytest.mark.parametrize("address", ["/b/{token}/", "/embed.js", "/healthz", "/no-such-coach/", "/api/docs"])
def test_the_booking_page_and_the_rest_refuse_frames_even_with_the_marker(client, world, address):  # noqa: F811
    response = client.get(address.format(token=world.kim.booking.token) + "?embed=1")
    assert response["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == "'none'"


# --- embed mode ---------------------------------------------------------------------------------


def type_address(world, **params) -> str:  # noqa: F811
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/{world.anna.coach.slug}/{world.anna.appointment_type.slug}/" + (f"?{query}" if query else "")


def framed_form(world, client=None):  # noqa: F811
    """The framed type page with the form, as a browser in the frame gets it (no cookies)."""
    start = offered_start(world)
    response = (client or Client()).get(
        type_address(world, start=start.replace("+", "%2B"), tz="Europe/Berlin", embed=1)
    )
    assert response.status_code == 200
    return response, start


def test_a_framed_page_has_the_marker_the_token_and_no_site_header(world):  # noqa: F811
    response, _start = framed_form(world)
    page = response.content.decode()
    assert input_value(response, "embed") == "1"
    assert input_value(response, "embed_token")
    assert 'class="site-header"' not in page  # its language switch needs our cookie
    assert "/static/js/frame_height.js" in page


def test_an_unframed_page_has_neither(client, world):  # noqa: F811
    response = client.get(type_address(world, start=offered_start(world).replace("+", "%2B"), tz="Europe/Berlin"))
    page = response.content.decode()
    assert 'name="embed_token"' not in page
    assert "frame_height.js" not in page
    assert 'class="site-header"' in page


def test_the_browser_saying_it_loads_a_frame_is_embed_mode_too(world):  # noqa: F811
    response = Client().get(type_address(world), HTTP_SEC_FETCH_DEST="iframe")
    assert "/static/js/frame_height.js" in response.content.decode()


def test_a_framed_page_ignores_who_is_signed_in(world):  # noqa: F811
    client = Client()
    client.force_login(world.kim.user)
    signed_in, _start = framed_form(world, client)
    assert input_value(signed_in, "email") in (None, "")
    unframed = client.get(type_address(world, start=offered_start(world).replace("+", "%2B"), tz="Europe/Berlin"))
    assert input_value(unframed, "email") == world.kim.user.email  # the normal page fills it in


def test_the_language_comes_from_the_lang_marker(world):  # noqa: F811
    german = Client().get(type_address(world, embed=1, lang="de"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="de">' in german.content.decode()
    english = Client().get(type_address(world, embed=1, lang="en"), HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="en">' in english.content.decode()
    without = Client().get(type_address(world, embed=1), HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="de">' in without.content.decode()  # the browser's language, as without a frame


def embed_post(world, token, start, **changes):  # noqa: F811
    """The framed form sent without any cookie, Django's CSRF check on (as in a browser)."""
    strict = Client(enforce_csrf_checks=True)
    data = form_data(datetime.fromisoformat(start), channel="email", embed="1", embed_token=token, **changes)
    return strict.post(type_address(world), data)


def test_a_framed_booking_needs_no_cookie_and_ends_on_a_framed_confirmation(world):  # noqa: F811
    page, start = framed_form(world)
    response = embed_post(world, input_value(page, "embed_token"), start)
    assert response.status_code == 303, text(response)[:2000]
    booked = f"/{world.anna.coach.slug}/{world.anna.appointment_type.slug}/booked/?ref="
    assert response["Location"].startswith(booked)
    assert "embed=1" in response["Location"]
    booking = Booking.objects.get(client__email="erika@example.org")

    confirmation = Client().get(response["Location"])
    assert confirmation.status_code == 200
    assert frame_ancestors(confirmation) == "*"
    assert "X-Frame-Options" not in confirmation
    assert booking.get_status_display() in text(confirmation)
    # The booking's own page opens in a new tab: it refuses frames.
    assert re.search(rf'href="[^"]*/b/{booking.token}/" target="_blank"', confirmation.content.decode())


def test_the_language_stays_through_the_post_and_its_redirect(world):  # noqa: F811
    page, start = framed_form(world)
    response = embed_post(world, input_value(page, "embed_token"), start, lang="de")
    assert response.status_code == 303
    assert "lang=de" in response["Location"]
    confirmation = Client().get(response["Location"])
    assert '<html lang="de">' in confirmation.content.decode()
    assert 'data-keep="embed=1&amp;lang=de"' in confirmation.content.decode()  # for frame_height.js


def test_a_forged_token_is_refused(world):  # noqa: F811
    _page, start = framed_form(world)
    response = embed_post(world, "forged", start)
    assert response.status_code == 403
    assert str(framing.FORM_INVALID) in text(response)
    assert not Booking.objects.filter(client__email="erika@example.org").exists()


def test_a_token_for_another_type_is_refused(world):  # noqa: F811
    _page, start = framed_form(world)
    response = embed_post(world, framing.form_token(world.anna.coach.slug, "other-type"), start)
    assert response.status_code == 403
    assert not Booking.objects.filter(client__email="erika@example.org").exists()


def test_an_expired_token_is_refused_with_a_reason(world, monkeypatch):  # noqa: F811
    page, start = framed_form(world)
    monkeypatch.setattr(framing, "FORM_TOKEN_MAX_AGE", -1)
    response = embed_post(world, input_value(page, "embed_token"), start)
    assert response.status_code == 403
    assert str(framing.FORM_EXPIRED) in text(response)
    assert not Booking.objects.filter(client__email="erika@example.org").exists()


def test_without_the_marker_the_csrf_check_stays(world):  # noqa: F811
    page, start = framed_form(world)
    strict = Client(enforce_csrf_checks=True)
    data = form_data(datetime.fromisoformat(start), channel="email", embed_token=input_value(page, "embed_token"))
    response = strict.post(type_address(world), data)
    assert response.status_code == 403
    assert "CSRF" in text(response)
    assert not Booking.objects.filter(client__email="erika@example.org").exists()


def test_a_framed_booking_never_counts_a_signed_in_address_as_proved(world):  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kim.user)  # the session cookie is there (a same-site host)
    page, start = framed_form(world, client)
    data = form_data(
        datetime.fromisoformat(start),
        channel="email",
        email=world.kim.user.email,
        embed="1",
        embed_token=input_value(page, "embed_token"),
    )
    response = client.post(type_address(world), data)
    assert response.status_code == 303
    booking = Booking.objects.filter(client__email=world.kim.user.email).latest("created_at")
    assert booking.address_confirmed_at is None  # only the link sent to the address proves it


def test_the_confirmation_needs_its_signed_reference(world):  # noqa: F811
    base = f"/{world.anna.coach.slug}/{world.anna.appointment_type.slug}/booked/"
    assert Client().get(base).status_code == 404
    assert Client().get(base + "?ref=" + str(world.kim.booking.pk)).status_code == 404
    other = signing.dumps(world.lou.booking.pk, salt="scheduler.views.embed.booked")  # Ben's client
    assert Client().get(base + "?ref=" + other).status_code == 404


def test_the_framed_confirmation_offers_changes_only_as_the_types_deadline_allows(world):  # noqa: F811
    page, start = framed_form(world)
    response = embed_post(world, input_value(page, "embed_token"), start, lang="en", language="en")
    assert "cancel it there or choose another time" in text(Client().get(response["Location"]))

    kind = world.anna.appointment_type
    kind.change_notice = timedelta(days=400)  # the booking's start lies inside it
    kind.save()
    words = text(Client().get(response["Location"]))
    assert "cancel it there" not in words
    assert "It can no longer be changed or cancelled online" in words


# --- embed.js ---------------------------------------------------------------------------------


def test_embed_js_is_a_cached_script_with_its_words(client, db):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "public, max-age=3600"
    source = response.content.decode()
    assert "/*TEXTS*/" not in source
    assert re.search(r'var TEXTS = \{"de": \{"book": "[^"]+"', source)
    assert '"en": {"book": "Book an appointment", "close": "Close", "title": "Booking page"}' in source


# --- German wording (passes once the lead has filled the catalogs) -------------------------------


@pytest.mark.parametrize(
    ("address_form", "heading"),
    [("sie", "Vielen Dank – Ihre Buchung ist eingegangen"), ("du", "Vielen Dank – deine Buchung ist eingegangen")],
)
def test_the_framed_confirmation_speaks_german_as_the_coach_addresses_clients(world, address_form, heading):  # noqa: F811
    world.anna.coach.address_form = address_form
    world.anna.coach.save()
    page, start = framed_form(world)
    response = embed_post(world, input_value(page, "embed_token"), start, lang="de")
    assert heading in text(Client().get(response["Location"]))


def test_embed_js_has_german_words(client, db):
    source = client.get("/embed.js").content.decode()
    assert '"de": {"book": "Termin buchen", "close": "Schließen", "title": "Buchungsseite"}' in source


def test_find_my_key_in_a_frame_takes_the_token_too(world, monkeypatch):  # noqa: F811
    monkeypatch.setattr("scheduler.wkd.wkd_key_find", lambda *, email: "-----BEGIN PGP PUBLIC KEY BLOCK-----")
    page, start = framed_form(world)
    key_url = f"/{world.anna.coach.slug}/{world.anna.appointment_type.slug}/key/"
    strict = Client(enforce_csrf_checks=True)
    data = form_data(datetime.fromisoformat(start), channel="email", embed="1")
    assert strict.post(key_url, {**data, "embed_token": "forged"}).status_code == 403
    found = strict.post(key_url, {**data, "embed_token": input_value(page, "embed_token")})
    assert found.status_code == 200
    assert frame_ancestors(found) == "*"
    assert input_value(found, "embed_token")  # the form comes back ready to book, still framed
