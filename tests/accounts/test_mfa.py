"""Coaches must set up TOTP (with recovery codes) where COACH_MFA_REQUIRED is on: by default
in production, not in development or the demo. The admin is behind the same second factor."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import override_settings

from tests.factories import CoachFactory, UserFactory
from tests.helpers import PRODUCTION_ENV, run_python, totp_now

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # the factories' password
SETUP_URL = "/accounts/2fa/totp/activate/"
# Where the requirement sends a coach without a second factor: the page offering the app and passkeys.
SECOND_FACTOR_URL = "/accounts/2fa/"


def coach_with_verified_address():
    coach = CoachFactory()
    EmailAddress.objects.create(user=coach.user, email=coach.user.email, verified=True, primary=True)
    return coach


def log_in(client, email):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


@pytest.mark.parametrize(("env", "required"), [({"DJANGO_ENV": "production", **PRODUCTION_ENV}, True), ({}, False)])
def test_mfa_is_required_in_production_by_default(env, required, tmp_path):
    code = "import django; django.setup(); from django.conf import settings; print(settings.COACH_MFA_REQUIRED)"
    result = run_python(code, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(required)


@override_settings(COACH_MFA_REQUIRED=True)
@pytest.mark.parametrize("path", ["/coach/", "/coach/anything/", "/admin/", "/admin/scheduler/booking/"])
def test_a_coach_without_a_second_factor_is_sent_to_its_setup(coach_client, coach, path):
    coach.user.is_staff = True
    coach.user.save()
    response = coach_client.get(path)
    assert response.status_code == 302
    assert response.url == SECOND_FACTOR_URL


@override_settings(COACH_MFA_REQUIRED=True)
def test_clients_and_public_pages_are_not_asked_for_totp(client, coach):
    client.force_login(UserFactory())
    assert client.get("/me/").status_code == 200
    client.force_login(coach.user)
    assert client.get(f"/{coach.slug}/").status_code == 200


@override_settings(COACH_MFA_REQUIRED=False)
def test_without_the_requirement_the_workspace_opens_without_totp(coach_client, coach):
    coach.user.is_staff = True
    coach.user.save()
    assert coach_client.get("/admin/").status_code == 200
    assert coach_client.get("/coach/").get("Location") != SECOND_FACTOR_URL


@override_settings(COACH_MFA_REQUIRED=True)
def test_totp_setup_then_sign_in_with_password_and_code(client):
    coach = coach_with_verified_address()
    coach.user.is_staff = True
    coach.user.save()
    assert log_in(client, coach.user.email).status_code == 302
    assert client.get("/admin/").url == SECOND_FACTOR_URL

    # allauth asks for the password again before an authenticator is added.
    response = client.get(SETUP_URL)
    assert response.url.startswith("/accounts/reauthenticate/")
    assert client.post(response.url, {"password": PASSWORD}).url == SETUP_URL
    page = client.get(SETUP_URL)
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert "css/account.css" in page.content.decode()
    assert client.post(SETUP_URL, {"code": "000000" if totp_now(secret) != "000000" else "111111"}).status_code == 200
    response = client.post(SETUP_URL, {"code": totp_now(secret)})
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(user=coach.user, type=Authenticator.Type.TOTP).exists()
    recovery = Authenticator.objects.get(user=coach.user, type=Authenticator.Type.RECOVERY_CODES)
    assert len(RecoveryCodes(recovery).get_unused_codes()) == 10
    assert client.get("/admin/").status_code == 200

    # The next sign-in asks for the code after the password.
    client.logout()
    response = log_in(client, coach.user.email)
    assert response.url == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)})
    assert response.status_code == 302
    assert response.url == "/coach/"
    assert client.get("/admin/").status_code == 200

    # A recovery code works once in place of the app.
    client.logout()
    code = RecoveryCodes(recovery).get_unused_codes()[0]
    log_in(client, coach.user.email)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).url == "/coach/"
    client.logout()
    log_in(client, coach.user.email)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_admin_logs_in_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
