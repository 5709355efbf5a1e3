"""The CalDAV backend on its own, against a real Radicale: what it writes where, and which
failures are worth trying again."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from scheduler.channels.base import DeliveryError, Message
from scheduler.channels.caldav import CaldavBackend, entry_href
from scheduler.field_encryption import encrypt
from scheduler.models import CalendarEntry, ExternalCalendar, Notification
from tests.factories import BookingFactory, NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar(radicale, coach):
    return ExternalCalendar.objects.create(
        coach=coach,
        kind=ExternalCalendar.Kind.CALDAV,
        name="Radicale",
        url=radicale.calendar_url,
        username=radicale.username,
        password_encrypted=encrypt(radicale.password),
    )


@pytest.fixture
def row(calendar):
    booking = BookingFactory(appointment_type__coach=calendar.coach, start=timezone.now() + timedelta(days=3))
    return NotificationFactory(
        booking=booking,
        kind=Notification.Kind.CALENDAR_ENTRY,
        audience=Notification.Audience.COACH,
        channel="caldav",
        recipient=str(calendar.pk),
    )


def message(row, **changes) -> Message:
    uid = f"{row.booking.uuid}@test"
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20300506T080000Z\r\nDTEND:20300506T090000Z\r\n"
        "SUMMARY:Coaching\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    fields = {"recipient": row.recipient, "text": "", "calendar": body, "reference": str(row.pk), "language": "en"}
    return Message(**{**fields, **changes})


def test_a_write_stores_where_the_event_is_and_its_version(row, calendar, radicale):
    href = CaldavBackend().send(message(row))
    entry = CalendarEntry.objects.get(calendar=calendar, booking=row.booking)
    assert href == entry.href == urlsplit(radicale.calendar_url).path + entry_href(row.booking)
    assert entry.etag
    assert len(radicale.events()) == 1


def test_a_removal_without_an_entry_removes_what_a_lost_answer_left(row, calendar, radicale):
    CaldavBackend().send(message(row))
    CalendarEntry.objects.all().delete()  # as if the answer to the write had been lost
    CaldavBackend().send(message(row, calendar=None, calendar_method="CANCEL"))
    assert radicale.events() == []
    CaldavBackend().send(message(row, calendar=None, calendar_method="CANCEL"))  # gone already: done


def test_a_server_that_is_down_is_tried_again_never_unknown(row, radicale):
    radicale.stop()
    with pytest.raises(DeliveryError) as failed:
        CaldavBackend().send(message(row))
    assert not failed.value.permanent and not failed.value.unknown


def test_a_wrong_password_is_permanent(row, calendar):
    calendar.password_encrypted = encrypt("wrong")
    calendar.save()
    with pytest.raises(DeliveryError) as failed:
        CaldavBackend().send(message(row))
    assert failed.value.permanent
    assert str(failed.value) == "The calendar refused the user name or password."


def test_a_password_no_key_opens_is_permanent(row, calendar):
    calendar.password_encrypted = "not a token"
    calendar.save()
    with pytest.raises(DeliveryError) as failed:
        CaldavBackend().send(message(row))
    assert failed.value.permanent
    assert "Please connect the calendar again" in str(failed.value)


def test_a_disconnected_calendar_is_permanent(row, calendar):
    calendar.delete()
    with pytest.raises(DeliveryError) as failed:
        CaldavBackend().send(message(row))
    assert failed.value.permanent
    assert str(failed.value) == "The calendar is no longer connected."
