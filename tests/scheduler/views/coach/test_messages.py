"""The coach's received messages: only the coach's own, in the coach's zone, with what became
of each automatic answer; marked read and deleted by POST with the CSRF token; a booking's
replies on its page; the workspace's lists do not stumble over answers without a booking."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from scheduler.models import InboundMessage, Notification
from scheduler.outbox.write import contact_answer_write
from tests.factories import BookingFactory, CoachFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

Status = Notification.Status
RECEIVED = datetime(2026, 3, 3, 16, 5, tzinfo=UTC)  # 11:05 in New York


@pytest.fixture
def coach(coach):
    coach.time_zone = "America/New_York"
    coach.contact_answer_days = 7
    coach.save()
    return coach


_ids = iter(range(10**6))


def received(coach, *, answered=None, last_error="", **fields):
    fields = {
        "channel": "threema",
        "sender": "ECHOECHO",
        "sender_name": "Eva Muster",
        "text": "Can we talk about my new job?",
        "received_at": RECEIVED,
        **fields,
    }
    message = InboundMessage.objects.create(coach=coach, provider_message_id=f"id-{next(_ids)}", **fields)
    if answered:
        answer = contact_answer_write(inbound_message=message, now=message.received_at)
        sent_at = message.received_at + timedelta(minutes=1) if answered == Status.SENT else None
        Notification.objects.filter(pk=answer.pk).update(status=answered, last_error=last_error, sent_at=sent_at)
    return message


def page(client, url="/coach/messages/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, text: str) -> str:
    """The table row that holds `text`."""
    return next(row for row in re.findall(r"<tr.*?</tr>", html, flags=re.S) if text in row)


def test_the_list_shows_sender_time_in_the_coachs_zone_text_and_the_answer(coach_client, coach):
    received(coach, answered=Status.SENT)
    html = page(coach_client)
    assert "Eva Muster" in html and "Threema: ECHOECHO" in html
    assert "Can we talk about my new job?" in html
    assert "11:05" in html and "America/New_York" in html
    assert "Answered automatically on" in html and "11:06" in html
    assert 'aria-current="page"' in html and "Received messages" in html


def test_why_a_message_was_not_answered(coach_client, coach):
    booking = BookingFactory(appointment_type__coach=coach, start=RECEIVED + timedelta(days=2))
    received(coach, text="About our booking", booking=booking)
    received(coach, text="Out of office", automatic=True, sender="*GATEWAY")
    received(coach, text="First one", answered=Status.SENT, received_at=RECEIVED - timedelta(days=2))
    received(coach, text="Second one")
    received(coach, text="From a stranger", sender="STRANGER")
    received(
        coach,
        text="Too late",
        channel="whatsapp",
        sender="+15550001111",
        answered=Status.OBSOLETE,
        last_error="Not sent: WhatsApp allows an answer in free text only within 24 hours",
    )
    received(coach, text="Failed", sender="FAILEDID", answered=Status.FAILED, last_error="no such Threema ID")
    html = page(coach_client)

    assert f"/coach/bookings/{booking.uuid}/" in row_of(html, "About our booking")
    assert "a reply about" in row_of(html, "About our booking")
    assert "automatic message" in row_of(html, "Out of office")
    assert "already had an automatic answer within the 7 days before" in row_of(html, "Second one")
    assert "within the hour" in row_of(html, "From a stranger")
    assert "already had" not in row_of(html, "From a stranger")
    assert "24 hours" in row_of(html, "Too late")
    assert "could not be sent" in row_of(html, "Failed") and "no such Threema ID" in row_of(html, "Failed")


def test_only_the_coachs_own_messages(coach_client, coach):
    received(CoachFactory(), text="For someone else")
    html = page(coach_client)
    assert "For someone else" not in html
    assert "No messages have reached" in html


def test_mark_read_and_delete(coach_client, coach):
    message = received(coach, answered=Status.SENT)
    assert 'class="unread"' in page(coach_client)

    response = coach_client.post(f"/coach/messages/{message.pk}/read/", {"page": "1"})
    assert response.status_code == 303 and response.url == "/coach/messages/?page=1"
    message.refresh_from_db()
    assert message.read_at is not None
    assert 'class="unread"' not in page(coach_client)

    response = coach_client.post(f"/coach/messages/{message.pk}/delete/")
    assert response.status_code == 303 and response.url == "/coach/messages/"
    assert InboundMessage.objects.count() == 0
    assert Notification.objects.count() == 0  # its answer's record went with it


def test_another_coachs_message_is_404(client, coach):
    message = received(coach)
    client.force_login(CoachFactory().user)
    assert client.post(f"/coach/messages/{message.pk}/read/").status_code == 404
    assert client.post(f"/coach/messages/{message.pk}/delete/").status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_anyone_else_is_sent_to_the_login_or_gets_404(client, coach):
    message = received(coach)
    for url in ("/coach/messages/", f"/coach/messages/{message.pk}/delete/"):
        response = client.post(url) if url.endswith("delete/") else client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(UserFactory())
    assert client.get("/coach/messages/").status_code == 404
    assert InboundMessage.objects.count() == 1


def test_actions_need_post_and_the_csrf_token(coach_client, coach):
    message = received(coach)
    assert coach_client.get(f"/coach/messages/{message.pk}/delete/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(coach.user)
    assert strict.post(f"/coach/messages/{message.pk}/delete/").status_code == 403
    assert InboundMessage.objects.count() == 1


def test_a_bookings_page_shows_the_replies_about_it(coach_client, coach):
    booking = BookingFactory(appointment_type__coach=coach, start=timezone.now() + timedelta(days=2))
    received(coach, text="I will be ten minutes late", booking=booking)
    received(coach, text="Something else")
    html = page(coach_client, f"/coach/bookings/{booking.uuid}/")
    assert "Replies from the client" in html
    assert "I will be ten minutes late" in html and "Something else" not in html


def test_the_dashboard_and_bookings_pages_stand_answers_without_a_booking(coach_client, coach):
    received(coach, answered=Status.FAILED, last_error="boom")
    received(coach, sender="OTHERONE", answered=Status.UNKNOWN)
    assert "boom" not in page(coach_client, "/coach/")
    page(coach_client, "/coach/bookings/")
