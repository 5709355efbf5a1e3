"""The rules a coach keeps per type (services/booking_rules.py, as booking.py applies them):
the client cancels or moves online only until the type's change notice before the start,
the coach at any time; a client holds at most the type's limit of open future bookings."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from scheduler.models import Booking
from scheduler.services.booking import booking_cancel, booking_create, booking_reschedule
from scheduler.services.booking_rules import ChangeDeadlinePassed, online_change_open, online_change_until
from tests.factories import AppointmentTypeFactory, BookingFactory, ClientFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN
from tests.scheduler.services.test_booking import request_for

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 6, 1)


def at(hour, minute=0, day=MONDAY):
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def kind():
    """Half-hour slots on Mondays 09:00–12:00 (Berlin); clients change online until 24 hours before."""
    coach = CoachFactory(time_zone="Europe/Berlin", minimum_message_length=30, display_name="Anna Berg")
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(12))
    return AppointmentTypeFactory(
        coach=coach,
        duration=timedelta(minutes=30),
        slot_step=timedelta(minutes=30),
        minimum_notice=timedelta(0),
        change_notice=timedelta(hours=24),
    )


@pytest.fixture
def booked(kind):
    """Monday 10:00 Berlin, for a client in New York."""
    return BookingFactory(appointment_type=kind, start=at(10), time_zone="America/New_York")


# --- until when ------------------------------------------------------------------------


def test_the_deadline_is_the_change_notice_before_the_start(booked):
    assert online_change_until(booked) == at(10) - timedelta(hours=24)
    assert online_change_open(booked, at(9, 59) - timedelta(hours=24))
    assert not online_change_open(booked, at(10) - timedelta(hours=24))


def test_without_a_change_notice_it_is_open_until_the_start(booked):
    booked.appointment_type.change_notice = None
    assert online_change_until(booked) == at(10)
    assert online_change_open(booked, at(9, 59))


def test_a_booking_that_is_over_has_no_deadline(booked):
    booked.status = Booking.Status.CANCELLED
    assert online_change_until(booked) is None
    assert not online_change_open(booked, at(8) - timedelta(days=3))


# --- cancel and move -----------------------------------------------------------------------


def test_the_client_cancels_before_the_deadline(booked):
    booking = booking_cancel(booking=booked, now=at(9) - timedelta(hours=24))
    assert booking.status == Booking.Status.CANCELLED


def test_after_the_deadline_the_client_cannot_cancel_and_is_told_until_when_in_their_zone(booked):
    with pytest.raises(ChangeDeadlinePassed) as caught:
        booking_cancel(booking=booked, note="Krank", now=at(11) - timedelta(hours=24))
    # Sunday 10:00 in Berlin is 04:00 in New York.
    assert caught.value.messages == [
        "This appointment could be cancelled online until Sunday, 31 May, 04:00 (America/New_York). "
        "To cancel it now, please contact Anna Berg."
    ]
    booked.refresh_from_db()
    assert booked.status == Booking.Status.CONFIRMED and booked.status_note == ""


def test_the_deadline_is_a_validation_error_for_the_pages(booked):
    with pytest.raises(ValidationError):
        booking_cancel(booking=booked, now=at(9))


def test_the_coach_cancels_after_the_deadline(booked):
    booking = booking_cancel(booking=booked, now=at(9), by_coach=True)
    assert booking.status == Booking.Status.CANCELLED


def test_deleting_the_clients_data_cancels_after_the_deadline_too(booked):
    booking = booking_cancel(booking=booked, now=at(9), deadline_applies=False)
    assert booking.status == Booking.Status.CANCELLED


def test_a_booking_whose_address_is_not_confirmed_is_cancelled_until_it_begins(booked):
    Booking.objects.filter(pk=booked.pk).update(status=Booking.Status.UNCONFIRMED)
    booked.refresh_from_db()
    assert booking_cancel(booking=booked, now=at(9)).status == Booking.Status.CANCELLED


def test_after_the_deadline_the_client_cannot_move_it_and_the_coach_can(booked):
    with pytest.raises(ChangeDeadlinePassed) as caught:
        booking_reschedule(booking=booked, start=at(11), now=at(9))
    assert "could be moved online until Sunday, 31 May, 04:00 (America/New_York)" in caught.value.messages[0]
    booked.refresh_from_db()
    assert booked.start == at(10)
    moved = booking_reschedule(booking=booked, start=at(11), now=at(9), by_coach=True)
    assert moved.start == at(11)


def test_before_the_deadline_the_client_moves_it(booked):
    moved = booking_reschedule(booking=booked, start=at(11), now=at(9) - timedelta(days=2))
    assert moved.start == at(11)


def test_a_begun_appointment_says_it_has_begun_not_the_deadline(booked):
    with pytest.raises(ValidationError) as caught:
        booking_cancel(booking=booked, now=at(10, 5))
    assert not isinstance(caught.value, ChangeDeadlinePassed)
    assert "already begun" in caught.value.messages[0]


# --- open bookings per client ----------------------------------------------------------------

NOW = datetime(2026, 5, 20, 12, tzinfo=BERLIN)


def create(kind, **changes):
    return booking_create(appointment_type=kind, request=request_for(**changes), now=NOW)


@pytest.fixture
def limited(kind):
    kind.open_bookings_limit = 2
    kind.save()
    return kind


def test_the_booking_past_the_limit_is_refused_at_the_email(limited):
    create(limited, start=at(9))
    create(limited, start=at(9, 30))
    with pytest.raises(ValidationError) as caught:
        create(limited, start=at(10))
    assert caught.value.message_dict == {
        "email": [
            "This e-mail address already has 2 open bookings of this type, and Anna Berg takes at most 2 at a time. "
            "Once one of them has taken place, or after you cancel one through the link you received, you can book "
            "again."
        ]
    }
    assert Booking.objects.count() == 2


def test_a_limit_of_one_says_it_in_the_singular(limited):
    limited.open_bookings_limit = 1
    limited.save()
    create(limited, start=at(9))
    with pytest.raises(ValidationError) as caught:
        create(limited, start=at(10))
    assert caught.value.message_dict["email"][0].startswith("This e-mail address already has an open booking")


def test_an_unconfirmed_booking_past_its_hold_does_not_count_before_it_is_expired(limited):
    """Holds are expired only when a slot is refused: one past its hold must not count
    against the client's limit while it still says unconfirmed."""
    client = ClientFactory(coach=limited.coach, email="eva@example.org")
    for hour in (9, 10):
        BookingFactory(
            appointment_type=limited,
            client=client,
            start=at(hour),
            status=Booking.Status.UNCONFIRMED,
            hold_until=NOW - timedelta(minutes=1),
        )
    BookingFactory(
        appointment_type=limited,
        client=client,
        start=at(11),
        status=Booking.Status.UNCONFIRMED,
        hold_until=NOW + timedelta(minutes=1),
    )
    create(limited, start=at(9, 30))
    with pytest.raises(ValidationError) as caught:  # the held one and the new one: two
        create(limited, start=at(11, 30))
    assert "email" in caught.value.message_dict


