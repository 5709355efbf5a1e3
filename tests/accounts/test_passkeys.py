"""Passkeys (allauth's WebAuthn) for coaches: a passkey counts as the second factor the
workspace requires, the pages that use them work under the site's CSP (allauth's static
scripts, data in JSON blocks), and the workspace's settings link to adding one. The
ceremony itself needs a browser: tests/test_browser_passkey.py."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import override_settings

from accounts.middleware import needs_second_factor
from accounts.selectors import user_sign_in_methods
from tests.accounts.passkeys import add_passkey
from tests.factories import CoachFactory, UserFactory
from tests.helpers import PRODUCTION_ENV, run_python
from tests.security.test_csp import assert_strict_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

PASSWORD = "a-long-test-password"  # the factories' password


@override_settings(COACH_MFA_REQUIRED=True)
def test_a_coach_with_a_passkey_and_no_app_reaches_the_workspace(coach_client, coach):
    assert coach_client.get("/coach/").status_code == 302
    add_passkey(coach.user)
    assert not needs_second_factor(coach.user)
    assert coach_client.get("/coach/").status_code == 200


@override_settings(COACH_MFA_REQUIRED=True)
def test_recovery_codes_alone_are_no_second_factor(coach_client, coach):
    RecoveryCodes.activate(coach.user)
    assert needs_second_factor(coach.user)
    response = coach_client.get("/coach/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/"
    page = response.content.decode()
    assert "an authenticator app or a passkey" in page
    assert 'href="/accounts/2fa/webauthn/add/"' in page
    assert 'href="/accounts/2fa/totp/activate/"' in page


def test_clients_never_need_a_second_factor():
    assert not needs_second_factor(UserFactory())


@pytest.mark.parametrize(
    ("env", "allowed"), [({"DJANGO_ENV": "production", **PRODUCTION_ENV, "DEBUG": "true"}, False), ({}, True)]
)
def test_insecure_origins_are_allowed_only_outside_production(env, allowed, tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN, settings.MFA_PASSKEY_LOGIN_ENABLED, "
        "'webauthn' in settings.MFA_SUPPORTED_TYPES)"
    )
    result = run_python(code, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(allowed), "True", "True"]


def test_the_login_page_offers_a_passkey_through_static_scripts(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'id="passkey_login"' in page and 'form="mfa_login"' in page
    assert '<form id="mfa_login" action="/accounts/2fa/webauthn/login/" method="post">' in page
    for script in ("mfa/js/webauthn-json.js", "mfa/js/webauthn.js", "account/js/onload.js", "js/passkey.js"):
        assert f'<script src="/static/{script}"></script>' in page
    # The passkey part is shown by our script: without JavaScript the button would do nothing.
    assert 'class="passkey-login" aria-labelledby="passkey-heading" data-needs-js hidden' in page


def test_the_passkey_answers_the_login_page_asks_for(client):
    """The login script fetches the request options first (GET, JSON)."""
    response = client.get("/accounts/2fa/webauthn/login/", headers={"accept": "application/json"})
    assert response.status_code == 200
    options = response.json()["request_options"]["publicKey"]
    assert options["rpId"] == "testserver"
    assert options["challenge"]


def sign_in_with_password(client, user):
    # A password sign-in needs a confirmed address (ACCOUNT_EMAIL_VERIFICATION = "mandatory").
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    assert client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code == 302


def test_the_add_page_makes_a_passkey_by_default(client, coach):
    sign_in_with_password(client, coach.user)
    # allauth asks for the password again before an authenticator is added.
    response = client.get("/accounts/2fa/webauthn/add/")
    assert response.url.startswith("/accounts/reauthenticate/")
    assert client.post(response.url, {"password": PASSWORD}).url == "/accounts/2fa/webauthn/add/"
    response = client.get("/accounts/2fa/webauthn/add/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<input type="checkbox" name="passwordless" id="id_passwordless" checked>' in page
    assert '<script id="js_data" type="application/json">' in page
    assert '"creation_options"' in page
    assert 'data-allauth-onload="allauth.webauthn.forms.addForm" type="application/json"' in page
    assert '"add": "mfa_webauthn_add", "passwordless": "id_passwordless", "credential": "id_credential"' in page
    assert 'id="mfa_webauthn_add"' in page


def test_the_second_step_offers_the_passkey_only_to_who_has_one(client, coach):
    TOTP.activate(coach.user, generate_totp_secret())
    RecoveryCodes.activate(coach.user)
    sign_in_with_password(client, coach.user)
    page = client.get("/accounts/2fa/authenticate/").content.decode()
    assert "Enter the code your authenticator app shows now" in page
    assert "mfa_webauthn_authenticate" not in page

    client.logout()
    add_passkey(coach.user)
    sign_in_with_password(client, coach.user)
    page = client.get("/accounts/2fa/authenticate/").content.decode()
    assert 'id="mfa_webauthn_authenticate"' in page
    assert "Enter the code your authenticator app shows now" in page

    # A passkey and no app: the page does not ask for the app's code.
    client.logout()
    Authenticator.objects.filter(user=coach.user, type=Authenticator.Type.TOTP).delete()
    sign_in_with_password(client, coach.user)
    page = client.get("/accounts/2fa/authenticate/").content.decode()
    assert 'id="mfa_webauthn_authenticate"' in page
    assert "Confirm with your passkey or security key below, or enter one of your recovery codes." in page
    assert "authenticator app shows" not in page
    assert '<form method="post" action="/accounts/2fa/authenticate/" id="webauthn_form" class="account-form">' in page


def test_the_workspace_settings_link_to_adding_a_passkey(coach_client, coach):
    page = coach_client.get("/coach/settings/").content.decode()
    assert '<a href="#security">Signing in</a>' in page
    assert '<a class="button" href="/accounts/2fa/webauthn/add/">Add a passkey</a>' in page
    assert "No passkey yet" in page
    add_passkey(coach.user)
    add_passkey(coach.user, "Phone")
    page = coach_client.get("/coach/settings/").content.decode()
    assert "2 passkeys: you can sign in with them without a password." in page


def test_sign_in_methods_count_what_the_user_has(coach):
    methods = user_sign_in_methods(user=coach.user)
    assert (methods.totp, methods.passkeys, methods.recovery_codes_left) == (False, 0, 0)
    TOTP.activate(coach.user, generate_totp_secret())
    RecoveryCodes.activate(coach.user)
    add_passkey(coach.user)
    methods = user_sign_in_methods(user=coach.user)
    assert (methods.totp, methods.passkeys, methods.recovery_codes_left) == (True, 1, 10)


def test_the_passkey_list_names_each_key(client, coach):
    add_passkey(coach.user, "Laptop")
    client.force_login(coach.user)
    response = client.get("/accounts/2fa/webauthn/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Laptop" in page and "Not used yet." in page
    assert "Passkey (signs in alone)" in page  # the browser said it keeps the key (credProps.rk)
    page = client.get("/accounts/2fa/").content.decode()
    assert "You have added 1 passkey." in page
    assert '<a class="button secondary" href="/accounts/2fa/webauthn/">Manage passkeys</a>' in page


def test_the_passkey_pages_have_the_policy_and_nothing_inline(client, coach):
    """The pages the security tests' walk cannot reach without a passkey (tests/security/test_csp.py)."""
    sign_in_with_password(client, coach.user)
    passkey = add_passkey(coach.user)
    for address in (
        "/accounts/2fa/webauthn/",
        "/accounts/2fa/webauthn/add/",
        f"/accounts/2fa/webauthn/keys/{passkey.pk}/edit/",
        f"/accounts/2fa/webauthn/keys/{passkey.pk}/remove/",
        "/accounts/2fa/webauthn/reauthenticate/",
        "/accounts/2fa/",
    ):
        response = client.get(address)
        if response.status_code == 302 and response.url.startswith("/accounts/reauthenticate/"):
            assert client.post(response.url, {"password": PASSWORD}).status_code == 302
            response = client.get(address)
        assert_strict_page(response)


def test_another_coachs_passkey_cannot_be_renamed_or_removed(client, coach):
    """With the password given again, another coach's key is a 404 (the security tests' walk,
    tests/security/test_idor.py, stops at allauth's password prompt)."""
    theirs = add_passkey(CoachFactory().user, "Theirs")
    sign_in_with_password(client, coach.user)
    prompt = client.get(f"/accounts/2fa/webauthn/keys/{theirs.pk}/edit/")
    assert prompt.url.startswith("/accounts/reauthenticate/")
    assert client.post(prompt.url, {"password": PASSWORD}).status_code == 302
    for action in ("edit", "remove"):
        address = f"/accounts/2fa/webauthn/keys/{theirs.pk}/{action}/"
        assert client.get(address).status_code == 404
        assert client.post(address, {"name": "Mine now"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.wrap().name == "Theirs"
    # The same requests on one's own key are the right ones: they work.
    mine = add_passkey(coach.user, "Mine")
    assert client.post(f"/accounts/2fa/webauthn/keys/{mine.pk}/edit/", {"name": "Laptop"}).status_code == 302
    mine.refresh_from_db()
    assert mine.wrap().name == "Laptop"
