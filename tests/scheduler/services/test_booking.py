from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from scheduler.models import AppointmentType, Booking, Client, ReplyWindow
from scheduler.services.booking import (
    SlotTaken,
    booking_cancel,
    booking_confirm,
    booking_create,
    booking_decline,
    booking_reschedule,
    bookings_expire_due,
)
from scheduler.services.booking_request import BookingRequest
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, WeeklyHoursFactory
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
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(12))
    return AppointmentTypeFactory(coach=coach, duration=timedelta(minutes=30), slot_step=timedelta(minutes=30))


def request_for(**changes):
    base = BookingRequest(
        start=at(9), name="Eva Muster", email="eva@example.org", channel="email", message=MESSAGE, privacy_consent=True
    )
    return replace(base, **changes)


def create(kind, address_proved=False, **changes):
    return booking_create(appointment_type=kind, request=request_for(**changes), now=NOW, address_proved=address_proved)


def field_errors(kind, **changes):
    with pytest.raises(ValidationError) as caught:
        create(kind, **changes)
    assert Booking.objects.count() == 0
    return caught.value.message_dict


def test_create_confirms_and_blocks_the_slot_with_buffers(kind):
    kind.buffer_before = timedelta(minutes=10)
    kind.buffer_after = timedelta(minutes=5)
    kind.save()
    booking = create(kind, start=at(10))
    assert booking.status == Booking.Status.CONFIRMED
    assert (booking.start, booking.end) == (at(10), at(10, 30))
    assert (booking.blocked_start, booking.blocked_end) == (at(9, 50), at(10, 35))
    assert booking.client.email == "eva@example.org"
    assert len(booking.token) >= 32


def test_the_same_slot_twice_is_taken(kind):
    create(kind)
    with pytest.raises(SlotTaken):
        create(kind, email="someone@example.org")
    assert Booking.objects.count() == 1


def test_an_overlapping_slot_is_taken(kind):
    kind.buffer_after = timedelta(minutes=30)
    kind.save()
    create(kind, start=at(9))
    with pytest.raises(SlotTaken):
        create(kind, start=at(9, 30), email="someone@example.org")


@pytest.mark.parametrize(
    "start",
    [
        at(9, 10),
        at(13),
        at(9, day=MONDAY + timedelta(days=1)),
        at(9, day=date(2026, 5, 18)),
        datetime(2026, 6, 1, 7, 5, tzinfo=ZoneInfo("UTC")),
    ],
    ids=["off-grid", "outside-hours", "closed-day", "in-the-past", "off-grid-utc"],
)
def test_a_time_the_engine_does_not_offer_is_rejected(kind, start):
    assert "start" in field_errors(kind, start=start)


def test_an_offered_time_in_another_offset_is_accepted(kind):
    booking = create(kind, start=datetime(2026, 6, 1, 3, 0, tzinfo=ZoneInfo("America/New_York")))
    assert booking.start == at(9)


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"name": "  "}, "name", "your name"),
        ({"email": "eva@"}, "email", "valid e-mail"),
        ({"email": ""}, "email", "e-mail address"),
        ({"message": "Hallo"}, "message", "at least 30 characters"),
        ({"message": "x" * 5001}, "message", "at most 5000"),
        ({"channel": ""}, "channel", "offered ways"),
        ({"channel": "fax"}, "channel", "not offered as “fax”. Choose one of: phone, video,"),
        ({"channel": "phone"}, "phone", "number the coach should call"),
        ({"channel": "phone", "phone": "12"}, "phone", "country code"),
        ({"channel": "threema", "threema_id": "abc"}, "threema_id", "8 characters"),
        ({"channel": "threema"}, "threema_id", "Threema ID"),
        ({"channel": "whatsapp", "whatsapp": "nope"}, "whatsapp", "country code"),
        ({"pgp_public_key": "garbage"}, "pgp_public_key", "not an OpenPGP public key"),
        ({"start": None}, "start", "choose a time"),
    ],
)
def test_each_field_is_validated_with_a_clear_message(kind, changes, field, text):
    errors = field_errors(kind, **changes)
    assert text in " ".join(errors[field])


