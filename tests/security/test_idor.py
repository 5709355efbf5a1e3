"""Every URL that names an object, tried by someone it does not belong to: another coach,
another client, a visitor. The answer is a 404 (a login, or the admin's login, where
one is needed first), it shows nobody's private data, and it changes nothing.

Anna and Kim (her client) own the objects; Ben (another coach), Lou (another client)
and anonymous visitors try them. Every URL pattern with a parameter must have a row in
ROWS (the admin's are all tried by one rule), so a new one cannot go untested."""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, time

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from coach_api.services import coach_token_create
from scheduler.models import (
    BlockedPeriod,
    Booking,
    DateOverride,
    ExternalCalendar,
    InboundMessage,
    ReplyWindow,
    WorkerCheck,
)
from scheduler.services.booking_links import booking_link_create
from scheduler.views.embed import booked_url
from tests.accounts.passkeys import add_passkey
from tests.security.world import make_coach

pytestmark = pytest.mark.django_db


@dataclass
class Probe:
    who: str | None  # "anna", "ben", "kim", "lou", "staff" or None for a visitor
    method: str
    url: str
    expect: int | str  # a status, or "login" / "admin login" (a redirect there)
    data: dict = field(default_factory=dict)
    own: bool = False  # the owner's own request: shows that the URL is the right one
    headers: dict = field(default_factory=dict)  # the coach's API: its token


def strangers(method, url, data=None, coach_page=True):
    """Ben, Lou and a visitor; a coach's page sends the visitor to the login first."""
    data = data or {}
    return [
        Probe("ben", method, url, 404, data),
        Probe("lou", method, url, 404, data),
        Probe(None, method, url, "login" if coach_page else 404, data),
    ]


def not_the_token(w):
    """What someone might try instead of Kim's booking token."""
    booking = w.kim.booking
    return [str(booking.pk), str(booking.uuid), booking.token[:-1], w.anna.coach.feed_token, w.kim.profile.feed_token]


def guesses(w, make_url, method="GET", own_status=None):
    probes = [p for guess in not_the_token(w) for p in strangers(method, make_url(guess), coach_page=False)]
    if own_status:
        probes.append(Probe(None, method, make_url(w.kim.booking.token), own_status, own=True))
    return probes


def coach_actions(url, method="POST", data=None, own_status=None):
    probes = strangers(method, url, data)
    if own_status:
        probes.append(Probe("anna", "GET", url, own_status, own=True))
    return probes


def coach_api_probes(w, method, url, data=None):
    """The coach's API (/api/coach/…): Ben's token finds nothing of Anna's (404); without a
    token, Anna signed in or not, it is a 401; Anna's own token reads it."""
    ben = {"Authorization": f"Bearer {coach_token_create(coach=w.ben.coach, name='ben')[1]}"}
    anna = {"Authorization": f"Bearer {coach_token_create(coach=w.anna.coach, name='anna')[1]}"}
    probes = [
        Probe("ben", method, url, 404, data or {}, headers=ben),
        Probe(None, method, url, 401, data or {}),
        Probe("anna", method, url, 401, data or {}),
    ]
    if method == "GET":
        probes.append(Probe(None, "GET", url, 200, own=True, headers=anna))
    return probes


def inactive_coach():
    cleo = make_coach("cleo")
    cleo.user.is_active = False
    cleo.user.save()
    return cleo


def visitors(method, url, expect, data=None):
    return [Probe(who, method, url, expect, data or {}) for who in (None, "ben", "lou")]


def start_of_anna(w):
    day = w.anna.booking.start.date()
    return datetime.combine(day, time(10), tzinfo=w.anna.coach.zone).isoformat()


def booking_body(w, owner) -> dict:
    return {
        "type": owner.appointment_type.slug,
        "start": start_of_anna(w),
        "name": "Mallory",
        "email": "mallory@example.org",
        "channel": "email",
        "message": "Ich möchte einen Termin bei einem anderen Coach buchen, über diese Adresse.",
        "privacy_consent": True,
    }


def reset_key_probes(w):
    anna = user_pk_to_url_str(w.anna.user)
    kims_key = default_token_generator.make_token(w.kim.user)
    base = "/accounts/password/reset/key/{}-{}/"
    probes = [Probe(who, "GET", base.format(anna, kims_key), "refused") for who in (None, "ben")]
    probes.append(Probe(None, "GET", base.format(anna, "wrong-key"), "refused"))
    probes.append(Probe(None, "GET", base.format(anna, default_token_generator.make_token(w.anna.user)), 302, own=True))
    return probes


