"""Client accounts are optional and passwordless: sign-up and sign-in by a code sent to
the e-mail address."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from scheduler.models import Coach

pytestmark = pytest.mark.django_db


def last_code() -> str:
    """The code in the newest e-mail: a line of its own, letters and digits."""
    (code,) = re.findall(r"^\s*([A-Z0-9-]{6,})\s*$", mail.outbox[-1].body, re.MULTILINE)
    return code


def test_client_signs_up_with_an_address_and_a_code(client):
    response = client.post("/accounts/signup/", {"email": "Kim@Example.org", "password1": "ignored-pass-123"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert mail.outbox[-1].to == ["kim@example.org"]

    response = client.post(response.url, {"code": last_code()})
    assert response.status_code == 302
    assert response.url == "/me/"
    user = get_user_model().objects.get(email="kim@example.org")
    assert client.session["_auth_user_id"] == str(user.pk)
    # No password was taken, even when one was sent, and nobody becomes a coach this way.
    assert not user.has_usable_password()
    assert not Coach.objects.filter(user=user).exists()
    assert EmailAddress.objects.get(user=user).verified


def test_a_wrong_signup_code_is_refused(client):
    response = client.post("/accounts/signup/", {"email": "kim@example.org"})
    response = client.post(response.url, {"code": "WRONG1"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_client_signs_in_with_a_code_alone(client):
    user = get_user_model().objects.create_user(email="kim@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = client.post("/accounts/login/code/", {"email": "kim@example.org"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["kim@example.org"]
    assert "_auth_user_id" not in client.session

    response = client.post(response.url, {"code": last_code()})
    assert response.status_code == 302
    assert response.url == "/me/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/me/").status_code == 200


def test_a_wrong_login_code_signs_nobody_in(client):
    user = get_user_model().objects.create_user(email="kim@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post("/accounts/login/code/", {"email": "kim@example.org"})
    response = client.post(response.url, {"code": "NOTIT1"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_code_requests_are_rate_limited():
    """allauth's limit: three codes per address and minute, whoever asks."""
    user = get_user_model().objects.create_user(email="kim@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    responses = [Client().post("/accounts/login/code/", {"email": "kim@example.org"}) for _ in range(4)]
    assert [response.status_code for response in responses] == [302, 302, 302, 200]
    assert responses[3].context["form"].errors["email"]
    assert len(mail.outbox) == 3


def test_the_sign_in_page_offers_a_code_and_the_site_layout(client):
    response = client.get("/accounts/login/")
    content = response.content.decode()
    assert 'href="/accounts/login/code/"' in content
    assert 'class="language-switch"' in content
    assert "css/account.css" in content


def test_the_mails_name_the_product_not_the_host(client):
    user = get_user_model().objects.create_user(email="kim@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post("/accounts/login/code/", {"email": user.email}, headers={"accept-language": "de"})
    message = mail.outbox[-1]
    assert message.subject == "[Sprechzeit] Anmeldecode"
    assert message.body.startswith("Hallo von Sprechzeit!")
    # Signed with the name, and the host the person used below it.
    *_, thanks, domain = message.body.rstrip().splitlines()
    assert "Sprechzeit" in thanks
    assert domain == "testserver"
