"""A strict Content-Security-Policy on every page, and nothing in the pages that it would
block: no inline <script>, no on…= event handlers, no style="" attributes, no <style>
elements, no javascript: links. Every named URL is either rendered here or listed as not
an HTML page, so a new page cannot slip past."""

from html.parser import HTMLParser

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from tests.helpers import totp_now
from tests.security.pages import FRAMEABLE, PAGES, get_reauthenticated, offered_start
from tests.security.world import PASSWORD

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# <script> types that hold data, which a browser never runs.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCode(HTMLParser):
    """Collects everything in a page that a policy without 'unsafe-inline' blocks."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            elif name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "script" and "src" not in attributes and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")


def inline_code(page: str) -> list[str]:
    parser = InlineCode()
    parser.feed(page)
    parser.close()
    return parser.found


def policy_of(response) -> dict:
    header = response.get("Content-Security-Policy", "")
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def assert_strict_page(response, status=200, frame_ancestors="'none'"):
    assert response.status_code == status, response.get("Location")
    assert response["Content-Type"].startswith("text/html")
    assert policy_of(response) == {**POLICY, "frame-ancestors": frame_ancestors}
    assert inline_code(response.content.decode()) == []


def test_the_parser_finds_what_the_policy_blocks():
    page = """<p style="color:red" onclick="go()">x</p><script>alert(1)</script><style>p{}</style>
    <a href="javascript:go()">y</a><script src="/static/js/a.js"></script>
    <script type="application/json" id="settings">{}</script><img src="data:image/png;base64,AA">"""
    assert inline_code(page) == [
        '<p style="color:red">',
        "<p onclick=…>",
        "<script> without src",
        "<style> element",
        "<a href=javascript:go()>",
    ]


# --- every page, by URL name ------------------------------------------------------------------


# Pages that need a state first (a pending sign-in, an authenticator): their own tests below.
PAGES_WITH_A_FLOW = {
    "account_email_verification_sent",
    "account_confirm_login_code",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    # A passkey's pages (tests/accounts/test_passkeys.py renders them with one).
    "mfa_edit_webauthn",
    "mfa_remove_webauthn",
    "mfa_reauthenticate_webauthn",
}
NOT_PAGES = {
    # Calendars, JSON, text files and webhooks: no HTML for a policy to protect.
    "scheduler:booking_ics": "calendar",
    "scheduler:busy_feed": "calendar",
    "coach_feed": "calendar",
    "accounts:me_feed": "calendar",
    "accounts:me_export_ics": "calendar",
    "accounts:me_export_json": "JSON",
    "mfa_download_recovery_codes": "text file",
    "mfa_login_webauthn": "JSON",  # the passkey sign-in's options; its POST is an action
    "api:openapi-json": "JSON",
    "api:api-root": "JSON",
    "api:list_types": "JSON",
    "api:list_slots": "JSON",
    "api:reachability": "JSON",
    "api:create_booking": "JSON",
    "api:get_booking": "JSON",
    "api:cancel_booking": "JSON",
    # The coach's API (coach_api/api.py, api_availability.py).
    "api:coach_bookings": "JSON",
    "api:coach_booking": "JSON",
    "api:coach_booking_confirm": "JSON",
    "api:coach_booking_decline": "JSON",
    "api:coach_booking_cancel": "JSON",
    "api:coach_booking_slots": "JSON",
    "api:coach_booking_move": "JSON",
    "api:coach_types": "JSON",
    "api:coach_weekly_hours": "JSON",
    "api:coach_reply_windows": "JSON",
    "api:coach_reply_window": "JSON",
    "api:coach_date_overrides": "JSON",
    "api:coach_date_override": "JSON",
    "api:coach_blocked_periods": "JSON",
    "api:coach_blocked_period": "JSON",
    "embed_js": "script",
    "healthz": "JSON",
    "worker_check_create": "JSON",
    "worker_check_detail": "JSON",
    "threema_callback": "webhook",
    "whatsapp_webhook": "webhook",
    # Actions: a POST that redirects (its errors render one of the pages above).
    "scheduler:booking_cancel": "action",
    "scheduler:type_key": "action",  # "Find my key": shows the type page above again
    "coach:booking_confirm": "action",
    "coach:booking_decline": "action",
    "coach:booking_cancel": "action",
    "coach:booking_outcome": "action",
    "coach:notification_retry": "action",
    "coach:link_create": "action",  # its errors render coach:links
    "coach:link_revoke": "action",
    "coach:data_request_look": "action",  # renders coach:data_requests with the address's counts
    "coach:data_request_erase": "action",  # renders its confirmation step, then redirects
    "coach:data_request_export": "download (JSON or ICS)",
    "coach:api_token_create": "action",  # renders coach:api_tokens (the new token, or the form's errors)
    "coach:api_token_revoke": "action",
    "coach:message_read": "action",
    "coach:availability_reply_delete": "action",
    "coach:message_delete": "action",
    "coach:availability_override_delete": "action",
    "coach:availability_blocked_delete": "action",
    "coach:type_active": "action",
    "coach:type_move": "action",
    "coach:settings_channels": "action",
    "coach:settings_key": "action",
    "coach:settings_key_remove": "action",
    "coach:settings_embed": "action",
    "coach:feed_rotate": "action",
    "coach:busy_feed_set": "action",
    "coach:calendar_add": "action",
    "coach:calendar_active": "action",
    "coach:calendar_delete": "action",
    "coach:calendar_sync": "action",
    "coach:caldav_connect": "action",
    "accounts:me_feed_rotate": "action",
    "set_language": "action",
}


def url_names(resolver=None, namespace=""):
    """Every named URL pattern, with its namespace."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


