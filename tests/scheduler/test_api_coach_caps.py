"""The JSON API with coach-wide caps: the slots of every type close on a full day or week, and
a booking over the cap is 409, as one over a type's own cap is."""

from datetime import date, datetime, time, timedelta

import pytest

from scheduler.cache_versions import coach_settings_version
from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN
from tests.scheduler.test_api_bookings import body, post

pytestmark = pytest.mark.django_db

# A Monday well ahead, so minimum notice and "now" never interfere.
MONDAY = date.today() + timedelta(days=14 - date.today().weekday())
TUESDAY = MONDAY + timedelta(days=1)
NEXT_MONDAY = MONDAY + timedelta(days=7)


def at(day, hour):
    return datetime.combine(day, time(hour), tzinfo=BERLIN)


def anna(**coach_caps):
    """Anna (Berlin, with `coach_caps`) with "talk" (30 min) and "coaching" (60 min), bookable
    Mondays and Tuesdays 09:00–17:00: a day has room for many more bookings than her caps allow."""
    coach = CoachFactory(slug="anna", time_zone="Europe/Berlin", **coach_caps)
    for weekday in (0, 1):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(17))
    AppointmentTypeFactory(coach=coach, slug="talk", duration=timedelta(minutes=30))
    AppointmentTypeFactory(coach=coach, slug="coaching", duration=timedelta(minutes=60))
    return coach


def set_caps(coach, **caps):
    for name, value in caps.items():
        setattr(coach, name, value)
    coach.save()


def open_days(client, type_slug, first=MONDAY, last=NEXT_MONDAY):
    response = client.get(
        "/api/coaches/anna/slots",
        {"type": type_slug, "start": first.isoformat(), "end": last.isoformat(), "tz": "Europe/Berlin"},
    )
    assert response.status_code == 200
    return [date.fromisoformat(day["date"]) for day in response.json()["days"] if day["slots"]]


def book(client, type_slug, start, email):
    return post(client, body(start, type=type_slug, email=email, timezone="Europe/Berlin"))


def test_a_coach_wide_daily_cap_of_two_closes_the_day_for_both_types(client):
    anna(daily_cap=2)
    assert book(client, "talk", at(MONDAY, 9), "a@example.org").status_code == 201
    assert open_days(client, "talk") == open_days(client, "coaching") == [MONDAY, TUESDAY, NEXT_MONDAY]
    assert book(client, "coaching", at(MONDAY, 10), "b@example.org").status_code == 201

    assert open_days(client, "talk") == open_days(client, "coaching") == [TUESDAY, NEXT_MONDAY]
    for type_slug in ("talk", "coaching"):
        response = book(client, type_slug, at(MONDAY, 14), "c@example.org")
        assert response.status_code == 409
        assert "just taken" in response.json()["detail"]
    assert book(client, "coaching", at(TUESDAY, 14), "c@example.org").status_code == 201
    assert Booking.objects.count() == 3


def test_a_coach_wide_weekly_cap_closes_the_week_for_both_types(client):
    anna(weekly_cap=2)
    assert book(client, "talk", at(MONDAY, 9), "a@example.org").status_code == 201
    assert book(client, "coaching", at(TUESDAY, 9), "b@example.org").status_code == 201

    assert open_days(client, "talk") == open_days(client, "coaching") == [NEXT_MONDAY]
    assert book(client, "talk", at(TUESDAY, 14), "c@example.org").status_code == 409
    assert book(client, "talk", at(NEXT_MONDAY, 14), "c@example.org").status_code == 201


def test_a_types_own_cap_answers_409_as_the_coach_wide_one(client):
    coach = anna(daily_cap=5)
    coach.appointment_types.filter(slug="talk").update(daily_cap=1)
    assert book(client, "talk", at(MONDAY, 9), "a@example.org").status_code == 201
    assert open_days(client, "talk") == [TUESDAY, NEXT_MONDAY]
    assert open_days(client, "coaching") == [MONDAY, TUESDAY, NEXT_MONDAY]
    assert book(client, "talk", at(MONDAY, 14), "b@example.org").status_code == 409
    assert book(client, "coaching", at(MONDAY, 14), "b@example.org").status_code == 201


@pytest.mark.usefixtures("slots_answers_kept")
def test_changing_the_caps_changes_the_settings_version_and_the_kept_answers(client):
    coach = anna()
    assert book(client, "talk", at(MONDAY, 9), "a@example.org").status_code == 201
    assert open_days(client, "coaching") == [MONDAY, TUESDAY, NEXT_MONDAY]  # now kept
    before = coach_settings_version(coach.pk)
    set_caps(coach, daily_cap=1)
    after = coach_settings_version(coach.pk)
    assert after != before
    assert open_days(client, "coaching") == [TUESDAY, NEXT_MONDAY]
    set_caps(coach, weekly_cap=3)
    assert coach_settings_version(coach.pk) != after
    set_caps(coach, daily_cap=None, weekly_cap=None)
    assert open_days(client, "coaching") == [MONDAY, TUESDAY, NEXT_MONDAY]
