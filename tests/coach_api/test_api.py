"""The coach's bookings and types through the API: each operation for the token's coach,
and the matrix of every operation: another coach's object 404, a read-only token on a write
403, a revoked token 401."""

from datetime import datetime, time, timedelta

import pytest

from coach_api.services import coach_token_create, coach_token_revoke
from scheduler.models import Booking, Notification
from tests.factories import AppointmentTypeFactory, BookingFactory
from tests.helpers import BERLIN

from .conftest import Api


def _kinds(booking) -> set[str]:
    return set(booking.notifications.filter(audience="client").values_list("kind", flat=True))


def test_the_list_has_the_contracts_fields_and_leaves_out_other_coaches(api, request_of_anna, other_booking):
    response = api.get("/bookings")
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)
    [row] = body["results"]
    assert row["id"] == str(request_of_anna.uuid)
    assert row["status"] == "requested"
    assert row["type"] == "coaching"
    assert row["client"]["email"] == request_of_anna.client.email
    assert datetime.fromisoformat(row["start"]) == request_of_anna.start
    assert row["start"].endswith(("+01:00", "+02:00"))  # in the coach's zone
    assert str(request_of_anna.pk) not in row["id"].split("-")


def test_the_list_filters_and_pages(api, anna, weekday_ahead):
    coaching = anna.appointment_types.get(slug="coaching")
    talk = AppointmentTypeFactory(coach=anna, slug="talk")
    starts = [datetime.combine(weekday_ahead + timedelta(days=n), time(9), tzinfo=BERLIN) for n in range(5)]
    bookings = [BookingFactory(appointment_type=coaching, start=start) for start in starts]
    BookingFactory(appointment_type=talk, start=starts[0] + timedelta(hours=2), status=Booking.Status.CANCELLED)

    assert api.get("/bookings", status="cancelled").json()["results"][0]["type"] == "talk"
    assert api.get("/bookings", type="talk").json()["count"] == 1
    day = starts[1].date().isoformat()
    assert [r["id"] for r in api.get("/bookings", start=day, end=day).json()["results"]] == [str(bookings[1].uuid)]
    page = api.get("/bookings", page_size=2, page=3).json()
    assert (page["count"], page["pages"], len(page["results"])) == (6, 3, 2)
    assert api.get("/bookings", page_size=2, page=9).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "unconfirmed"}, "status"), ({"start": "tomorrow"}, "start"), ({"end": "0000-01-01"}, "end")],
)
def test_a_bad_filter_is_400_naming_it(api, anna, params, field):
    response = api.get("/bookings", **params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_one_booking(api, request_of_anna):
    response = api.get(f"/bookings/{request_of_anna.uuid}")
    assert response.status_code == 200
    assert response.json()["message"] == request_of_anna.message


def test_confirm_tells_the_client(api, request_of_anna):
    response = api.post(f"/bookings/{request_of_anna.uuid}/confirm")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    request_of_anna.refresh_from_db()
    assert request_of_anna.status == "confirmed"
    assert Notification.Kind.CONFIRMED in _kinds(request_of_anna)
    again = api.post(f"/bookings/{request_of_anna.uuid}/confirm")
    assert again.status_code == 409
    assert again.json() == {"detail": "Only a request can be confirmed."}


def test_decline_with_a_note(api, request_of_anna):
    response = api.post(f"/bookings/{request_of_anna.uuid}/decline", {"note": "Leider ausgebucht."})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["note"]) == ("declined", "Leider ausgebucht.")
    assert Notification.Kind.DECLINED in _kinds(request_of_anna)


def test_cancel_with_a_note_as_the_coach(api, request_of_anna):
    response = api.post(f"/bookings/{request_of_anna.uuid}/cancel", {"note": "Ich bin krank."})
    assert response.status_code == 200
    request_of_anna.refresh_from_db()
    assert (request_of_anna.status, request_of_anna.status_note) == ("cancelled", "Ich bin krank.")
    assert Notification.Kind.CANCELLED in _kinds(request_of_anna)
    assert api.post(f"/bookings/{request_of_anna.uuid}/cancel").status_code == 409


