from datetime import datetime, time, timedelta

from coach_api.selectors import api_bookings, coach_token, coach_token_by_secret
from coach_api.services import coach_token_create, coach_token_revoke
from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory
from tests.helpers import BERLIN


def test_a_secret_finds_its_unrevoked_token_of_an_active_coach(anna):
    token, secret = coach_token_create(coach=anna, name="x")
    assert coach_token_by_secret(secret) == token
    assert coach_token_by_secret(secret[:-1]) is None
    assert coach_token_by_secret("") is None
    anna.user.is_active = False
    anna.user.save()
    assert coach_token_by_secret(secret) is None
    anna.user.is_active = True
    anna.user.save()
    coach_token_revoke(token=token)
    assert coach_token_by_secret(secret) is None


def test_a_token_by_its_public_id_is_only_its_coach(anna):
    token, _secret = coach_token_create(coach=anna, name="x")
    assert coach_token(coach=anna, public_id=token.uuid) == token
    assert coach_token(coach=CoachFactory(), public_id=token.uuid) is None


def test_bookings_are_filtered_by_status_type_and_local_dates(anna, weekday_ahead):
    coaching = anna.appointment_types.get(slug="coaching")
    talk = AppointmentTypeFactory(coach=anna, slug="talk")
    day = weekday_ahead

    def at(offset_days, hour, **kwargs):
        start = datetime.combine(day + timedelta(days=offset_days), time(hour), tzinfo=BERLIN)
        return BookingFactory(start=start, **{"appointment_type": coaching, **kwargs})

    first = at(0, 0, status=Booking.Status.REQUESTED)  # local midnight: the day's first booking
    second = at(0, 23, appointment_type=talk)
    third = at(1, 9)
    at(1, 10, status=Booking.Status.UNCONFIRMED)  # not the coach's to see yet
    BookingFactory(start=datetime.combine(day, time(9), tzinfo=BERLIN))  # another coach's

    assert list(api_bookings(coach=anna)) == [first, second, third]
    assert list(api_bookings(coach=anna, status="requested")) == [first]
    assert list(api_bookings(coach=anna, type_slug="talk")) == [second]
    assert list(api_bookings(coach=anna, first_day=day, last_day=day)) == [first, second]
    assert list(api_bookings(coach=anna, first_day=day + timedelta(days=1))) == [third]
