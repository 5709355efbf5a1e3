"""The checks of FIELD_ENCRYPTION_KEY: a key that is no Fernet key stops every command, a
missing one is told at `check --deploy` with what it means here."""

from cryptography.fernet import Fernet
from django.core import checks


def found(check_id: str, *, deploy: bool = True) -> list:
    return [message for message in checks.run_checks(include_deployment_checks=deploy) if message.id == check_id]


def test_a_key_that_is_no_fernet_key_is_an_error_of_every_check(settings):
    settings.FIELD_ENCRYPTION_KEY = ["secret-that-is-not-a-key"]

    [error] = found("sprechzeit.E001", deploy=False)

    assert error.level == checks.ERROR
    assert "key number 1 is not a Fernet key" in error.msg
    assert "secret-that-is-not-a-key" not in error.msg


def test_good_keys_pass(settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]

    assert found("sprechzeit.E001") == [] and found("sprechzeit.W006") == []


def test_no_key_in_production_means_no_calendar_can_be_connected(settings):
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEY = []

    [warning] = found("sprechzeit.W006")

    assert "coaches cannot connect a CalDAV calendar" in warning.msg
    assert found("sprechzeit.W006", deploy=False) == []  # only at check --deploy


def test_no_key_outside_production_ties_the_passwords_to_the_secret_key(settings):
    settings.PRODUCTION = False
    settings.FIELD_ENCRYPTION_KEY = []

    [warning] = found("sprechzeit.W006")

    assert "derived from SECRET_KEY" in warning.msg
    assert found("sprechzeit.E001") == []


def test_calendar_addresses_that_may_reach_the_servers_network_are_warned_of(settings):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = True
    [warning] = found("sprechzeit.W007")
    assert "private addresses" in warning.msg

    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = False
    assert found("sprechzeit.W007") == []
