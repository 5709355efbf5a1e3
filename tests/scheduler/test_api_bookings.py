from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from scheduler import ratelimit
from scheduler.models import AppointmentType, Booking

pytestmark = pytest.mark.django_db


def body(slot_start, **changes):
    return {
        "type": "talk",
        "start": slot_start.isoformat(),
        "name": "Eva Muster",
        "email": "eva@example.org",
        "channel": "email",
        "message": "Ich möchte über meinen nächsten beruflichen Schritt sprechen.",
        "language": "de",
        "timezone": "America/New_York",
        "privacy_consent": True,
        **changes,
    }


def post(client, payload, slug="anna"):
    return client.post(
        f"/api/coaches/{slug}/bookings", payload, content_type="application/json", headers={"accept-language": "en"}
    )


def test_booking_is_created_with_a_token(client, start):
    response = post(client, body(start))
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "confirmed"
    assert len(data["token"]) >= 32
    assert datetime.fromisoformat(data["start"]) == start
    assert data["start"].endswith("-05:00") or data["start"].endswith("-04:00")  # in the client's zone
    assert data["manage_url"].endswith(f"/b/{data['token']}/")
    assert data["manage_url"].split("/b/")[1] == data["token"] + "/"  # the token only, no id


def test_second_booking_of_the_slot_is_409(client, start):
    assert post(client, body(start)).status_code == 201
    response = post(client, body(start, email="other@example.org"))
    assert response.status_code == 409
    assert "just taken" in response.json()["detail"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channel": "threema", "threema_id": "abc"}, "threema_id"),
        ({"channel": "phone"}, "phone"),
        ({"message": "hi"}, "message"),
        ({"email": "nope"}, "email"),
        ({"start": "tomorrow at ten"}, "start"),
        ({"start": "2030-01-07T10:00:00"}, "start"),
        ({"type": "unknown"}, "type"),
    ],
)
def test_invalid_fields_are_400_per_field(client, start, changes, field):
    response = post(client, body(start, **changes))
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Booking.objects.count() == 0


def test_missing_required_json_fields_are_400(client, start):
    response = post(client, {"name": "x"})
    assert response.status_code == 400
    assert {"type", "start"} <= set(response.json()["errors"])


