from datetime import time

import pytest
from allauth.account.models import EmailAddress

from scheduler.cache_versions import availability_version, coach_settings_version
from scheduler.models import ReplyWindow
from scheduler.selectors.coaches import appointment_type_bookable
from tests.factories import AppointmentTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept_type(coach):
    """A bookable type the API has looked up once, so this process keeps it."""
    AppointmentTypeFactory(coach=coach, slug="talk")
    assert appointment_type_bookable(coach_slug=coach.slug, type_slug="talk") is not None


def test_a_login_keeps_the_coach_settings_version_and_the_kept_types(
    client, coach, kept_type, django_assert_num_queries
):
    EmailAddress.objects.create(user=coach.user, email=coach.user.email, verified=True, primary=True)
    before = coach_settings_version(coach.pk)

    response = client.post("/accounts/login/", {"login": coach.user.email, "password": "a-long-test-password"})

    assert response.status_code == 302 and "_auth_user_id" in client.session
    coach.user.refresh_from_db()
    assert coach.user.last_login is not None  # the login did save the user
    assert coach_settings_version(coach.pk) == before
    with django_assert_num_queries(0):
        assert appointment_type_bookable(coach_slug=coach.slug, type_slug="talk") is not None


def test_a_password_rehash_keeps_the_coach_settings_version(coach):
    before = coach_settings_version(coach.pk)
    coach.user.save(update_fields=["password"])
    assert coach_settings_version(coach.pk) == before


@pytest.mark.parametrize("update_fields", [None, ["is_active"], ["is_active", "last_login"]])
def test_deactivating_the_user_changes_the_coach_settings_version(coach, kept_type, update_fields):
    before = coach_settings_version(coach.pk)
    coach.user.is_active = False
    coach.user.save(update_fields=update_fields)
    assert coach_settings_version(coach.pk) != before
    assert appointment_type_bookable(coach_slug=coach.slug, type_slug="talk") is None


def test_deleting_the_user_changes_the_coach_settings_version(coach):
    before = coach_settings_version(coach.pk)
    coach.user.delete()
    assert coach_settings_version(coach.pk) != before


def test_a_reply_window_saved_or_deleted_changes_the_availability_version(coach):
    """Reply windows decide which slots a type that takes requests offers."""
    before = availability_version(coach.pk)
    window = ReplyWindow.objects.create(coach=coach, weekday=0, start=time(8), end=time(9))
    saved = availability_version(coach.pk)
    assert saved != before
    window.delete()
    assert availability_version(coach.pk) != saved
