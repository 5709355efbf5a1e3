"""The policy in a real browser: Chromium blocks nothing on the pages whose scripts and
images matter (time zone detection, the copy buttons, the authenticator's QR code, the
API docs), and the scripts still do their work."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.security.world import PASSWORD

from .test_csp import offered_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    """A visitor in New York: the booking script has a zone to detect."""
    context = browser.new_context(locale="en-GB", timezone_id="America/New_York")
    yield context.new_page()
    context.close()


@pytest.fixture
def blocked(page):
    """What the browser refused because of the policy, as it reports it on the console."""
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return refused


def sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_public_pages_and_their_script(page, live_server, world, blocked):
    page.goto(f"{live_server.url}/anna/")
    # Without ?tz= the booking script detects the browser's zone and reloads with it.
    page.goto(f"{live_server.url}/anna/{world.anna.appointment_type.slug}/")
    page.wait_for_url("**tz=America%2FNew_York*")
    page.goto(f"{live_server.url}/anna/{world.anna.appointment_type.slug}/?start={offered_start(world)}")
    assert page.locator("textarea[name=message]").is_visible()
    page.goto(f"{live_server.url}/b/{world.kim.booking.token}/")
    page.goto(f"{live_server.url}/api/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()  # Swagger UI ran and drew the API
    assert blocked == []


def test_coach_pages_copy_button_and_qr_code(page, live_server, world, blocked):
    sign_in(page, live_server, world.anna.user)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/coach/settings/")
    copy = page.locator("button[data-copy]").first
    copy.click()
    expect(copy).to_have_text(copy.get_attribute("data-copied"))  # the script answered the click
    page.goto(f"{live_server.url}/coach/availability/")
    # Setting up the authenticator asks for the password first.
    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    qr_code = page.locator("img[src^='data:image/svg+xml']")
    qr_code.wait_for()
    assert qr_code.evaluate("image => image.naturalWidth") > 0  # the data: image was loaded
    assert blocked == []
