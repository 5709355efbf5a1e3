"""Bad input is a 4xx with a message, never a 500.

First the cases that were reproduced as 500s, each on its own; then walks: every URL of the
URLconf with bad values in each of its path parameters and in the query string, every form
of every page (PAGES in tests/security/pages.py) with a bad value in each field, and each
field of the API's JSON bodies. The values: a NUL byte (PostgreSQL refuses it in any string),
a lone surrogate (not UTF-8), text longer than any column, the first and last years Python
knows (one step further overflows), offsets of 16 to 24 hours (PostgreSQL stores less),
numbers larger than any integer column. The walks run on SQLite and, in `make
test-services`, on PostgreSQL, where the NUL bytes used to fail."""

import json
import re
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urljoin
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from nacl.public import PrivateKey

from scheduler.channels import threema
from scheduler.models import Booking, WorkerCheck
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN
from tests.scheduler.callbacks import GATEWAY_SECRET, threema_form
from tests.security.pages import PAGES, get_reauthenticated

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

MESSAGE = "Ich möchte gern über meine Pläne für das nächste Jahr sprechen."
# In a path (already %-encoded) and in a query string or a form field.
BAD_IN_PATH = ["%00", "a%00b", "%ED%A0%80", "9" * 30, "x" * 300, "0001-01-01", "9999-12-31"]
BAD_VALUES = [
    "\x00",
    "a\x00b",
    "x" * 400,
    "a" * 250 + "@example.org",
    "9" * 30,
    "-1",
    "0001-01-01",
    "9999-12-31",
    "0001-01",
    "9999-12",
    "0001-W01",
    "9999-W52",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:00-01:00",
    "2027-01-04T10:00:00+16:00",
    "2027-01-04T10:00:00-23:59",
]
# The query parameters any view reads (grep request.GET): sent all at once to every page,
# and each alone to the pages that read them.
QUERY_NAMES = ["start", "end", "tz", "day", "month", "week", "type", "page", "next", "show", "channel", "q"]
QUERY_READERS = {
    "scheduler:type",
    "scheduler:booking",
    "scheduler:booking_reschedule",
    "coach:bookings",
    "coach:booking_reschedule",
    "coach:availability_preview",
    "api:list_slots",
    "api:reachability",
}


def assert_no_server_error(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code}"


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.BOOKING_RATE_LIMIT = settings.BOOKING_LINK_RATE_LIMIT = "100000/m"
    settings.ACCOUNT_RATE_LIMITS = False
    cache.clear()


# --- the reproduced 500s ---------------------------------------------------------------------


@pytest.fixture
def demo():
    coach = CoachFactory(slug="demo", time_zone="Europe/Berlin")
    for weekday in range(7):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(12))
    return AppointmentTypeFactory(coach=coach, slug="talk", duration=timedelta(minutes=30), horizon=timedelta(days=60))


def next_monday_at_ten() -> datetime:
    day = date.today() + timedelta(days=14 - date.today().weekday())
    return datetime.combine(day, time(10), tzinfo=BERLIN)


def api_body(**changes) -> dict:
    body = {
        "type": "talk",
        "start": next_monday_at_ten().isoformat(),
        "name": "Eva Muster",
        "email": "eva@example.org",
        "channel": "email",
        "message": MESSAGE,
        "privacy_consent": True,
    }
    return body | changes


def form_body(**changes) -> dict:
    body = {
        "start": next_monday_at_ten().isoformat(),
        "tz": "Europe/Berlin",
        "name": "Eva Muster",
        "email": "eva@example.org",
        "channel": "email",
        "message": MESSAGE,
        "language": "de",
        "privacy_consent": "on",
    }
    return body | changes


def post_json(client, url, body):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, raw, content_type="application/json")


def errors_of(response) -> dict:
    assert response.status_code == 400, response.content[:300]
    return response.json()["errors"]


