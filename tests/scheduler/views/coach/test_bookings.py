"""The coach's bookings: list, detail, and what the coach does with a booking."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from scheduler.models import Booking, Notification
from scheduler.outbox.send import notifications_sweep
from scheduler.outbox.texts import render
from tests.factories import (
    AppointmentTypeFactory,
    BookingFactory,
    ClientFactory,
    CoachFactory,
    NotificationFactory,
    UserFactory,
    WeeklyHoursFactory,
)
from tests.helpers import BERLIN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

NEW_YORK = ZoneInfo("America/New_York")
Kind, Status = Notification.Kind, Notification.Status


@pytest.fixture
def coach(coach):
    coach.time_zone = "America/New_York"
    coach.save()
    return coach


@pytest.fixture(autouse=True)
def sent(memory_backends, send_at_once):
    """Messages go to the memory backend, and a queued task runs at once (like a worker would)."""
    return memory_backends


def local(days: int, hour: int, minute: int = 0) -> datetime:
    today = timezone.now().astimezone(NEW_YORK).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), tzinfo=NEW_YORK)


def booking_of(coach, start, **fields):
    appointment_type = fields.pop("appointment_type", None) or AppointmentTypeFactory(coach=coach, name="Coaching")
    fields.setdefault("client", ClientFactory(coach=coach, name="Eva Muster"))
    return BookingFactory(appointment_type=appointment_type, start=start, **fields)


@pytest.fixture
def booking(coach):
    return booking_of(coach, local(3, 10))


@pytest.fixture
def other_coach_client(client):
    """A client logged in as another coach."""
    client.force_login(CoachFactory().user)
    return client


def page_of(response) -> str:
    return response.content.decode()


# --- who may see what ----------------------------------------------------------------


def actions(booking, notification):
    base = f"/coach/bookings/{booking.uuid}/"
    return [
        ("get", base),
        ("get", base + "reschedule/"),
        ("post", base + "reschedule/"),
        ("post", base + "confirm/"),
        ("post", base + "decline/"),
        ("post", base + "cancel/"),
        ("post", base + f"messages/{notification.pk}/retry/"),
    ]


def test_anonymous_visitors_are_sent_to_the_login(client, booking):
    notification = NotificationFactory(booking=booking, status=Status.FAILED)
    for method, url in [("get", "/coach/bookings/"), *actions(booking, notification)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/?next="), url


def test_a_user_who_is_not_a_coach_gets_404(client, booking):
    client.force_login(UserFactory())
    notification = NotificationFactory(booking=booking, status=Status.FAILED)
    for method, url in [("get", "/coach/bookings/"), *actions(booking, notification)]:
        assert getattr(client, method)(url).status_code == 404, url


def test_another_coachs_booking_is_404_for_every_page_and_action(other_coach_client, booking):
    requested = booking_of(booking.coach, local(4, 10), status=Booking.Status.REQUESTED)
    notification = NotificationFactory(booking=booking, status=Status.FAILED, last_error="boom")
    for method, url in actions(booking, notification) + actions(requested, notification):
        data = {"note": "x", "start": local(3, 11).isoformat()} if method == "post" else None
        assert getattr(other_coach_client, method)(url, data).status_code == 404, url
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
    assert Booking.objects.get(pk=requested.pk).status == Booking.Status.REQUESTED
    assert Notification.objects.get(pk=notification.pk).status == Status.FAILED
    assert "Eva Muster" not in page_of(other_coach_client.get("/coach/bookings/"))


def test_a_message_is_found_only_under_its_own_booking(coach_client, coach, booking):
    other_booking = booking_of(coach, local(5, 10))
    notification = NotificationFactory(booking=other_booking, status=Status.FAILED)
    response = coach_client.post(f"/coach/bookings/{booking.uuid}/messages/{notification.pk}/retry/")
    assert response.status_code == 404


def test_bookings_are_addressed_by_uuid_never_by_their_number(coach_client, booking):
    assert coach_client.get(f"/coach/bookings/{booking.pk}/").status_code == 404
    assert coach_client.get("/coach/bookings/00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.parametrize("action", ["confirm", "decline", "cancel", "messages/1/retry"])
def test_actions_take_post_only(coach_client, booking, action):
    assert coach_client.get(f"/coach/bookings/{booking.uuid}/{action}/").status_code == 405


def test_actions_need_the_csrf_token(coach, booking):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(coach.user)
    assert client.post(f"/coach/bookings/{booking.uuid}/cancel/").status_code == 403
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


# --- the list --------------------------------------------------------------------------


@pytest.fixture
def bookings(coach):
    kind = AppointmentTypeFactory(coach=coach, name="Coaching")

    def make(name, start, **fields):
        client = ClientFactory(coach=coach, name=name, phone="+491701234567")
        return booking_of(coach, start, appointment_type=kind, client=client, **fields)

    return {
        "upcoming": make("Ulla Upcoming", local(2, 10)),
        "phone": make("Paul Phone", local(3, 10), channel="phone"),
        "requested": make("Rita Request", local(4, 10), status="requested", respond_by=local(3, 20)),
        "past": make("Pia Past", local(-3, 10)),
        "cancelled": make("Carl Cancelled", local(5, 10), status="cancelled"),
        "declined": make("Dora Declined", local(6, 10), status="declined"),
        "expired": make("Ernst Expired", local(-1, 10), status="expired"),
    }


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", ["Ulla Upcoming", "Paul Phone", "Rita Request"]),
        ("?show=upcoming", ["Ulla Upcoming", "Paul Phone", "Rita Request"]),
        ("?show=past", ["Pia Past"]),
        ("?show=cancelled", ["Dora Declined", "Carl Cancelled", "Ernst Expired"]),
        ("?show=requested", ["Rita Request"]),
        ("?show=upcoming&channel=phone", ["Paul Phone"]),
        ("?show=cancelled&channel=whatsapp", []),
    ],
)
def test_the_list_filters_by_time_status_and_channel(coach_client, bookings, query, shown):
    response = coach_client.get("/coach/bookings/" + query)
    assert response.status_code == 200
    assert response.context["section"] == "bookings"
    html = page_of(response)
    everyone = ["Ulla Upcoming", "Paul Phone", "Rita Request", "Pia Past", "Carl Cancelled", "Dora Declined"]
    names_in_order = sorted((html.index(name), name) for name in everyone + ["Ernst Expired"] if name in html)
    assert [name for _, name in names_in_order] == shown
    if not shown:
        assert "No bookings with this channel in this list." in html


def test_the_list_shows_times_in_the_coachs_zone_and_links_by_uuid(coach_client, bookings):
    html = page_of(coach_client.get("/coach/bookings/"))
    assert f"{local(2, 0):%A, %-d %B %Y}, 10:00–10:30" in html
    assert f'href="/coach/bookings/{bookings["upcoming"].uuid}/"' in html
    assert html.count('href="tel:+491701234567"') == 1  # Paul is called; the others are not
    assert f"answer by {local(3, 0):%A, %-d %B %Y}, 20:00" in html


def test_an_unknown_filter_is_explained_at_its_field_and_the_default_list_shown(coach_client, bookings):
    response = coach_client.get("/coach/bookings/?show=everything&channel=fax&page=abc")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {
        "show": ["Choose one of the offered lists."],
        "channel": ["Choose one of the offered channels."],
    }
    assert "Ulla Upcoming" in page_of(response) and "Pia Past" not in page_of(response)


def test_the_list_has_50_a_page_and_keeps_the_filters_between_pages(coach_client, coach):
    kind = AppointmentTypeFactory(coach=coach)
    client = ClientFactory(coach=coach)
    for i in range(51):
        booking_of(coach, local(1 + i // 8, 9 + i % 8), appointment_type=kind, client=client, channel="threema")
    first = coach_client.get("/coach/bookings/?show=upcoming&channel=threema")
    assert len(first.context["page"].object_list) == 50
    assert 'href="?show=upcoming&amp;channel=threema&amp;page=2"' in page_of(first)
    second = coach_client.get("/coach/bookings/?show=upcoming&channel=threema&page=2")
    assert len(second.context["page"].object_list) == 1
    assert "Page 2 of 2" in page_of(second)
    assert len(coach_client.get("/coach/bookings/?page=99").context["page"].object_list) == 1  # the last page


def test_an_empty_list_says_where_clients_book(coach_client, coach):
    html = page_of(coach_client.get("/coach/bookings/"))
    assert "No upcoming appointments." in html and f'href="/{coach.slug}/"' in html


# --- one booking -----------------------------------------------------------------------


def test_the_detail_shows_the_message_the_contact_and_every_notification(coach_client, coach):
    client = ClientFactory(
        coach=coach, name="Tom Threema", email="tom@example.org", threema_id="ABCD1234", phone="+491701234567"
    )
    booking = booking_of(
        coach,
        local(3, 10),
        client=client,
        channel="threema",
        time_zone="Europe/Berlin",
        message="Erste Zeile.\nZweite Zeile mit allem, was ich vorher sagen möchte, und noch etwas mehr Text dazu.",
    )
    NotificationFactory(
        booking=booking,
        channel="threema",
        recipient="ABCD1234",
        status=Status.SENT,
        attempts=2,
        sent_at=local(0, 8, 5),
        delivery_status="delivered",
        provider_message_id="0123",
    )
    failed = NotificationFactory(
        booking=booking,
        kind="coach_new_booking",
        audience="coach",
        recipient=coach.user.email,
        status=Status.FAILED,
        attempts=6,
        last_error="SMTP said no",
    )
    response = coach_client.get(f"/coach/bookings/{booking.uuid}/")
    assert response.status_code == 200
    html = page_of(response)
    assert (
        "<p>Erste Zeile.<br>Zweite Zeile mit allem, was ich vorher sagen möchte, und noch etwas mehr Text dazu.</p>"
        in html
    )
    assert 'href="mailto:tom@example.org"' in html and 'href="tel:+491701234567"' in html and "ABCD1234" in html
    assert f"{local(3, 0):%A, %-d %B %Y}, 10:00–10:30 (America/New_York)" in html
    berlin = booking.start.astimezone(BERLIN)
    assert f"For the client: {berlin:%A, %-d %B %Y}, {berlin:%H:%M}–" in html
    table = html.split("<h2>Messages</h2>")[1]
    assert "confirmed" in table and "client · Threema: ABCD1234" in table
    assert '<span class="badge sent">sent</span>' in table and "delivered" in table
    assert f"{local(0, 0):%A, %-d %B %Y}, 08:05" in table  # sent at, in New York
    assert "coach: new booking" in table and "SMTP said no" in table and "<td>6</td>" in table
    assert f'action="/coach/bookings/{booking.uuid}/messages/{failed.pk}/retry/"' in table
    assert f'action="/coach/bookings/{booking.uuid}/cancel/"' in html
    assert f'href="/coach/bookings/{booking.uuid}/reschedule/"' in html


def test_a_past_or_cancelled_booking_offers_no_changes(coach_client, coach):
    cancelled = booking_of(coach, local(3, 10), status="cancelled", status_note="Krank geworden.")
    html = page_of(coach_client.get(f"/coach/bookings/{cancelled.uuid}/"))
    assert "/cancel/" not in html and "/reschedule/" not in html
    assert "Krank geworden." in html
    assert "No messages have been written for this booking." in html


# --- confirm and decline ---------------------------------------------------------------


@pytest.fixture
def request_booking(coach):
    return booking_of(
        coach,
        local(4, 10),
        status=Booking.Status.REQUESTED,
        respond_by=local(3, 18),
        channel="threema",
        client=ClientFactory(coach=coach, name="Rita", threema_id="ABCD1234"),
    )


def test_confirming_a_request_tells_the_client_on_their_channel(coach_client, request_booking, sent):
    with_dashboard = {"next": "/coach/"}
    response = coach_client.post(f"/coach/bookings/{request_booking.uuid}/confirm/", with_dashboard)
    assert (response.status_code, response.url) == (303, "/coach/")
    request_booking.refresh_from_db()
    assert request_booking.status == Booking.Status.CONFIRMED and request_booking.respond_by is None
    confirmation = request_booking.notifications.get(kind=Kind.CONFIRMED)
    assert (confirmation.audience, confirmation.channel, confirmation.recipient) == ("client", "threema", "ABCD1234")
    assert request_booking.notifications.filter(kind=Kind.REMINDER).exists()
    html = page_of(coach_client.get("/coach/"))
    assert "You confirmed the request of Rita; they are told through their channel." in html


def test_confirming_twice_explains_instead_of_failing(coach_client, request_booking):
    coach_client.post(f"/coach/bookings/{request_booking.uuid}/confirm/")
    response = coach_client.post(f"/coach/bookings/{request_booking.uuid}/confirm/", follow=True)
    assert response.status_code == 200
    assert "Only a request can be confirmed." in page_of(response)
    assert response.redirect_chain[-1][0] == f"/coach/bookings/{request_booking.uuid}/"


def test_declining_with_a_note_passes_the_note_to_the_client(coach_client, request_booking):
    response = coach_client.post(
        f"/coach/bookings/{request_booking.uuid}/decline/",
        {"decline-note": "  In dieser Woche bin ich auf einem Seminar.  "},
        follow=True,
    )
    assert "You declined the request of Rita" in page_of(response)
    request_booking.refresh_from_db()
    assert request_booking.status == Booking.Status.DECLINED
    assert request_booking.status_note == "In dieser Woche bin ich auf einem Seminar."
    declined = request_booking.notifications.get(kind=Kind.DECLINED)
    assert (declined.audience, declined.channel, declined.recipient) == ("client", "threema", "ABCD1234")
    assert "In dieser Woche bin ich auf einem Seminar." in render(declined).text


def test_a_note_that_is_too_long_is_shown_at_its_field_and_kept(coach_client, request_booking):
    note = "Leider nicht. " * 200
    response = coach_client.post(f"/coach/bookings/{request_booking.uuid}/decline/", {"decline-note": note})
    assert response.status_code == 400
    html = page_of(response)
    assert "Please keep the note to at most 2000 characters." in html
    assert "Leider nicht. Leider nicht." in html  # what was typed is still there
    assert '<details class="decline" open>' in html
    assert Booking.objects.get(pk=request_booking.pk).status == Booking.Status.REQUESTED


def test_declining_a_confirmed_booking_is_refused_with_a_message(coach_client, booking):
    response = coach_client.post(f"/coach/bookings/{booking.uuid}/decline/", follow=True)
    assert "Only a request can be declined." in page_of(response)
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_an_unsafe_next_address_is_ignored(coach_client, request_booking):
    response = coach_client.post(f"/coach/bookings/{request_booking.uuid}/confirm/", {"next": "https://evil.example/"})
    assert response.url == f"/coach/bookings/{request_booking.uuid}/"


# --- cancel ----------------------------------------------------------------------------


def test_cancelling_with_a_note_tells_only_the_client_on_their_channel(coach_client, coach):
    booking = booking_of(
        coach, local(3, 10), channel="whatsapp", client=ClientFactory(coach=coach, name="Wanda", whatsapp="+4915112345")
    )
    response = coach_client.post(f"/coach/bookings/{booking.uuid}/cancel/", {"cancel-note": "Ich bin krank."})
    assert (response.status_code, response.url) == (303, f"/coach/bookings/{booking.uuid}/")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.status_note == "Ich bin krank."
    rows = [(n.kind, n.audience, n.channel, n.recipient) for n in booking.notifications.all()]
    # The coach did it: no message to the coach saying the client cancelled.
    assert rows == [(Kind.CANCELLED, "client", "whatsapp", "+4915112345")]
    html = page_of(coach_client.get(response.url))
    assert "You cancelled the booking of Wanda" in html and "Ich bin krank." in html


def test_a_booking_that_has_begun_cannot_be_cancelled(coach_client, coach):
    booking = booking_of(coach, timezone.now() - timedelta(minutes=5))
    response = coach_client.post(f"/coach/bookings/{booking.uuid}/cancel/", follow=True)
    assert "This appointment has already begun and can no longer be cancelled." in page_of(response)
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_cancelling_twice_explains_instead_of_failing(coach_client, booking):
    coach_client.post(f"/coach/bookings/{booking.uuid}/cancel/")
    response = coach_client.post(f"/coach/bookings/{booking.uuid}/cancel/", follow=True)
    assert response.status_code == 200 and "This booking is no longer active." in page_of(response)


# --- reschedule ------------------------------------------------------------------------


@pytest.fixture
def movable(coach):
    """A 30-minute booking at 10:00 on a day with hours 9–12 (New York), slots every 30 minutes."""
    day = local(7, 10)
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(12))
    kind = AppointmentTypeFactory(coach=coach, duration=timedelta(minutes=30), slot_step=timedelta(minutes=30))
    return booking_of(coach, day, appointment_type=kind, channel="email", client=ClientFactory(coach=coach, name="Max"))


def test_the_reschedule_page_offers_the_engines_times_in_the_coachs_zone(coach_client, movable):
    day = movable.start.date()
    response = coach_client.get(f"/coach/bookings/{movable.uuid}/reschedule/?day={day.isoformat()}")
    assert response.status_code == 200
    times = [slot["start"].strftime("%H:%M") for slot in response.context["picker"]["day_slots"]]
    assert times == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]  # its own time stays free for it
    assert ">11:00 AM</a>" in page_of(response)  # English: the 12-hour clock


def test_rescheduling_moves_the_booking_and_tells_only_the_client(coach_client, movable, sent):
    new_start = movable.start.replace(hour=11)
    picked = coach_client.get(f"/coach/bookings/{movable.uuid}/reschedule/", {"start": new_start.isoformat()})
    assert picked.context["start"] == new_start and "Move the booking to this time" in page_of(picked)
    response = coach_client.post(f"/coach/bookings/{movable.uuid}/reschedule/", {"start": new_start.isoformat()})
    assert (response.status_code, response.url) == (303, f"/coach/bookings/{movable.uuid}/")
    movable.refresh_from_db()
    assert movable.start == new_start and movable.end == new_start + timedelta(minutes=30) and movable.sequence == 1
    moved = movable.notifications.filter(kind=Kind.RESCHEDULED)
    assert [(n.audience, n.channel, n.recipient) for n in moved] == [("client", "email", movable.client.email)]
    # The reminders follow the new time.
    reminders = movable.notifications.filter(kind=Kind.REMINDER, sequence=1)
    assert sorted(new_start - r.scheduled_for for r in reminders) == [timedelta(hours=1), timedelta(hours=24)]
    assert "You moved the booking of Max" in page_of(coach_client.get(response.url))


def test_a_time_taken_meanwhile_is_a_409_with_a_message(coach_client, coach, movable):
    new_start = movable.start.replace(hour=11)
    booking_of(coach, new_start, appointment_type=movable.appointment_type)
    response = coach_client.post(f"/coach/bookings/{movable.uuid}/reschedule/", {"start": new_start.isoformat()})
    assert response.status_code == 409
    assert "Sorry — this time was just taken. Please choose another time." in page_of(response)
    movable.refresh_from_db()
    assert movable.start.astimezone(NEW_YORK).hour == 10 and movable.sequence == 0


@pytest.mark.parametrize("start", ["", "tomorrow", "2030-01-01T10:07:00-05:00"])
def test_a_missing_or_impossible_time_is_a_message_not_a_500(coach_client, movable, start):
    response = coach_client.post(f"/coach/bookings/{movable.uuid}/reschedule/", {"start": start})
    assert response.status_code == 400
    html = page_of(response)
    assert "This time is not available any more." in html or "This time cannot be booked." in html
    assert Booking.objects.get(pk=movable.pk).sequence == 0


def test_a_cancelled_booking_cannot_be_moved(coach_client, coach):
    booking = booking_of(coach, local(3, 10), status="cancelled")
    assert "This booking can no longer be moved" in page_of(
        coach_client.get(f"/coach/bookings/{booking.uuid}/reschedule/")
    )
    response = coach_client.post(f"/coach/bookings/{booking.uuid}/reschedule/", {"start": local(3, 11).isoformat()})
    assert response.status_code == 400 and "This booking is no longer active." in page_of(response)


# --- failed messages -------------------------------------------------------------------


@pytest.fixture
def failed(coach):
    booking = booking_of(
        coach, local(3, 10), channel="threema", client=ClientFactory(coach=coach, name="Tom", threema_id="ABCD1234")
    )
    return NotificationFactory(
        booking=booking,
        channel="threema",
        recipient="ABCD1234",
        status=Status.FAILED,
        attempts=6,
        last_error="Threema ID not found",
        delivery_status="failed",
    )


def test_retry_puts_the_message_back_and_it_is_sent(coach_client, failed, sent, django_capture_on_commit_callbacks):
    url = f"/coach/bookings/{failed.booking.uuid}/messages/{failed.pk}/retry/"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = coach_client.post(url, {"next": "/coach/"})
    assert (response.status_code, response.url) == (303, "/coach/")
    assert len(callbacks) == 1  # dispatched after commit
    failed.refresh_from_db()
    assert failed.status == Status.SENT and failed.attempts == 1 and failed.sent_at is not None
    assert failed.last_error == "" and failed.delivery_status == ""
    assert [(m.recipient, m.reference) for m in sent] == [("ABCD1234", str(failed.pk))]
    html = page_of(coach_client.get("/coach/"))
    assert "The message to ABCD1234 is being sent again." in html and "Every message went out." in html


def test_a_retried_message_goes_out_even_when_the_broker_is_down(coach_client, failed, sent, task_queue):
    task_queue.down()
    coach_client.post(f"/coach/bookings/{failed.booking.uuid}/messages/{failed.pk}/retry/")
    failed.refresh_from_db()
    assert failed.status == Status.PENDING and sent == []
    task_queue.send_at_once()
    assert notifications_sweep() == 1  # the broker is back: the sweeper queues it
    failed.refresh_from_db()
    assert failed.status == Status.SENT and len(sent) == 1


def test_retry_of_a_message_that_did_not_fail_changes_nothing(coach_client, failed, sent):
    Notification.objects.filter(pk=failed.pk).update(status=Status.SENT)
    response = coach_client.post(f"/coach/bookings/{failed.booking.uuid}/messages/{failed.pk}/retry/", follow=True)
    assert "This message has not failed (any more)" in page_of(response)
    assert sent == []


def test_an_out_of_date_message_is_not_sent_again(coach_client, failed, sent):
    Booking.objects.filter(pk=failed.booking.pk).update(status="cancelled", sequence=1)
    response = coach_client.post(f"/coach/bookings/{failed.booking.uuid}/messages/{failed.pk}/retry/", follow=True)
    assert "This message is out of date" in page_of(response)
    assert Notification.objects.get(pk=failed.pk).status == Status.FAILED and sent == []


def test_a_message_that_may_not_have_arrived_can_be_sent_again(
    coach_client, failed, sent, django_capture_on_commit_callbacks
):
    Notification.objects.filter(pk=failed.pk).update(status=Status.UNKNOWN, last_error="no answer in time")
    page = page_of(coach_client.get(f"/coach/bookings/{failed.booking.uuid}/"))
    assert '<span class="badge unknown">may not have arrived</span>' in page
    assert "it may have arrived, or not. Ask the client, or send it again." in page
    assert f"/messages/{failed.pk}/retry/" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = coach_client.post(f"/coach/bookings/{failed.booking.uuid}/messages/{failed.pk}/retry/", follow=True)
    assert "The message to ABCD1234 is being sent again." in page_of(response)
    failed.refresh_from_db()
    assert failed.status == Status.SENT and len(sent) == 1


def test_a_superseded_message_shows_why_it_was_not_sent_and_cannot_be_sent(coach_client, failed, sent):
    Notification.objects.filter(pk=failed.pk).update(status=Status.SUPERSEDED, last_error="")
    page = page_of(coach_client.get(f"/coach/bookings/{failed.booking.uuid}/"))
    assert '<span class="badge superseded">overtaken by a later change</span>' in page
    assert "Not sent: the booking changed after this was written" in page
    assert f"/messages/{failed.pk}/retry/" not in page
    response = coach_client.post(f"/coach/bookings/{failed.booking.uuid}/messages/{failed.pk}/retry/", follow=True)
    assert "This message has not failed (any more)" in page_of(response)
    assert Notification.objects.get(pk=failed.pk).status == Status.SUPERSEDED and sent == []