def worker_check_probes(w):
    url = f"/healthz/worker/{WorkerCheck.objects.create().pk}"
    return [Probe(who, "GET", url, "admin login") for who in (None, "ben", "lou")] + [
        Probe("staff", "GET", url, 200, own=True)
    ]


def passkey_probes(w, action, data=None):
    url = f"/accounts/2fa/webauthn/keys/{add_passkey(w.anna.user).pk}/{action}"
    # Ben has a password, so allauth first asks for it; Lou has none and gets the 404 at once.
    expected = {"ben": 302, "lou": 404, None: "login"}
    return [
        Probe(who, method, url, expect, data or {}) for who, expect in expected.items() for method in ("GET", "POST")
    ]


def link_probes(w, any_type=False):
    """A booking link opens with its token only; Anna's link is any visitor's (a capability)."""
    link = booking_link_create(coach=w.anna.coach, appointment_type=None if any_type else w.anna.appointment_type)
    suffix = f"{w.anna.appointment_type.slug}/" if any_type else ""
    probes = [p for guess in not_the_token(w) for p in strangers("GET", f"/l/{guess}/{suffix}", coach_page=False)]
    probes.append(Probe(None, "GET", f"/l/{link.token}/{suffix}", 200, own=True))
    return probes


def coach_link_probes(w):
    link = booking_link_create(coach=w.anna.coach)
    return coach_actions(f"/coach/links/{link.token}/withdraw/")


def client_probes(w, path, data):
    url = f"/coach/clients/{w.anna.booking.uuid}/{path}"
    return coach_actions(url, "GET", own_status=200) + strangers("POST", url, data)


def data_request_probes(w):
    """A data request names an address, not an object: Ben asking for Anna's client's address
    gets his own data about it (none), never hers; a client or a visitor gets nothing."""
    data = {"email": w.anna.booking.client.email}
    probes = []
    for kind in ("json", "ics"):
        url = f"/coach/data-requests/export.{kind}"
        probes += [
            Probe("ben", "POST", url, 200, data),
            Probe("lou", "POST", url, 404, data),
            Probe(None, "POST", url, "login", data),
            Probe("anna", "POST", url, 200, data, own=True),
        ]
    return probes


