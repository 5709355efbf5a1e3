"""A request's answer deadline (reachability.py's rule): the end of the coach's first reply
window that still has MIN_ANSWER_TIME left, which must end at least the type's answer lead
before the appointment; else there is no request, so the slot is not offered for that type
and a booking of it is refused. At fixed clocks, in the coach's zone, across DST."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from scheduler.models import AppointmentType, Booking, Notification, ReplyWindow
from scheduler.selectors.slots import slots_bookable
from scheduler.services.booking import booking_address_confirm, booking_create, booking_reschedule
from scheduler.services.booking_request import BookingRequest
from tests.factories import AppointmentTypeFactory, BlockedPeriodFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

# Monday 1 June 2026; reply windows Mon, Wed, Fri 08:00-09:00 (Europe/Berlin).
MONDAY = date(2026, 6, 1)
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY = (MONDAY + timedelta(days=n) for n in range(1, 5))
NEXT_MONDAY = MONDAY + timedelta(days=7)
MESSAGE = "Ich möchte über meinen nächsten beruflichen Schritt sprechen."


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def coach():
    coach = CoachFactory(time_zone="Europe/Berlin")
    for weekday in range(5):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(17))
    return coach


def reply_windows(coach, *weekdays, start=time(8), end=time(9)):
    for weekday in weekdays:
        ReplyWindow.objects.create(coach=coach, weekday=weekday, start=start, end=end)


@pytest.fixture
def requests(coach):
    """Hour-long appointments that always need the coach's approval, answered 12 h ahead."""
    reply_windows(coach, 0, 2, 4)
    return AppointmentTypeFactory(
        coach=coach,
        approval=AppointmentType.Approval.ALWAYS,
        address_confirmation=AppointmentType.AddressConfirmation.NEVER,
        duration=timedelta(hours=1),
        slot_step=timedelta(hours=1),
        answer_lead=timedelta(hours=12),
    )


def offered(kind, day, now, **kwargs):
    found = slots_bookable(
        appointment_type=kind, range_start=at(day, 0), range_end=at(day + timedelta(days=1), 0), now=now, **kwargs
    )
    return [slot.start for slot in found]


def book(kind, start, now, **changes):
    request = BookingRequest(
        start=start, name="Eva Muster", email="eva@example.org", channel="email", message=MESSAGE, privacy_consent=True
    )
    return booking_create(appointment_type=kind, request=replace(request, **changes), now=now)


def refused(kind, start, now):
    with pytest.raises(ValidationError) as caught:
        book(kind, start, now)
    assert list(caught.value.message_dict) == ["start"]
    assert not Booking.objects.filter(start=start).exists()
    return caught.value.message_dict["start"][0]


def test_the_deadline_is_the_end_of_the_first_reply_window(requests):
    now = at(TUESDAY, 12)  # next window: Wednesday 08:00-09:00
    booking = book(requests, at(THURSDAY, 9), now)
    assert booking.status == Booking.Status.REQUESTED
    assert booking.respond_by == at(WEDNESDAY, 9)
    # Later appointments are answered in the same first window, never in a later one.
    assert book(requests, at(NEXT_MONDAY, 16), now, email="b@example.org").respond_by == at(WEDNESDAY, 9)


def test_slots_start_once_the_first_window_leaves_the_lead(requests):
    now = at(TUESDAY, 12)  # Wednesday 09:00 + 12 h = Wednesday 21:00: nothing on Wednesday
    assert offered(requests, WEDNESDAY, now) == []
    assert offered(requests, THURSDAY, now)[0] == at(THURSDAY, 9)


def test_a_window_with_less_than_a_quarter_of_an_hour_left_does_not_count(requests):
    # At 08:44 Wednesday's window has 16 minutes left: Thursday can be answered in it.
    assert offered(requests, THURSDAY, at(WEDNESDAY, 8, 44))[0] == at(THURSDAY, 9)
    assert book(requests, at(THURSDAY, 9), at(WEDNESDAY, 8, 44)).respond_by == at(WEDNESDAY, 9)
    # At 08:50 only ten: the first window is Friday's, which ends 09:00, too late for Thursday or Friday.
    now = at(WEDNESDAY, 8, 50)
    assert offered(requests, THURSDAY, now) == []
    assert offered(requests, FRIDAY, now) == []
    assert "before it begins" in refused(requests, at(THURSDAY, 10), now)
    assert offered(requests, NEXT_MONDAY, now)[0] == at(NEXT_MONDAY, 9)


