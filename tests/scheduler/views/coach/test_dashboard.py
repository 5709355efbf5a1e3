"""The coach's overview at /coach/: requests, the next 15 days, failed messages, calendar imports."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from scheduler.models import Booking, ExternalCalendar, Notification
from tests.factories import (
    AppointmentTypeFactory,
    BookingFactory,
    ClientFactory,
    CoachFactory,
    NotificationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def coach(coach):
    """A coach whose zone is far from UTC and from the server's, so a wrong zone shows."""
    coach.time_zone = "America/New_York"
    coach.save()
    return coach


def local(days: int, hour: int, minute: int = 0) -> datetime:
    """`days` after today at hour:minute in New York."""
    today = timezone.now().astimezone(NEW_YORK).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), tzinfo=NEW_YORK)


def booking_of(coach, start, **fields):
    appointment_type = fields.pop("appointment_type", None) or AppointmentTypeFactory(coach=coach, name="Coaching")
    return BookingFactory(appointment_type=appointment_type, start=start, **fields)


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/coach/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/coach/"


def test_a_user_who_is_not_a_coach_gets_404(client):
    client.force_login(UserFactory())
    assert client.get("/coach/").status_code == 404


def test_the_agenda_shows_the_next_15_days_in_the_coachs_zone(coach_client, coach):
    kind = AppointmentTypeFactory(coach=coach, name="Kennenlernen")
    tomorrow = booking_of(
        coach,
        local(1, 10),
        appointment_type=kind,
        client=ClientFactory(coach=coach, name="Eva Muster"),
        message="Ich möchte über meinen nächsten beruflichen Schritt sprechen, bevor ich kündige.",
    )
    last_day = booking_of(
        coach, local(14, 16, 30), appointment_type=kind, client=ClientFactory(coach=coach, name="Lia")
    )
    booking_of(coach, local(15, 9), appointment_type=kind, client=ClientFactory(coach=coach, name="Too Late"))
    booking_of(
        coach,
        local(2, 9),
        appointment_type=kind,
        client=ClientFactory(coach=coach, name="Cancelled Carl"),
        status=Booking.Status.CANCELLED,
    )
    other = CoachFactory()
    BookingFactory(
        appointment_type=AppointmentTypeFactory(coach=other),
        client=ClientFactory(coach=other, name="Somebody Else"),
        start=local(1, 11),
    )

    response = coach_client.get("/coach/")

    assert response.status_code == 200
    assert response.context["section"] == "dashboard"
    html = response.text
    assert "Tomorrow, " + f"{local(1, 0):%A, %-d %B %Y}" in html
    assert "10:00–10:30" in html  # New York time, not UTC (14:00 or 15:00)
    assert f"{tomorrow.start.astimezone(UTC):%H:%M}–" not in html
    assert "16:30–17:00" in html and f"{local(14, 0):%-d %B %Y}" in html
    assert f'href="/coach/bookings/{tomorrow.uuid}/"' in html and f'href="/coach/bookings/{last_day.uuid}/"' in html
    assert "Eva Muster" in html and "Kennenlernen" in html
    assert "Ich möchte über meinen nächsten beruflichen Schritt" in html
    assert "Too Late" not in html and "Cancelled Carl" not in html and "Somebody Else" not in html
    # The layout's navigation appears once both pages exist.
    assert 'href="/coach/bookings/"' in html and 'aria-current="page">Overview' in html


def test_for_a_call_the_agenda_has_the_clients_number_to_dial(coach_client, coach):
    client = ClientFactory(coach=coach, phone="+491701234567")
    booking_of(coach, local(1, 10), client=client, channel="phone")
    html = coach_client.get("/coach/").text
    assert 'You call the client: <a href="tel:+491701234567">+491701234567</a>' in html


def test_requests_waiting_show_their_deadline_and_the_answer_buttons(coach_client, coach):
    request = booking_of(
        coach,
        local(3, 11),
        status=Booking.Status.REQUESTED,
        respond_by=local(2, 18, 15),
        client=ClientFactory(coach=coach, name="Ruth Request"),
    )
    html = coach_client.get("/coach/").text
    section = html.split('id="requests-heading"')[1].split('id="agenda-heading"')[0]
    assert "Ruth Request" in section
    assert f"{local(2, 0):%A, %-d %B %Y}, 18:15" in section  # the deadline, in New York
    assert f'action="/coach/bookings/{request.uuid}/confirm/"' in section
    assert f'action="/coach/bookings/{request.uuid}/decline/"' in section
    assert 'name="decline-note"' in section and 'name="next" value="/coach/"' in section
    # A request holds its slot, so the agenda shows it too, marked as a request.
    agenda = html.split('id="agenda-heading"')[1].split('id="failed-heading"')[0]
    assert "Ruth Request" in agenda and '<span class="badge requested">' in agenda