def test_all_errors_come_at_once(kind):
    errors = field_errors(kind, name="", email="x", message="kurz")
    assert {"name", "email", "message"} <= set(errors)


def test_channel_not_allowed_by_the_type(kind):
    kind.allowed_channels = ["email"]
    kind.save()
    assert "channel" in field_errors(kind, channel="whatsapp", whatsapp="+491701234567")


def test_contact_details_are_normalised_and_kept_on_the_booking(kind, openpgp_keys):
    first = create(kind, channel="threema", threema_id="abcd1234", pgp_public_key=openpgp_keys["valid"])
    assert first.threema_id == "ABCD1234" and first.contact == "ABCD1234"
    assert "BEGIN PGP PUBLIC KEY BLOCK" in first.pgp_public_key
    second = create(kind, start=at(10), channel="phone", phone="0170 1234567")
    assert second.phone == "+491701234567" and second.threema_id == "" and second.pgp_public_key == ""
    first.refresh_from_db()
    assert first.threema_id == "ABCD1234" and first.phone == ""  # each booking keeps its own


def test_a_proved_booker_keeps_their_details_on_the_client(kind):
    create(kind, channel="threema", threema_id="abcd1234", address_proved=True)
    create(kind, start=at(10), channel="phone", phone="0170 1234567", address_proved=True)
    client = Client.objects.get()
    assert (client.phone, client.threema_id) == ("+491701234567", "ABCD1234")  # given before: kept


def test_a_client_is_reused_per_coach_and_email(kind):
    create(kind, email="Eva@Example.org")
    create(kind, start=at(10), email="eva@EXAMPLE.org")
    assert Client.objects.count() == 1
    other = AppointmentTypeFactory()  # another coach
    WeeklyHoursFactory(coach=other.coach, weekday=0)
    booking_create(appointment_type=other, request=request_for(), now=NOW)
    assert Client.objects.count() == 2


def test_approval_for_new_clients_only(kind):
    kind.approval = AppointmentType.Approval.NEW_CLIENTS
    kind.save()
    first = create(kind, address_proved=True)
    assert first.status == Booking.Status.REQUESTED
    assert first.respond_by == first.start - kind.answer_lead  # a coach without reply windows
    booking_confirm(booking=first)
    assert create(kind, start=at(10), address_proved=True).status == Booking.Status.CONFIRMED
    # Someone else who only types the address is a new client.
    assert create(kind, start=at(11)).status == Booking.Status.REQUESTED


def test_approval_always(kind):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking_confirm(booking=create(kind))
    assert create(kind, start=at(10)).status == Booking.Status.REQUESTED


def test_request_blocks_the_slot_until_declined(kind):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    request = create(kind)
    with pytest.raises(SlotTaken):
        create(kind, email="b@example.org")
    booking_decline(booking=request, note="Leider ausgebucht.")
    request.refresh_from_db()
    assert request.status == Booking.Status.DECLINED and request.status_note == "Leider ausgebucht."
    assert create(kind, email="b@example.org").status == Booking.Status.REQUESTED


def test_without_reply_windows_a_request_is_answered_the_types_lead_before_it(kind):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.answer_lead = timedelta(hours=24)
    kind.save()
    assert create(kind).respond_by == at(9) - timedelta(hours=24)


def test_a_request_is_answered_by_the_end_of_the_first_reply_window(kind):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    # Mon and Fri 08:00-09:00; NOW is Wednesday 20 May, 12:00: the first is Friday's.
    for weekday in (0, 4):
        ReplyWindow.objects.create(coach=kind.coach, weekday=weekday, start=time(8), end=time(9))
    assert create(kind).respond_by == at(9, day=date(2026, 5, 22))


def test_a_request_whose_first_reply_window_ends_too_late_cannot_be_made(kind):
    """The deadline is the first window's end, never a later one's: if it leaves less than
    the type's lead before the appointment, no later window can, and there is no request."""
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    # The first window after NOW is Sunday 24 May 20:00-21:01; 12 h before Monday 09:00 is 21:00.
    ReplyWindow.objects.create(coach=kind.coach, weekday=6, start=time(20), end=time(21, 1))
    monday = date(2026, 5, 25)
    errors = field_errors(kind, start=at(9, day=monday))
    assert list(errors) == ["start"]
    assert "before it begins" in errors["start"][0]
    assert create(kind, start=at(9, 30, day=monday)).respond_by == at(21, 1, day=date(2026, 5, 24))