# Pattern name → the probes of it.
ROWS = {
    "scheduler:link": link_probes,
    "scheduler:link_type": lambda w: link_probes(w, any_type=True),
    "coach:link_revoke": coach_link_probes,
    "coach:data_request_export": lambda w: data_request_probes(w),
    "coach:api_token_revoke": lambda w: coach_actions(
        f"/coach/api-tokens/{coach_token_create(coach=w.anna.coach, name='x')[0].uuid}/revoke/"
    ),
    "api:coach_booking": lambda w: coach_api_probes(w, "GET", f"/api/coach/bookings/{w.anna.booking.uuid}"),
    "api:coach_booking_slots": lambda w: coach_api_probes(w, "GET", f"/api/coach/bookings/{w.anna.booking.uuid}/slots"),
    "api:coach_booking_confirm": lambda w: coach_api_probes(
        w, "POST", f"/api/coach/bookings/{w.anna.booking.uuid}/confirm"
    ),
    "api:coach_booking_decline": lambda w: coach_api_probes(
        w, "POST", f"/api/coach/bookings/{w.anna.booking.uuid}/decline", {"note": "x"}
    ),
    "api:coach_booking_cancel": lambda w: coach_api_probes(
        w, "POST", f"/api/coach/bookings/{w.anna.booking.uuid}/cancel", {"note": "x"}
    ),
    "api:coach_booking_move": lambda w: coach_api_probes(
        w, "POST", f"/api/coach/bookings/{w.anna.booking.uuid}/move", {"start": start_of_anna(w)}
    ),
    "api:coach_reply_window": lambda w: (
        coach_api_probes(
            w,
            "PUT",
            f"/api/coach/availability/reply-windows/{w.anna.reply_window.pk}",
            {"weekday": 3, "start": "07:00", "end": "08:00"},
        )
        + coach_api_probes(w, "DELETE", f"/api/coach/availability/reply-windows/{w.anna.reply_window.pk}")
    ),
    "api:coach_date_override": lambda w: coach_api_probes(
        w, "DELETE", f"/api/coach/availability/date-overrides/{w.anna.date_override.pk}"
    ),
    "api:coach_blocked_period": lambda w: (
        coach_api_probes(
            w,
            "PUT",
            f"/api/coach/availability/blocked-periods/{w.anna.blocked_period.pk}",
            {"title": "Mine now", "first_day": "2030-01-01", "last_day": "2030-01-01"},
        )
        + coach_api_probes(w, "DELETE", f"/api/coach/availability/blocked-periods/{w.anna.blocked_period.pk}")
    ),
    "coach:client_book_types": lambda w: coach_actions(
        f"/coach/clients/{w.anna.booking.uuid}/book/", "GET", own_status=200
    ),
    "coach:client_book": lambda w: client_probes(
        w, f"book/{w.anna.appointment_type.slug}/", {"start": start_of_anna(w), "channel": "email"}
    ),
    "coach:client_propose": lambda w: client_probes(
        w, f"propose/{w.anna.appointment_type.slug}/", {"start_1": "2030-01-07T10:00", "channel": "email"}
    ),
    # A booking's private link: only its token opens it, nothing else that names the booking.
    "scheduler:booking": lambda w: guesses(w, lambda t: f"/b/{t}/", own_status=200),
    "scheduler:booking_ics": lambda w: guesses(w, lambda t: f"/b/{t}/event.ics", own_status=200),
    "scheduler:booking_cancel": lambda w: guesses(w, lambda t: f"/b/{t}/cancel/", "POST"),
    "scheduler:booking_reschedule": lambda w: (
        guesses(w, lambda t: f"/b/{t}/reschedule/", own_status=200)
        + guesses(w, lambda t: f"/b/{t}/reschedule/", "POST")
    ),
    # The address confirmation needs both secrets: the booking's and the one sent through the channel.
    "scheduler:booking_address_confirm": lambda w: (
        guesses(w, lambda t: f"/b/{t}/confirm/{w.kim.booking.address_token}/", "POST")
        + [
            probe
            for guess in not_the_token(w) + [w.kim.booking.token]
            for probe in strangers("POST", f"/b/{w.kim.booking.token}/confirm/{guess}/", coach_page=False)
        ]
        + [Probe(None, "GET", f"/b/{w.kim.booking.token}/confirm/{w.kim.booking.address_token}/", 302, own=True)]
    ),
    "api:get_booking": lambda w: guesses(w, lambda t: f"/api/bookings/{t}", own_status=200),
    "api:cancel_booking": lambda w: guesses(w, lambda t: f"/api/bookings/{t}/cancel", "POST"),
    # Calendar feeds: only their own token.
    "coach_feed": lambda w: (
        [
            p
            for guess in (w.kim.profile.feed_token, w.anna.booking.token, str(w.anna.coach.pk), w.anna.coach.slug)
            for p in visitors("GET", f"/feeds/{guess}/calendar.ics", 404)
        ]
        + [Probe(None, "GET", f"/feeds/{w.anna.coach.feed_token}/calendar.ics", 200, own=True)]
    ),
    "accounts:me_feed": lambda w: (
        [
            p
            for guess in (w.anna.coach.feed_token, w.kim.booking.token, str(w.kim.profile.pk), str(w.kim.user.pk))
            for p in visitors("GET", f"/me/feed/{guess}/calendar.ics", 404)
        ]
        + [Probe(None, "GET", f"/me/feed/{w.kim.profile.feed_token}/calendar.ics", 200, own=True)]
    ),
    # Public pages of a coach: an inactive coach is gone, another coach's type is not under this one.
    "scheduler:coach": lambda w: (
        visitors("GET", f"/{inactive_coach().coach.slug}/", 404) + [Probe(None, "GET", "/anna/", 200, own=True)]
    ),
    "scheduler:privacy": lambda w: (
        visitors("GET", f"/{inactive_coach().coach.slug}/privacy/", 404)
        + [Probe(None, "GET", "/anna/privacy/", 200, own=True)]
    ),
    "scheduler:type": lambda w: (
        visitors("GET", f"/anna/{w.ben.appointment_type.slug}/", 404)
        + visitors("POST", f"/anna/{w.ben.appointment_type.slug}/", 404, {"start": start_of_anna(w)})
        + visitors("GET", f"/cleo/{inactive_coach().appointment_type.slug}/", 404)
        + [Probe(None, "GET", f"/anna/{w.anna.appointment_type.slug}/", 200, own=True)]
    ),
    # The framed confirmation: only with its signed reference, and only under its own coach and type.
    "scheduler:type_booked": lambda w: (
        visitors("GET", f"/anna/{w.anna.appointment_type.slug}/booked/?ref={w.kim.booking.uuid}", 404)
        + visitors("GET", booked_url(w.kim.booking).replace("/anna/", "/ben/", 1), 404)
        + [Probe(None, "GET", booked_url(w.kim.booking), 200, own=True)]
    ),
    # "Find my key" exists only for a bookable type of that coach.
    "scheduler:type_key": lambda w: (
        visitors("POST", f"/anna/{w.ben.appointment_type.slug}/key/", 404, {"start": start_of_anna(w)})
        + visitors("POST", f"/cleo/{inactive_coach().appointment_type.slug}/key/", 404)
        + [Probe(None, "POST", f"/anna/{w.anna.appointment_type.slug}/key/", 200, own=True)]
    ),
    # The busy feed exists only where its coach turned it on, and never shows who or why.
    "scheduler:busy_feed": lambda w: (
        visitors("GET", "/ben/busy.ics", 404)
        + visitors("GET", f"/{inactive_coach().coach.slug}/busy.ics", 404)
        + [Probe(None, "GET", "/anna/busy.ics", 200)]
    ),
    "api:list_types": lambda w: (
        visitors("GET", f"/api/coaches/{inactive_coach().coach.slug}/types", 404)
        + [Probe(None, "GET", "/api/coaches/anna/types", 200)]
    ),
    "api:reachability": lambda w: (
        visitors("GET", f"/api/coaches/{inactive_coach().coach.slug}/reachability", 404)
        + [Probe(None, "GET", "/api/coaches/anna/reachability?tz=America/New_York", 200)]
    ),
    "api:list_slots": lambda w: (
        visitors("GET", f"/api/coaches/anna/slots?type={w.ben.appointment_type.slug}", 400)
        + visitors("GET", f"/api/coaches/{inactive_coach().coach.slug}/slots?type=cleo-talk", 404)
        + [Probe(None, "GET", f"/api/coaches/anna/slots?type={w.anna.appointment_type.slug}", 200)]
    ),
    "api:create_booking": lambda w: (
        visitors("POST", "/api/coaches/anna/bookings", 400, booking_body(w, w.ben))
        + visitors("POST", f"/api/coaches/{inactive_coach().coach.slug}/bookings", 404, booking_body(w, w.anna))
    ),
    # The coach's workspace: another coach's object is a 404, a visitor logs in first.
    "coach:booking": lambda w: (
        coach_actions(f"/coach/bookings/{w.anna.booking.uuid}/", "GET", own_status=200)
        + strangers("GET", f"/coach/bookings/{w.kim.booking.uuid}/")
    ),
    "coach:booking_confirm": lambda w: coach_actions(f"/coach/bookings/{w.anna.booking.uuid}/confirm/"),
    "coach:booking_decline": lambda w: coach_actions(
        f"/coach/bookings/{w.anna.booking.uuid}/decline/", data={"decline-note": "no"}
    ),
    "coach:booking_cancel": lambda w: coach_actions(
        f"/coach/bookings/{w.kim.booking.uuid}/cancel/", data={"cancel-note": "no"}
    ),
    "coach:booking_outcome": lambda w: coach_actions(
        f"/coach/bookings/{w.anna.booking.uuid}/outcome/", data={"outcome-outcome": "no_show"}
    ),
    "coach:booking_reschedule": lambda w: (
        coach_actions(f"/coach/bookings/{w.anna.booking.uuid}/reschedule/", "GET", own_status=200)
        + strangers("POST", f"/coach/bookings/{w.anna.booking.uuid}/reschedule/", {"start": start_of_anna(w)})
    ),
    "coach:notification_retry": lambda w: (
        coach_actions(f"/coach/bookings/{w.anna.booking.uuid}/messages/{w.anna.notification.pk}/retry/")
        # Ben's own booking does not make Anna's message his.
        + strangers("POST", f"/coach/bookings/{w.ben.booking.uuid}/messages/{w.anna.notification.pk}/retry/")
    ),
    "coach:availability_override_delete": lambda w: coach_actions(
        f"/coach/availability/dates/{w.anna.date_override.pk}/delete/"
    ),
    "coach:availability_blocked_edit": lambda w: (
        coach_actions(f"/coach/availability/blocked/{w.anna.blocked_period.pk}/", "GET", own_status=200)
        + strangers("POST", f"/coach/availability/blocked/{w.anna.blocked_period.pk}/", {"title": "Mine now"})
    ),
    "coach:availability_blocked_delete": lambda w: coach_actions(
        f"/coach/availability/blocked/{w.anna.blocked_period.pk}/delete/"
    ),
    "coach:type_edit": lambda w: (
        coach_actions(f"/coach/types/{w.anna.appointment_type.slug}/", "GET", own_status=200)
        + strangers("POST", f"/coach/types/{w.anna.appointment_type.slug}/", {"name": "Mine now"})
    ),
    "coach:type_active": lambda w: coach_actions(f"/coach/types/{w.anna.appointment_type.slug}/active/"),
    "coach:type_move": lambda w: coach_actions(
        f"/coach/types/{w.anna.appointment_type.slug}/move/", data={"direction": "up"}
    ),
    "coach:calendar_active": lambda w: coach_actions(f"/coach/settings/calendars/{w.anna.calendar.pk}/active/"),
    "coach:calendar_delete": lambda w: coach_actions(f"/coach/settings/calendars/{w.anna.calendar.pk}/delete/"),
    "coach:calendar_sync": lambda w: coach_actions(f"/coach/settings/calendars/{w.anna.calendar.pk}/sync/"),
    "coach:availability_reply_edit": lambda w: (
        coach_actions(f"/coach/availability/replies/{w.anna.reply_window.pk}/", "GET", own_status=200)
        + strangers("POST", f"/coach/availability/replies/{w.anna.reply_window.pk}/", {"weekday": "1"})
    ),
    "coach:availability_reply_delete": lambda w: coach_actions(
        f"/coach/availability/replies/{w.anna.reply_window.pk}/delete/"
    ),
    "coach:message_read": lambda w: coach_actions(f"/coach/messages/{w.anna.inbound_message.pk}/read/"),
    "coach:message_delete": lambda w: coach_actions(f"/coach/messages/{w.anna.inbound_message.pk}/delete/"),
    # A password reset link of one user does not open another's.
    "account_reset_password_from_key": reset_key_probes,
    # Anna's passkey: allauth asks for the password again first (a redirect, before the key is
    # looked up); tests/accounts/test_passkeys.py tries it freshly signed in: a 404.
    "mfa_edit_webauthn": lambda w: passkey_probes(w, "edit/", {"name": "Mine now"}),
    "mfa_remove_webauthn": lambda w: passkey_probes(w, "remove/"),
    "worker_check_detail": worker_check_probes,
}


