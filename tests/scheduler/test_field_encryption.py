"""Stored secrets encrypted under FIELD_ENCRYPTION_KEY: round trip, rotation, missing and wrong keys."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from scheduler import field_encryption
from scheduler.field_encryption import DecryptionFailed, FieldKeyMissing, decrypt, encrypt, key_available, reencrypt

PASSWORD = "app-Pässwort-4711"


def test_a_value_comes_back_as_it_went_in(settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    token = encrypt(PASSWORD)

    assert decrypt(token) == PASSWORD
    assert PASSWORD not in token and "4711" not in token
    assert token.isascii()


def test_the_same_value_is_encrypted_differently_each_time(settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    assert encrypt(PASSWORD) != encrypt(PASSWORD)


def test_the_old_key_listed_second_still_decrypts_and_reencrypting_needs_only_the_new_one(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [old]
    token = encrypt(PASSWORD)

    settings.FIELD_ENCRYPTION_KEY = [new, old]
    assert decrypt(token) == PASSWORD
    rotated = reencrypt(token)
    assert Fernet(new.encode()).decrypt(rotated.encode()).decode() == PASSWORD

    settings.FIELD_ENCRYPTION_KEY = [new]
    assert decrypt(rotated) == PASSWORD
    with pytest.raises(DecryptionFailed):
        decrypt(token)


def test_a_wrong_key_is_a_clear_error(settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    token = encrypt(PASSWORD)
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    with pytest.raises(DecryptionFailed, match="No key of FIELD_ENCRYPTION_KEY decrypts this value"):
        decrypt(token)
    with pytest.raises(DecryptionFailed):
        reencrypt(token)


def test_a_value_changed_in_the_database_is_refused(settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    token = encrypt(PASSWORD)

    with pytest.raises(DecryptionFailed):
        decrypt(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))


def test_a_key_that_is_not_a_fernet_key_is_named_by_its_place_not_shown(settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), "not-a-real-key-secret"]

    with pytest.raises(ImproperlyConfigured, match="key number 2 is not a Fernet key") as raised:
        encrypt(PASSWORD)
    assert "not-a-real-key-secret" not in str(raised.value)
    assert not key_available()  # connecting is refused with a message, not a server error


def test_without_a_key_outside_production_the_key_comes_from_the_secret_key(settings):
    settings.PRODUCTION = False
    settings.FIELD_ENCRYPTION_KEY = []
    settings.SECRET_KEY = "one secret"
    token = encrypt(PASSWORD)

    assert key_available()
    assert decrypt(token) == PASSWORD
    settings.SECRET_KEY = "another secret"
    with pytest.raises(DecryptionFailed):
        decrypt(token)


def test_the_derived_key_is_not_the_secret_key_itself(settings):
    settings.SECRET_KEY = "one secret"

    key = field_encryption._derived_key()

    assert Fernet(key)  # a valid Fernet key
    assert b"one secret" not in key


def test_without_a_key_in_production_nothing_is_encrypted(settings):
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEY = []

    assert not key_available()
    with pytest.raises(FieldKeyMissing, match="FIELD_ENCRYPTION_KEY is not set"):
        encrypt(PASSWORD)
    with pytest.raises(FieldKeyMissing):
        decrypt("anything")


def test_blank_entries_of_the_list_are_no_keys(settings):
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEY = [" "]

    assert not key_available()
