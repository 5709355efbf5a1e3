"""config/middleware.py: workspace pages are never cached; unstorable input is a 400 (the
walk over every URL and field is tests/security/test_bad_input.py)."""

import pytest

from config.middleware import unstorable
from tests.security import conftest as security

pytestmark = pytest.mark.django_db
world = security.world  # the two coaches and two clients of the security tests


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("anna", "/coach/"),
        ("anna", "/coach/bookings/"),
        ("kim", "/me/"),
        (None, "/accounts/login/"),
        ("kim", "/accounts/email/"),
        ("staff", "/admin/"),
        (None, "/admin/login/"),
        (None, "/coach/"),  # the redirect to the login too
    ],
)
def test_workspace_pages_are_never_stored(client, world, who, path):
    if who is not None:
        client.force_login({"anna": world.anna.user, "kim": world.kim.user, "staff": world.staff}[who])
    response = client.get(path)
    assert response.status_code in (200, 302), response.status_code
    assert response["Cache-Control"] == "private, no-store"


def test_public_pages_keep_their_caching(client, world):
    response = client.get(f"/{world.anna.coach.slug}/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_what_cannot_be_stored():
    assert unstorable("a\x00b") and unstorable("\ud800") and unstorable("\udfff")
    assert not unstorable("Grüße 👋 \t\n")


def test_an_api_query_parameter_with_a_nul_byte_names_the_parameter(client):
    response = client.get("/api/coaches/anna/slots?type=talk&tz=Europe/Berlin%00")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["tz"]


def test_a_form_field_with_a_nul_byte_is_a_400_naming_the_field(client, world):
    """The booking page's cancel form stored its note as posted: a NUL byte failed in PostgreSQL."""
    response = client.post(f"/b/{world.kim.booking.token}/cancel/", {"note": "a\x00b"})
    assert response.status_code == 400
    assert "(note)" in response.content.decode()
    world.kim.booking.refresh_from_db()
    assert world.kim.booking.status != "cancelled"
