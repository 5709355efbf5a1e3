"""The automatic answer to a message outside a booking: what it says (the policy in the
sender's language, away, the next reply window on the channel, the link), how it is sent
(free text, never overtaken, no coach alert when it fails) and WhatsApp's 24-hour rule."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from scheduler.channels.base import DeliveryError
from scheduler.models import InboundMessage, Notification, ReplyWindow
from scheduler.outbox.contact_answer import MAX_BYTES, contact_answer_render
from scheduler.outbox.send import notification_delivery_update, notification_send, notifications_sweep
from scheduler.outbox.write import contact_answer_write
from tests.factories import BlockedPeriodFactory, CoachFactory
from tests.scheduler.outbox.helpers import ScriptedBackend

pytestmark = pytest.mark.django_db

# Tuesday, 3 March 2026, 12:00 in Berlin.
NOW = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
Kind, Status = Notification.Kind, Notification.Status


@pytest.fixture
def anna(db):
    coach = CoachFactory(
        slug="anna",
        display_name="Anna Beispiel",
        policy="Ich nehme keine Anrufe ohne Termin an.",
        policy_en="I take no calls without an appointment.",
        reply_note="Dringendes: bitte ein kurzes Gespräch buchen.",
        reply_note_en="Urgent matters: please book a short call.",
    )
    for weekday in (0, 2, 4):
        ReplyWindow.objects.create(coach=coach, weekday=weekday, start=time(8), end=time(9))
    return coach


def received(coach, *, channel="threema", sender="ECHOECHO", language="en", at=NOW, name=""):
    message = InboundMessage.objects.create(
        coach=coach,
        channel=channel,
        sender=sender,
        sender_name=name,
        text="Hello?",
        provider_message_id=f"{channel}-{InboundMessage.objects.count()}",
        received_at=at,
        language=language,
    )
    return contact_answer_write(inbound_message=message, now=at)


def text_of(answer, now=NOW):
    return contact_answer_render(answer, now=now).text


def test_in_english_the_policy_the_next_window_on_the_channel_and_the_link(anna, settings):
    settings.SITE_URL = "https://sprechzeit.example.org"
    answer = received(anna, name="Eva")
    message = contact_answer_render(answer, now=NOW)

    assert message.free_text is True
    assert (message.recipient, message.language) == ("ECHOECHO", "en")
    text = message.text
    assert text.startswith("Hello Eva,\nthis is an automatic answer")
    assert "I take no calls without an appointment." in text
    assert "Ich nehme" not in text
    assert "Wednesday, 4 March" in text and "08:00–09:00 (Europe/Berlin)" in text
    assert "Urgent matters: please book a short call." in text
    assert "https://sprechzeit.example.org/anna/" in text


def test_in_german_the_coachs_german_words(anna):
    text = text_of(received(anna, language="de"))
    assert "Ich nehme keine Anrufe ohne Termin an." in text
    assert "Dringendes: bitte ein kurzes Gespräch buchen." in text
    assert "I take no calls" not in text


def test_in_du_german_the_german_words_too(anna):
    assert "Ich nehme keine Anrufe" in text_of(received(anna, language="de-du"))


def test_away_now_with_the_public_note_in_the_senders_language(anna):
    BlockedPeriodFactory(
        coach=anna,
        title="private: Seminar X",
        first_day=date(2026, 3, 2),
        last_day=date(2026, 3, 5),
        public_note="Seminar in Wien",
        public_note_en="seminar in Vienna",
    )
    text = text_of(received(anna))
    assert "Anna Beispiel is away until the end of Thursday, 5 March (Europe/Berlin): seminar in Vienna." in text
    assert "private" not in text
    # The windows during the seminar do not happen: the next is Friday's.
    assert "Friday, 6 March, 08:00–09:00 (Europe/Berlin)" in text
    assert "Seminar in Wien" in text_of(received(anna, sender="OTHERONE", language="de"))


def test_away_without_a_note_says_away(anna):
    BlockedPeriodFactory(coach=anna, first_day=date(2026, 3, 3), last_day=date(2026, 3, 3))
    assert "Anna Beispiel is away until the end of Tuesday, 3 March (Europe/Berlin)." in text_of(received(anna))


def test_in_a_reply_window_now(anna):
    wednesday_morning = datetime(2026, 3, 4, 7, 30, tzinfo=UTC)  # 08:30 in Berlin
    text = text_of(received(anna), now=wednesday_morning)
    assert "reads and answers Threema messages now, until 09:00 (Europe/Berlin)." in text


def test_windows_for_other_channels_only(anna):
    ReplyWindow.objects.filter(coach=anna).update(channels=["email"])
    assert "has planned no time to read Threema messages" in text_of(received(anna))


def test_no_reply_windows_at_all_no_word_about_them(anna):
    ReplyWindow.objects.filter(coach=anna).delete()
    text = text_of(received(anna))
    assert "reads and answers" not in text and "planned no time" not in text
    assert "/anna/" in text


def test_a_long_policy_is_cut_to_fit_a_threema_message(anna):
    anna.policy_en = "Bitte über Termine. " * 400
    anna.save()
    text = text_of(received(anna))
    assert len(text.encode()) <= MAX_BYTES
    assert "…" in text and "/anna/" in text


# --- Sending --------------------------------------------------------------------------------


def test_sent_as_free_text_and_never_overtaken(anna, memory_backends):
    answer = received(anna)
    assert notification_send(notification_id=answer.pk, now=NOW) == "sent"
    [message] = memory_backends
    assert message.free_text and message.recipient == "ECHOECHO"
    answer.refresh_from_db()
    assert answer.status == Status.SENT and answer.provider_message_id


@pytest.mark.parametrize(("hours", "outcome"), [(23, "sent"), (25, "obsolete")])
def test_whatsapp_answers_only_within_24_hours_of_the_message(anna, memory_backends, hours, outcome):
    answer = received(anna, channel="whatsapp", sender="+15550001111", at=NOW)
    assert notification_send(notification_id=answer.pk, now=NOW + timedelta(hours=hours)) == outcome
    answer.refresh_from_db()
    if outcome == "obsolete":
        assert memory_backends == []
        assert answer.status == Status.OBSOLETE and "24 hours" in answer.last_error
    else:
        assert len(memory_backends) == 1


def test_threema_has_no_24_hour_rule(anna, memory_backends):
    answer = received(anna, at=NOW)
    assert notification_send(notification_id=answer.pk, now=NOW + timedelta(days=3)) == "sent"


def test_a_failure_is_recorded_without_a_coach_alert(anna, settings):
    settings.CHANNEL_BACKENDS = {
        **settings.CHANNEL_BACKENDS,
        "threema": "tests.scheduler.outbox.helpers.ScriptedBackend",
    }
    ScriptedBackend.script, ScriptedBackend.sent = [DeliveryError("no such ID", permanent=True)], []
    answer = received(anna)
    assert notification_send(notification_id=answer.pk, now=NOW) == "failed"
    answer.refresh_from_db()
    assert (answer.status, answer.last_error) == (Status.FAILED, "no such ID")
    assert Notification.objects.filter(audience="coach").count() == 0


def test_a_whatsapp_failure_reported_later_writes_no_coach_alert(anna, memory_backends):
    answer = received(anna, channel="whatsapp", sender="+15550001111")
    notification_send(notification_id=answer.pk, now=NOW)
    answer.refresh_from_db()
    notification_delivery_update(
        channel="whatsapp", provider_message_id=answer.provider_message_id, status="failed", error="undeliverable"
    )
    answer.refresh_from_db()
    assert answer.status == Status.FAILED
    assert Notification.objects.filter(audience="coach").count() == 0


def test_the_sweeper_dispatches_a_lost_answer(anna, dispatched):
    answer = received(anna, at=NOW)
    Notification.objects.filter(pk=answer.pk).update(dispatched_at=NOW - timedelta(minutes=10))
    assert notifications_sweep(now=NOW + timedelta(minutes=1)) == 1
    assert dispatched == [answer.pk]
