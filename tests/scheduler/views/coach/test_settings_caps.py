"""The coach-wide caps in the coach's settings (/coach/settings/#profile): at most so many
appointments of all types together per day and per week."""

import pytest

from scheduler.cache_versions import coach_settings_version
from tests.scheduler.pages import error_at, input_value, profile_data, text

pytestmark = pytest.mark.django_db

SETTINGS = "/coach/settings/"
WEEK_BELOW_DAY = {
    "en": "The weekly limit cannot be lower than the daily limit.",
    "de": "Das Wochenlimit darf nicht niedriger sein als das Tageslimit.",
}


def post(coach_client, coach, language="en", **caps):
    return coach_client.post(SETTINGS, profile_data(coach, **caps), headers={"accept-language": language})


def test_the_page_offers_both_caps_with_what_they_count(coach_client, coach):
    page = text(coach_client.get(SETTINGS, headers={"accept-language": "en"}))
    assert "Appointments of all your types together" in page
    assert "Appointments of all your types together on one day. Leave empty for no limit." in page
    german = text(coach_client.get(SETTINGS, headers={"accept-language": "de"}))
    assert "Termine aller Ihrer Terminarten zusammen an einem Tag. Ohne Begrenzung leer lassen." in german


def test_the_caps_are_saved_shown_and_change_the_settings_version(
    coach_client, coach, django_capture_on_commit_callbacks
):
    before = coach_settings_version(coach.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(coach_client, coach, daily_cap="3", weekly_cap="10")
    assert response.status_code == 303
    coach.refresh_from_db()
    assert (coach.daily_cap, coach.weekly_cap) == (3, 10)
    assert coach_settings_version(coach.pk) != before
    page = coach_client.get(SETTINGS)
    assert (input_value(page, "daily_cap"), input_value(page, "weekly_cap")) == ("3", "10")


def test_emptied_the_caps_are_no_limit(coach_client, coach):
    coach.daily_cap, coach.weekly_cap = 2, 5
    coach.save()
    assert post(coach_client, coach, daily_cap="", weekly_cap="").status_code == 303
    coach.refresh_from_db()
    assert (coach.daily_cap, coach.weekly_cap) == (None, None)


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_weekly_cap_below_the_daily_cap_is_an_error_at_the_weekly_cap(coach_client, coach, language):
    response = post(coach_client, coach, language, daily_cap="4", weekly_cap="2", display_name="Neuer Name")
    assert response.status_code == 200
    assert WEEK_BELOW_DAY[language] in error_at(response, "weekly_cap")
    assert (input_value(response, "daily_cap"), input_value(response, "weekly_cap")) == ("4", "2")
    coach.refresh_from_db()
    assert (coach.daily_cap, coach.weekly_cap) == (None, None)
    assert coach.display_name != "Neuer Name"  # nothing of the form is saved


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("daily_cap", "0", "greater than or equal to 1"),
        ("weekly_cap", "0", "greater than or equal to 1"),
        ("daily_cap", "101", "less than or equal to 100"),
        ("weekly_cap", "501", "less than or equal to 500"),
        ("daily_cap", "zwei", "Enter a whole number"),
    ],
)
def test_bad_caps_are_errors_at_their_field(coach_client, coach, field, value, message):
    response = post(coach_client, coach, **{field: value})
    assert response.status_code == 200
    assert message in error_at(response, field)
    coach.refresh_from_db()
    assert getattr(coach, field) is None