def test_cancelled_past_and_other_clients_bookings_do_not_count(limited):
    client = ClientFactory(coach=limited.coach, email="eva@example.org")
    BookingFactory(appointment_type=limited, client=client, start=at(9, day=MONDAY - timedelta(days=14)))  # past
    BookingFactory(appointment_type=limited, client=client, start=at(11), status=Booking.Status.CANCELLED)
    BookingFactory(appointment_type=limited, start=at(11, 30))  # someone else's
    create(limited, start=at(9))
    assert create(limited, start=at(9, 30)).client == client


def test_bookings_of_another_type_do_not_count(limited):
    other = AppointmentTypeFactory(coach=limited.coach, duration=timedelta(minutes=30))
    client = ClientFactory(coach=limited.coach, email="eva@example.org")
    BookingFactory(appointment_type=other, client=client, start=at(11))
    BookingFactory(appointment_type=other, client=client, start=at(11, 30))
    create(limited, start=at(9))
    create(limited, start=at(9, 30))
    assert Booking.objects.filter(client=client).count() == 4


def test_without_a_limit_there_is_none(kind):
    for hour in (9, 10, 11):
        create(kind, start=at(hour))
    assert Booking.objects.count() == 3


def test_the_coach_books_a_client_past_the_limit(limited):
    create(limited, start=at(9))
    create(limited, start=at(9, 30))
    booking = booking_create(
        appointment_type=limited, request=request_for(start=at(10), message="Folgetermin"), now=NOW, by_coach=True
    )
    assert booking.booked_by_coach and booking.status == Booking.Status.CONFIRMED