def test_the_window_may_end_exactly_the_lead_before_the_appointment(requests):
    now = at(TUESDAY, 12)
    requests.answer_lead = timedelta(hours=24, minutes=1)
    requests.save()
    assert offered(requests, THURSDAY, now)[0] == at(THURSDAY, 10)
    assert "before it begins" in refused(requests, at(THURSDAY, 9), now)
    requests.answer_lead = timedelta(hours=24)
    requests.save()
    assert offered(requests, THURSDAY, now)[0] == at(THURSDAY, 9)
    assert book(requests, at(THURSDAY, 9), now).respond_by == at(WEDNESDAY, 9)


def test_the_deadline_follows_the_coachs_zone_across_dst(coach):
    """Berlin leaves summer time on Sunday 25 October 2026: Friday's window is 06:00-07:00 UTC,
    Monday's 07:00-08:00 UTC; both 08:00-09:00 on the coach's clock."""
    reply_windows(coach, 0)
    kind = AppointmentTypeFactory(
        coach=coach, approval=AppointmentType.Approval.ALWAYS, duration=timedelta(hours=1), slot_step=timedelta(hours=1)
    )
    kind.address_confirmation = AppointmentType.AddressConfirmation.NEVER
    kind.save()
    friday, monday, tuesday = date(2026, 10, 23), date(2026, 10, 26), date(2026, 10, 27)
    # 12 h after Monday 09:00 CET: Tuesday is offered from 09:00, Monday not at all.
    assert offered(kind, monday, at(friday, 10)) == []
    assert offered(kind, tuesday, at(friday, 10))[0] == at(tuesday, 9)
    booking = book(kind, at(tuesday, 9), at(friday, 10))
    assert booking.respond_by == at(monday, 9)
    assert booking.respond_by.utcoffset() == timedelta(0) and booking.respond_by.hour == 8  # 09:00 CET


def test_a_coach_without_reply_windows_answers_the_types_lead_before_the_appointment(coach):
    kind = AppointmentTypeFactory(
        coach=coach,
        approval=AppointmentType.Approval.ALWAYS,
        address_confirmation=AppointmentType.AddressConfirmation.NEVER,
        duration=timedelta(hours=1),
        slot_step=timedelta(hours=1),
        answer_lead=timedelta(hours=2),
    )
    now = at(MONDAY, 8)
    # now + a quarter of an hour to answer + 2 h: from 10:15, so from 11:00 on the grid.
    assert offered(kind, MONDAY, now)[0] == at(MONDAY, 11)
    assert book(kind, at(MONDAY, 11), now).respond_by == at(MONDAY, 9)
    assert "before it begins" in refused(kind, at(MONDAY, 10), now)


def test_away_time_has_no_reply_window(requests):
    # Away Wednesday to Friday: the first window is next Monday's.
    BlockedPeriodFactory(coach=requests.coach, first_day=WEDNESDAY, last_day=FRIDAY, public_note="Seminar in Wien")
    now = at(TUESDAY, 12)
    assert offered(requests, NEXT_MONDAY, now) == []
    next_tuesday = NEXT_MONDAY + timedelta(days=1)
    assert book(requests, at(next_tuesday, 9), now).respond_by == at(NEXT_MONDAY, 9)


def test_no_reply_window_within_reach_offers_nothing_and_refuses_every_request(requests):
    BlockedPeriodFactory(coach=requests.coach, first_day=MONDAY, last_day=MONDAY + timedelta(days=120))
    now = at(MONDAY, 12)
    for day in (TUESDAY, NEXT_MONDAY, MONDAY + timedelta(days=100)):
        assert offered(requests, day, now) == []
    assert "before it begins" in refused(requests, at(MONDAY + timedelta(days=100), 10), now)


def test_types_without_approval_are_offered_regardless(requests):
    kind = AppointmentTypeFactory(coach=requests.coach, duration=timedelta(hours=1), slot_step=timedelta(hours=1))
    now = at(TUESDAY, 12)
    assert offered(kind, WEDNESDAY, now)[0] == at(WEDNESDAY, 9)
    assert book(kind, at(WEDNESDAY, 9), now).respond_by is None


def test_a_type_for_new_clients_is_offered_as_if_everyone_were_new(requests):
    """Who books is not known when slots are offered: every slot must be one a request could have."""
    requests.approval = AppointmentType.Approval.NEW_CLIENTS
    requests.save()
    now = at(TUESDAY, 12)
    assert offered(requests, WEDNESDAY, now) == []
    assert offered(requests, THURSDAY, now)[0] == at(THURSDAY, 9)


