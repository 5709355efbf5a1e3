"""Booking links: made by the coach, checked and spent by the booking made through them."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from scheduler.models import AppointmentType, Booking, BookingLink, Notification
from scheduler.services.booking import SlotTaken, booking_create
from scheduler.services.booking_links import (
    BookingLinkClosed,
    booking_link_create,
    booking_link_propose,
    booking_link_revoke,
    proposal_request,
)
from scheduler.services.booking_request import BookingRequest
from tests.factories import AppointmentTypeFactory, BookingFactory, ClientFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 6, 1)
NOW = datetime(2026, 5, 20, 12, tzinfo=BERLIN)
MESSAGE = "Ich möchte über meinen nächsten beruflichen Schritt sprechen."


def at(hour, minute=0, day=MONDAY):
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def kind():
    coach = CoachFactory(time_zone="Europe/Berlin", minimum_message_length=30)
    for weekday in range(5):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(12))
    return AppointmentTypeFactory(
        coach=coach, slug="talk", duration=timedelta(minutes=30), slot_step=timedelta(minutes=30)
    )


@pytest.fixture
def unlisted(kind):
    return AppointmentTypeFactory(
        coach=kind.coach, slug="folge", listed=False, duration=timedelta(minutes=60), slot_step=timedelta(minutes=60)
    )


def request_for(**changes):
    base = BookingRequest(
        start=at(9), name="Eva Muster", email="eva@example.org", channel="email", message=MESSAGE, privacy_consent=True
    )
    return replace(base, **changes)


def book(kind, link=None, **changes):
    return booking_create(appointment_type=kind, request=request_for(**changes), now=NOW, link=link)


def test_a_link_is_spent_by_the_booking_it_leads_to(kind):
    link = booking_link_create(coach=kind.coach, appointment_type=kind, note="Eva, follow-up")
    booking = book(kind, link=link)
    link.refresh_from_db()
    assert link.booking == booking
    assert link.spent_at == NOW
    assert not link.is_open


def test_a_second_booking_through_a_spent_link_is_refused_and_the_first_is_untouched(kind):
    link = booking_link_create(coach=kind.coach, appointment_type=kind)
    first = book(kind, link=link)
    with pytest.raises(BookingLinkClosed):
        book(kind, link=link, start=at(10), email="someone@example.org")
    first.refresh_from_db()
    link.refresh_from_db()
    assert Booking.objects.count() == 1
    assert first.status == Booking.Status.CONFIRMED and first.start == at(9)
    assert link.booking == first


def test_a_stale_copy_of_the_link_cannot_book_twice(kind):
    """Two requests read the open link; the second's booking finds it spent under its lock."""
    link = booking_link_create(coach=kind.coach, appointment_type=kind)
    stale = BookingLink.objects.get(pk=link.pk)
    book(kind, link=link)
    with pytest.raises(BookingLinkClosed):
        book(kind, link=stale, start=at(10))
    assert Booking.objects.count() == 1


def test_a_taken_slot_leaves_the_link_open(kind):
    BookingFactory(appointment_type=kind, start=at(9))
    link = booking_link_create(coach=kind.coach, appointment_type=kind)
    with pytest.raises(SlotTaken):
        book(kind, link=link)
    link.refresh_from_db()
    assert link.is_open and link.booking is None


def test_only_times_within_the_link_dates_in_the_coach_zone(kind):
    link = booking_link_create(
        coach=kind.coach,
        appointment_type=kind,
        valid_from=MONDAY + timedelta(days=1),
        valid_until=MONDAY + timedelta(days=2),
    )
    with pytest.raises(ValidationError) as caught:
        book(kind, link=link, start=at(9))  # Monday: a day before
    assert "start" in caught.value.message_dict
    with pytest.raises(ValidationError):
        book(kind, link=link, start=at(9, day=MONDAY + timedelta(days=3)))  # Thursday: a day after
    booking = book(kind, link=link, start=at(11, 30, day=MONDAY + timedelta(days=2)))  # the last day's last slot
    assert booking.booking_link == link


def test_the_last_day_must_not_come_before_the_first(kind):
    with pytest.raises(ValidationError) as caught:
        booking_link_create(coach=kind.coach, valid_from=MONDAY, valid_until=MONDAY - timedelta(days=1))
    assert "valid_until" in caught.value.message_dict


def test_a_link_for_one_type_refuses_another(kind, unlisted):
    link = booking_link_create(coach=kind.coach, appointment_type=unlisted)
    with pytest.raises(ValidationError):
        book(kind, link=link)
    assert book(unlisted, link=link).appointment_type == unlisted


def test_an_unlisted_type_is_bookable_only_through_a_link_that_names_it(kind, unlisted):
    any_type = booking_link_create(coach=kind.coach)
    with pytest.raises(ValidationError):
        book(unlisted, link=any_type)
    assert book(kind, link=any_type).booking_link == any_type


def test_a_withdrawn_link_books_nothing(kind):
    link = booking_link_create(coach=kind.coach, appointment_type=kind)
    booking_link_revoke(link=link, now=NOW)
    with pytest.raises(BookingLinkClosed):
        book(kind, link=link)
    assert Booking.objects.count() == 0