# --- the URL patterns ------------------------------------------------------------------------

PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def patterns(resolver=None, route="", namespace=""):
    """(key, full route) of every URL pattern that takes a parameter; the key is the
    pattern's name, or its route where it has none."""
    for pattern in (resolver or get_resolver()).url_patterns:
        here = route + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from patterns(pattern, here, inner)
        elif isinstance(pattern, URLPattern) and PARAMETER.search(here):
            yield (namespace + pattern.name if pattern.name else here), here


def fill(route: str, values: dict) -> str:
    """The route with its parameters filled in, as a path."""
    path = PARAMETER.sub(lambda match: str(values[match.group(1) or match.group(2)]), route)
    return "/" + path.replace("^", "").replace("$", "")


def test_every_url_with_a_parameter_has_a_row():
    keys = {key for key, route in patterns() if not route.startswith("admin/")}
    assert keys - set(ROWS) == set(), "a new URL names an object: add its probes to ROWS"
    assert set(ROWS) - keys == set(), "these URLs are gone"


# --- trying them -----------------------------------------------------------------------------


def private_data(w) -> list[str]:
    """What no stranger may see: the clients, their messages and links, the coaches' own data."""
    found = []
    for coach in (w.anna, w.ben):
        booking = coach.booking
        found += [booking.message, booking.client.email, booking.client.name, booking.token, coach.coach.feed_token]
        found += [coach.notification.last_error, coach.calendar.url, coach.calendar.name, coach.blocked_period.title]
        found += [coach.inbound_message.text]
    for client in (w.kim, w.lou):
        found += [client.booking.message, client.booking.token, client.user.email, client.profile.feed_token]
    return found


