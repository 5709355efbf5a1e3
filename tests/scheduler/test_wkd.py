"""The Web Key Directory lookup ("Find my key") against a local HTTP server standing in for
a directory, and the guard that keeps it out of the server's own network."""

import socket

import pysequoia
import pytest

from scheduler import safe_http
from scheduler.wkd import MAX_WKD_RESPONSE, wkd_hash, wkd_lookup, zbase32
from tests.helpers import free_port, gpg


def test_zbase32_known_vector():
    assert wkd_hash("joe.doe") == "iy9q119eutrkn8s1mk4r39qejnbu3n5q"
    # Only ASCII letters are lowercased before hashing.
    assert wkd_hash("Joe.Doe") == "iy9q119eutrkn8s1mk4r39qejnbu3n5q"
    assert zbase32(b"") == ""
    assert zbase32(b"\x00") == "yy"
    assert zbase32(b"\xff") == "9h"


def valid_key(openpgp_keys) -> tuple[bytes, str]:
    """The binary public key (as a WKD serves it) and its fingerprint, from GnuPG itself."""
    home = openpgp_keys["home"]
    binary = gpg(home, "--export", "valid@example.org")
    listing = gpg(home, "--list-keys", "--with-colons", "valid@example.org").decode()
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    return binary, fingerprint


ADVANCED = "/.well-known/openpgpkey/example.org/hu/{hash}"
DIRECT = "/.well-known/openpgpkey/hu/{hash}"


def lookup(httpserver, address="valid@example.org"):
    # The local server stands in for a directory on the internet.
    return wkd_lookup(
        address, scheme="http", host_override=f"127.0.0.1:{httpserver.port}", timeout=5, allow_private=True
    )


def test_wkd_advanced_method(httpserver, openpgp_keys):
    binary, fingerprint = valid_key(openpgp_keys)
    httpserver.expect_request(ADVANCED.format(hash=wkd_hash("valid")), query_string={"l": "valid"}).respond_with_data(
        binary, content_type="application/octet-stream"
    )

    armored = lookup(httpserver)

    assert armored.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert pysequoia.Cert.from_bytes(armored.encode()).fingerprint.upper() == fingerprint
    assert len(httpserver.log) == 1
    httpserver.check_assertions()


def test_wkd_falls_back_to_the_direct_method(httpserver, openpgp_keys):
    binary, fingerprint = valid_key(openpgp_keys)
    hashed = wkd_hash("valid")
    httpserver.expect_ordered_request(ADVANCED.format(hash=hashed)).respond_with_data("not found", status=404)
    httpserver.expect_ordered_request(DIRECT.format(hash=hashed), query_string={"l": "valid"}).respond_with_data(
        binary, content_type="application/octet-stream"
    )

    armored = lookup(httpserver)

    assert pysequoia.Cert.from_bytes(armored.encode()).fingerprint.upper() == fingerprint
    assert [request.path for request, _response in httpserver.log] == [
        ADVANCED.format(hash=hashed),
        DIRECT.format(hash=hashed),
    ]
    httpserver.check_assertions()


def test_wkd_nothing_published(httpserver):
    hashed = wkd_hash("valid")
    httpserver.expect_request(ADVANCED.format(hash=hashed)).respond_with_data("not found", status=404)
    httpserver.expect_request(DIRECT.format(hash=hashed)).respond_with_data("not found", status=404)

    assert lookup(httpserver) is None
    assert len(httpserver.log) == 2
    httpserver.check_assertions()


def test_wkd_body_that_is_not_a_key(httpserver):
    hashed = wkd_hash("valid")
    httpserver.expect_request(ADVANCED.format(hash=hashed)).respond_with_data("<html>hello</html>")
    httpserver.expect_request(DIRECT.format(hash=hashed)).respond_with_data(b"\x00\x01garbage")

    assert lookup(httpserver) is None


