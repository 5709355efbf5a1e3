"""Accessibility as a test: axe-core (the npm package, node_modules/axe-core, installed by
`make test-services`) over every public page, the booking form with its errors, the booking's
own pages, every page of the coach's workspace, the login and the client's /me/ pages, in
Debian's Chromium. No violation of impact "serious" or "critical" may remain.

The pages' Content-Security-Policy forbids inline scripts, and add_script_tag(content=…) is one;
page.evaluate runs through the DevTools protocol, which the policy does not govern."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.helpers import BASE_DIR
from tests.security.conftest import world  # noqa: F401 (the security tests' world: every page)
from tests.security.pages import PAGES, offered_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}

# The pages of this list: public, the booking's, the workspace, the login and /me/.
CHECKED = sorted(
    name
    for name in PAGES
    if name.startswith(("scheduler:", "coach:", "accounts:")) or name in {"account_login", "account_request_login_code"}
)

RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\\s+/g, " ")),
  }));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.skip(f"{AXE.relative_to(BASE_DIR)} is missing (make test-services installs it: npm ci)")
    return Path(AXE).read_text()


def signed_in(page, live_server, user) -> None:
    """The browser carries a session of `user` (made by Django's test client, as a sign-in would)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def serious_violations(page, axe_source) -> list[dict]:
    page.evaluate(axe_source)
    return [found for found in page.evaluate(RUN_AXE) if found["impact"] in BLOCKING]


def described(violations) -> str:
    return "\n".join(
        f"- {v['impact']}: {v['id']} ({v['help']})\n" + "\n".join(f"    {node}" for node in v["nodes"])
        for v in violations
    )


def assert_accessible(page, axe_source, what: str) -> None:
    violations = serious_violations(page, axe_source)
    assert not violations, f"{what} ({page.url}):\n{described(violations)}"


def test_the_check_finds_what_it_looks_for(page, axe_source):
    page.set_content('<html lang="en"><title>t</title><main><input type="text"><img src="x.png"></main></html>')
    found = {v["id"] for v in serious_violations(page, axe_source)}
    assert {"label", "image-alt"} <= found


@pytest.mark.parametrize("name", CHECKED)
def test_page_has_no_serious_accessibility_violation(page, live_server, world, axe_source, name):  # noqa: F811
    who, address = PAGES[name]
    user = {None: None, "anna": world.anna.user, "kim": world.kim.user, "staff": world.staff}[who]
    if user is not None:
        signed_in(page, live_server, user)
    wanted = address(world)
    response = page.goto(live_server.url + wanted)
    assert response.ok, f"{name}: {response.status}"
    assert urlsplit(page.url).path == urlsplit(wanted).path, f"{name} led to {page.url}"  # no sign-in page instead
    assert_accessible(page, axe_source, name)


def test_the_booking_form_with_its_errors(page, live_server, world, axe_source):  # noqa: F811
    start = offered_start(world).replace("+", "%2B")
    page.goto(
        f"{live_server.url}/{world.anna.coach.slug}/{world.anna.appointment_type.slug}/?start={start}&tz=Europe/Berlin"
    )
    page.get_by_label("Your name").fill("Erika")
    page.locator('textarea[name="message"]').fill("short")
    # Past the browser's own checks (required fields), to the server's answer.
    page.evaluate("document.querySelector('form.booking-form').noValidate = true")
    with page.expect_navigation():
        page.locator('form.booking-form button[type="submit"]:visible').last.click()
    assert page.locator(".errorlist").count() > 0  # the form came back with its errors
    assert_accessible(page, axe_source, "the booking form with errors")


def test_the_pages_in_the_dark_scheme(browser, live_server, world, axe_source):  # noqa: F811
    context = browser.new_context(locale="en-GB", color_scheme="dark")
    page = context.new_page()
    try:
        start = offered_start(world).replace("+", "%2B")
        for address in (
            f"/{world.anna.coach.slug}/",
            f"/{world.anna.coach.slug}/{world.anna.appointment_type.slug}/?start={start}&tz=Europe/Berlin",
            f"/b/{world.kim.booking.token}/",
        ):
            page.goto(live_server.url + address)
            assert_accessible(page, axe_source, f"{address} in the dark scheme")
    finally:
        context.close()


def test_the_framed_pages(page, live_server, world, axe_source):  # noqa: F811
    """As embed.js shows them on the coach's website (embed=1: no site header)."""
    start = offered_start(world).replace("+", "%2B")
    for address in (
        f"/{world.anna.coach.slug}/?embed=1",
        f"/{world.anna.coach.slug}/{world.anna.appointment_type.slug}/?start={start}&tz=Europe/Berlin&embed=1",
    ):
        page.goto(live_server.url + address)
        assert page.locator("header.site-header").count() == 0
        assert_accessible(page, axe_source, f"{address} in a frame")


def test_the_picker_before_a_time_is_chosen(page, live_server, world, axe_source):  # noqa: F811
    page.goto(f"{live_server.url}/{world.anna.coach.slug}/{world.anna.appointment_type.slug}/")
    assert page.locator("table.month").count() == 1
    assert_accessible(page, axe_source, "the type page's picker")