def state(w) -> dict:
    """Everything a stranger's POST could change."""
    return {
        "bookings": sorted(Booking.objects.values_list("uuid", "status", "start", "message", "token", "outcome")),
        "notifications": sorted(w.anna.booking.notifications.values_list("pk", "status", "attempts")),
        "overrides": sorted(DateOverride.objects.values_list("pk", "date", "start", "end")),
        "blocked": sorted(BlockedPeriod.objects.values_list("pk", "title", "first_day", "last_day")),
        "types": sorted(w.anna.coach.appointment_types.values_list("pk", "name", "active", "order")),
        "calendars": sorted(ExternalCalendar.objects.values_list("pk", "active", "url")),
        "inbound": sorted(InboundMessage.objects.values_list("pk", "read_at")),
        "reply_windows": sorted(ReplyWindow.objects.values_list("pk", "weekday", "start", "end")),
    }


def send(client, w, probe: Probe):
    user = {"anna": w.anna.user, "ben": w.ben.user, "kim": w.kim.user, "lou": w.lou.user, "staff": w.staff}
    client.logout()
    if probe.who:
        client.force_login(user[probe.who])
    if probe.method == "GET":
        return client.get(probe.url, headers=probe.headers)
    if probe.url.startswith("/api/"):
        body = json.dumps(probe.data)
        return client.generic(probe.method, probe.url, body, content_type="application/json", headers=probe.headers)
    return client.post(probe.url, probe.data)


