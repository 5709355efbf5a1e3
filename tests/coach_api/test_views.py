"""The coach's API tokens in the workspace (/coach/api-tokens/): made (the secret shown
once), listed with scope and last use, revoked; another coach's token is a 404."""

import html
import re

import pytest

from coach_api.models import CoachToken
from coach_api.selectors import coach_token_by_secret
from coach_api.services import coach_token_create
from tests.factories import CoachFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]


def text(response) -> str:
    """The page's words without its tags."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_the_settings_lead_to_the_tokens_page(coach_client):
    assert 'href="/coach/api-tokens/"' in coach_client.get("/coach/settings/").content.decode()


def test_a_token_is_made_and_shown_once(coach_client, coach, client):
    response = coach_client.post("/coach/api-tokens/new/", {"name": "Mein Skript", "read_only": "on"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'id="token-secret" value="([^"]+)"', response.content.decode()).group(1)
    token = coach_token_by_secret(secret)
    assert (token.coach, token.name, token.read_only) == (coach, "Mein Skript", True)
    page = coach_client.get("/coach/api-tokens/")
    assert secret not in page.content.decode()
    assert re.search(r"Mein Skript read \d+ \w+ \d{4}, \d\d:\d\d never Revoke", text(page))
    # The token works with the API.
    api = client.get("/api/coach/bookings", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200


def test_a_token_without_a_name_is_refused(coach_client):
    response = coach_client.post("/coach/api-tokens/new/", {"name": " "})
    assert response.status_code == 400
    assert not CoachToken.objects.exists()
    assert 'id="token-secret"' not in response.content.decode()


def test_a_token_is_revoked(coach_client, coach):
    token, secret = coach_token_create(coach=coach, name="Zapier")
    response = coach_client.post(f"/coach/api-tokens/{token.uuid}/revoke/", follow=True)
    assert "The token “Zapier” is revoked" in text(response)
    assert "revoked" in text(response)
    assert coach_token_by_secret(secret) is None


def test_another_coachs_token_is_404(coach_client):
    token, secret = coach_token_create(coach=CoachFactory(), name="theirs")
    assert coach_client.post(f"/coach/api-tokens/{token.uuid}/revoke/").status_code == 404
    assert coach_token_by_secret(secret) == token
    assert "theirs" not in text(coach_client.get("/coach/api-tokens/"))


def test_the_page_needs_a_login(client):
    assert client.get("/coach/api-tokens/").status_code == 302
