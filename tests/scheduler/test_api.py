from datetime import date, datetime, time, timedelta

import pytest

from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

# A Monday well ahead, so minimum notice and "now" never interfere.
MONDAY = date.today() + timedelta(days=14 - date.today().weekday())


@pytest.fixture
def coaching():
    coach = CoachFactory(slug="anna", time_zone="Europe/Berlin")
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(11))
    return AppointmentTypeFactory(
        coach=coach, slug="coaching", duration=timedelta(minutes=60), slot_step=timedelta(minutes=30)
    )


def get_slots(client, **params):
    return client.get("/api/coaches/anna/slots", params, headers={"accept-language": "en"})


def test_types_lists_active_types(client, coaching):
    AppointmentTypeFactory(coach=coaching.coach, slug="hidden", active=False)
    response = client.get("/api/coaches/anna/types")
    assert response.status_code == 200
    assert [t["slug"] for t in response.json()] == ["coaching"]
    assert response.json()[0]["duration_minutes"] == 60


def test_slots_grouped_by_visitor_date_with_offsets(client, coaching):
    response = get_slots(client, type="coaching", start=MONDAY.isoformat(), end=MONDAY.isoformat(), tz="Europe/Berlin")
    assert response.status_code == 200
    body = response.json()
    assert [day["date"] for day in body["days"]] == [MONDAY.isoformat()]
    starts = [datetime.fromisoformat(slot["start"]) for slot in body["days"][0]["slots"]]
    assert [s.astimezone(BERLIN).time() for s in starts] == [time(9), time(9, 30), time(10)]
    assert body["days"][0]["slots"][0]["start"].endswith(("+01:00", "+02:00"))


def test_slots_in_a_far_zone_move_to_the_visitors_date(client, coaching):
    # 09:00 in Berlin is the evening before in Honolulu (UTC-10).
    response = get_slots(
        client,
        type="coaching",
        start=(MONDAY - timedelta(days=1)).isoformat(),
        end=MONDAY.isoformat(),
        tz="Pacific/Honolulu",
    )
    body = response.json()
    assert [day["date"] for day in body["days"]] == [(MONDAY - timedelta(days=1)).isoformat()]
    assert body["days"][0]["slots"][0]["start"].endswith("-10:00")


def test_booked_slot_is_gone(client, coaching):
    BookingFactory(appointment_type=coaching, start=datetime.combine(MONDAY, time(9, 30), tzinfo=BERLIN))
    response = get_slots(client, type="coaching", start=MONDAY.isoformat(), end=MONDAY.isoformat())
    assert response.json()["days"] == []  # 09:00, 09:30 and 10:00 all overlap 09:30–10:30


def test_cancelled_booking_frees_the_slot(client, coaching):
    BookingFactory(
        appointment_type=coaching,
        start=datetime.combine(MONDAY, time(9), tzinfo=BERLIN),
        status=Booking.Status.CANCELLED,
    )
    response = get_slots(client, type="coaching", start=MONDAY.isoformat(), end=MONDAY.isoformat())
    assert len(response.json()["days"][0]["slots"]) == 3


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"tz": "Mars/Olympus"}, "tz", "Unknown time zone"),
        ({"tz": "../../etc/passwd"}, "tz", "Unknown time zone"),
        ({"type": "nope"}, "type", "no bookable appointment type"),
        ({"start": "2026-13-01"}, "start", "YYYY-MM-DD"),
        ({"end": "tomorrow"}, "end", "YYYY-MM-DD"),
        ({"start": "2026-05-10", "end": "2026-05-09"}, "end", "before the start"),
        ({"start": "2026-05-01", "end": "2026-07-02"}, "end", "at most 62 days"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, coaching, params, field, text):
    response = get_slots(client, **{"type": "coaching", **params})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors
    assert text in errors[field]


def test_missing_type_is_400(client, coaching):
    response = client.get("/api/coaches/anna/slots")
    assert response.status_code == 400
    assert "type" in response.json()["errors"]


def test_range_of_exactly_62_days_is_allowed(client, coaching):
    response = get_slots(client, type="coaching", start="2026-05-01", end="2026-07-01")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/coaches/nobody/types", "/api/coaches/nobody/slots?type=coaching"])
def test_unknown_coach_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_openapi_documents_the_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/coaches/{slug}/slots" in schema["paths"]
    assert "/api/coaches/{slug}/types" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_every_operation_documents_the_503_of_an_unreachable_database(client):
    # The JSON 503 of api.database_unavailable, with Retry-After (tests/test_faults.py (b)).
    schema = client.get("/api/openapi.json").json()
    operations = [operation for path in schema["paths"].values() for operation in path.values()]
    public = [
        operation
        for name, path in schema["paths"].items()
        if not name.startswith("/api/coach/")
        for operation in path.values()
    ]
    assert len(public) == 6  # with GET /coaches/{slug}/reachability; the coach's API (coach_api/) beside them
    for operation in operations:
        content = operation["responses"]["503"]["content"]["application/json"]["schema"]
        assert schema["components"]["schemas"][content["$ref"].rsplit("/", 1)[1]]["required"] == ["detail"]


def test_the_openapi_schema_lists_privacy_consent(client):
    schema = client.get("/api/openapi.json").json()
    assert "privacy_consent" in schema["components"]["schemas"]["BookingIn"]["properties"]