def error_at(response, field: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


@pytest.mark.parametrize("path", ["/b/%00/", "/b/%00/event.ics", "/api/bookings/%00", "/feeds/%00/calendar.ics"])
def test_a_nul_byte_in_the_path_is_a_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "not allowed" in response.content.decode()


def test_a_nul_byte_in_a_query_parameter_is_a_400_naming_it(client, demo):
    response = client.get("/api/coaches/demo/slots?type=%00")
    assert errors_of(response) == {"type": pytest.approx(errors_of(response)["type"])}
    assert "not allowed" in errors_of(response)["type"]


@pytest.mark.parametrize("field", ["name", "message", "email", "phone", "pgp_public_key", "timezone", "language"])
def test_a_nul_byte_in_a_json_field_is_a_400_at_the_field(client, demo, field):
    response = post_json(client, "/api/coaches/demo/bookings", api_body(**{field: "a\u0000b"}))
    assert "not allowed" in errors_of(response)[field]
    assert not Booking.objects.exists()


def test_a_lone_surrogate_in_json_is_a_400_at_the_field(client, demo):
    raw = json.dumps(api_body(name="SURROGATE")).replace("SURROGATE", "\\ud800")
    response = post_json(client, "/api/coaches/demo/bookings", raw)
    assert "not allowed" in errors_of(response)["name"]
    assert not Booking.objects.exists()


def test_a_nul_byte_in_a_cancellation_note(client, demo):
    booking = Booking.objects.get(token=post_json(client, "/api/coaches/demo/bookings", api_body()).json()["token"])
    response = post_json(client, f"/api/bookings/{booking.token}/cancel", {"note": "a\u0000b"})
    assert "not allowed" in errors_of(response)["note"]
    booking.refresh_from_db()
    assert booking.status != Booking.Status.CANCELLED


@pytest.mark.parametrize("length", [255, 300, 320])
def test_an_e_mail_address_longer_than_its_column(client, demo, length):
    email = "a" * (length - len("@example.org")) + "@example.org"
    response = post_json(client, "/api/coaches/demo/bookings", api_body(email=email))
    assert "at most 254 characters" in errors_of(response)["email"]
    response = client.post("/demo/talk/", form_body(email=email))
    assert response.status_code == 200
    assert "254" in error_at(response, "email")
    assert not Booking.objects.exists()


@pytest.mark.parametrize("start,end", [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")])
def test_the_first_and_last_years_in_the_slots_api(client, demo, start, end):
    response = client.get(f"/api/coaches/demo/slots?type=talk&start={start}&end={end}")
    assert "between 1900-01-01 and 2999-12-31" in errors_of(response)["start"]


FAR_STARTS = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:00-01:00", "9999-12-31T23:00:00+00:00"]


@pytest.mark.parametrize("start", FAR_STARTS)
def test_the_first_and_last_years_as_a_booking_start(client, demo, start):
    assert "start" in errors_of(post_json(client, "/api/coaches/demo/bookings", api_body(start=start)))
    response = client.post("/demo/talk/", form_body(start=start))
    assert response.status_code == 200
    assert "choose one of the times shown" in error_at(response, "start")
    assert not Booking.objects.exists()


@pytest.mark.parametrize("start", FAR_STARTS)
def test_the_first_and_last_years_as_the_type_pages_start(client, demo, start):
    response = client.get("/demo/talk/", {"start": start, "tz": "Europe/Berlin"})
    assert response.status_code == 200
    assert 'name="message"' not in response.content.decode()  # no form for a time never offered


@pytest.mark.parametrize("offset", ["+16:00", "-16:00", "+18:30", "+23:59", "-23:59"])
def test_offsets_of_sixteen_hours_and_more(client, demo, offset):
    """An instant with such an offset is stored in UTC: a valid time books, others are refused."""
    local = next_monday_at_ten().astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    shift = timedelta(hours=hours, minutes=minutes) * (1 if offset[0] == "+" else -1)
    start = (local + shift).isoformat() + offset  # the same instant, written with this offset
    response = post_json(client, "/api/coaches/demo/bookings", api_body(start=start))
    assert response.status_code == 201, response.content
    assert Booking.objects.get().start == next_monday_at_ten()
    response = client.get("/demo/talk/", {"start": start, "tz": "Europe/Berlin"})
    assert response.status_code == 200
    response = client.post("/demo/talk/", form_body(start="2027-01-04T10:07:00" + offset))
    assert response.status_code in (200, 409)


def test_a_malformed_delivery_receipt_with_a_correct_mac(client, settings):
    ours, sender = PrivateKey.generate(), PrivateKey.generate()
    settings.THREEMA_GATEWAY_SECRET = GATEWAY_SECRET
    settings.THREEMA_PRIVATE_KEY = bytes(ours).hex()
    cache.set("threema:pubkey:ECHOECHO", bytes(sender.public_key).hex())
    for receipt in (
        bytes([threema.MESSAGE_TYPE_DELIVERY_RECEIPT]),  # no status
        bytes([threema.MESSAGE_TYPE_DELIVERY_RECEIPT, threema.RECEIPT_READ]),  # no message id
        bytes([threema.MESSAGE_TYPE_DELIVERY_RECEIPT, threema.RECEIPT_READ]) + b"\x01\x02\x03",  # a broken id
    ):
        response = client.post("/hooks/threema", threema_form(ours.public_key, sender, receipt))
        assert response.status_code == 400
        assert b"malformed delivery receipt" in response.content


# --- walk every URL with bad path parameters and query strings ------------------------------


def route_patterns(resolver=None, prefix="", namespace=""):
    """(full route, name) of every URL pattern; regex patterns (the admin's app lists) as None."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            route = str(pattern.pattern) if isinstance(pattern.pattern, RoutePattern) else None
            if route is None:
                continue
            yield from route_patterns(pattern, prefix + route, inner)
        elif isinstance(pattern, URLPattern):
            route = str(pattern.pattern) if isinstance(pattern.pattern, RoutePattern) else None
            yield (prefix + route if route is not None else None), namespace + (pattern.name or "")


PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def valid_parameters(world) -> dict[str, str]:
    """A real value for each parameter name, so that one bad parameter is tried beside good ones."""
    return {
        "coach_slug": world.anna.coach.slug,
        "slug": world.anna.coach.slug,
        "type_slug": world.anna.appointment_type.slug,
        "token": world.kim.booking.token,
        "address_token": world.kim.booking.address_token or "x",
        "booking_id": str(world.anna.booking.uuid),
        "uuid": str(world.anna.booking.uuid),
        "check_id": str(WorkerCheck.objects.create().pk),
        "object_id": str(world.anna.booking.pk),
        "pk": str(world.anna.booking.pk),
    }


def who_walks(name: str, world):
    if name.startswith("admin:"):
        return [world.staff]
    if name.startswith("coach:"):
        return [None, world.anna.user]
    if name.startswith("accounts:") or name.startswith("account_") or name.startswith("mfa_"):
        return [None, world.kim.user, world.anna.user]
    return [None, world.kim.user]


def walk_urls(world):
    valid = valid_parameters(world)
    for route, name in route_patterns():
        if route is None:
            continue
        parameters = [match.group("name") for match in PARAMETER.finditer(route)]
        for position in range(len(parameters)):
            for bad in BAD_IN_PATH:
                values = {p: valid.get(p, "x") for p in parameters} | {parameters[position]: bad}
                yield name, PARAMETER.sub(lambda m, values=values: values[m.group("name")], route)


def test_every_url_with_bad_path_parameters(client, world):
    client.raise_request_exception = False
    walked, failures = 0, []
    for name, path in walk_urls(world):
        for user in who_walks(name, world):
            client.logout()
            if user is not None:
                client.force_login(user)
            for method in (client.get, client.post):
                response = method("/" + path)
                if response.status_code >= 500:
                    failures.append(f"{method.__name__.upper()} /{path[:120]} ({name}): {response.status_code}")
                walked += 1
    assert failures == []
    assert walked > 200


def page_address(world, name) -> tuple[object, str]:
    who, address = PAGES[name]
    user = {None: None, "anna": world.anna.user, "kim": world.kim.user, "staff": world.staff}[who]
    return user, address(world)


QUERY_PAGES = [name for name in PAGES if not name.startswith("admin:")] + ["api:list_slots", "api:reachability"]


@pytest.mark.parametrize("name", QUERY_PAGES)
def test_every_page_with_bad_query_parameters(client, world, name):
    if name == "api:list_slots":
        user, address = None, f"/api/coaches/anna/slots?type={world.anna.appointment_type.slug}"
    elif name == "api:reachability":
        user, address = None, "/api/coaches/anna/reachability"
    else:
        user, address = page_address(world, name)
    if user is not None:
        client.force_login(user)
    client.raise_request_exception = False
    base, _question, _query = address.partition("?")
    failures = []
    alone = [[n] for n in QUERY_NAMES] if name in QUERY_READERS else []
    for bad in BAD_VALUES:
        for names in [*alone, QUERY_NAMES]:
            query = "&".join(f"{n}={quote(bad)}" for n in names)
            kept = "&".join(part for part in _query.split("&") if part and part.split("=")[0] not in names)
            url = f"{base}?{'&'.join(filter(None, (kept, query)))}"
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"GET {url[:160]}: {response.status_code}")
    assert failures == []


# --- walk every form field ------------------------------------------------------------------


class Forms(HTMLParser):
    """The POST forms of a page: action and each field's default value (as a browser sends it)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._textarea, self._select = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "names": []}
            self.forms.append(self._form)
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        if name not in self._form["names"]:
            self._form["names"].append(name)
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"][name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "file"):
                self._form["fields"].setdefault(name, a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self._form["fields"][name] = ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and ("selected" in a or self._select not in self._form["fields"]):
            self._form["fields"][self._select] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea and self._form:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


FIELD_VALUES = [
    "a\x00b",
    "x" * 400,
    "a" * 250 + "@example.org",
    "9" * 30,
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:00-01:00",
    "2027-01-04T10:00:00+18:00",
]
# Forms that end the signed-in state or the account: walked, but each post with a fresh login.
FORM_PAGES = [name for name in PAGES if name != "api:openapi-view"]


@pytest.mark.parametrize("name", FORM_PAGES)
def test_every_form_field_with_bad_values(client, world, name, settings):
    settings.WKD_HOST_OVERRIDE = "127.0.0.1:9"  # "Find my key" answers quickly: nothing listens there
    user, address = page_address(world, name)
    if user is not None:
        client.force_login(user)
    page = get_reauthenticated(client, address)
    parser = Forms()
    parser.feed(page.content.decode(errors="replace"))
    client.raise_request_exception = False
    failures = []
    for form in parser.forms:
        action = urljoin(address, form["action"]) if form["action"] else address
        # A formset's rows are alike: its first row stands for the others.
        fields = [n for n in form["names"] if n != "csrfmiddlewaretoken" and not re.search(r"-[1-9]\d*-", n)]
        for field in fields:
            for bad in FIELD_VALUES:
                if user is not None and "_auth_user_id" not in client.session:
                    client.force_login(user)  # after a form that signs out
                response = client.post(action, form["fields"] | {field: bad})
                if response.status_code >= 500:
                    failures.append(f"POST {action} {field}={bad[:30]!r}: {response.status_code}")
    assert failures == []


# --- walk the API's JSON fields -------------------------------------------------------------


JSON_VALUES = [*FIELD_VALUES, 0, -1, 10**30, True, None, [], {}, "\\ud800"]


def test_every_json_field_of_a_booking(client, demo):
    fields = [*api_body(), "phone", "threema_id", "whatsapp", "pgp_public_key", "language", "timezone"]
    for field in fields:
        for bad in JSON_VALUES:
            body = json.dumps(api_body(**{field: "SURROGATE" if bad == "\\ud800" else bad}))
            response = post_json(client, "/api/coaches/demo/bookings", body.replace("SURROGATE", "\\ud800"))
            assert_no_server_error(response, f"{field}={bad!r}")
            if response.status_code == 201:
                Booking.objects.all().delete()


def test_every_json_field_of_a_cancellation(client, demo):
    token = post_json(client, "/api/coaches/demo/bookings", api_body()).json()["token"]
    for bad in JSON_VALUES:
        body = json.dumps({"note": "SURROGATE" if bad == "\\ud800" else bad}).replace("SURROGATE", "\\ud800")
        response = post_json(client, f"/api/bookings/{token}/cancel", body)
        assert_no_server_error(response, f"note={bad!r}")
        Booking.objects.filter(token=token).update(status=Booking.Status.CONFIRMED)
