"""A coach's passkey in a real browser (Debian's Chromium through Playwright) with a virtual
authenticator (Chrome DevTools Protocol): signed in with the password, the coach adds a passkey
from the workspace's settings, signs out, and signs in again with the passkey alone, under the
site's CSP (allauth's static scripts, no inline code)."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

from tests.accounts.passkeys import add_passkey
from tests.factories import CoachFactory
from tests.test_browser_axe import assert_accessible, axe_source  # noqa: F401 (axe-core's source, a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"  # the factories' password


def virtual_authenticator(page):
    """A platform authenticator that keeps resident keys and verifies the user (a fingerprint
    that always matches): what a laptop with a passkey provider offers."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    answer = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, answer["authenticatorId"]


@pytest.mark.parametrize("second_factor_required", [False, True], ids=["optional", "required"])
def test_a_coach_adds_a_passkey_and_signs_in_with_it(page, live_server, settings, second_factor_required):
    """With COACH_MFA_REQUIRED (production's default) the workspace first sends the coach to the
    second factor's page, and the passkey alone is enough there: no authenticator app asked for."""
    from playwright.sync_api import expect

    settings.COACH_MFA_REQUIRED = second_factor_required

    # WebAuthn wants a secure context and an RP ID that is a domain: http://localhost is both
    # (127.0.0.1 is no valid RP ID for Chromium). The live server listens there.
    base = live_server.url.replace("127.0.0.1", "localhost")
    assert settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN  # http origins, outside production only
    coach = CoachFactory(slug="anna", display_name="Anna Beispiel")
    EmailAddress.objects.create(user=coach.user, email=coach.user.email, verified=True, primary=True)
    problems = []
    # CSP refusals and script errors reach the console; failed loads are counted by address
    # (the browser's own /favicon.ico is not ours to serve).
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and problems.append(message.text)
        ),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and problems.append(f"{response.status} {response.url}")
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    cdp, authenticator_id = virtual_authenticator(page)

    # Signed in with the password.
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(coach.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if second_factor_required:
        expect(page).to_have_url(f"{base}/accounts/2fa/")
        expect(page.get_by_text("Please set up a second factor first")).to_be_visible()
    else:
        # The workspace's settings lead to adding a passkey.
        expect(page).to_have_url(f"{base}/coach/")
        page.goto(f"{base}/coach/settings/")
    page.get_by_role("link", name="Add a passkey").click()
    # allauth asks for the password again before an authenticator is added.
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{base}/accounts/2fa/webauthn/add/")
    expect(page.get_by_label("Sign in with it without a password")).to_be_checked()
    page.get_by_label("Name of the passkey").fill("Laptop")
    page.get_by_role("button", name="Add passkey").click()
    # The first authenticator comes with recovery codes, shown next.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    passkey = Authenticator.objects.get(user=coach.user, type=Authenticator.Type.WEBAUTHN)
    assert passkey.wrap().name == "Laptop"
    assert passkey.wrap().is_passwordless is True
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert [credential["isResidentCredential"] for credential in credentials] == [True]
    assert credentials[0]["rpId"] == "localhost"

    # Signed out, then in again with the passkey alone: no password, no code.
    page.goto(f"{base}/coach/")
    expect(page).to_have_url(f"{base}/coach/")
    page.get_by_role("button", name="Log out").click()
    expect(page).not_to_have_url(re.compile(r"/coach/"))
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(f"{base}/coach/")
    expect(page.get_by_role("navigation", name="Workspace")).to_be_visible()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert problems == []


def test_a_refused_passkey_says_so_on_the_page(page, live_server):
    """The person cancels the browser's passkey prompt (the browser answers NotAllowedError):
    the page says so in words, where allauth alone would only write to the console."""
    from playwright.sync_api import expect

    base = live_server.url.replace("127.0.0.1", "localhost")
    page.goto(f"{base}/accounts/login/")
    page.evaluate(
        "() => { navigator.credentials.get = () => Promise.reject("
        "new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError')) }"
    )
    alert = page.locator("[data-passkey-error]")
    expect(alert).to_be_hidden()
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("did not confirm the passkey")
    expect(alert).to_be_focused()
    # At the top of the content, where it is seen, not after the footer.
    assert page.evaluate("document.querySelector('#content').firstElementChild.hasAttribute('data-passkey-error')")
    expect(page).to_have_url(f"{base}/accounts/login/")


def test_the_passkey_and_second_step_pages_are_accessible(page, live_server, axe_source):  # noqa: F811
    """axe-core over the pages this work made ours: the second factor's overview, adding a
    passkey, the list of keys and the second step of signing in."""
    from playwright.sync_api import expect

    base = live_server.url.replace("127.0.0.1", "localhost")
    coach = CoachFactory(slug="anna", display_name="Anna Beispiel")
    EmailAddress.objects.create(user=coach.user, email=coach.user.email, verified=True, primary=True)
    page.goto(f"{base}/accounts/login/")
    assert_accessible(page, axe_source, "login")
    page.get_by_label("Email").fill(coach.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{base}/coach/")
    page.goto(f"{base}/accounts/2fa/")
    assert_accessible(page, axe_source, "sign-in security")
    page.get_by_role("link", name="Add a passkey").click()
    if "/accounts/reauthenticate/" in page.url:
        assert_accessible(page, axe_source, "password again")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(f"{base}/accounts/2fa/webauthn/add/")
    assert_accessible(page, axe_source, "add a passkey")
    add_passkey(coach.user, "Laptop")
    page.goto(f"{base}/accounts/2fa/webauthn/")
    assert_accessible(page, axe_source, "passkeys")

    # The second step, for a coach with a passkey (and recovery codes).
    RecoveryCodes.activate(coach.user)
    page.goto(f"{base}/coach/")
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(coach.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    expect(page.get_by_role("button", name="Use your passkey or security key")).to_be_visible()
    assert_accessible(page, axe_source, "second step")