def test_unanswered_requests_expire_and_free_the_slot(kind):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    request = create(kind)
    assert bookings_expire_due(now=request.respond_by - timedelta(minutes=1)) == 0
    assert bookings_expire_due(now=request.respond_by) == 1
    request.refresh_from_db()
    assert request.status == Booking.Status.EXPIRED
    assert request.sequence == 1
    assert bookings_expire_due(now=request.respond_by) == 0  # nothing twice


def test_confirm_and_decline_only_requests(kind):
    booking = create(kind)
    with pytest.raises(ValidationError, match="Only a request"):
        booking_confirm(booking=booking)
    with pytest.raises(ValidationError, match="Only a request"):
        booking_decline(booking=booking)


def test_cancel_frees_the_slot_and_raises_the_sequence(kind):
    booking = create(kind)
    cancelled = booking_cancel(booking=booking, note="Krank", now=NOW)
    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.sequence == 1
    assert create(kind, email="next@example.org").start == at(9)
    with pytest.raises(ValidationError, match="no longer active"):
        booking_cancel(booking=cancelled, now=NOW)


def test_cannot_cancel_once_begun(kind):
    booking = create(kind)
    with pytest.raises(ValidationError, match="already begun"):
        booking_cancel(booking=booking, now=at(9, 5))


def test_reschedule_moves_the_same_booking(kind):
    booking = create(kind)
    token = booking.token
    moved = booking_reschedule(booking=booking, start=at(11), now=NOW)
    assert (moved.pk, moved.token, moved.start, moved.sequence) == (booking.pk, token, at(11), 1)
    assert create(kind, email="next@example.org").start == at(9)  # old slot free again


def test_reschedule_within_its_own_span_is_allowed(kind):
    kind.buffer_after = timedelta(minutes=30)
    kind.save()
    booking = create(kind, start=at(9))
    assert booking_reschedule(booking=booking, start=at(9, 30), now=NOW).start == at(9, 30)


def test_reschedule_onto_a_taken_or_unoffered_slot(kind):
    booking = create(kind)
    create(kind, start=at(10), email="other@example.org")
    with pytest.raises(SlotTaken):
        booking_reschedule(booking=booking, start=at(10), now=NOW)
    with pytest.raises(ValidationError):
        booking_reschedule(booking=booking, start=at(10, 15), now=NOW)
    booking.refresh_from_db()
    assert booking.start == at(9) and booking.sequence == 0


def test_daily_cap_counts_requests_and_confirmed(kind):
    kind.daily_cap = 1
    kind.save()
    create(kind)
    with pytest.raises(SlotTaken):
        create(kind, start=at(11), email="other@example.org")


def test_privacy_consent_is_recorded(kind):
    assert create(kind, privacy_consent=True).privacy_consent_at == NOW
    with pytest.raises(ValidationError, match="Please agree"):
        create(kind, start=at(10), privacy_consent=False)


def test_language_and_zone_fall_back_to_the_coach(kind):
    booking = create(kind, language="fr", time_zone="Mars/Base")
    assert (booking.language, booking.time_zone) == ("de", "Europe/Berlin")
    booking = create(kind, start=at(10), language="en", time_zone="America/New_York")
    assert (booking.language, booking.time_zone) == ("en", "America/New_York")


def test_existing_booking_from_factory_blocks(kind):
    BookingFactory(appointment_type=kind, start=at(9))
    with pytest.raises(SlotTaken):
        create(kind)


def test_expire_task_runs_the_service(kind):
    from scheduler.tasks import expire_requests

    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking = create(kind)
    Booking.objects.filter(pk=booking.pk).update(respond_by=datetime(2020, 1, 1, tzinfo=BERLIN))
    assert expire_requests() == 1  # a unit test of one task may call it directly
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
