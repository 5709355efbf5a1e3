""" "Find my key" (scheduler/views/keys.py): its own button and view, which shows the form
again with the key filled in; the booking itself makes no outbound request."""

import re

import pytest
from django.core.cache import cache

from scheduler.models import Booking
from scheduler.wkd import wkd_hash
from tests.helpers import gpg
from tests.scheduler.pages import MONDAY, berlin, form_data, input_value, text, type_url

# The fixture `kind` (Anna's first talk) is in tests/scheduler/views/conftest.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

ADVANCED = "/.well-known/openpgpkey/example.org/hu/{hash}"


def key_url(kind) -> str:
    return type_url(kind) + "key/"


@pytest.fixture
def directory(settings, httpserver):
    """A local server standing in for the mail provider's Web Key Directory."""
    settings.WKD_SCHEME, settings.WKD_HOST_OVERRIDE = "http", f"127.0.0.1:{httpserver.port}"
    settings.WKD_ALLOW_PRIVATE = True
    return httpserver


def publish(directory, openpgp_keys, local="valid"):
    binary = gpg(openpgp_keys["home"], "--export", f"{local}@example.org")
    directory.expect_request(ADVANCED.format(hash=wkd_hash(local))).respond_with_data(binary)


def textarea(response, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', text(response), re.S)
    return match.group(1).strip() if match else ""


def key_result(response) -> str:
    match = re.search(r'<p[^>]*id="key-lookup-result"[^>]*>(.*?)</p>', text(response), re.S)
    return match.group(1).strip() if match else ""


def test_the_booking_itself_makes_no_outbound_request(client, kind, directory, openpgp_keys):
    """The old form's "find my key" box made the booking POST ask the directory (any host
    the visitor's address named); now the booking accepts only a pasted key."""
    publish(directory, openpgp_keys)
    data = form_data(berlin(MONDAY, 9), channel="email", email="valid@example.org", find_pgp_key="on")
    response = client.post(type_url(kind), data)
    assert response.status_code == 303
    assert directory.log == []
    assert Booking.objects.get().pgp_public_key == ""


def test_the_form_offers_find_my_key_as_its_own_button(client, kind):
    response = client.get(type_url(kind, start=berlin(MONDAY, 9).isoformat(), tz="Europe/Berlin"))
    page = response.content.decode()
    assert f'formaction="{key_url(kind)}#book"' in page
    assert 'name="find_pgp_key"' not in page


def test_find_my_key_fills_in_the_key_and_keeps_everything_typed(client, kind, directory, openpgp_keys):
    publish(directory, openpgp_keys)
    data = form_data(berlin(MONDAY, 9), channel="email", email="valid@example.org", name="Eva Muster")
    response = client.post(key_url(kind), data)
    assert response.status_code == 200
    assert textarea(response, "pgp_public_key").startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert "was found and filled in" in key_result(response)
    assert input_value(response, "name") == "Eva Muster"
    assert input_value(response, "email") == "valid@example.org"
    assert input_value(response, "start") == berlin(MONDAY, 9).isoformat()
    assert textarea(response, "message") == data["message"]
    assert re.search(r'<input[^>]*name="channel"[^>]*value="email"[^>]*checked', text(response))
    assert re.search(r'<input[^>]*name="privacy_consent"[^>]*checked', text(response))
    assert not Booking.objects.exists()  # nothing is booked yet

    # Booking with the key as filled in: the booking keeps it.
    data["pgp_public_key"] = textarea(response, "pgp_public_key")
    assert client.post(type_url(kind), data).status_code == 303
    assert "BEGIN PGP PUBLIC KEY BLOCK" in Booking.objects.get().pgp_public_key


def test_no_key_found_says_so_at_the_field(client, kind, directory):
    data = form_data(berlin(MONDAY, 9), channel="email", email="nokey@example.org")
    response = client.post(key_url(kind), data)
    assert response.status_code == 200
    assert "No key was found" in key_result(response)
    assert input_value(response, "email") == "nokey@example.org"
    assert not Booking.objects.exists()


def test_no_address_yet(client, kind, directory):
    response = client.post(key_url(kind), form_data(berlin(MONDAY, 9), channel="email", email=""))
    assert "enter your e-mail address first" in key_result(response)
    assert directory.log == []


@pytest.mark.parametrize("email", ["eva@localhost", "eva@[127.0.0.1]"])
def test_the_servers_own_network_is_never_asked(client, kind, settings, httpserver, email):
    """Without a test's permission, even the local stand-in directory is out of reach."""
    settings.WKD_SCHEME, settings.WKD_HOST_OVERRIDE = "http", f"127.0.0.1:{httpserver.port}"
    response = client.post(key_url(kind), form_data(berlin(MONDAY, 9), channel="email", email=email))
    assert response.status_code == 200
    assert "No key was found" in key_result(response)
    assert httpserver.log == []


def test_lookups_are_rate_limited_like_booking_attempts(client, kind, directory, settings):
    settings.BOOKING_RATE_LIMIT = "2/m"
    cache.clear()
    data = form_data(berlin(MONDAY, 9), channel="email", email="nokey@example.org")
    answers = [client.post(key_url(kind), data).status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert len(directory.log) == 4  # two lookups, both methods each; the third asked nobody


def test_only_post(client, kind):
    assert client.get(key_url(kind)).status_code == 405