def test_a_used_link_cannot_be_withdrawn(kind):
    link = booking_link_create(coach=kind.coach, appointment_type=kind)
    book(kind, link=link)
    with pytest.raises(ValidationError):
        booking_link_revoke(link=link)


def test_another_coachs_type_or_client_is_refused(kind):
    other = AppointmentTypeFactory()
    with pytest.raises(ValidationError):
        booking_link_create(coach=kind.coach, appointment_type=other)
    with pytest.raises(ValidationError):
        booking_link_create(coach=kind.coach, client=ClientFactory())


def test_a_link_for_the_client_skips_approval_only_for_that_client_address(kind):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    eva = ClientFactory(coach=kind.coach, email="eva@example.org")
    link = booking_link_create(coach=kind.coach, appointment_type=kind, client=eva)
    assert book(kind, link=link).status == Booking.Status.CONFIRMED
    other_link = booking_link_create(coach=kind.coach, appointment_type=kind, client=eva)
    stranger = book(kind, link=other_link, start=at(10), email="mallory@example.org")
    assert stranger.status == Booking.Status.REQUESTED


# --- proposals --------------------------------------------------------------------


@pytest.fixture
def eva(kind):
    """A client who booked by Threema before."""
    booking = BookingFactory(
        appointment_type=kind,
        start=at(9, day=MONDAY - timedelta(days=7)),
        channel="threema",
        threema_id="ABCD1234",
        time_zone="America/New_York",
        client__email="eva@example.org",
        client__name="Eva Muster",
    )
    return booking.client


def propose(kind, eva, starts, channel="threema"):
    return booking_link_propose(
        coach=kind.coach, appointment_type=kind, client=eva, starts=starts, channel=channel, now=NOW
    )


def test_a_proposal_writes_its_message_through_the_client_channel(kind, eva):
    link = propose(kind, eva, [at(10), at(9)])
    assert link.proposed_starts == ["2026-06-01T07:00:00+00:00", "2026-06-01T08:00:00+00:00"]
    (message,) = Notification.objects.filter(booking_link=link)
    assert (message.kind, message.channel, message.recipient) == (Notification.Kind.PROPOSAL, "threema", "ABCD1234")


def test_at_most_three_times_each_bookable(kind, eva):
    with pytest.raises(ValidationError):
        propose(kind, eva, [at(9), at(10), at(11), at(9, day=MONDAY + timedelta(days=1))])
    BookingFactory(appointment_type=kind, start=at(10))
    with pytest.raises(ValidationError) as caught:
        propose(kind, eva, [at(9), at(10)])
    assert "10:00" in caught.value.message_dict["starts"][0]
    with pytest.raises(ValidationError):
        propose(kind, eva, [at(9, 15)])  # off the grid
    assert BookingLink.objects.count() == 0


def test_a_proposal_goes_only_through_a_channel_the_client_used(kind, eva):
    with pytest.raises(ValidationError) as caught:
        propose(kind, eva, [at(9)], channel="whatsapp")
    assert "channel" in caught.value.message_dict


def test_picking_a_proposed_time_books_it_confirmed_and_spends_the_link(kind, eva):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.address_confirmation = AppointmentType.AddressConfirmation.ALWAYS
    kind.save()
    link = propose(kind, eva, [at(9), at(10)])
    request = proposal_request(link=link, start=at(10), message="", privacy_consent=True)
    booking = booking_create(appointment_type=kind, request=request, now=NOW, link=link)
    assert booking.status == Booking.Status.CONFIRMED
    assert (booking.channel, booking.threema_id, booking.time_zone) == ("threema", "ABCD1234", "America/New_York")
    link.refresh_from_db()
    assert link.booking == booking


def test_only_a_proposed_time_can_be_picked(kind, eva):
    link = propose(kind, eva, [at(9)])
    request = proposal_request(link=link, start=at(10), message="", privacy_consent=True)
    with pytest.raises(ValidationError) as caught:
        booking_create(appointment_type=kind, request=request, now=NOW, link=link)
    assert "start" in caught.value.message_dict


# --- the coach books for a client ------------------------------------------------


def test_the_coach_books_confirmed_without_the_message_minimum_and_only_the_client_hears(kind, dispatched):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking = booking_create(appointment_type=kind, request=request_for(message="Folgetermin"), now=NOW, by_coach=True)
    assert booking.status == Booking.Status.CONFIRMED and booking.booked_by_coach
    told = set(booking.notifications.exclude(kind=Notification.Kind.REMINDER).values_list("kind", "audience"))
    assert told == {(Notification.Kind.CONFIRMED, Notification.Audience.CLIENT)}


def test_a_client_still_needs_the_message_minimum(kind):
    with pytest.raises(ValidationError) as caught:
        book(kind, message="Folgetermin")
    assert "message" in caught.value.message_dict


def test_an_unlisted_type_is_refused_without_a_link_by_the_service_itself(unlisted):
    with pytest.raises(ValidationError) as refused:
        book(unlisted)
    assert set(refused.value.message_dict) == {"type"}
    assert Booking.objects.count() == 0
