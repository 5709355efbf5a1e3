"""Booking attempts under load: 30 at once against the running server, from one address
or with one e-mail address from 30 addresses, through the page's form and the API; and 30
requests at once for bookings' private links, found or guessed. Exactly the allowed number
gets through; every other answer is a 429 with Retry-After.

The server runs on loopback; each client sends from its own loopback address
(127.0.0.x), so the server sees different REMOTE_ADDRs. The clock of the rate limiter is
fixed in the middle of a window, so no window rolls over during the burst.
"""

import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import httpx
import pytest

from scheduler import ratelimit
from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN, run_python, run_together

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 30
ALLOWED = 10
MESSAGE = "Ich möchte gern über meine Pläne für das nächste Jahr sprechen."


@pytest.fixture
def burst(settings, monkeypatch, live_server):
    """The server, a limit of 10 a minute and a clock 30 s before the window ends."""
    settings.BOOKING_RATE_LIMIT = f"{ALLOWED}/m"
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    coach = CoachFactory(slug="anna", time_zone="Europe/Berlin")
    day = date.today() + timedelta(days=7)
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(12))
    AppointmentTypeFactory(coach=coach, slug="talk", duration=timedelta(minutes=30))
    start = datetime.combine(day, time(10), tzinfo=BERLIN)
    return SimpleNamespace(url=live_server.url, start=start.isoformat())


def client_from(address: str) -> httpx.Client:
    return httpx.Client(
        transport=httpx.HTTPTransport(local_address=address), headers={"accept-language": "en"}, timeout=60
    )


def api_attempt(burst, *, email: str, address: str = "127.0.0.1"):
    body = {
        "type": "talk",
        "start": burst.start,
        "name": "Eva Muster",
        "email": email,
        "channel": "email",
        "message": MESSAGE,
        "privacy_consent": True,
    }
    with client_from(address) as http:
        return http.post(f"{burst.url}/api/coaches/anna/bookings", json=body)


def form_session(burst) -> dict:
    """A CSRF cookie and its token from the booking form, as a browser would have them."""
    response = httpx.get(f"{burst.url}/anna/talk/", params={"start": burst.start, "tz": "Europe/Berlin"})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
    return {"cookies": dict(response.cookies), "token": token}


def form_attempt(burst, session, *, email: str, address: str = "127.0.0.1"):
    data = {
        "csrfmiddlewaretoken": session["token"],
        "start": burst.start,
        "tz": "Europe/Berlin",
        "name": "Eva Muster",
        "email": email,
        "channel": "email",
        "message": MESSAGE,
        "language": "de",
        "privacy_consent": "on",
        "website": "",
    }
    with client_from(address) as http:
        http.cookies.update(session["cookies"])
        return http.post(f"{burst.url}/anna/talk/", data=data)


def assert_exactly_allowed(responses, allowed_statuses):
    statuses = Counter(response.status_code for response in responses)
    assert statuses[429] == ATTEMPTS - ALLOWED, statuses
    assert sum(statuses[status] for status in allowed_statuses) == ALLOWED, statuses
    assert {response.headers["Retry-After"] for response in responses if response.status_code == 429} == {"30"}
    # Whatever got through, the slot was booked once.
    assert Booking.objects.count() == 1


def test_api_from_one_address(burst):
    responses = run_together(ATTEMPTS, lambda i: api_attempt(burst, email=f"c{i}@example.org"))
    assert_exactly_allowed(responses, {201, 409})
    # The limit is per address: another one still gets an answer.
    assert api_attempt(burst, email="other@example.org", address="127.0.0.99").status_code == 409


def test_api_with_one_email_from_many_addresses(burst):
    responses = run_together(
        ATTEMPTS, lambda i: api_attempt(burst, email="eva@example.org", address=f"127.0.0.{10 + i}")
    )
    assert_exactly_allowed(responses, {201, 409})
    # The same person's address in other letters counts as the same address.
    assert api_attempt(burst, email=" EVA@example.org", address="127.0.0.99").status_code == 429