def check(response, probe: Probe, secrets: list[str]):
    where = f"{probe.who or 'visitor'} {probe.method} {probe.url}"
    if probe.expect == "login":
        assert response.status_code == 302 and response.url.startswith("/accounts/login/?next="), where
    elif probe.expect == "admin login":
        assert response.status_code == 302 and response.url.startswith("/admin/login/?next="), where
    elif probe.expect == "refused":
        # allauth's page for a bad link: no form to set a password, nobody's address.
        assert response.status_code == 200, where
        assert 'name="password1"' not in response.content.decode(), where
    else:
        assert response.status_code == probe.expect, where
    if not probe.own:
        body = response.content.decode(errors="replace")
        assert [secret for secret in secrets if secret in body] == [], where


@pytest.mark.parametrize("key", ROWS)
def test_another_owners_object_is_a_404_and_changes_nothing(client, world, key):
    world.anna.coach.busy_feed_enabled = True
    world.anna.coach.save()
    probes = ROWS[key](world)
    secrets = private_data(world)
    before = state(world)
    for probe in probes:
        match = resolve(probe.url.split("?")[0])
        assert (match.view_name if match.url_name else match.route) == key, probe.url
        check(send(client, world, probe), probe, secrets)
    # The owner's own GETs change nothing either; a stranger's POST must not.
    assert state(world) == before
    assert any(probe.who != "anna" and probe.who != "kim" and not probe.own for probe in probes)


def admin_values(w, route: str) -> dict:
    """A value for every parameter of the admin's URLs: real objects where they name one."""
    model = re.match(r"admin/(\w+)/(\w+)/", route)
    instance = apps.get_model(*model.groups()).objects.first() if model else None
    return {
        "object_id": instance.pk if instance else 1,
        "content_type_id": ContentType.objects.get_for_model(Booking).pk,
        "app_label": "scheduler",
        "id": w.anna.user.pk,
        "url": "scheduler/booking/",
    }


def test_every_admin_url_with_a_parameter_is_for_staff_only(client, world):
    admin_routes = [route for _key, route in patterns() if route.startswith("admin/")]
    assert len(admin_routes) > 40  # every registered model's change, history and delete pages
    secrets = private_data(world)
    for route in admin_routes:
        url = fill(route, admin_values(world, route))
        for who in (None, "ben", "lou"):
            probe = Probe(who, "GET", url, "admin login")
            check(send(client, world, probe), probe, secrets)
        # The staff user gets past the login (a page, or the admin's own redirect).
        staff = send(client, world, Probe("staff", "GET", url, 200))
        assert not (staff.status_code == 302 and staff.url.startswith("/admin/login/")), url
