"""Schemathesis against the API's own OpenAPI schema (/api/openapi.json), in process
through the WSGI application: every operation, with data schemathesis makes up (also
invalid data) blended with realistic values of one coach with hours, types and bookings,
must answer without a server error, with a status code, content type and body the
schema documents.

The schema is loaded at import and parametrized per operation: schemathesis'
`pytest.from_fixture` reads `Node._nodeid`, which pytest 9.2 no longer has."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ZONES = ["Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Asia/Kathmandu", "UTC"]
TYPES = ["coaching", "kennenlernen"]
TOKENS = {status: f"fuzz-{status}-token-0123456789abcdef" for status in Booking.Status.values}
TODAY = datetime.now(BERLIN).date()
DAYS = [TODAY + timedelta(days=offset) for offset in range(-3, 21)]
# Times on the coach's hours (some of them free slots, some booked, some past), as a visitor sends them.
STARTS = [
    datetime.combine(day, time(hour, minute), tzinfo=BERLIN)
    for day in DAYS
    for hour in (9, 10, 11)
    for minute in (0, 30)
]
TEXT = st.text(max_size=30)

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


def blend(generated, realistic: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """A third each: realistic values, realistic values but one field as schemathesis
    made it (or left out), or schemathesis' value as it is; so that cases get past the
    first check and fuzz every step behind it. Anything but an object stays as it is."""
    if not isinstance(generated, dict):
        return st.just(generated)

    def realistic_but(kept: str | None) -> st.SearchStrategy:
        fields = {name: st.just(value) for name, value in generated.items()}
        fields.update({name: values for name, values in realistic.items() if name != kept})
        if kept not in generated:
            fields.pop(kept, None)
        return st.fixed_dictionaries(fields)

    return st.one_of(realistic_but(None), st.sampled_from(sorted(realistic)).flatmap(realistic_but), st.just(generated))


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    realistic = {"slug": st.just("anna"), "token": st.sampled_from(list(TOKENS.values()))}
    return blend(path_parameters, {name: realistic[name] for name in path_parameters})


@schema.hook
def flatmap_query(context, query):
    days = st.sampled_from([day.isoformat() for day in DAYS])
    return blend(query, {"type": st.sampled_from(TYPES), "start": days, "end": days, "tz": st.sampled_from(ZONES)})


@schema.hook
def flatmap_body(context, body):
    if context.operation.path.endswith("/cancel"):
        return blend(body, {"note": TEXT})
    return blend(
        body,
        {
            "type": st.sampled_from(TYPES),
            "start": st.sampled_from(STARTS).flatmap(
                lambda start: st.sampled_from(ZONES).map(lambda zone: start.astimezone(ZoneInfo(zone)).isoformat())
            ),
            # A NUL byte and a lone surrogate: a 400 at the field, never a 500 from the database.
            "name": st.sampled_from(["Eva Muster", "Jürgen Groß", "Eva\x00", "\ud800"]),
            "email": st.sampled_from(["eva@example.org", "juergen@example.de"]),
            "channel": st.sampled_from(["phone", "email", "threema", "whatsapp"]),
            "message": st.just("Ich möchte über meinen nächsten beruflichen Schritt sprechen."),
            "phone": st.sampled_from(["+49 170 1234567", "030 1234567"]),
            "threema_id": st.sampled_from(["ECHOECHO", "*SPRECHZ"]),
            "whatsapp": st.just("+4917012345678"),
            "pgp_public_key": st.just(""),
            "language": st.sampled_from(["de", "en"]),
            "timezone": st.sampled_from(ZONES),
            "privacy_consent": st.booleans(),
        },
    )


@pytest.fixture(autouse=True)
def coach_with_bookings(db, settings):
    """The coach `anna` (Berlin, Mon–Fri 09:00–12:00) with two types and a booking in
    every state, its token one of TOKENS."""
    coach = CoachFactory(slug="anna", time_zone="Europe/Berlin")
    for weekday in range(5):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(12))
    coaching = AppointmentTypeFactory(
        coach=coach, slug="coaching", duration=timedelta(minutes=60), slot_step=timedelta(minutes=30)
    )
    AppointmentTypeFactory(coach=coach, slug="kennenlernen", approval="always", minimum_notice=timedelta(hours=2))
    mornings = [start for start in STARTS if start.date() > TODAY and start.weekday() < 5 and start.time() == time(9)]
    for start, (status, token) in zip(mornings[: len(TOKENS)], TOKENS.items(), strict=True):
        BookingFactory(appointment_type=coaching, start=start, status=status, token=token)
    # Rate limiting (429, documented) would answer most cases after the tenth booking attempt.
    settings.BOOKING_RATE_LIMIT = "100000/m"
    # As Django's test client does: a request must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=timedelta(seconds=2),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_as_its_schema_says(case):
    case.call_and_validate(checks=CHECKS)


def test_a_body_that_is_not_json_is_400_with_field_errors(client):
    # Found by the fuzzing above: Ninja answered {"detail": "Cannot parse request body"}.
    response = client.post(
        "/api/coaches/anna/bookings", b"\x00", content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert response.json() == {"errors": {"request": "The body must be a JSON object."}}


def test_a_rate_limited_booking_attempt_is_answered_as_documented(settings):
    # The fuzzing runs without the limit to reach the booking itself; its 429 is checked here.
    settings.BOOKING_RATE_LIMIT = "1/m"
    case = schema["/api/coaches/{slug}/bookings"]["POST"].Case(
        path_parameters={"slug": "anna"}, body={"type": "x", "start": "soon"}
    )
    assert case.call().status_code == 400
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code == 429
    assert int(response.headers["retry-after"][0]) > 0
