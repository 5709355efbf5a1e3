"""What the messages say of the type's online deadline and of a cancellation's note
(outbox/texts.py, outbox/client_lines.py): a message that offers the link to change or
cancel says until when that can be done online, or, once it cannot, names the link as the
booking's only and says to contact the coach; the client's own cancellation note goes to
the coach, not back to the client; the coach's note goes to the client."""

from datetime import datetime, time, timedelta

import pytest
import time_machine

from scheduler.ics import booking_manage_url
from scheduler.models import Notification, ReplyWindow
from scheduler.models.common import Channel
from scheduler.outbox.client_lines import change_rule_words
from scheduler.outbox.texts import render
from scheduler.services.booking import booking_cancel
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, NotificationFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 8, 10, tzinfo=BERLIN)  # a Monday
BEFORE = datetime(2026, 6, 5, 12, tzinfo=BERLIN)
AFTER = datetime(2026, 6, 7, 14, tzinfo=BERLIN)
Kind = Notification.Kind
OFFERING = [Kind.REQUEST_RECEIVED, Kind.CONFIRMED, Kind.REMINDER, Kind.RESCHEDULED]


@pytest.fixture
def booking():
    coach = CoachFactory(
        display_name="Anna Berg", time_zone="Europe/Berlin", language="en", channels=list(Channel.values)
    )
    ReplyWindow.objects.create(coach=coach, weekday=0, start=time(8), end=time(9))
    kind = AppointmentTypeFactory(coach=coach, name_en="Coaching", change_notice=timedelta(hours=24))
    return BookingFactory(
        appointment_type=kind, start=START, language="en", time_zone="America/New_York", client_name="Eva Muster"
    )


def message_to(booking, kind, now, **fields):
    notification = NotificationFactory(booking=booking, kind=kind, **fields)
    with time_machine.travel(now, tick=False):
        return render(notification, now=now)


@pytest.mark.parametrize("kind", OFFERING)
def test_a_message_that_offers_the_link_says_until_when_in_the_clients_zone(booking, kind):
    text = message_to(booking, kind, BEFORE).text
    assert "Change or cancel: http" in text
    # Sunday 10:00 in Berlin is 04:00 in New York.
    assert (
        "You can change or cancel it online until Sunday, 7 June, 04:00 (America/New_York); after that, please "
        "contact Anna Berg." in text
    )


@pytest.mark.parametrize("kind", OFFERING)
def test_after_the_deadline_the_message_offers_no_change_and_says_to_contact_the_coach(booking, kind):
    text = message_to(booking, kind, AFTER).text
    assert "Change or cancel" not in text and "online until" not in text
    assert f"Your booking: {booking_manage_url(booking)}" in text
    assert (
        "It can no longer be changed or cancelled online (that was possible until Sunday, 7 June, 04:00 "
        "(America/New_York)). To change or cancel it, please contact Anna Berg." in text
    )
    # and when the coach reads messages next, as every message ends
    assert text.splitlines()[-1].startswith("The next time Anna Berg reads and answers messages (E-mail): Monday")


def test_without_a_deadline_the_link_is_offered_as_before(booking):
    booking.appointment_type.change_notice = None
    booking.appointment_type.save()
    text = message_to(booking, Kind.REMINDER, AFTER).text
    assert "Change or cancel: http" in text and "online" not in text


def test_a_request_whose_address_is_not_confirmed_is_not_bound_by_the_deadline(booking):
    booking.status = "unconfirmed"
    booking.save()
    text = message_to(booking, Kind.ADDRESS_CONFIRMATION, AFTER).text
    assert "no longer" not in text


# --- a cancellation's note -------------------------------------------------------------------


def messages_of(booking, now):
    cancellations = Notification.objects.filter(booking=booking, kind=Kind.CANCELLED)
    with time_machine.travel(now, tick=False):
        return {n.audience: render(n, now=now) for n in cancellations}


def test_the_clients_own_note_goes_to_the_coach_and_not_back_to_the_client(booking):
    booking_cancel(booking=booking, note="Ich bin leider krank.", now=BEFORE)
    sent = messages_of(booking, BEFORE)
    assert "Ich bin leider krank." not in sent["client"].text
    assert "is cancelled." in sent["client"].text
    assert "Their note: Ich bin leider krank." in sent["coach"].text


def test_the_coachs_note_goes_to_the_client(booking):
    booking_cancel(booking=booking, note="Ich muss leider absagen.", now=AFTER, by_coach=True)
    sent = messages_of(booking, AFTER)
    assert set(sent) == {"client"}
    assert "Ich muss leider absagen." in sent["client"].text


def test_a_client_cancellation_without_a_note_says_none_to_the_coach(booking):
    booking_cancel(booking=booking, now=BEFORE)
    assert "note" not in messages_of(booking, BEFORE)["coach"].text.lower().split("message:")[0]


def test_dates_of_other_years_are_named_with_the_year(booking):
    booking.start = booking.start.replace(year=2027)
    booking.end = booking.end.replace(year=2027)
    booking.blocked_start, booking.blocked_end = booking.start, booking.end
    booking.save()
    text = message_to(booking, Kind.CONFIRMED, datetime(2026, 6, 5, tzinfo=BERLIN)).text
    assert "online until Monday, 7 June 2027, 04:00 (America/New_York)" in text


def test_the_type_page_says_the_deadline_before_booking_and_warns_inside_it(booking):
    kind = booking.appointment_type
    assert change_rule_words(kind, None, BEFORE) == "You can cancel or move it online up to 24 hours before it begins."
    assert change_rule_words(kind, START, BEFORE) == change_rule_words(kind, None, BEFORE)
    inside = change_rule_words(kind, START, AFTER)
    assert inside.startswith("This time begins in less than 24 hours: once booked, it can no longer be cancelled")
    assert "please contact Anna Berg" in inside
    kind.change_notice = None
    assert change_rule_words(kind, START, AFTER) == ""
