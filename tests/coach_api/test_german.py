"""The coach's API and its workspace page in German: formal (de) and informal (de_DU)."""

import pytest
from django.utils import translation

from coach_api.services import coach_token_create


def test_the_api_refuses_a_read_only_write_in_german(client, anna):
    secret = coach_token_create(coach=anna, name="x", read_only=True)[1]
    response = client.post(
        "/api/coach/bookings/00000000-0000-4000-8000-000000000000/confirm",
        headers={"Authorization": f"Bearer {secret}", "Accept-Language": "de"},
    )
    assert response.json() == {"detail": "Dieses Token darf nur lesen."}


def test_the_tokens_page_in_german(coach_client):
    response = coach_client.get("/coach/api-tokens/", headers={"Accept-Language": "de"})
    assert "Sie haben noch keine Tokens erstellt." in response.content.decode()


@pytest.mark.parametrize(
    ("language", "message", "expected"),
    [
        ("de", "You have made no tokens yet.", "Sie haben noch keine Tokens erstellt."),
        ("de-du", "You have made no tokens yet.", "Du hast noch keine Tokens erstellt."),
        # What addresses nobody has no informal entry: the formal catalog's word stands.
        ("de-du", "API tokens", "API-Tokens"),
    ],
)
def test_the_catalogs_address_the_reader_formally_or_informally(language, message, expected):
    with translation.override(language):
        assert translation.gettext(message) == expected