def test_failed_messages_show_the_error_and_a_retry_button(coach_client, coach):
    booking = booking_of(
        coach, local(4, 10), sequence=1, client=ClientFactory(coach=coach, name="Tom", threema_id="ABCD1234")
    )
    failed = NotificationFactory(
        booking=booking,
        channel="threema",
        recipient="ABCD1234",
        status=Notification.Status.FAILED,
        last_error="Threema ID not found",
    )
    NotificationFactory(booking=booking, kind="reminder", status=Notification.Status.SENT)
    # Written before the booking changed: sending it now would tell something untrue.
    stale = NotificationFactory(booking=booking, sequence=0, status=Notification.Status.FAILED, last_error="old")
    # A failure about an appointment that is over is not worth sending again either.
    past = booking_of(coach, local(-2, 10))
    NotificationFactory(booking=past, status=Notification.Status.FAILED, last_error="long ago")

    html = coach_client.get("/coach/").text
    section = html.split('id="failed-heading"')[1].split('id="calendars-heading"')[0]
    assert "Threema ID not found" in section and "Threema: ABCD1234" in section
    assert f'action="/coach/bookings/{booking.uuid}/messages/{failed.pk}/retry/"' in section
    assert f"/messages/{stale.pk}/retry/" not in section and "long ago" not in section


def test_a_failed_write_to_the_coachs_calendar_names_the_calendar_and_is_written_again(coach_client, coach, dispatched):
    booking = booking_of(coach, local(4, 10), sequence=1)
    calendar = ExternalCalendar.objects.create(
        coach=coach, kind="caldav", name="Praxis", url="https://dav.example.org/p/"
    )
    failed = NotificationFactory(
        booking=booking,
        kind=Notification.Kind.CALENDAR_ENTRY,
        audience=Notification.Audience.COACH,
        channel="caldav",
        recipient=str(calendar.pk),
        status=Notification.Status.FAILED,
        last_error="The calendar refused the user name or password.",
    )

    html = coach_client.get("/coach/").text
    section = html.split('id="failed-heading"')[1].split('id="calendars-heading"')[0]
    assert "Your calendar: Praxis" in section and f"caldav: {calendar.pk}" not in section

    response = coach_client.post(f"/coach/bookings/{booking.uuid}/messages/{failed.pk}/retry/", follow=True)
    assert "The booking is being written to your calendar again." in response.text
    assert "Your calendar: Praxis" in coach_client.get(f"/coach/bookings/{booking.uuid}/").text


def test_calendar_import_errors_show_the_problem_and_the_last_attempt(coach_client, coach):
    ExternalCalendar.objects.create(
        coach=coach,
        name="Uni-Kalender",
        url="https://example.org/cal.ics",
        last_error="The server answered 404.",
        last_attempt_at=datetime(2026, 5, 4, 12, 45, tzinfo=UTC),
    )
    ExternalCalendar.objects.create(coach=coach, name="Fine", url="https://example.org/fine.ics")
    ExternalCalendar.objects.create(
        coach=CoachFactory(), name="Not mine", url="https://example.org/x.ics", last_error="boom"
    )
    html = coach_client.get("/coach/").text
    section = html.split('id="calendars-heading"')[1]
    assert "Uni-Kalender" in section and "The server answered 404." in section
    assert "Last attempt: Monday, 4 May 2026, 08:45." in section  # 12:45 UTC in New York (EDT)
    assert "It has never been imported." in section
    assert "Fine" not in section and "Not mine" not in section


def test_an_empty_dashboard_says_what_would_appear_and_where_clients_book(coach_client, coach):
    html = coach_client.get("/coach/").text
    assert "No requests are waiting for your answer." in html
    assert f"Nothing is booked from today to {local(14, 0):%A, %-d %B %Y}." in html
    assert f'href="/{coach.slug}/"' in html
    assert "Every message went out." in html
    assert "No problems importing your other calendars." in html


def test_the_dashboard_needs_the_same_queries_whatever_it_shows(coach_client, coach, django_assert_max_num_queries):
    kind = AppointmentTypeFactory(coach=coach)
    slots = (local(1 + i // 4, 9 + 2 * (i % 4)) for i in range(100))  # never overlapping (PostgreSQL checks)

    def add(n):
        for i in range(n):
            client = ClientFactory(coach=coach)
            booking_of(coach, next(slots), appointment_type=kind, client=client)
            request = booking_of(coach, next(slots), appointment_type=kind, client=client, status="requested")
            NotificationFactory(booking=request, status="failed", last_error="boom")
            ExternalCalendar.objects.create(coach=coach, name=f"c{i}", url="https://example.org/c.ics", last_error="x")

    add(2)
    with django_assert_max_num_queries(8) as few:
        coach_client.get("/coach/")
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = coach_client.get("/coach/")
    assert response.text.count("/confirm/") == 12


def test_messages_that_may_not_have_arrived_are_problems_with_a_send_again_button(coach_client, coach):
    booking = booking_of(coach, local(4, 10), client=ClientFactory(coach=coach, name="Tom"))
    unknown = NotificationFactory(
        booking=booking,
        status=Notification.Status.UNKNOWN,
        last_error="The sending stopped before the provider's answer was known.",
    )
    # Overtaken by a later change: not sent, and nothing to do about it.
    NotificationFactory(booking=booking, kind="request_received", status=Notification.Status.SUPERSEDED)

    html = coach_client.get("/coach/").text
    section = html.split('id="failed-heading"')[1].split('id="calendars-heading"')[0]
    assert "Messages and calendar entries that could not be delivered or may not have arrived" in section
    assert "<strong>may not have arrived</strong>: The sending stopped" in section
    assert f'action="/coach/bookings/{booking.uuid}/messages/{unknown.pk}/retry/"' in section
    assert section.count("/retry/") == 1