def test_wkd_ignores_a_key_for_another_address(httpserver, openpgp_keys):
    binary, _fingerprint = valid_key(openpgp_keys)
    hashed = wkd_hash("someone")
    httpserver.expect_request(ADVANCED.format(hash=hashed)).respond_with_data(binary)
    httpserver.expect_request(DIRECT.format(hash=hashed)).respond_with_data("not found", status=404)

    assert lookup(httpserver, "someone@example.org") is None


def test_wkd_unreachable_host_and_bad_address():
    unreachable = f"127.0.0.1:{free_port()}"
    assert wkd_lookup("valid@example.org", scheme="http", host_override=unreachable, allow_private=True) is None
    assert wkd_lookup("not-an-address") is None


# --- requests for a visitor stay out of the server's own network -----------------------


@pytest.fixture
def connections(monkeypatch):
    """Every TCP connection attempted (none is made: each fails at once)."""
    attempted = []

    def create_connection(address, *args, **kwargs):
        attempted.append(address)
        raise ConnectionRefusedError("no connections in this test")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return attempted


@pytest.mark.parametrize("address", ["eva@localhost", "eva@[127.0.0.1]", "eva@[::1]", "eva@127.0.0.1", "eva@intranet"])
def test_addresses_of_the_servers_own_network_are_never_asked(connections, address):
    """`eva@localhost` went to http(s)://localhost/.well-known/…, the server itself."""
    assert wkd_lookup(address, scheme="http") is None
    assert connections == []


def test_a_name_that_resolves_to_a_private_address_is_not_asked(connections, monkeypatch):
    real_getaddrinfo = socket.getaddrinfo
    names = {"openpgpkey.example.org": "10.0.0.7", "example.org": "169.254.169.254"}

    def getaddrinfo(host, port, *args, **kwargs):
        return real_getaddrinfo(names.get(host, host), port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert wkd_lookup("eva@example.org", scheme="http") is None
    assert connections == []


def test_a_local_directory_is_refused_without_allow_private(httpserver):
    httpserver.expect_request(ADVANCED.format(hash=wkd_hash("valid"))).respond_with_data(b"key")
    host = f"127.0.0.1:{httpserver.port}"
    assert wkd_lookup("valid@example.org", scheme="http", host_override=host) is None
    assert httpserver.log == []


def test_each_redirect_is_checked_again(httpserver, monkeypatch, openpgp_keys):
    """A directory that redirects into the private network is refused at the hop (the old
    lookup followed redirects wherever they led)."""
    monkeypatch.setattr(safe_http, "_forbidden", lambda address: address != "127.0.0.1")  # stands in for public
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        return real_getaddrinfo("10.0.0.1" if host == "intranet.example" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    hashed = wkd_hash("valid")
    binary, _fingerprint = valid_key(openpgp_keys)
    httpserver.expect_request("/internal").respond_with_data(binary)
    for path in (ADVANCED, DIRECT):
        httpserver.expect_request(path.format(hash=hashed)).respond_with_data(
            "", status=302, headers={"Location": f"http://intranet.example:{httpserver.port}/internal"}
        )
    host = f"127.0.0.1:{httpserver.port}"
    assert wkd_lookup("valid@example.org", scheme="http", host_override=host) is None
    assert "/internal" not in [request.path for request, _response in httpserver.log]


def test_redirects_within_public_addresses_are_followed(httpserver, openpgp_keys):
    binary, fingerprint = valid_key(openpgp_keys)
    hashed = wkd_hash("valid")
    httpserver.expect_request(ADVANCED.format(hash=hashed)).respond_with_data(
        "", status=301, headers={"Location": "/keys/valid"}
    )
    httpserver.expect_request("/keys/valid").respond_with_data(binary)
    armored = lookup(httpserver)
    assert pysequoia.Cert.from_bytes(armored.encode()).fingerprint.upper() == fingerprint


def test_a_directory_sending_too_much_is_cut_off(httpserver):
    hashed = wkd_hash("valid")
    for path in (ADVANCED, DIRECT):
        httpserver.expect_request(path.format(hash=hashed)).respond_with_data(b"x" * (MAX_WKD_RESPONSE + 1))
    assert lookup(httpserver) is None
