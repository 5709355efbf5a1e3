"""Messages to a coach's Threema ID or WhatsApp number: which coach they reach, kept once,
attached to the booking they are about, or answered once per sender and period, never to
a machine, within the hourly limit, in the sender's language."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.channels.base import IncomingMessage
from scheduler.models import Booking, InboundMessage, Notification
from scheduler.services import inbound
from scheduler.services.inbound import inbound_message_delete, inbound_message_mark_read, inbound_message_receive
from tests.factories import BookingFactory, ClientFactory, CoachFactory, NotificationFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
Kind = Notification.Kind
_ids = iter(range(10**6))


def threema(text="Hello, may I ask something?", sender="ECHOECHO", to="*SPRECHZ", **fields):
    fields.setdefault("provider_message_id", f"{next(_ids):016x}")
    return IncomingMessage(channel="threema", sender=sender, to=to, text=text, **fields)


def whatsapp(text="Hello, may I ask something?", sender="+15550001111", to="+4930123456", **fields):
    fields.setdefault("provider_message_id", f"wamid.{next(_ids)}")
    return IncomingMessage(channel="whatsapp", sender=sender, to=to, text=text, **fields)


def answers():
    return Notification.objects.filter(kind=Kind.CONTACT_ANSWER)


@pytest.fixture
def anna(db):
    return CoachFactory(threema_id="*SPRECHZ", whatsapp_number="+4930123456", language="en", contact_answer_days=7)


def receive(message, now=NOW):
    return inbound_message_receive(message=message, now=now)


# --- Which coach ----------------------------------------------------------------------


def test_the_coach_whose_id_or_number_it_was_sent_to(anna):
    CoachFactory()
    assert receive(threema()).coach == anna
    assert receive(whatsapp()).coach == anna


def test_else_the_coach_of_the_senders_latest_booking_on_that_channel(anna):
    bert = CoachFactory()
    BookingFactory(
        appointment_type__coach=anna, start=NOW - timedelta(days=90), channel="threema", threema_id="ECHOECHO"
    )
    BookingFactory(
        appointment_type__coach=bert, start=NOW - timedelta(days=60), channel="threema", threema_id="ECHOECHO"
    )
    assert receive(threema(to="*OTHERID")).coach == bert


def test_else_the_only_coach_and_with_several_nobody(caplog, anna):
    assert receive(whatsapp(to="")).coach == anna
    CoachFactory()
    with caplog.at_level(logging.WARNING, logger="sprechzeit.inbound"):
        message = whatsapp(to="+4940999999")
        assert receive(message) is None
    assert InboundMessage.objects.filter(provider_message_id=message.provider_message_id).count() == 0
    assert "reached no coach" in caplog.text and "+15550001111" not in caplog.text


# --- Kept once, answered once ------------------------------------------------------------


def test_a_message_is_kept_and_answered_once_and_a_second_delivery_changes_nothing(anna):
    message = threema(sender_name="Eva")
    kept = receive(message)

    assert (kept.sender, kept.sender_name, kept.text, kept.booking, kept.automatic) == (
        "ECHOECHO",
        "Eva",
        message.text,
        None,
        False,
    )
    [answer] = answers()
    assert (answer.inbound_message, answer.booking, answer.audience) == (kept, None, "client")
    assert (answer.channel, answer.recipient, answer.status) == ("threema", "ECHOECHO", "pending")

    assert receive(message) is None
    assert InboundMessage.objects.count() == 1 and answers().count() == 1


def test_once_per_sender_per_period_of_the_coach(anna):
    receive(threema())
    receive(threema(text="Are you there?"), now=NOW + timedelta(days=6, hours=23))
    receive(threema(sender="OTHERONE"), now=NOW + timedelta(hours=1))
    assert answers().count() == 2  # ECHOECHO once, OTHERONE once

    receive(threema(text="Me again"), now=NOW + timedelta(days=7, minutes=1))
    assert answers().filter(recipient="ECHOECHO").count() == 2
    assert InboundMessage.objects.count() == 4


def test_an_answer_that_was_never_needed_does_not_count(anna):
    first = receive(whatsapp())
    first.answers.update(status=Notification.Status.OBSOLETE)
    receive(whatsapp(text="Hello again"), now=NOW + timedelta(days=2))
    assert answers().exclude(status=Notification.Status.OBSOLETE).count() == 1


def test_at_most_so_many_answers_per_coach_and_hour(anna, monkeypatch):
    monkeypatch.setattr(inbound, "ANSWERS_PER_HOUR", 3)
    for number in range(5):
        receive(whatsapp(sender=f"+1555000{number:04d}"), now=NOW + timedelta(minutes=number))
    assert answers().count() == 3
    assert InboundMessage.objects.count() == 5
    receive(whatsapp(sender="+15559999999"), now=NOW + timedelta(minutes=61))
    assert answers().count() == 4


# --- Never a loop ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        threema(sender="*GATEWAY"),  # another Threema Gateway
        threema(sender="*SPRECHZ"),  # ourselves
        whatsapp(sender="+4930123456"),  # the coach's own number
        whatsapp(automatic=True, text="The number changed"),  # WhatsApp's system message
        whatsapp(text="Automatic reply: I am out of the office until Monday."),
        whatsapp(text="Automatische Antwort: Ich bin bis 3. März nicht erreichbar."),
        threema(text="Abwesenheitsnotiz – ab Montag wieder da"),
        whatsapp(text="OUT OF OFFICE"),
        threema(text="Hello, this is an automatic answer: your message to Anna has arrived."),
    ],
)
def test_what_a_machine_wrote_is_kept_but_never_answered(anna, message):
    kept = receive(message)
    assert kept.automatic is True
    assert answers().count() == 0


def test_our_gateway_id_counts_as_ours(anna, settings):
    settings.THREEMA_GATEWAY_ID = "*ANOTHER"
    assert receive(threema(sender="*ANOTHER", to="")).automatic is True


# --- Replies about a booking --------------------------------------------------------------


def booking(coach, *, days, status=Booking.Status.CONFIRMED, channel="whatsapp", **contact):
    contact = contact or {"whatsapp": "+15550001111"}
    client = ClientFactory(coach=coach, **contact)
    return BookingFactory(
        appointment_type__coach=coach, client=client, start=NOW + timedelta(days=days), status=status, channel=channel
    )


def test_a_reply_from_the_client_of_a_coming_booking_is_attached_and_not_answered(anna):
    later = booking(anna, days=10)
    sooner = booking(anna, days=2)
    kept = receive(whatsapp(text="I'll be five minutes late"))
    assert kept.booking == sooner != later
    assert answers().count() == 0


@pytest.mark.parametrize(
    ("days", "status", "attached"),
    [
        (-6, Booking.Status.CONFIRMED, True),  # ended six days ago
        (-8, Booking.Status.CONFIRMED, False),  # too long ago
        (3, Booking.Status.REQUESTED, True),
        (3, Booking.Status.CANCELLED, False),
        (3, Booking.Status.UNCONFIRMED, False),  # the coach does not see it
    ],
)
def test_which_bookings_a_reply_is_about(anna, days, status, attached):
    made = booking(anna, days=days, status=status)
    kept = receive(whatsapp())
    assert (kept.booking == made) is attached
    assert answers().count() == (0 if attached else 1)


def test_a_booking_on_another_channel_or_of_another_coach_is_not_the_one(anna):
    booking(anna, days=3, channel="email")
    booking(CoachFactory(), days=3)
    assert receive(whatsapp()).booking is None


def test_a_whatsapp_reply_to_a_message_of_a_booking_is_about_that_booking(anna):
    # Sent from another number than the booking gave, but in reply to its confirmation.
    made = booking(anna, days=3, status=Booking.Status.CANCELLED)
    NotificationFactory(booking=made, channel="whatsapp", provider_message_id="wamid.CONFIRMATION")
    kept = receive(whatsapp(sender="+15552223333", reply_to="wamid.CONFIRMATION"))
    assert kept.booking == made
    assert answers().count() == 0


def test_a_threema_reply_is_matched_by_the_booking_s_threema_id(anna):
    made = booking(anna, days=1, channel="threema", threema_id="ECHOECHO")
    assert receive(threema(sender="echoecho")).booking == made


# --- The sender's language ------------------------------------------------------------------


def test_the_known_clients_language(anna):
    ClientFactory(coach=anna, whatsapp="+15550001111", language="de")
    assert receive(whatsapp()).language == "de"


def test_the_language_of_a_booking_when_the_client_record_has_none(anna):
    made = booking(anna, days=-30)
    made.language = "de"
    made.save()
    made.client.language = ""
    made.client.save()
    assert receive(whatsapp()).language == "de"


@pytest.mark.parametrize(
    ("number", "language"),
    [
        ("+4915112345678", "de"),
        ("+43660123456", "de"),
        ("+41791234567", "de"),
        ("+4236612345", "de"),
        ("+420601123456", "en"),
        ("+15550001111", "en"),
    ],
)
def test_german_for_numbers_of_german_speaking_countries_else_the_coachs_language(anna, number, language):
    assert receive(whatsapp(sender=number)).language == language


def test_german_in_the_form_of_address_the_coach_chose(anna):
    anna.address_form = anna.AddressForm.INFORMAL
    anna.save()
    assert receive(whatsapp(sender="+4915112345678")).language == "de-du"
    anna.language = "de"
    anna.save()
    assert receive(threema()).language == "de-du"


# --- When it was received ---------------------------------------------------------------------


def test_received_when_whatsapp_says_it_was_sent_unless_that_is_implausible(anna):
    assert receive(whatsapp(sent_at=NOW - timedelta(hours=3))).received_at == NOW - timedelta(hours=3)
    assert receive(whatsapp(sent_at=NOW + timedelta(hours=3))).received_at == NOW
    assert receive(whatsapp(sent_at=NOW - timedelta(days=90))).received_at == NOW


# --- Read and deleted ---------------------------------------------------------------------------


def test_marking_read_and_deleting_takes_the_answer_with_it(anna):
    kept = receive(threema())
    inbound_message_mark_read(inbound_message=kept, now=NOW)
    inbound_message_mark_read(inbound_message=kept, now=NOW + timedelta(hours=1))
    kept.refresh_from_db()
    assert kept.read_at == NOW

    inbound_message_delete(inbound_message=kept)
    assert InboundMessage.objects.count() == 0 and answers().count() == 0
