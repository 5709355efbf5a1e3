"""The coach's availability through the API: read and changed through the workspace's
services; another coach's rows 404, a read-only token 403 on every write, a revoked token 401."""

from datetime import date, time, timedelta

import pytest

from coach_api.services import coach_token_create, coach_token_revoke
from scheduler.models import BlockedPeriod, Booking, DateOverride, Notification, ReplyWindow
from tests.factories import BlockedPeriodFactory, CoachFactory

from .conftest import Api


def test_weekly_hours_read_and_replaced(api, anna):
    assert api.get("/availability/weekly-hours").json()[0] == {
        "weekday": 0,
        "start": "09:00:00",
        "end": "12:00:00",
        "types": [],
    }
    windows = [{"weekday": 1, "start": "08:00", "end": "10:00", "types": ["coaching"]}]
    response = api.send("put", "/availability/weekly-hours", windows)
    assert response.status_code == 200
    assert response.json() == [{"weekday": 1, "start": "08:00:00", "end": "10:00:00", "types": ["coaching"]}]
    assert list(anna.weekly_hours.values_list("weekday", flat=True)) == [1]


@pytest.mark.parametrize(
    ("windows", "field"),
    [
        ([{"weekday": 1, "start": "10:00", "end": "09:00"}], "end"),
        (
            [{"weekday": 1, "start": "08:00", "end": "10:00"}, {"weekday": 1, "start": "09:00", "end": "11:00"}],
            "request",
        ),
        ([{"weekday": 1, "start": "08:00", "end": "10:00", "types": ["nope"]}], "types"),
        ([{"weekday": 1, "start": "08:00+02:00", "end": "10:00"}], "0.start"),
    ],
)
def test_weekly_hours_refused_change_nothing(api, anna, windows, field):
    response = api.send("put", "/availability/weekly-hours", windows)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert anna.weekly_hours.count() == 5


def test_reply_windows_made_changed_and_deleted(api, anna):
    made = api.post("/availability/reply-windows", {"weekday": 0, "start": "08:00", "end": "09:00"})
    assert made.status_code == 201
    window_id = made.json()["id"]
    changed = api.send(
        "put", f"/availability/reply-windows/{window_id}", {"weekday": 2, "start": "07:00", "end": "08:00"}
    )
    assert changed.json()["weekday"] == 2
    overlapping = api.post("/availability/reply-windows", {"weekday": 2, "start": "07:30", "end": "08:30"})
    assert overlapping.status_code == 400
    assert "start" in overlapping.json()["errors"]
    assert [w["id"] for w in api.get("/availability/reply-windows").json()] == [window_id]
    assert api.send("delete", f"/availability/reply-windows/{window_id}").status_code == 204
    assert not anna.reply_windows.exists()


def test_date_overrides_made_listed_and_deleted(api, anna, weekday_ahead):
    made = api.post("/availability/date-overrides", {"date": weekday_ahead.isoformat()})
    assert made.status_code == 201
    assert made.json()["start"] is None  # the day is closed
    assert api.post("/availability/date-overrides", {"date": "2001-01-01"}).json()["errors"] == {
        "date": "Choose today or a later date."
    }
    assert api.post("/availability/date-overrides", {"date": "3000-01-01"}).json()["errors"] == {
        "date": "Give a date between 1900 and 2999."
    }
    assert [o["date"] for o in api.get("/availability/date-overrides").json()] == [weekday_ahead.isoformat()]
    assert api.send("delete", f"/availability/date-overrides/{made.json()['id']}").status_code == 204
    assert not anna.date_overrides.exists()


