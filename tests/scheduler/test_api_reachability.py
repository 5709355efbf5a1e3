"""GET /api/coaches/<slug>/reachability at fixed clocks: each state (reply window, away
with and without a note, outside), times in the visitor's zone with their offset, the
note in the request's language, and the errors. Also the API's other answers in the
reader's language (types) and DESIGN.md's `reply_by`."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scheduler.models import AppointmentType, Booking
from tests.factories import (
    AppointmentTypeFactory,
    BlockedPeriodFactory,
    BookingFactory,
    CoachFactory,
)
from tests.helpers import BERLIN, wall_time

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
# Monday 7 December 2026: Berlin UTC+1, New York UTC-5.
MONDAY = date(2026, 12, 7)


def at(day: date, hhmm: str, zone: ZoneInfo = BERLIN) -> datetime:
    return wall_time(day, hhmm, zone)


def days(n: int) -> date:
    return MONDAY + timedelta(days=n)


@pytest.fixture
def coach(answering_coach):
    """…with "talk", free on Mondays 09:00–11:00."""
    AppointmentTypeFactory(coach=answering_coach, slug="talk", slot_step=timedelta(minutes=30))
    return answering_coach


def reachability(client, now: datetime, language: str = "en", **params):
    with time_machine.travel(now, tick=False):
        return client.get("/api/coaches/anna/reachability", params, headers={"accept-language": language})


def test_in_a_reply_window(client, coach):
    response = reachability(client, at(MONDAY, "08:30"), tz="Europe/Berlin")
    assert response.status_code == 200
    assert response.json() == {
        "now": {"state": "reply_window", "until": "2026-12-07T09:00:00+01:00", "note": None},
        "next_reply_window": {"start": "2026-12-09T08:00:00+01:00", "end": "2026-12-09T09:00:00+01:00"},
        "next_free": {"talk": "2026-12-07T09:00:00+01:00"},
    }


def test_outside_in_new_york_time(client, coach):
    response = reachability(client, at(MONDAY, "12:00"), tz="America/New_York")
    assert response.json() == {
        "now": {"state": "outside", "until": "2026-12-09T02:00:00-05:00", "note": None},
        "next_reply_window": {"start": "2026-12-09T02:00:00-05:00", "end": "2026-12-09T03:00:00-05:00"},
        "next_free": {"talk": "2026-12-14T03:00:00-05:00"},
    }


def test_away_with_a_note_in_the_requests_language(client, coach):
    BlockedPeriodFactory(
        coach=coach,
        title="private: Seminar bei Firma X",
        public_note="Seminar in Wien",
        public_note_en="Seminar in Vienna",
        first_day=days(1),
        last_day=days(3),
    )
    now = at(days(2), "08:30")  # Wednesday's window falls into the seminar
    english = reachability(client, now, tz="America/New_York").json()
    assert english["now"] == {"state": "away", "until": "2026-12-10T18:00:00-05:00", "note": "Seminar in Vienna"}
    assert english["next_reply_window"] == {"start": "2026-12-11T02:00:00-05:00", "end": "2026-12-11T03:00:00-05:00"}
    assert reachability(client, now, language="de").json()["now"]["note"] == "Seminar in Wien"
    # No Accept-Language: the site's language, German.
    with time_machine.travel(now, tick=False):
        assert client.get("/api/coaches/anna/reachability").json()["now"]["note"] == "Seminar in Wien"
    assert "Firma X" not in reachability(client, now).content.decode()


def test_away_without_a_note_and_the_coachs_zone_by_default(client, coach):
    BlockedPeriodFactory(coach=coach, title="Urlaub", first_day=days(1), last_day=days(3))
    body = reachability(client, at(days(2), "15:00")).json()
    assert body["now"] == {"state": "away", "until": "2026-12-11T00:00:00+01:00", "note": None}
    # A German-only note reaches an English reader in German (the fallback).
    BlockedPeriodFactory(coach=coach, title="x", public_note="Kongress", first_day=days(8), last_day=days(8))
    assert reachability(client, at(days(8), "10:00")).json()["now"]["note"] == "Kongress"


def test_a_coach_without_windows_and_a_type_without_free_times(client):
    coach = CoachFactory(slug="anna")
    AppointmentTypeFactory(coach=coach, slug="talk")  # no working hours at all
    body = reachability(client, at(MONDAY, "08:30")).json()
    assert body == {
        "now": {"state": "outside", "until": None, "note": None},
        "next_reply_window": None,
        "next_free": {"talk": None},
    }


def test_next_free_names_every_bookable_type_and_nothing_about_clients(client, coach):
    AppointmentTypeFactory(coach=coach, slug="long", duration=timedelta(minutes=120), slot_step=timedelta(minutes=30))
    AppointmentTypeFactory(coach=coach, slug="hidden", active=False)
    talk = AppointmentType.objects.get(slug="talk")
    BookingFactory(appointment_type=talk, start=at(days(7), "09:00"), client__name="Kim Muster")
    response = reachability(client, at(MONDAY, "12:00"), tz="Europe/Berlin")
    # Talk after the booked half hour; the two hours of "long" only a week later.
    assert response.json()["next_free"] == {"talk": "2026-12-14T09:30:00+01:00", "long": "2026-12-21T09:00:00+01:00"}
    assert "Kim" not in response.content.decode() and Booking.objects.count() == 1


@pytest.mark.parametrize("tz", ["Mars/Olympus", "../../etc/passwd", ""])
def test_an_unknown_zone_is_a_400_that_says_so(client, coach, tz):
    response = reachability(client, at(MONDAY, "12:00"), tz=tz)
    assert response.status_code == 400
    assert "Unknown time zone" in response.json()["errors"]["tz"]


def test_an_unknown_or_inactive_coach_is_a_404(client, coach):
    with time_machine.travel(at(MONDAY, "12:00"), tick=False):
        assert client.get("/api/coaches/nobody/reachability").status_code == 404
        coach.user.is_active = False
        coach.user.save()
        response = client.get("/api/coaches/anna/reachability", headers={"accept-language": "en"})
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_the_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/coaches/{slug}/reachability"]["get"]
    assert {"200", "400", "404"} <= set(operation["responses"])
    assert [parameter["name"] for parameter in operation["parameters"]] == ["slug", "tz"]


# --- the API's other answers in the reader's language, and reply_by ---------------------


def test_types_in_the_readers_language(client, coach):
    AppointmentTypeFactory(
        coach=coach,
        slug="erst",
        name="Erstgespräch",
        name_en="First talk",
        description="Kennenlernen",
        description_en="",
    )
    english = {t["slug"]: t for t in client.get("/api/coaches/anna/types", headers={"accept-language": "en"}).json()}
    assert (english["erst"]["name"], english["erst"]["description"]) == ("First talk", "Kennenlernen")
    german = {t["slug"]: t for t in client.get("/api/coaches/anna/types", headers={"accept-language": "de"}).json()}
    assert german["erst"]["name"] == "Erstgespräch"


def test_a_request_carries_reply_by_and_respond_by(client, coach):
    talk = AppointmentType.objects.get(slug="talk")
    respond_by = at(days(2), "09:00")
    booking = BookingFactory(
        appointment_type=talk,
        start=at(days(7), "09:00"),
        status=Booking.Status.REQUESTED,
        respond_by=respond_by,
        time_zone="America/New_York",
    )
    body = client.get(f"/api/bookings/{booking.token}").json()
    assert body["reply_by"] == body["respond_by"] == "2026-12-09T03:00:00-05:00"
    confirmed = BookingFactory(appointment_type=talk, start=at(days(14), "09:00"), status=Booking.Status.CONFIRMED)
    assert client.get(f"/api/bookings/{confirmed.token}").json()["reply_by"] is None
