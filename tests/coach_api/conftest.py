from datetime import datetime, time, timedelta

import pytest

from coach_api.services import coach_token_create
from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN


class Api:
    """Django's test client with a token in the Authorization header."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.headers = {"Accept-Language": "en"}
        if secret:
            self.headers["Authorization"] = f"Bearer {secret}"

    def get(self, path, **params):
        return self.client.get(f"/api/coach{path}", params, headers=self.headers)

    def send(self, method, path, body=None):
        call = getattr(self.client, method)
        return call(f"/api/coach{path}", body, content_type="application/json", headers=self.headers)

    def post(self, path, body=None):
        return self.send("post", path, {} if body is None else body)


@pytest.fixture
def anna(db):
    """Anna (Berlin), bookable Mon–Fri 09:00–12:00, with the hour-long type `coaching`."""
    coach = CoachFactory(slug="anna", time_zone="Europe/Berlin")
    for weekday in range(5):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(12))
    AppointmentTypeFactory(
        coach=coach, slug="coaching", duration=timedelta(minutes=60), slot_step=timedelta(minutes=30)
    )
    return coach


@pytest.fixture
def weekday_ahead():
    """A weekday about a week ahead (Berlin)."""
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def request_of_anna(anna, weekday_ahead):
    """A request for Anna's coaching at 10:00 on that weekday."""
    return BookingFactory(
        appointment_type=anna.appointment_types.get(slug="coaching"),
        start=datetime.combine(weekday_ahead, time(10), tzinfo=BERLIN),
        status=Booking.Status.REQUESTED,
        respond_by=datetime.combine(weekday_ahead, time(8), tzinfo=BERLIN),
    )


@pytest.fixture
def other_booking(db, weekday_ahead):
    """A request of another coach."""
    return BookingFactory(
        start=datetime.combine(weekday_ahead, time(10), tzinfo=BERLIN), status=Booking.Status.REQUESTED
    )


@pytest.fixture
def api(client, anna):
    """Anna's read-write token."""
    return Api(client, coach_token_create(coach=anna, name="script")[1])


@pytest.fixture
def read_api(client, anna):
    return Api(client, coach_token_create(coach=anna, name="reader", read_only=True)[1])


@pytest.fixture
def no_token_api(client):
    return Api(client, None)
