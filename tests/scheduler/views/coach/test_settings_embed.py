"""The embed part of the coach's settings (/coach/settings/#embed): the lines to copy into
the coach's website and the websites that may frame the booking pages."""

import html

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AppointmentTypeFactory
from tests.scheduler.pages import error_at, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

SETTINGS = "/coach/settings/"
EMBED = "/coach/settings/embed/"


def test_the_page_offers_the_lines_to_copy_for_the_whole_page_and_each_type(coach_client, coach, settings):
    settings.SITE_URL = "https://sprechzeit.example.org"
    AppointmentTypeFactory(coach=coach, slug="coaching", name="Coaching")
    page = text(coach_client.get(SETTINGS))
    source = 'src="https://sprechzeit.example.org/embed.js"'
    assert f'<script {source} data-coach="{coach.slug}" data-mode="inline" defer></script>' in page
    assert f'<script {source} data-coach="{coach.slug}" data-type="coaching" data-mode="inline" defer></script>' in page
    assert (
        f'<script {source} data-coach="{coach.slug}" data-type="coaching" data-mode="popup" '
        'data-label="Book an appointment" defer></script>'
    ) in page
    # Shown as text to copy, never as a script of the settings page itself.
    assert '<script src="https://sprechzeit.example.org/embed.js"' not in coach_client.get(SETTINGS).content.decode()
    assert 'href="#embed"' in page


def test_the_allowed_websites_are_saved_one_per_line(coach_client, coach):
    response = coach_client.post(EMBED, {"embed_origins": "https://www.Example.com/\n\n  http://localhost:8080 "})
    assert response.status_code == 303
    assert response["Location"] == reverse("coach:settings") + "#embed"
    coach.refresh_from_db()
    assert coach.embed_origins == "https://www.example.com\nhttp://localhost:8080"
    assert html.escape("https://www.example.com") in coach_client.get(SETTINGS).content.decode()


def test_emptied_any_website_may_frame_again(coach_client, coach):
    coach.embed_origins = "https://www.example.com"
    coach.save()
    assert coach_client.post(EMBED, {"embed_origins": ""}).status_code == 303
    coach.refresh_from_db()
    assert coach.embed_origins == ""


def test_an_address_that_is_no_website_is_an_error_at_the_field(coach_client, coach):
    response = coach_client.post(EMBED, {"embed_origins": "https://www.example.com/booking\nexample.org"})
    assert response.status_code == 200
    assert "https://www.example.com/booking, example.org" in error_at(response, "embed_origins")
    assert "example.org" in text(response)  # what was typed is kept
    coach.refresh_from_db()
    assert coach.embed_origins == ""


def test_saving_the_websites_needs_a_post_and_a_coach(coach_client):
    assert coach_client.get(EMBED).status_code == 405
    response = Client().post(EMBED, {"embed_origins": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
