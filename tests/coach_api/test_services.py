import hashlib

import pytest
from django.core.exceptions import ValidationError

from coach_api.models import CoachToken
from coach_api.services import coach_token_create, coach_token_revoke, coach_token_used


def test_a_token_is_256_random_bits_shown_once_and_stored_as_its_sha256(anna):
    token, secret = coach_token_create(coach=anna, name=" Zapier ", read_only=True)
    assert len(secret) >= 43  # token_urlsafe(32): 256 bits
    stored = CoachToken.objects.get(pk=token.pk)
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {str(value) for value in vars(stored).values()}
    assert (stored.name, stored.read_only, stored.revoked_at) == ("Zapier", True, None)
    assert coach_token_create(coach=anna, name="again")[1] != secret


def test_a_token_needs_a_name(anna):
    with pytest.raises(ValidationError) as raised:
        coach_token_create(coach=anna, name="  ")
    assert "name" in raised.value.message_dict


def test_revoking_twice_keeps_the_first_time(anna):
    token, _secret = coach_token_create(coach=anna, name="x")
    first = coach_token_revoke(token=token).revoked_at
    assert first is not None
    assert coach_token_revoke(token=token).revoked_at == first


def test_last_use_is_written_at_most_once_a_minute(anna, django_assert_num_queries):
    token, _secret = coach_token_create(coach=anna, name="x")
    with django_assert_num_queries(1):
        coach_token_used(token=token)
    with django_assert_num_queries(0):
        coach_token_used(token=token)
    assert CoachToken.objects.get(pk=token.pk).last_used_at is not None


def test_the_secret_comes_from_secrets_with_at_least_128_bits(anna, monkeypatch):
    from coach_api import services

    asked = []
    token_urlsafe = services.secrets.token_urlsafe
    monkeypatch.setattr(services.secrets, "token_urlsafe", lambda nbytes: asked.append(nbytes) or token_urlsafe(nbytes))
    secrets_made = {coach_token_create(coach=anna, name=f"t{n}")[1] for n in range(20)}
    assert len(asked) == 20 and min(asked) * 8 >= 128
    assert len(secrets_made) == 20