def test_a_confirmed_address_counts_the_deadline_from_the_confirmation(requests):
    requests.address_confirmation = AppointmentType.AddressConfirmation.REQUESTS
    requests.save()
    booking = book(requests, at(THURSDAY, 9), at(WEDNESDAY, 8, 20))
    assert (booking.status, booking.respond_by) == (Booking.Status.UNCONFIRMED, None)
    confirmed = booking_address_confirm(booking=booking, now=at(WEDNESDAY, 8, 40))
    assert (confirmed.status, confirmed.respond_by) == (Booking.Status.REQUESTED, at(WEDNESDAY, 9))


def test_a_request_confirmed_too_late_to_be_answered_expires_and_frees_its_slot(requests):
    requests.address_confirmation = AppointmentType.AddressConfirmation.REQUESTS
    requests.save()
    booking = book(requests, at(THURSDAY, 9), at(WEDNESDAY, 8, 20))
    # At 08:47 (within the hold) the first window that counts is Friday's: too late for Thursday.
    with pytest.raises(ValidationError) as caught:
        booking_address_confirm(booking=booking, now=at(WEDNESDAY, 8, 47))
    assert "before it begins" in caught.value.message_dict["start"][0]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED and booking.address_confirmed_at is not None
    # The coach never saw it, and the client was only asked to confirm.
    assert list(booking.notifications.values_list("kind", flat=True)) == [Notification.Kind.ADDRESS_CONFIRMATION]
    # Its time is free again (for a type that needs no answer, which may still have it).
    direct = AppointmentTypeFactory(coach=requests.coach, duration=timedelta(hours=1), slot_step=timedelta(hours=1))
    assert at(THURSDAY, 9) in offered(direct, THURSDAY, at(WEDNESDAY, 8, 47))


def test_a_moved_request_gets_the_deadline_of_its_new_time(requests):
    booking = book(requests, at(NEXT_MONDAY, 9), at(TUESDAY, 12))
    assert booking.respond_by == at(WEDNESDAY, 9)
    moved = booking_reschedule(booking=booking, start=at(NEXT_MONDAY, 10), now=at(WEDNESDAY, 10))
    assert moved.respond_by == at(FRIDAY, 9)  # counted from the move: Wednesday's window is over
    with pytest.raises(ValidationError, match="before it begins"):
        booking_reschedule(booking=moved, start=at(FRIDAY, 16), now=at(WEDNESDAY, 10))


def test_a_confirmed_booking_moves_without_a_deadline(requests):
    booking = book(requests, at(NEXT_MONDAY, 9), at(TUESDAY, 12))
    booking.status, booking.respond_by = Booking.Status.CONFIRMED, None
    booking.save()
    now = at(WEDNESDAY, 10)
    # Moving it makes no request: the coach need not answer, so Thursday's times are offered to it.
    assert at(THURSDAY, 9) in offered(requests, THURSDAY, now, exclude_booking=booking)
    assert at(THURSDAY, 9) not in offered(requests, THURSDAY, now)
    moved = booking_reschedule(booking=booking, start=at(THURSDAY, 9), now=now)
    assert (moved.status, moved.respond_by) == (Booking.Status.CONFIRMED, None)


def test_the_api_names_start_when_a_request_could_not_be_answered_in_time(client, requests):
    requests.coach.slug = "anna"
    requests.coach.save()
    requests.slug = "talk"
    requests.allowed_channels = ["email"]
    requests.save()
    payload = {
        "type": "talk",
        "start": at(THURSDAY, 10).isoformat(),
        "name": "Eva Muster",
        "email": "eva@example.org",
        "channel": "email",
        "message": MESSAGE,
        "privacy_consent": True,
    }

    def post_at(now):
        with time_machine.travel(now, tick=False):
            return client.post(
                "/api/coaches/anna/bookings",
                payload,
                content_type="application/json",
                headers={"accept-language": "en"},
            )

    # 08:40: Wednesday's window still counts, Thursday can be asked for; at 08:50 no longer.
    refused = post_at(at(WEDNESDAY, 8, 50))
    assert refused.status_code == 400
    assert "before it begins" in refused.json()["errors"]["start"]
    booked = post_at(at(WEDNESDAY, 8, 40))
    assert booked.status_code == 201 and booked.json()["status"] == "requested"
