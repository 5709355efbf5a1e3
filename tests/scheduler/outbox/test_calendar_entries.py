"""Bookings written to the coach's CalDAV calendar by the outbox, against a real Radicale
(tests/radicale.py): created, moved with If-Match, removed; retried while the server is
down and written once when it is back; a wrong password failed and shown to the coach."""

from datetime import datetime, time, timedelta

import icalendar
import pytest
from django.urls import reverse

from scheduler import ics, safe_http
from scheduler.field_encryption import encrypt
from scheduler.models import AppointmentType, CalendarEntry, ExternalCalendar, Notification
from scheduler.outbox.send import CALENDAR_MAX_ATTEMPTS, SENDING_TIMEOUT, notification_send, notifications_sweep
from scheduler.outbox.write import notification_retry
from scheduler.selectors.coach_bookings import booking_notifications, coach_notifications_failed
from scheduler.services.booking import (
    booking_address_confirm,
    booking_cancel,
    booking_confirm,
    booking_decline,
    booking_reschedule,
)
from tests.helpers import BERLIN
from tests.scheduler.outbox.helpers import MONDAY, NOW, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("backends")]

Kind, Status = Notification.Kind, Notification.Status


@pytest.fixture
def calendar(radicale, coach, settings):
    """The coach's CalDAV calendar on the Radicale of the test."""
    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "caldav": "scheduler.channels.caldav.CaldavBackend"}
    return ExternalCalendar.objects.create(
        coach=coach,
        kind=ExternalCalendar.Kind.CALDAV,
        name="Radicale",
        url=radicale.calendar_url,
        username=radicale.username,
        password_encrypted=encrypt(radicale.password),
    )


def entries(booking):
    return booking.notifications.filter(kind=Kind.CALENDAR_ENTRY).order_by("pk")


def send_entries(booking, now=NOW) -> list[str]:
    """Send the booking's calendar rows that are due by `now` (or their own time)."""
    return [
        notification_send(notification_id=row.pk, now=max(now, row.scheduled_for))
        for row in entries(booking).filter(status=Status.PENDING)
    ]


def stored_events(radicale) -> list[icalendar.Event]:
    return [event for text in radicale.events() for event in icalendar.Calendar.from_ical(text).walk("VEVENT")]


@pytest.fixture
def requests_made(monkeypatch):
    """The method and headers of every request the CalDAV client makes."""
    made, real = [], safe_http.request

    def spy(method, url, **kwargs):
        made.append((method, kwargs.get("headers") or {}))
        return real(method, url, **kwargs)

    monkeypatch.setattr(safe_http, "request", spy)
    return made


def test_a_booking_is_written_with_its_uid_in_the_coachs_language(kind, calendar, radicale):
    kind.location = "Musterstraße 1, 10115 Berlin"
    kind.allowed_channels = [*kind.allowed_channels, "in_person"]
    kind.save()
    booking = book(kind, channel="in_person")
    (row,) = entries(booking)
    assert (row.audience, row.channel, row.recipient, row.sequence) == ("coach", "caldav", str(calendar.pk), 0)

    assert send_entries(booking) == ["sent"]

    (event,) = stored_events(radicale)
    assert str(event["UID"]) == ics.booking_uid(booking)
    assert event.decoded("DTSTART") == booking.start and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "Musterstraße 1, 10115 Berlin"
    entry = CalendarEntry.objects.get(calendar=calendar, booking=booking)
    assert entry.href.endswith(f"/{booking.uuid}.ics") and entry.etag


def test_a_move_updates_the_same_event_with_if_match(kind, calendar, radicale, requests_made):
    booking = book(kind)
    send_entries(booking)
    first_etag = CalendarEntry.objects.get(booking=booking).etag
    later = datetime.combine(MONDAY, time(10), tzinfo=BERLIN)

    booking_reschedule(booking=booking, start=later, now=NOW)
    requests_made.clear()
    assert send_entries(booking) == ["sent"]

    (event,) = stored_events(radicale)
    assert str(event["UID"]) == ics.booking_uid(booking)
    assert event.decoded("DTSTART") == later and event["SEQUENCE"] == 1
    (put,) = [headers for method, headers in requests_made if method == "PUT"]
    assert put["If-Match"] == first_etag
    assert CalendarEntry.objects.get(booking=booking).etag not in ("", first_etag)


