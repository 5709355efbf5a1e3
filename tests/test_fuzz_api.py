"""Schemathesis against the API's own OpenAPI schema (/api/openapi.json), in process
through the WSGI application: every operation, with data schemathesis makes up (also
invalid data) blended with realistic values of one coach with hours, types and bookings,
must answer without a server error, with a status code, content type and body the
schema documents.

The schema is loaded at import and parametrized per operation: schemathesis'
`pytest.from_fixture` reads `Node._nodeid`, which pytest 9.2 no longer has."""

import itertools
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

from coach_api.models import CoachToken, secret_hash
from config.wsgi import application
from scheduler.models import Booking, DateOverride, ReplyWindow
from tests.factories import (
    AppointmentTypeFactory,
    BlockedPeriodFactory,
    BookingFactory,
    CoachFactory,
    WeeklyHoursFactory,
)
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
# The coach's API (/api/coach/…): anna's bookings by their opaque ids (one per status) and one
# of another coach's; the ids of her reply window, date override and blocked period; her
# tokens, read-write, read-only and revoked, and none, taken in turn by the cases.
BOOKING_IDS = {status: f"00000000-0000-4000-8000-{n:012d}" for n, status in enumerate(Booking.Status.values)}
OTHER_BOOKING_ID = "00000000-0000-4000-8000-999999999999"
ROW_ID = 9001
COACH_SECRETS = {"rw": "fuzz-coach-read-write-0123456789abcdef", "ro": "fuzz-coach-read-only-0123456789abcdef"}
REVOKED_SECRET = "fuzz-coach-revoked-0123456789abcdef"
AUTH_HEADERS = itertools.cycle(
    [
        {"Authorization": f"Bearer {secret}"}
        for secret in (COACH_SECRETS["rw"], COACH_SECRETS["rw"], COACH_SECRETS["ro"])
    ]
    + [{"Authorization": f"Bearer {REVOKED_SECRET}"}, {}]
)
CLOCK = st.sampled_from(["09:00", "10:30:00", "12:00", "23:59", "00:00"])

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
    realistic = {
        "slug": st.just("anna"),
        "token": st.sampled_from(list(TOKENS.values())),
        "booking_id": st.sampled_from([*BOOKING_IDS.values(), OTHER_BOOKING_ID]),
        "window_id": st.just(ROW_ID),
        "override_id": st.just(ROW_ID),
        "period_id": st.just(ROW_ID),
    }
    # The coach's list operations have no path parameters (None).
    return blend(path_parameters, {name: realistic[name] for name in path_parameters or ()})


@schema.hook
def flatmap_query(context, query):
    days = st.sampled_from([day.isoformat() for day in DAYS])
    return blend(
        query,
        {
            "type": st.sampled_from(TYPES),
            "start": days,
            "end": days,
            "tz": st.sampled_from(ZONES),
            "status": st.sampled_from(Booking.Status.values),
        },
    )


def coach_bodies(path: str) -> dict[str, st.SearchStrategy] | None:
    """Realistic bodies of the coach's API's writes, by path."""
    days = st.sampled_from([day.isoformat() for day in DAYS])
    if path.endswith("/move"):
        return {"start": st.sampled_from(STARTS).map(datetime.isoformat)}
    if "/reply-windows" in path:
        return {
            "weekday": st.integers(0, 6),
            "start": CLOCK,
            "end": CLOCK,
            "channels": st.lists(st.sampled_from(["email", "threema", "whatsapp", "phone"])),
        }
    if "/date-overrides" in path:
        return {"date": days, "start": st.one_of(st.none(), CLOCK), "end": st.one_of(st.none(), CLOCK)}
    if "/blocked-periods" in path:
        moments = st.sampled_from(STARTS).map(datetime.isoformat)
        return {
            "title": TEXT,
            "first_day": st.one_of(st.none(), days),
            "last_day": st.one_of(st.none(), days),
            "start": st.one_of(st.none(), moments),
            "end": st.one_of(st.none(), moments),
            "decided": st.lists(st.sampled_from(list(BOOKING_IDS.values()))),
            "cancel_bookings": st.booleans(),
            "note": TEXT,
        }
    return None


@schema.hook
def flatmap_body(context, body):
    if context.operation.path.endswith(("/cancel", "/decline")):
        return blend(body, {"note": TEXT})
    if (realistic := coach_bodies(context.operation.path)) is not None:
        return blend(body, realistic)
    if context.operation.path.endswith("/weekly-hours"):
        window = st.fixed_dictionaries(
            {"weekday": st.integers(0, 6), "start": CLOCK, "end": CLOCK, "types": st.lists(st.sampled_from(TYPES))}
        )
        return st.one_of(st.just(body), st.lists(window, max_size=3))
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
        BookingFactory(appointment_type=coaching, start=start, status=status, token=token, uuid=BOOKING_IDS[status])
    BookingFactory(start=mornings[0], status="requested", uuid=OTHER_BOOKING_ID)
    for kind, secret in COACH_SECRETS.items():
        CoachToken.objects.create(coach=coach, name=kind, read_only=kind == "ro", token_hash=secret_hash(secret))
    CoachToken.objects.create(
        coach=coach, name="revoked", token_hash=secret_hash(REVOKED_SECRET), revoked_at=datetime.now(BERLIN)
    )
    ReplyWindow.objects.create(pk=ROW_ID, coach=coach, weekday=0, start=time(8), end=time(9))
    DateOverride.objects.create(pk=ROW_ID, coach=coach, date=DAYS[-1], start=None, end=None)
    BlockedPeriodFactory(pk=ROW_ID, coach=coach, first_day=DAYS[-2], last_day=DAYS[-2])
    # Rate limiting (429, documented) would answer most cases after the tenth booking attempt.
    settings.BOOKING_RATE_LIMIT = "100000/m"
    settings.COACH_API_RATE_LIMIT = "100000/m"
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
    case.call_and_validate(checks=CHECKS, headers=next(AUTH_HEADERS))


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