def test_form_from_one_address(burst):
    session = form_session(burst)
    responses = run_together(ATTEMPTS, lambda i: form_attempt(burst, session, email=f"c{i}@example.org"))
    # One booking goes through (303 to its page), the others find the slot taken (409).
    assert_exactly_allowed(responses, {303, 409})
    assert all("too many booking attempts" in r.text for r in responses if r.status_code == 429)


def test_form_with_one_email_from_many_addresses(burst):
    session = form_session(burst)
    responses = run_together(
        ATTEMPTS, lambda i: form_attempt(burst, session, email="eva@example.org", address=f"127.0.0.{10 + i}")
    )
    assert_exactly_allowed(responses, {303, 409})


def test_booking_links_from_one_address(burst, settings):
    settings.BOOKING_LINK_RATE_LIMIT = f"{ALLOWED}/m"
    booking = api_attempt(burst, email="eva@example.org").json()
    paths = [f"/b/{booking['token']}/", f"/b/{booking['token']}/event.ics", f"/api/bookings/{booking['token']}"]
    guesses = ["/b/a-guessed-token/", "/api/bookings/a-guessed-token"]

    def open_link(i):
        with client_from("127.0.0.1") as http:
            return http.get(burst.url + (paths + guesses)[i % 5])

    statuses = Counter(response.status_code for response in run_together(ATTEMPTS, open_link))
    assert statuses[429] == ATTEMPTS - ALLOWED, statuses
    assert statuses[200] + statuses[404] == ALLOWED, statuses
    # The limit is per address.
    with client_from("127.0.0.99") as http:
        assert http.get(burst.url + paths[0]).status_code == 200


# --- whose address counts: X-Forwarded-For only from TRUSTED_PROXIES ----------------

from django.test import RequestFactory  # noqa: E402


def request_from(remote_addr: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers)


@pytest.mark.parametrize("production", [True, False])
def test_without_trusted_proxies_the_socket_counts_and_the_header_is_ignored(settings, production):
    """A client that writes its own X-Forwarded-For gets a fresh limit with every made-up
    address unless only the socket counts (in production the header's last entry did)."""
    settings.PRODUCTION, settings.TRUSTED_PROXIES = production, []
    assert ratelimit.client_ip(request_from("203.0.113.5", "198.51.100.1")) == "203.0.113.5"
    assert ratelimit.client_ip(request_from("203.0.113.5", "198.51.100.1, 198.51.100.2")) == "203.0.113.5"


def test_behind_a_trusted_proxy_the_address_it_saw_counts(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    assert ratelimit.client_ip(request_from("127.0.0.1", "198.51.100.7")) == "198.51.100.7"
    # What the client wrote itself (left of the proxy's entry) proves nothing.
    assert ratelimit.client_ip(request_from("127.0.0.1", "10.9.9.9, 198.51.100.7")) == "198.51.100.7"
    # No header: the proxy's own address.
    assert ratelimit.client_ip(request_from("127.0.0.1")) == "127.0.0.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
    chain = "1.1.1.1, 198.51.100.7, 192.0.2.1, 10.0.0.3"
    assert ratelimit.client_ip(request_from("10.0.0.2", chain)) == "198.51.100.7"
    # Only proxies all the way: the leftmost one is the best that is known.
    assert ratelimit.client_ip(request_from("10.0.0.2", "10.1.1.1, 10.0.0.3")) == "10.1.1.1"


def test_a_header_from_an_untrusted_address_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ratelimit.client_ip(request_from("203.0.113.5", "10.0.0.1")) == "203.0.113.5"


def test_allauth_counts_the_same_client(settings):
    """The login's rate limits (allauth) use the same address as the booking's."""
    from allauth.account.adapter import get_adapter

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    request = request_from("127.0.0.1", "6.6.6.6, 198.51.100.7")
    assert get_adapter(request).get_client_ip(request) == "198.51.100.7"


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path):
    result = run_python("import django; django.setup()", {"TRUSTED_PROXIES": "proxy.internal"}, tmp_path)
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr
