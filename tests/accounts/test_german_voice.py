"""allauth's pages speak the site's German: formal "Sie", never "du", and nothing left in
English. allauth's own German catalog mixes both forms; our catalog (locale/de, first in
LOCALE_PATHS) overrides its msgids, and our templates replace the pages whose wording is ours.

The walk below goes through every allauth page the site uses, in German, and records each
text looked up through gettext while it renders (and in the e-mails it sends), so that a
string left untranslated is found by its msgid even where it is a short word."""

import re
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import translation

from tests.accounts.passkeys import add_passkey
from tests.factories import CoachFactory
from tests.helpers import totp_now

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # the factories' password
GERMAN = {"accept-language": "de"}

# The informal address, as whole words: pronouns and the imperatives allauth's catalog uses
# ("Gib … ein", "Bitte bestätige …", "Lass dir …").
INFORMAL = re.compile(
    r"\b(?:[Dd]u|[Dd]ein(?:e|en|em|er|es)?|[Dd]ich|[Dd]ir|[Gg]ib|[Bb]estätige|[Mm]elde|[Kk]lick(?:e)?|[Ll]ass"
    r"|[Ee]rstelle|[Ff]olge|[Üü]berprüfe|[Pp]rüfe|[Ww]ähle|[Vv]erwende|[Nn]utze|[Ff]üge|[Kk]ontaktiere|[Rr]ufe"
    r"|[Bb]ist|[Hh]ast|[Kk]annst|[Mm]usst|[Mm]öchtest|[Ee]rhältst|[Ss]iehst)\b"
)
# English that no German sentence has, as whole words: finds text a template writes without
# gettext (allauth's lists had a bare "Not used."), which the lookups below cannot see.
ENGLISH = re.compile(r"\b(?:the|and|your|you|please|sign|not|with|is|are|to|of|has|have)\b", re.IGNORECASE)
# msgids whose German is the same word.
SAME_IN_GERMAN = {
    "Name",
    "Passkey",
    "Passkeys",
    "Code",
    "Sprechzeit",
    "E-Mail",
    "Deutsch",
    "Englisch",
    "Threema",
    "WhatsApp",
}


def informal_words(text: str) -> list[str]:
    return INFORMAL.findall(text)


def test_the_check_finds_the_informal_address():
    assert informal_words("Bitte gib deinen Code ein. Hast du Fragen? Melde dich.") == [
        "gib",
        "deinen",
        "Hast",
        "du",
        "Melde",
        "dich",
    ]
    assert informal_words("Bitte geben Sie Ihren Code ein. Haben Sie Fragen? Ich habe sie. Duisburg.") == []


class VisibleText(HTMLParser):
    """The text a person reads or hears: the body's text outside scripts, and the attributes
    shown or read aloud."""

    SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self.skip += 1
        self.parts.extend(value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value)
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


class Lookups:
    """Every gettext lookup made while German is active: (msgid, what came back)."""

    def __init__(self, monkeypatch):
        self.seen: list[tuple[str, str]] = []
        trans = translation._trans
        for name in ("gettext", "pgettext", "ngettext", "npgettext"):
            monkeypatch.setattr(trans, name, self.recording(getattr(trans, name), name))

    def recording(self, function, name):
        def lookup(*args):
            result = function(*args)
            if (translation.get_language() or "").startswith("de"):
                if name == "gettext":
                    msgids = [args[0]]
                elif name == "pgettext":
                    msgids = [args[1]]
                elif name == "ngettext":
                    msgids = [args[0], args[1]]
                else:
                    msgids = [args[1], args[2]]
                self.seen.extend((str(msgid), str(result)) for msgid in msgids)
            return result

        return lookup

    def untranslated(self) -> set[str]:
        """msgids that came back as they are: English on a German page."""
        translated = {msgid for msgid, result in self.seen if result != msgid}
        return {
            msgid
            for msgid, result in self.seen
            if result == msgid
            and msgid not in translated
            and re.search(r"[a-z]{2}", msgid)
            and msgid.strip() not in SAME_IN_GERMAN
        }

    def informal(self) -> dict[str, str]:
        return {msgid: result for msgid, result in self.seen if informal_words(result)}


def last_code() -> str:
    (code,) = re.findall(r"^\s*([A-Z0-9-]{6,})\s*$", mail.outbox[-1].body, re.MULTILINE)
    return code


def coach_with_address(**kwargs):
    coach = CoachFactory(**kwargs)
    EmailAddress.objects.create(user=coach.user, email=coach.user.email, verified=True, primary=True)
    return coach


def walk_the_pages(client) -> dict[str, str]:
    """Every allauth page the site shows, in German: {what: html}. Posts with mistakes where
    the mistake's message is part of the page."""
    pages = {}

    def get(what, address, **kwargs):
        response = client.get(address, headers=GERMAN, **kwargs)
        assert response.status_code == 200, (what, response.status_code, response.get("Location"))
        pages[what] = response.content.decode()
        return response

    def post(what, address, data, status=200):
        response = client.post(address, data, headers=GERMAN)
        assert response.status_code == status, (what, response.status_code, response.get("Location"))
        if status == 200:
            pages[what] = response.content.decode()
        return response

    def reauthenticate(address):
        response = client.get(address, headers=GERMAN)
        if response.status_code == 302 and response.url.startswith("/accounts/reauthenticate/"):
            get("reauthenticate", response.url)
            post("reauthenticate: wrong password", response.url, {"password": "not-it"})
            post("reauthenticate: right password", response.url, {"password": PASSWORD}, status=302)

    # Signed out: the coach's sign-in, the clients' sign-in by code and sign-up, the password reset.
    get("login", "/accounts/login/")
    post("login: wrong password", "/accounts/login/", {"login": "nobody@example.org", "password": "not-it"})
    client_user = get_user_model().objects.create_user(email="kim@example.org")
    EmailAddress.objects.create(user=client_user, email=client_user.email, verified=True, primary=True)
    get("request login code", "/accounts/login/code/")
    post("request login code: no address", "/accounts/login/code/", {"email": ""})
    response = post("request login code: sent", "/accounts/login/code/", {"email": client_user.email}, status=302)
    get("confirm login code", response.url)
    post("confirm login code: wrong", response.url, {"code": "WRONG1"})
    post("confirm login code: right", response.url, {"code": last_code()}, status=302)
    get("set a password", "/accounts/password/set/")
    get("logout", "/accounts/logout/")
    response = client.post("/accounts/logout/", headers=GERMAN, follow=True)
    pages["signed out"] = response.content.decode()

    get("signup", "/accounts/signup/")
    post("signup: taken address", "/accounts/signup/", {"email": "not-an-address"})
    response = post("signup: sent", "/accounts/signup/", {"email": "new@example.org"}, status=302)
    get("confirm e-mail code", response.url)
    post("confirm e-mail code: wrong", response.url, {"code": "WRONG1"})
    client.logout()

    coach = coach_with_address()
    get("password reset", "/accounts/password/reset/")
    post("password reset: not an address", "/accounts/password/reset/", {"email": "x"})
    response = post("password reset: sent", "/accounts/password/reset/", {"email": coach.user.email}, status=302)
    get("password reset done", response.url)
    (link,) = re.findall(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    response = client.get(link, headers=GERMAN)
    set_password_url = response.url if response.status_code == 302 else link
    get("password reset: new password", set_password_url)
    post("password reset: passwords differ", set_password_url, {"password1": "x-1", "password2": "y-2"})
    get("password reset: bad link", "/accounts/password/reset/key/1-wrong-key/")
    get("password reset: changed", "/accounts/password/reset/key/done/")
    get("account inactive", "/accounts/inactive/")

    # A coach with an authenticator app: the second step, the security pages.
    secret = generate_totp_secret()
    TOTP.activate(coach.user, secret)
    RecoveryCodes.activate(coach.user)
    post("login: coach", "/accounts/login/", {"login": coach.user.email, "password": PASSWORD}, status=302)
    get("mfa authenticate", "/accounts/2fa/authenticate/")
    post(
        "mfa authenticate: wrong code",
        "/accounts/2fa/authenticate/",
        {"code": "000000" if totp_now(secret) != "000000" else "111111"},
    )
    post("mfa authenticate: right code", "/accounts/2fa/authenticate/", {"code": totp_now(secret)}, status=302)
    get("mfa index", "/accounts/2fa/")
    get("mfa reauthenticate", "/accounts/2fa/reauthenticate/")
    for what, address in [
        ("recovery codes", "/accounts/2fa/recovery-codes/"),
        ("recovery codes: new", "/accounts/2fa/recovery-codes/generate/"),
        ("totp deactivate", "/accounts/2fa/totp/deactivate/"),
        ("passkeys", "/accounts/2fa/webauthn/"),
        ("passkey add", "/accounts/2fa/webauthn/add/"),
        ("password change", "/accounts/password/change/"),
        ("e-mail addresses", "/accounts/email/"),
    ]:
        reauthenticate(address)
        get(what, address)
    client.post("/accounts/logout/", headers=GERMAN)

    # A coach with a passkey and no app: the second step, the list of keys.
    with_key = coach_with_address()
    add_passkey(with_key.user)
    codes = RecoveryCodes.activate(with_key.user)
    post(
        "login: coach with a passkey",
        "/accounts/login/",
        {"login": with_key.user.email, "password": PASSWORD},
        status=302,
    )
    get("mfa authenticate: passkey", "/accounts/2fa/authenticate/")
    post(
        "mfa authenticate: recovery code",
        "/accounts/2fa/authenticate/",
        {"code": codes.get_unused_codes()[0]},
        status=302,
    )
    get("passkeys: one", "/accounts/2fa/webauthn/")
    key = Authenticator.objects.get(user=with_key.user, type=Authenticator.Type.WEBAUTHN)
    for what, address in [
        ("passkey rename", f"/accounts/2fa/webauthn/keys/{key.pk}/edit/"),
        ("passkey remove", f"/accounts/2fa/webauthn/keys/{key.pk}/remove/"),
    ]:
        reauthenticate(address)
        get(what, address)
    client.post("/accounts/logout/", headers=GERMAN)

    # A coach without one: setting up the app.
    newcomer = coach_with_address()
    post("login: new coach", "/accounts/login/", {"login": newcomer.user.email, "password": PASSWORD}, status=302)
    reauthenticate("/accounts/2fa/totp/activate/")
    get("totp activate", "/accounts/2fa/totp/activate/")
    post("totp activate: wrong code", "/accounts/2fa/totp/activate/", {"code": "12"})
    client.post("/accounts/logout/", headers=GERMAN)
    return pages


@pytest.fixture
def walked(client, monkeypatch):
    lookups = Lookups(monkeypatch)
    pages = walk_the_pages(client)
    mails = {
        f"mail {n}: {message.subject}": f"{message.subject}\n{message.body}" for n, message in enumerate(mail.outbox)
    }
    return pages, mails, lookups


def test_the_sign_in_pages_say_sie_never_du(walked):
    pages, mails, lookups = walked
    found = {what: informal_words(visible_text(html)) for what, html in pages.items()}
    found.update({what: informal_words(text) for what, text in mails.items()})
    assert {what: words for what, words in found.items() if words} == {}
    assert lookups.informal() == {}


def test_the_sign_in_pages_leave_nothing_in_english(walked):
    pages, mails, lookups = walked
    assert sorted(lookups.untranslated()) == []
    found = {what: ENGLISH.findall(visible_text(html)) for what, html in pages.items()}
    found.update({what: ENGLISH.findall(text) for what, text in mails.items()})
    assert {what: words for what, words in found.items() if words} == {}


def test_the_english_check_finds_english():
    assert ENGLISH.findall("Bitte geben Sie Ihren Code ein. Not used. Sign in with your passkey") == [
        "Not",
        "Sign",
        "with",
        "your",
    ]
    assert ENGLISH.findall("Zweiter Schritt: Bestätigen Sie, dass Sie es sind. DF3ISMFRAPRE2X, user0@example.org") == []


def test_the_walk_sees_each_page_and_the_check_would_see_english(walked):
    """The walk reached the pages it names (a failing step fails the test), and English on
    them would be found: the login page's English is what the lookups saw in German."""
    pages, mails, lookups = walked
    assert {"login", "confirm login code", "mfa authenticate", "totp activate", "passkey add", "logout"} <= set(pages)
    assert len(mails) >= 3  # the login code, the address's code, the password reset
    msgids = {msgid for msgid, _result in lookups.seen}
    assert {"Sign in", "Sign in with a passkey", "Add a passkey"} <= msgids