def test_a_cancellation_removes_the_event(kind, calendar, radicale):
    booking = book(kind)
    send_entries(booking)
    booking_cancel(booking=booking, now=NOW)
    assert send_entries(booking) == ["sent"]
    assert radicale.events() == []
    assert not CalendarEntry.objects.filter(booking=booking).exists()


def test_a_request_is_tentative_and_a_declined_one_is_removed(kind, calendar, radicale):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking = book(kind)
    send_entries(booking)
    (event,) = stored_events(radicale)
    assert str(event["STATUS"]) == "TENTATIVE"
    booking_decline(booking=booking)
    send_entries(booking)
    assert radicale.events() == []


def test_a_booking_the_coach_does_not_see_is_not_written_until_it_is(kind, calendar, radicale):
    kind.address_confirmation = AppointmentType.AddressConfirmation.ALWAYS
    kind.save()
    booking = book(kind)
    assert booking.status == "unconfirmed" and not entries(booking).exists()
    booking_address_confirm(booking=booking, now=NOW)
    assert entries(booking).count() == 1
    send_entries(booking)
    assert len(stored_events(radicale)) == 1


def test_only_the_newest_state_is_written(kind, calendar, radicale):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking = book(kind)
    booking_confirm(booking=booking)
    booking.refresh_from_db()
    assert send_entries(booking) == ["superseded", "sent"]
    (event,) = stored_events(radicale)
    assert str(event["STATUS"]) == "CONFIRMED"


def test_a_change_while_an_older_state_was_written_is_written_again(kind, calendar, radicale, monkeypatch):
    """The request's write is on its way when the coach confirms; the confirmation's row
    writes first, then the request's older state lands on top of it."""
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking = book(kind)
    (request_row,) = entries(booking)
    real = safe_http.request

    def confirmed_meanwhile(method, url, **kwargs):
        if method == "PUT":
            monkeypatch.setattr(safe_http, "request", real)
            booking_confirm(booking=booking)
            (confirmation_row,) = entries(booking).exclude(pk=request_row.pk)
            assert notification_send(notification_id=confirmation_row.pk, now=confirmation_row.scheduled_for) == "sent"
        return real(method, url, **kwargs)

    monkeypatch.setattr(safe_http, "request", confirmed_meanwhile)
    assert notification_send(notification_id=request_row.pk, now=NOW) == "sent"
    (event,) = stored_events(radicale)
    assert str(event["STATUS"]) == "TENTATIVE"  # the older state, written last

    assert send_entries(booking) == ["sent"]  # the booking once more, as it is now
    (event,) = stored_events(radicale)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert entries(booking).count() == 3 and send_entries(booking) == []


def test_a_calendar_down_is_retried_with_backoff_and_written_once_when_back(kind, calendar, radicale):
    booking = book(kind)
    radicale.stop()
    assert send_entries(booking) == ["retry"]
    (row,) = entries(booking)
    assert row.status == Status.PENDING and row.scheduled_for > NOW
    assert row.last_error == "Der Kalenderserver hat nicht geantwortet."  # in the coach's language
    assert send_entries(booking, now=row.scheduled_for) == ["retry"]  # still down
    row.refresh_from_db()
    assert row.attempts == 2

    radicale.start()
    assert send_entries(booking, now=row.scheduled_for) == ["sent"]
    assert len(stored_events(radicale)) == 1
    assert send_entries(booking, now=row.scheduled_for + timedelta(hours=1)) == []  # nothing twice
    assert len(stored_events(radicale)) == 1


def test_a_calendar_down_for_hours_fails_the_row_for_the_coach_to_see(kind, calendar, radicale):
    booking = book(kind)
    radicale.stop()
    outcomes, now = [], NOW
    for _attempt in range(CALENDAR_MAX_ATTEMPTS):
        outcomes += send_entries(booking, now=now)
        now = entries(booking).get().scheduled_for
    assert outcomes == ["retry"] * (CALENDAR_MAX_ATTEMPTS - 1) + ["failed"]
    assert now - NOW > timedelta(hours=2)  # the backoff spread the attempts over hours
    (row,) = entries(booking)
    assert (
        row.status == Status.FAILED and row.last_error == "Der Kalenderserver hat nicht geantwortet."
    )  # in the coach's language
    assert booking.notifications.filter(kind=Kind.COACH_DELIVERY_FAILED, sequence=row.pk).exists()