def test_a_blocked_period_over_a_booking_is_409_until_decided(api, request_of_anna, weekday_ahead):
    body = {"title": "Seminar", "first_day": weekday_ahead.isoformat(), "last_day": weekday_ahead.isoformat()}
    refused = api.post("/availability/blocked-periods", body)
    assert refused.status_code == 409
    assert [b["id"] for b in refused.json()["bookings"]] == [str(request_of_anna.uuid)]
    assert not BlockedPeriod.objects.exists()
    decided = {**body, "decided": [str(request_of_anna.uuid)], "cancel_bookings": True, "note": "Seminar"}
    saved = api.post("/availability/blocked-periods", decided)
    assert saved.status_code == 201
    request_of_anna.refresh_from_db()
    assert request_of_anna.status == Booking.Status.CANCELLED
    assert request_of_anna.notifications.filter(kind=Notification.Kind.CANCELLED, audience="client").exists()
    period_id = saved.json()["id"]
    changed = api.send("put", f"/availability/blocked-periods/{period_id}", {**body, "title": "Urlaub"})
    assert changed.json()["title"] == "Urlaub"
    assert [p["id"] for p in api.get("/availability/blocked-periods").json()] == [period_id]
    assert api.send("delete", f"/availability/blocked-periods/{period_id}").status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x", "start": "2030-05-04T09:00:00", "end": "2030-05-04T10:00:00+02:00"},
        {"title": "x", "first_day": "2030-05-04"},
        {"title": "x\x00", "first_day": "2030-05-04", "last_day": "2030-05-04"},
    ],
)
def test_a_blocked_period_without_a_proper_time_is_400(api, anna, body):
    assert api.post("/availability/blocked-periods", body).status_code == 400


@pytest.fixture
def others_rows(db):
    """A reply window, a date override and a blocked period of another coach."""
    coach = CoachFactory()
    day = date.today() + timedelta(days=30)
    return {
        "window": ReplyWindow.objects.create(coach=coach, weekday=0, start=time(8), end=time(9)).pk,
        "override": DateOverride.objects.create(coach=coach, date=day).pk,
        "period": BlockedPeriodFactory(coach=coach, first_day=day, last_day=day).pk,
    }


ROW_WRITES = [
    ("put", "/availability/reply-windows/{window}", {"weekday": 1, "start": "08:00", "end": "09:00"}),
    ("delete", "/availability/reply-windows/{window}", None),
    ("delete", "/availability/date-overrides/{override}", None),
    (
        "put",
        "/availability/blocked-periods/{period}",
        {"title": "x", "first_day": "2030-01-01", "last_day": "2030-01-01"},
    ),
    ("delete", "/availability/blocked-periods/{period}", None),
]
WRITES = [
    *ROW_WRITES,
    ("put", "/availability/weekly-hours", []),
    ("post", "/availability/reply-windows", {"weekday": 1, "start": "08:00", "end": "09:00"}),
    ("post", "/availability/date-overrides", {"date": "2030-01-01"}),
    ("post", "/availability/blocked-periods", {"title": "x", "first_day": "2030-01-01", "last_day": "2030-01-01"}),
]
READS = [
    ("get", path, None)
    for path in (
        "/availability/weekly-hours",
        "/availability/reply-windows",
        "/availability/date-overrides",
        "/availability/blocked-periods",
    )
]


@pytest.mark.parametrize(("method", "path", "body"), ROW_WRITES)
def test_another_coachs_row_is_404_and_untouched(api, others_rows, method, path, body):
    assert api.send(method, path.format(**others_rows), body).status_code == 404
    assert ReplyWindow.objects.filter(pk=others_rows["window"], weekday=0).exists()
    assert DateOverride.objects.filter(pk=others_rows["override"]).exists()
    assert BlockedPeriod.objects.filter(pk=others_rows["period"], title="Seminar").exists()


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_only_token_may_not_change_availability(read_api, anna, method, path, body):
    rows = {"window": 1, "override": 1, "period": 1}
    assert read_api.send(method, path.format(**rows), body).status_code == 403
    assert anna.weekly_hours.count() == 5
    assert not (anna.reply_windows.exists() or anna.date_overrides.exists() or anna.blocked_periods.exists())


@pytest.mark.parametrize(("method", "path", "body"), [*READS, *WRITES, ("get", "/types", None)])
def test_a_revoked_token_is_401_on_every_availability_operation(client, anna, method, path, body):
    token, secret = coach_token_create(coach=anna, name="old")
    coach_token_revoke(token=token)
    rows = {"window": 1, "override": 1, "period": 1}
    assert Api(client, secret).send(method, path.format(**rows), body).status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), READS)
def test_a_read_only_token_reads_availability(read_api, anna, method, path, body):
    assert read_api.send(method, path, body).status_code == 200