def test_every_named_url_is_rendered_here_or_is_not_a_page():
    # The admin is Django's own: three of its pages stand for the rest.
    names = {name for name in url_names() if not name.startswith("admin:")}
    listed = {name for name in PAGES if not name.startswith("admin:")} | PAGES_WITH_A_FLOW | set(NOT_PAGES)
    assert names - listed == set(), "render the new page in PAGES, or say in NOT_PAGES why it is not one"
    assert listed - names == set(), "these names are gone from the URLs"


def sign_in(client, user):
    """A real sign-in with the password, so allauth counts it as a recent authentication
    (a client has no password: signed in directly)."""
    if not user.has_usable_password():
        client.force_login(user)
        return
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.mark.parametrize("name", PAGES)
def test_page_has_the_policy_and_nothing_inline(client, world, name):
    who, address = PAGES[name]
    user = {None: None, "anna": world.anna.user, "kim": world.kim.user, "staff": world.staff}[who]
    if user is not None:
        sign_in(client, user)
    response = get_reauthenticated(client, address(world))
    assert_strict_page(response, frame_ancestors="*" if name in FRAMEABLE else "'none'")
    if name == "mfa_activate_totp":
        assert '<img src="data:image/svg+xml;base64,' in response.content.decode()  # the QR code: img-src data:
    if name == "scheduler:type":
        assert 'name="message"' in response.content.decode()  # the booking form itself


# --- pages behind a step, and the error pages -----------------------------------------------


def test_sign_in_by_code_page(client, world):
    response = client.post("/accounts/login/code/", {"email": world.kim.user.email})
    assert response.status_code == 302
    assert_strict_page(client.get(response.url))


def test_sign_up_code_page(client, world):
    response = client.post("/accounts/signup/", {"email": "new@client.example"})
    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert_strict_page(client.get(response.url))


def test_two_factor_pages(client, world):
    user = world.anna.user
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    sign_in(client, user)
    assert_strict_page(client.get("/accounts/2fa/authenticate/"))
    assert client.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)}).status_code == 302
    for address in (
        "/accounts/2fa/reauthenticate/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
    ):
        assert_strict_page(get_reauthenticated(client, address))


def booking_post(world, **changes):
    data = {
        "start": offered_start(world),
        "tz": "Europe/Berlin",
        "name": "Erika",
        "email": "erika@example.org",
        "channel": "email",
        "message": "short",
        "language": "en",
        "website": "",
        **changes,
    }
    return f"/anna/{world.anna.appointment_type.slug}/", data


def test_booking_form_with_errors_and_the_rate_limit_page(client, world, settings):
    settings.BOOKING_RATE_LIMIT = "1/m"
    address, data = booking_post(world)
    assert_strict_page(client.post(address, data), frame_ancestors="*")
    assert_strict_page(client.post(address, data), status=429, frame_ancestors="*")


@override_settings(DEBUG=False)
def test_not_found_and_csrf_failure_pages(client, world):
    assert_strict_page(client.get("/no-such-coach/"), status=404)
    strict = type(client)(enforce_csrf_checks=True)
    address, data = booking_post(world)
    assert_strict_page(strict.post(address, data), status=403)
