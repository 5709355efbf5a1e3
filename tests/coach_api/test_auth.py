"""Who may call the coach's API: 401 without a valid token (none, unknown, revoked), 403 for
a read-only token on a write, 429 with Retry-After past the token's limit."""

import pytest

from coach_api.models import CoachToken
from coach_api.services import coach_token_create, coach_token_revoke

from .conftest import Api


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic YTpi", "Token abc"])
def test_without_a_valid_token_it_is_401(client, anna, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/coach/bookings", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_a_revoked_token_is_401_at_once(client, anna):
    token, secret = coach_token_create(coach=anna, name="x")
    api = Api(client, secret)
    assert api.get("/bookings").status_code == 200
    coach_token_revoke(token=token)
    assert api.get("/bookings").status_code == 401


def test_a_read_only_token_reads_but_does_not_write(read_api, request_of_anna):
    assert read_api.get(f"/bookings/{request_of_anna.uuid}").status_code == 200
    response = read_api.post(f"/bookings/{request_of_anna.uuid}/confirm")
    assert response.status_code == 403
    assert response.json() == {"detail": "This token may only read."}
    request_of_anna.refresh_from_db()
    assert request_of_anna.status == "requested"


def test_a_use_is_recorded(api, anna):
    assert api.get("/types").status_code == 200
    assert CoachToken.objects.get(coach=anna).last_used_at is not None


def test_each_token_is_limited_on_its_own(client, anna, settings):
    settings.COACH_API_RATE_LIMIT = "2/h"
    first = Api(client, coach_token_create(coach=anna, name="a")[1])
    second = Api(client, coach_token_create(coach=anna, name="b")[1])
    assert [first.get("/types").status_code for _ in range(2)] == [200, 200]
    limited = first.get("/types")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["detail"]
    assert second.get("/types").status_code == 200


@pytest.mark.parametrize("path", ["/bookings", "/availability/weekly-hours", "/availability/blocked-periods"])
def test_every_part_of_the_api_counts_against_the_token(client, anna, settings, path):
    settings.COACH_API_RATE_LIMIT = "1/h"  # an hour: no window ends between the two requests
    api = Api(client, coach_token_create(coach=anna, name="x")[1])
    assert api.get(path).status_code == 200
    response = api.get(path)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
