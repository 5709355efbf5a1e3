from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from scheduler.validators import normalize_phone, normalize_threema_id, parse_openpgp_key


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+49 170 1234567", "+491701234567"),
        ("0170 1234567", "+491701234567"),  # national numbers are German
        ("+43 664 1234567", "+436641234567"),
        ("+1 (212) 555-0123", "+12125550123"),
    ],
)
def test_phone_numbers_become_e164(typed, e164):
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize("typed", ["", "call me", "+49 12", "0049", "+999 123456789"])
def test_bad_phone_numbers_are_explained(typed):
    with pytest.raises(ValidationError, match="country code"):
        normalize_phone(typed)


@given(st.text(max_size=40))
def test_any_text_as_phone_is_a_number_or_a_clean_error(text):
    try:
        assert normalize_phone(text).startswith("+")
    except ValidationError:
        pass


@pytest.mark.parametrize(
    ("typed", "normal"), [("ABCD1234", "ABCD1234"), (" abcd1234 ", "ABCD1234"), ("*SPRECHZ", "*SPRECHZ")]
)
def test_threema_ids(typed, normal):
    assert normalize_threema_id(typed) == normal


@pytest.mark.parametrize("typed", ["", "ABC", "ABCD12345", "AB*D1234", "ABCD-123", "ÄBCD1234"])
def test_bad_threema_ids_are_explained(typed):
    with pytest.raises(ValidationError, match="8 characters"):
        normalize_threema_id(typed)


def test_usable_openpgp_key_is_accepted(openpgp_keys):
    key = parse_openpgp_key(openpgp_keys["valid"])
    assert len(key.fingerprint) == 40
    assert key.user_ids == ("Valid Client <valid@example.org>",)
    assert key.armored.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert key.expires_at is None  # neither the key nor its encryption subkey expires


def test_a_key_can_encrypt_until_its_encryption_subkey_expires(openpgp_keys):
    """Checked at a time before the subkey's end (as when it was entered), the key works;
    it is said to end when the subkey does, though the key itself never expires."""
    key = parse_openpgp_key(openpgp_keys["subkey_expired"], now=datetime(2020, 3, 1, tzinfo=UTC))
    assert key.expires_at is not None and key.expires_at.date() == date(2020, 6, 1)
    assert key.user_ids == ("Stale Subkey <stale-subkey@example.org>",)


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("sign_only", "cannot be used for encryption"),
        ("expired", "expired on 2020-06-01"),
        ("revoked", "revoked"),
        # The key itself is current, but it cannot encrypt: pysequoia encrypts to an expired subkey.
        ("subkey_expired", "encryption subkey expired on 2020-06-01"),
        ("subkey_revoked", "encryption subkey has been revoked"),
    ],
)
def test_unusable_openpgp_keys_are_explained(openpgp_keys, which, message):
    with pytest.raises(ValidationError, match=message):
        parse_openpgp_key(openpgp_keys[which])


@pytest.mark.parametrize(
    "typed",
    ["garbage", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64!\n-----END PGP PUBLIC KEY BLOCK-----", ""],
)
def test_garbage_is_not_a_key_and_the_message_has_no_backtrace(typed):
    with pytest.raises(ValidationError) as caught:
        parse_openpgp_key(typed)
    message = caught.value.messages[0]
    assert "not an OpenPGP public key" in message
    assert "\n" not in message and "backtrace" not in message.lower()


def test_private_key_is_refused():
    with pytest.raises(ValidationError, match="private key"):
        parse_openpgp_key("-----BEGIN PGP PRIVATE KEY BLOCK-----\nabc\n-----END PGP PRIVATE KEY BLOCK-----")


@given(st.text(max_size=300))
def test_any_text_as_key_is_a_clean_error(text):
    with pytest.raises(ValidationError):
        parse_openpgp_key(text)