def test_malformed_json_is_400_not_500(client, start):
    response = client.post("/api/coaches/anna/bookings", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_unknown_coach_is_404(client, start):
    assert post(client, body(start), slug="nobody").status_code == 404


def test_errors_come_in_german_when_asked(client, start):
    response = client.post(
        "/api/coaches/anna/bookings",
        body(start, email="nope"),
        content_type="application/json",
        headers={"accept-language": "de"},
    )
    assert response.status_code == 400
    assert "E-Mail" in response.json()["errors"]["email"]


def test_rate_limit_per_ip_is_429_with_retry_after(client, start, settings):
    settings.BOOKING_RATE_LIMIT = "3/m"
    for index in range(3):
        assert post(client, body(start, message="zu kurz", email=f"c{index}@example.org")).status_code == 400
    response = post(client, body(start))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


def test_rate_limit_per_email(client, start, settings):
    settings.BOOKING_RATE_LIMIT = "2/m"
    for address in ("10.0.0.1", "10.0.0.2"):
        client.post(
            "/api/coaches/anna/bookings",
            body(start, message="zu kurz"),
            content_type="application/json",
            REMOTE_ADDR=address,
        )
    response = client.post(
        "/api/coaches/anna/bookings", body(start), content_type="application/json", REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 429


@pytest.mark.redis
def test_rate_limit_counts_ip_and_email_in_one_redis_round_trip(client, start, settings, monkeypatch):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL=redis://… (make test-services)")
    import redis

    settings.BOOKING_RATE_LIMIT = "2/m"
    trips = []
    monkeypatch.setattr(redis.Redis, "execute_command", lambda self, *args, **options: trips.append(args[0]))
    execute = redis.client.Pipeline.execute
    monkeypatch.setattr(
        redis.client.Pipeline, "execute", lambda self: trips.append(len(self.command_stack)) or execute(self)
    )
    request = SimpleNamespace(META={"REMOTE_ADDR": "10.0.0.9"})
    assert ratelimit.booking_attempt_limited(request, "Eva@example.org") is None
    assert trips == [4]  # INCR and EXPIRE for the address and for the e-mail, sent together
    assert ratelimit.booking_attempt_limited(request, "eva@example.org ") is None
    assert 1 <= ratelimit.booking_attempt_limited(request, "other@example.org") <= 60  # the address: third hit
    assert 1 <= ratelimit.booking_attempt_limited(SimpleNamespace(META={}), "EVA@example.org") <= 60
    monkeypatch.undo()
    counters = cache._cache.get_client().keys("*rl:*")
    assert len(counters) == 4
    assert all(0 < cache._cache.get_client().ttl(key) <= 61 for key in counters)


def test_get_and_cancel_by_token(client, start):
    token = post(client, body(start)).json()["token"]
    response = client.get(f"/api/bookings/{token}")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    response = client.post(f"/api/bookings/{token}/cancel", {"note": "Krank"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    again = client.post(f"/api/bookings/{token}/cancel", content_type="application/json")
    assert again.status_code == 400
    assert post(client, body(start, email="next@example.org")).status_code == 201  # the slot is free again


@pytest.mark.parametrize("path", ["/api/bookings/{}", "/api/bookings/{}/cancel"])
def test_unknown_or_guessed_tokens_are_404(client, start, path):
    token = post(client, body(start)).json()["token"]
    booking = Booking.objects.get()
    for guess in ("x" * 32, str(booking.pk), token[:-1]):
        method = client.post if path.endswith("cancel") else client.get
        assert method(path.format(guess)).status_code == 404


def test_booking_links_are_limited_per_address_found_or_not(client, start, settings, monkeypatch):
    settings.BOOKING_LINK_RATE_LIMIT = "3/m"
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))  # mid-window
    token = post(client, body(start)).json()["token"]
    assert client.get("/api/bookings/" + "x" * 32).status_code == 404  # a guess counts too
    assert client.get(f"/api/bookings/{token}").status_code == 200
    assert client.post(f"/api/bookings/{token}/cancel", content_type="application/json").status_code == 200

    for method, path in ((client.get, f"/api/bookings/{token}"), (client.post, f"/api/bookings/{token}/cancel")):
        response = method(path, headers={"accept-language": "en"})
        assert response.status_code == 429
        assert response["Retry-After"] == "30"
        assert response.json() == {
            "detail": "There were too many requests in a short time. Please wait 30 seconds and try again."
        }
    assert client.get(f"/api/bookings/{token}", REMOTE_ADDR="192.0.2.7").status_code == 200


# --- the booking body records privacy consent as the form does -----------------------------


@pytest.mark.parametrize("consent", [False, None, "missing"])
def test_a_booking_without_privacy_consent_is_refused_at_the_field(client, start, consent):
    """The form requires the consent; the API booked without it and recorded none."""
    payload = body(start)
    if consent == "missing":
        del payload["privacy_consent"]
    else:
        payload["privacy_consent"] = consent
    response = post(client, payload)
    assert response.status_code == 400
    message = response.json()["errors"]["privacy_consent"]
    assert "Please agree" in message if consent is not None else "boolean" in message
    assert not Booking.objects.exists()


def test_the_consent_is_told_together_with_the_other_fields_problems(client, start):
    response = post(client, body(start, privacy_consent=False, name="", message="kurz"))
    assert set(response.json()["errors"]) >= {"privacy_consent", "name", "message"}


def test_a_booking_with_consent_records_when_and_to_which_notice(client, start):
    response = post(client, body(start))
    assert response.status_code == 201
    booking = Booking.objects.get()
    assert booking.privacy_consent_at is not None
    assert booking.privacy_consent_version == booking.coach.privacy_version()


# --- the type's online deadline ------------------------------------------------------------


def test_the_booking_says_until_when_it_can_be_cancelled_online(client, start):
    AppointmentType.objects.filter(slug="talk").update(change_notice=timedelta(hours=24))
    data = post(client, body(start)).json()
    # 24 hours before 10:00 in Berlin, given in the client's zone with its offset.
    expected = (start - timedelta(hours=24)).astimezone(ZoneInfo("America/New_York"))
    until = datetime.fromisoformat(data["cancel_online_until"])
    assert until == expected and until.utcoffset() == expected.utcoffset()
    AppointmentType.objects.filter(slug="talk").update(change_notice=None)
    again = client.get(f"/api/bookings/{data['token']}").json()
    assert datetime.fromisoformat(again["cancel_online_until"]) == start  # no deadline: until it begins


def test_cancel_after_the_deadline_is_409_with_whom_to_contact(client, start):
    token = post(client, body(start)).json()["token"]
    AppointmentType.objects.filter(slug="talk").update(change_notice=timedelta(days=30))  # past it now
    response = client.post(
        f"/api/bookings/{token}/cancel",
        {"note": "Krank"},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 409
    assert "could be cancelled online until" in response.json()["detail"]
    assert "please contact" in response.json()["detail"]
    booking = Booking.objects.get(token=token)
    assert booking.status == Booking.Status.CONFIRMED and booking.status_note == ""
    assert client.get(f"/api/bookings/{token}").json()["status"] == "confirmed"
