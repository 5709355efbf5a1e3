from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from scheduler.models import AppointmentType, BlockedPeriod, Coach, DateOverride, ReplyWindow, WeeklyHours
from scheduler.models.common import new_token
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db


def errors_of(instance):
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def test_reserved_and_unknown_values_on_coach():
    coach = CoachFactory.build(user=CoachFactory().user, slug="api", time_zone="Europe/Atlantis")
    errors = errors_of(coach)
    assert "reserved" in errors["slug"][0]
    assert "not a known time zone" in errors["time_zone"][0]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"duration": timedelta(0)}, "duration"),
        ({"slot_step": timedelta(minutes=-5)}, "slot_step"),
        ({"buffer_before": timedelta(minutes=-1)}, "buffer_before"),
        ({"allowed_channels": []}, "allowed_channels"),
        ({"allowed_channels": ["email", "fax"]}, "allowed_channels"),
        ({"daily_cap": 5, "weekly_cap": 2}, "weekly_cap"),
        ({"daily_cap": 0}, "daily_cap"),
    ],
)
def test_appointment_type_validation(fields, field):
    appointment_type = AppointmentTypeFactory.build(coach=CoachFactory(), **fields)
    assert field in errors_of(appointment_type)


def test_weekly_hours_end_after_start():
    hours = WeeklyHours(coach=CoachFactory(), weekday=0, start=time(12), end=time(9))
    assert "end" in errors_of(hours)
    with pytest.raises(IntegrityError), transaction.atomic():
        hours.save()


def test_date_override_needs_both_times_or_none():
    coach = CoachFactory()
    errors_of(DateOverride(coach=coach, date=date(2026, 6, 1), start=time(9)))
    DateOverride(coach=coach, date=date(2026, 6, 1)).full_clean()  # closed
    assert DateOverride(coach=coach, date=date(2026, 6, 1)).closed


def test_blocked_period_days_or_times_not_both():
    coach = CoachFactory()
    mixed = BlockedPeriod(
        coach=coach,
        title="x",
        first_day=date(2026, 6, 1),
        last_day=date(2026, 6, 2),
        start=datetime(2026, 6, 1, 9, tzinfo=BERLIN),
        end=datetime(2026, 6, 1, 10, tzinfo=BERLIN),
    )
    errors_of(mixed)
    backwards = BlockedPeriod(coach=coach, title="x", first_day=date(2026, 6, 2), last_day=date(2026, 6, 1))
    assert "last_day" in errors_of(backwards)
    with pytest.raises(IntegrityError), transaction.atomic():
        backwards.save()


def test_all_day_blocked_period_spans_local_midnights_across_dst():
    period = BlockedPeriod(title="Seminar", first_day=date(2026, 3, 28), last_day=date(2026, 3, 29))
    start, end = period.span(BERLIN)
    assert start == datetime(2026, 3, 27, 23, tzinfo=ZoneInfo("UTC"))
    assert end == datetime(2026, 3, 29, 22, tzinfo=ZoneInfo("UTC"))  # 47 hours: DST began on the 29th


def test_booking_tokens_are_random_urlsafe_and_long():
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 32 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)  # 192 bits
    booking = BookingFactory(start=datetime(2026, 6, 1, 9, tzinfo=BERLIN))
    assert len(booking.token) >= 32 and not booking.token.isdigit()


def test_booking_span_must_cover_the_booking():
    booking = BookingFactory.build(
        appointment_type=AppointmentTypeFactory(), start=datetime(2026, 6, 1, 9, tzinfo=BERLIN)
    )
    booking.client.save()
    booking.client_id = booking.client.pk
    booking.blocked_start = booking.start + timedelta(minutes=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        booking.save()


def test_reply_window_end_after_start_and_known_channels_in_order():
    coach = CoachFactory()
    assert "end" in errors_of(ReplyWindow(coach=coach, weekday=0, start=time(9), end=time(8)))
    assert "channels" in errors_of(ReplyWindow(coach=coach, weekday=0, start=time(8), end=time(9), channels=["fax"]))
    window = ReplyWindow(coach=coach, weekday=0, start=time(8), end=time(9), channels=["whatsapp", "email"])
    window.full_clean()
    assert window.channels == ["email", "whatsapp"]  # in the order of Channel
    with pytest.raises(IntegrityError), transaction.atomic():
        ReplyWindow.objects.create(coach=coach, weekday=0, start=time(9), end=time(9))


@pytest.mark.parametrize("channel", ["video", "in_person"])
def test_a_reply_window_is_for_channels_that_carry_messages(channel):
    """A video call or a meeting happens at its time; its messages go by e-mail."""
    window = ReplyWindow(coach=CoachFactory(), weekday=0, start=time(8), end=time(9), channels=[channel])
    assert "channels" in errors_of(window)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "english"), ("en-gb", "english"), ("de", "german"), ("de-du", "german"), ("fr", "german")],
)
def test_the_coachs_words_are_read_in_the_readers_language_with_german_as_fallback(language, expected):
    coach = Coach(policy="Richtlinie", policy_en="Policy", reply_note="Notiz", reply_note_en="Note")
    kind = AppointmentType(name="Erstgespräch", name_en="First talk", description="Kennenlernen", description_en="Meet")
    period = BlockedPeriod(public_note="Seminar in Wien", public_note_en="Seminar in Vienna")
    words = {
        "german": ["Richtlinie", "Notiz", "Erstgespräch", "Kennenlernen", "Seminar in Wien"],
        "english": ["Policy", "Note", "First talk", "Meet", "Seminar in Vienna"],
    }
    with translation.override(language):
        read = [coach.local_policy, coach.local_reply_note, kind.local_name, kind.local_description, period.local_note]
    assert read == words[expected]


def test_without_english_words_an_english_reader_reads_the_german():
    coach = Coach(policy="Richtlinie", reply_note="Notiz")
    kind = AppointmentType(name="Erstgespräch", description="Kennenlernen")
    period = BlockedPeriod(public_note="Seminar in Wien")
    with translation.override("en"):
        read = [coach.local_policy, coach.local_reply_note, kind.local_name, kind.local_description, period.local_note]
    assert read == ["Richtlinie", "Notiz", "Erstgespräch", "Kennenlernen", "Seminar in Wien"]
    # No note at all: nothing to read (clients are told "away" by the page or message).
    with translation.override("en"):
        assert BlockedPeriod(public_note_en="").local_note == ""
