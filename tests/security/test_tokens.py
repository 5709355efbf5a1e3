"""Every token that stands for an object in a URL (a booking's private link, the coach's
and the client's calendar feeds) holds at least 128 random bits from `secrets`, is unique,
and a rotation makes a new one of the same strength."""

import base64

import pytest
from django.apps import apps

from accounts import services as account_services
from scheduler.models import common
from scheduler.models.common import new_token
from scheduler.services.coach import coach_feed_rotate
from tests.security.world import make_client, make_coach

MIN_BITS = 128
TOKEN_FIELDS = {
    "scheduler.Booking.token",
    "scheduler.Booking.address_token",
    "scheduler.BookingLink.token",
    "scheduler.Coach.feed_token",
    "accounts.ClientProfile.feed_token",
}


def random_bits(token: str) -> int:
    """The bits a URL-safe base64 token carries (token_urlsafe drops the padding)."""
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


def token_fields():
    for app_label in ("accounts", "scheduler"):
        for model in apps.get_app_config(app_label).get_models():
            for field in model._meta.concrete_fields:
                if "token" in field.name:
                    yield f"{model._meta.label}.{field.name}", field


def test_every_token_field_is_known_unique_and_made_by_new_token():
    fields = dict(token_fields())
    assert set(fields) == TOKEN_FIELDS, "a new token field: check its strength and add it here"
    for label, field in fields.items():
        assert field.default is new_token, label
        assert field.unique, label
        assert field.max_length >= len(new_token()), label


def test_new_token_is_at_least_128_random_bits_from_secrets(monkeypatch):
    asked = []
    token_urlsafe = common.secrets.token_urlsafe
    monkeypatch.setattr(common.secrets, "token_urlsafe", lambda nbytes: asked.append(nbytes) or token_urlsafe(nbytes))
    tokens = {new_token() for _ in range(1000)}
    assert len(asked) == 1000 and min(asked) * 8 >= MIN_BITS
    assert len(tokens) == 1000
    assert all(len(token) >= 22 and random_bits(token) >= MIN_BITS for token in tokens)
    assert all(
        set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for token in tokens
    )


@pytest.mark.django_db
def test_saved_objects_and_rotations_get_fresh_strong_tokens():
    anna, ben = make_coach("anna"), make_coach("ben")
    kim = make_client("kim", anna)
    saved = [anna.booking.token, ben.booking.token, kim.booking.token, anna.coach.feed_token, ben.coach.feed_token]
    saved.append(kim.profile.feed_token)
    saved.append(coach_feed_rotate(coach=anna.coach).feed_token)
    saved.append(account_services.client_feed_rotate(user=kim.user).feed_token)
    assert len(set(saved)) == len(saved)  # the rotated ones differ from the old ones too
    assert all(random_bits(token) >= MIN_BITS for token in saved)
