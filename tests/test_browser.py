"""Pages in a real browser (Chromium via Playwright)."""

import pytest

from tests.factories import CoachFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_and_login_pages_render(page, live_server):
    CoachFactory.create_batch(2)  # two coaches: / explains the product
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="No calls without an appointment.").is_visible()

    page.goto(live_server.url + "/accounts/login/")
    assert page.get_by_label("Email").is_visible()
    assert page.get_by_role("button", name="Sign in", exact=True).is_visible()


def test_login_in_the_browser(page, live_server):
    from allauth.account.models import EmailAddress

    coach = CoachFactory(user__email="coach@example.org")
    EmailAddress.objects.create(user=coach.user, email=coach.user.email, verified=True, primary=True)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("coach@example.org")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    # A coach lands in the workspace.
    page.wait_for_url(live_server.url + "/coach/")
    assert page.get_by_role("heading", name="Overview").is_visible()
