"""The sign-in pages in the house voice: the coach's login has no sign-up link and its button
says "Sign in" ("Anmelden"); clients reach their own entry (a code by e-mail, which offers the
sign-up) from the home page, from the login page and from /me/."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_coach_login_has_no_sign_up_link_and_a_sign_in_button(english_client):
    page = english_client.get("/accounts/login/").content.decode()
    assert "/accounts/signup/" not in page
    assert '<button type="submit">Sign in</button>' in page
    assert "<h1>Sign in</h1>" in page
    # The clients' entry, which is no sign-up.
    assert '<a class="button secondary" href="/accounts/login/code/">Sign in with a code</a>' in page


def test_the_button_says_anmelden_in_german(client):
    """German from the lead's catalog: msgid "Sign in" -> "Anmelden"."""
    page = client.get("/accounts/login/", headers={"accept-language": "de"}).content.decode()
    assert '<button type="submit">Anmelden</button>' in page
    assert "Anmeldung" not in page  # allauth's noun for "Sign In"


def test_the_clients_entry_offers_the_sign_up(english_client):
    page = english_client.get("/accounts/login/code/").content.decode()
    assert '<a href="/accounts/signup/">Create an account with your e-mail address</a>' in page
    assert '<button type="submit">Send me a code</button>' in page
    assert 'href="/accounts/login/"' in page  # coaches find their way back


def test_clients_find_their_entry_on_the_home_page(english_client):
    page = english_client.get("/").content.decode()
    assert '<a href="/accounts/login/code/">Your bookings: sign in with a code by e-mail</a>' in page
    assert '<a href="/accounts/login/">Log in as a coach</a>' in page


def test_me_signed_out_leads_to_the_clients_entry(english_client):
    response = english_client.get("/me/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/code/?next=/me/"


def test_the_sign_up_page_speaks_to_clients(english_client):
    page = english_client.get("/accounts/signup/").content.decode()
    assert "<h1>Create an account</h1>" in page
    assert "You do not need an account to book." in page
    assert 'name="password1"' not in page
    assert '<a href="/accounts/login/code/">Already have an account? Sign in with a code</a>' in page