@pytest.mark.parametrize("note", ["\x00", "x" * 2001, 5])
def test_a_note_that_cannot_be_stored_is_400(api, request_of_anna, note):
    response = api.post(f"/bookings/{request_of_anna.uuid}/decline", {"note": note})
    assert response.status_code == 400
    assert "note" in response.json()["errors"]


def test_move_to_an_offered_time(api, request_of_anna):
    slots = api.get(f"/bookings/{request_of_anna.uuid}/slots").json()["starts"]
    target = next(start for start in slots if datetime.fromisoformat(start) != request_of_anna.start)
    response = api.post(f"/bookings/{request_of_anna.uuid}/move", {"start": target})
    assert response.status_code == 200
    request_of_anna.refresh_from_db()
    assert request_of_anna.start == datetime.fromisoformat(target)
    assert Notification.Kind.RESCHEDULED in _kinds(request_of_anna)


def test_move_to_a_time_not_offered_is_400(api, request_of_anna):
    start = request_of_anna.start.replace(hour=3).isoformat()
    response = api.post(f"/bookings/{request_of_anna.uuid}/move", {"start": start})
    assert response.status_code == 400
    assert "start" in response.json()["errors"]
    assert api.post(f"/bookings/{request_of_anna.uuid}/move", {"start": "soon"}).status_code == 400


def test_the_slots_of_a_booking_that_cannot_move_are_none(api, request_of_anna):
    api.post(f"/bookings/{request_of_anna.uuid}/cancel")
    assert api.get(f"/bookings/{request_of_anna.uuid}/slots").json() == {"starts": []}


def test_the_types_listed_or_not(api, anna):
    AppointmentTypeFactory(coach=anna, slug="follow-up", listed=False)
    AppointmentTypeFactory(coach=anna, slug="old", active=False)
    types = {t["slug"]: t for t in api.get("/types").json()}
    assert set(types) == {"coaching", "follow-up"}
    assert (types["coaching"]["duration_minutes"], types["follow-up"]["listed"]) == (60, False)


BOOKING_OPERATIONS = [
    ("get", "/bookings/{id}", None),
    ("get", "/bookings/{id}/slots", None),
    ("post", "/bookings/{id}/confirm", {}),
    ("post", "/bookings/{id}/decline", {"note": "x"}),
    ("post", "/bookings/{id}/cancel", {"note": "x"}),
    ("post", "/bookings/{id}/move", {"start": "2030-01-07T10:00:00+01:00"}),
]


@pytest.mark.parametrize(("method", "path", "body"), BOOKING_OPERATIONS)
def test_another_coachs_booking_is_404_and_untouched(api, other_booking, method, path, body):
    response = api.send(method, path.format(id=other_booking.uuid), body)
    assert response.status_code == 404
    other_booking.refresh_from_db()
    assert (other_booking.status, other_booking.sequence) == ("requested", 0)


@pytest.mark.parametrize("booking_id", ["1", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_booking_id_is_404(api, anna, booking_id):
    assert api.get(f"/bookings/{booking_id}").status_code == 404


@pytest.mark.parametrize(("method", "path", "body"), [op for op in BOOKING_OPERATIONS if op[0] != "get"])
def test_a_read_only_token_may_not_write_bookings(read_api, request_of_anna, method, path, body):
    response = read_api.send(method, path.format(id=request_of_anna.uuid), body)
    assert response.status_code == 403
    request_of_anna.refresh_from_db()
    assert (request_of_anna.status, request_of_anna.sequence) == ("requested", 0)


@pytest.mark.parametrize(("method", "path", "body"), [*BOOKING_OPERATIONS, ("get", "/bookings", None)])
def test_a_revoked_token_is_401_on_every_booking_operation(client, anna, request_of_anna, method, path, body):
    token, secret = coach_token_create(coach=anna, name="old")
    coach_token_revoke(token=token)
    response = Api(client, secret).send(method, path.format(id=request_of_anna.uuid), body)
    assert response.status_code == 401
