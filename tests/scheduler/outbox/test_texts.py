"""What the messages say about reachability (outbox/texts.py): every message to a client
ends with when the coach reads and answers messages on the booking's channel next, in the
client's zone, and whether the coach is away (with the note in the client's language); a
request says by when it is answered; the coach's request message carries its deadline and
the link to it in the workspace. Clients read the type's name in their language."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from scheduler.models import Booking, Notification, ReplyWindow
from scheduler.models.common import Channel
from scheduler.outbox.texts import CLIENT_TEXTS, render, workspace_url
from tests.factories import (
    AppointmentTypeFactory,
    BlockedPeriodFactory,
    BookingFactory,
    CoachFactory,
    NotificationFactory,
)
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
TUESDAY = date(2026, 6, 2)
NOW = datetime(2026, 6, 2, 12, tzinfo=BERLIN)
Kind = Notification.Kind


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


@pytest.fixture
def coach():
    """Anna (Europe/Berlin) answers Mon, Wed, Fri 08:00-09:00, and Threema also Tue 18:00-19:00."""
    coach = CoachFactory(
        display_name="Anna Berg", time_zone="Europe/Berlin", language="en", channels=list(Channel.values)
    )
    for weekday in (0, 2, 4):
        ReplyWindow.objects.create(coach=coach, weekday=weekday, start=time(8), end=time(9))
    ReplyWindow.objects.create(coach=coach, weekday=1, start=time(18), end=time(19), channels=[Channel.THREEMA])
    return coach


def booking_of(coach, **fields):
    kind = AppointmentTypeFactory(coach=coach, name="Kennenlernen", name_en="Introductory talk")
    values = {
        "start": berlin(date(2026, 6, 8), 10),
        "language": "en",
        "time_zone": "America/New_York",
        "client_name": "Eva Muster",
        **fields,
    }
    return BookingFactory(appointment_type=kind, **values)


def message_to(booking, kind, now=NOW, **fields):
    notification = NotificationFactory(booking=booking, kind=kind, **fields)
    with time_machine.travel(now, tick=False):  # dates of this year are named without the year
        return render(notification, now=now)


@pytest.mark.parametrize("kind", list(CLIENT_TEXTS))
def test_every_client_message_says_when_the_coach_answers_next_on_its_channel_in_the_clients_zone(coach, kind):
    booking = booking_of(coach)
    text = message_to(booking, kind).text
    # Wednesday 08:00-09:00 in Berlin is 02:00-03:00 in New York; Tuesday's Threema window is not e-mail's.
    assert text.splitlines()[-1] == (
        "The next time Anna Berg reads and answers messages (E-mail): "
        "Wednesday, 3 June, 02:00–03:00 (America/New_York)."
    )


def test_the_window_is_the_one_of_the_bookings_channel(coach):
    booking = booking_of(coach, channel=Channel.THREEMA, threema_id="ABCD1234")
    last = message_to(booking, Kind.CONFIRMED, channel="threema", recipient="ABCD1234").text.splitlines()[-1]
    assert "(Threema)" in last
    assert "Tuesday, 2 June, 12:00–13:00 (America/New_York)" in last  # 18:00-19:00 in Berlin


def test_in_a_reply_window_the_message_says_until_when(coach):
    last = message_to(booking_of(coach), Kind.CONFIRMED, now=berlin(date(2026, 6, 3), 8, 30)).text.splitlines()[-1]
    assert (
        last == "Anna Berg reads and answers messages (E-mail) now, until Wednesday, 3 June, 03:00 (America/New_York)."
    )


def test_a_coach_without_reply_windows_gets_no_line(coach):
    ReplyWindow.objects.filter(coach=coach).delete()
    booking = booking_of(coach)
    for kind in CLIENT_TEXTS:
        text = message_to(booking, kind).text
        assert "reads and answers" not in text and "(America/New_York)." not in text.splitlines()[-1]


def test_no_window_for_the_channel_no_line(coach):
    ReplyWindow.objects.filter(coach=coach).exclude(channels=[Channel.THREEMA]).update(channels=[Channel.WHATSAPP])
    text = message_to(booking_of(coach), Kind.CONFIRMED).text
    assert "reads and answers" not in text


def test_away_is_said_with_the_note_in_the_clients_language_and_until_when(coach):
    BlockedPeriodFactory(
        coach=coach,
        title="private: Fortbildung",
        first_day=TUESDAY,
        last_day=TUESDAY + timedelta(days=1),
        public_note="Seminar in Wien",
        public_note_en="Seminar in Vienna",
    )
    text = message_to(booking_of(coach), Kind.CONFIRMED).text
    last = text.splitlines()[-1]
    # Away until Thursday 00:00 in Berlin, Wednesday 18:00 in New York; Wednesday's window does not happen.
    assert "Anna Berg is away until Wednesday, 3 June, 18:00 (America/New_York) (Seminar in Vienna)." in last
    assert "Friday, 5 June, 02:00–03:00 (America/New_York)" in last
    assert "Fortbildung" not in text and "Wien" not in text


def test_away_without_a_note_says_away(coach):
    BlockedPeriodFactory(coach=coach, title="privat", first_day=TUESDAY, last_day=TUESDAY)
    last = message_to(booking_of(coach), Kind.REMINDER).text.splitlines()[-1]
    assert last.startswith("Anna Berg is away until Tuesday, 2 June, 18:00 (America/New_York).")
    assert "privat" not in last


def test_a_request_received_says_by_when_it_is_answered_in_the_clients_zone(coach):
    booking = booking_of(coach, status=Booking.Status.REQUESTED, respond_by=berlin(date(2026, 6, 3), 9))
    text = message_to(booking, Kind.REQUEST_RECEIVED).text
    assert "Anna Berg answers by Wednesday, 3 June, 03:00 (America/New_York) at the latest" in text


def test_the_coachs_request_message_has_the_link_and_the_deadline_in_the_coachs_zone(coach):
    booking = booking_of(coach, status=Booking.Status.REQUESTED, respond_by=berlin(date(2026, 6, 3), 9))
    message = message_to(booking, Kind.COACH_REQUEST_WAITING, audience="coach", recipient=coach.user.email)
    assert workspace_url(booking) in message.text
    assert f"/coach/bookings/{booking.uuid}/" in message.text
    assert "Please answer by Wednesday, 3 June, 09:00 (Europe/Berlin)" in message.text
    assert "reads and answers" not in message.text  # the coach's own reachability is not news to them


def test_the_coachs_link_only_request_message_keeps_the_deadline(coach):
    """The client asked for encryption and the coach has no key: no message, no contact, but
    the deadline (which names neither the client nor the appointment's time)."""
    booking = booking_of(
        coach, status=Booking.Status.REQUESTED, respond_by=berlin(date(2026, 6, 3), 9), pgp_public_key="a key"
    )
    message = message_to(booking, Kind.COACH_REQUEST_WAITING, audience="coach", recipient=coach.user.email)
    assert "Please answer by Wednesday, 3 June, 09:00 (Europe/Berlin)" in message.text
    assert "Eva" not in message.text and workspace_url(booking) in message.text


@pytest.mark.parametrize("language, name", [("en", "Introductory talk"), ("de", "Kennenlernen")])
def test_a_client_reads_the_types_name_in_their_language(coach, language, name):
    booking = booking_of(coach, language=language)
    message = message_to(booking, Kind.CONFIRMED)
    other = {"Introductory talk", "Kennenlernen"} - {name}
    assert name in message.subject and name in message.text
    assert not any(word in message.text or word in message.subject for word in other)
    assert name.encode() in message.calendar and other.pop().encode() not in message.calendar
    assert name in message.template_params


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_coach_reads_their_own_name_of_the_type(coach, language):
    coach.language = "en"
    coach.save()
    booking = booking_of(coach, language=language)
    message = message_to(booking, Kind.COACH_NEW_BOOKING, audience="coach", recipient=coach.user.email)
    assert "Kennenlernen" in message.text and "Introductory talk" not in message.text