def test_a_lost_answer_is_retried_and_leaves_one_event(kind, calendar, radicale, monkeypatch):
    """The server stored the event, but its answer never arrived."""
    booking = book(kind)
    real = safe_http.request

    def answer_lost(method, url, **kwargs):
        answer = real(method, url, **kwargs)
        if method == "PUT":
            monkeypatch.setattr(safe_http, "request", real)
            raise safe_http.Unreachable(url)
        return answer

    monkeypatch.setattr(safe_http, "request", answer_lost)
    assert send_entries(booking) == ["retry"]  # not "may not have arrived": a write is safe to repeat
    assert len(stored_events(radicale)) == 1
    (row,) = entries(booking)
    assert send_entries(booking, now=row.scheduled_for) == ["sent"]
    (event,) = stored_events(radicale)
    assert str(event["UID"]) == ics.booking_uid(booking)


def test_a_worker_that_died_while_writing_leaves_the_row_to_be_written_again(kind, calendar, radicale):
    booking = book(kind)
    (row,) = entries(booking)
    Notification.objects.filter(pk=row.pk).update(status=Status.SENDING, claimed_at=NOW)
    notifications_sweep(now=NOW + SENDING_TIMEOUT + timedelta(seconds=1))
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert send_entries(booking, now=NOW + SENDING_TIMEOUT + timedelta(seconds=2)) == ["sent"]
    assert len(stored_events(radicale)) == 1


def test_a_wrong_password_fails_the_row_and_the_coach_sees_it_once(kind, calendar, radicale, coach_client):
    calendar.password_encrypted = encrypt("not the password")
    calendar.save()
    booking = book(kind)
    assert send_entries(booking) == ["failed"]
    (row,) = entries(booking)
    assert row.last_error == "Der Kalender hat den Benutzernamen oder das Passwort abgelehnt."  # the coach's language
    assert list(coach_notifications_failed(coach=calendar.coach, now=NOW)) == [row]
    listed = booking_notifications(booking=booking, now=NOW)
    assert listed.get(pk=row.pk).can_retry
    # The calendar is named, not its id; other messages name none.
    assert listed.get(pk=row.pk).calendar_name == "Radicale"
    assert {each.calendar_name for each in listed.exclude(pk=row.pk)} == {None}
    assert coach_notifications_failed(coach=calendar.coach, now=NOW)[0].calendar_name == "Radicale"
    (alert,) = booking.notifications.filter(kind=Kind.COACH_DELIVERY_FAILED)
    assert (alert.channel, alert.recipient) == ("email", "coach@example.org")
    assert notification_send(notification_id=alert.pk, now=NOW) == "sent"
    from scheduler.channels.base import MemoryBackend

    (mail,) = MemoryBackend.outbox
    assert mail.subject == "Eine Buchung konnte nicht in Ihren Kalender eingetragen werden"
    assert "„Radicale“ eingetragen werden: Der Kalender hat den Benutzernamen oder das Passwort abgelehnt." in mail.text
    assert "Eva" not in mail.text  # it names nobody: it may go out unencrypted
    assert "Der Kalender hat den Benutzernamen oder das Passwort abgelehnt." in mail.html

    # A second booking fails the same way: listed too, but no second e-mail.
    other = book(kind, start=datetime.combine(MONDAY, time(11), tzinfo=BERLIN), email="max@example.org")
    assert send_entries(other) == ["failed"]
    assert not other.notifications.filter(kind=Kind.COACH_DELIVERY_FAILED).exists()
    assert len(coach_notifications_failed(coach=calendar.coach, now=NOW)) == 2

    # The booking's page in the workspace shows it; with the password right again, "send
    # again" writes it.
    page = coach_client.get(reverse("coach:booking", args=[booking.uuid]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Der Kalender hat den Benutzernamen oder das Passwort abgelehnt." in page.content.decode()
    calendar.password_encrypted = encrypt(radicale.password)
    calendar.save()
    notification_retry(notification=row)
    assert send_entries(booking, now=NOW) == ["sent"]
    assert len(stored_events(radicale)) == 1


def test_a_row_for_a_calendar_disconnected_since_is_not_written_nor_alarming(kind, calendar, radicale):
    booking = book(kind)
    calendar.delete()
    assert send_entries(booking) == ["obsolete"]
    assert not booking.notifications.filter(kind=Kind.COACH_DELIVERY_FAILED).exists()
    assert radicale.events() == []
