"""A booking's messages go out through a real worker process."""

from datetime import datetime, time, timedelta

import pytest
from django.conf import settings

from scheduler.models import Notification
from scheduler.services.booking import booking_create
from scheduler.services.booking_request import BookingRequest
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN, wait_for

BROKER = settings.CELERY_BROKER_URL.split("://")[0]


@pytest.mark.worker
@pytest.mark.parametrize("broker", [pytest.param(BROKER, id=BROKER)])
def test_booking_messages_are_sent_by_the_worker(broker, start_worker, client, tmp_path):
    mail_dir = tmp_path / "mail"
    worker = start_worker(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(mail_dir)
    )
    coach = CoachFactory(slug="anna", user__email="anna@example.org")
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(12))
    AppointmentTypeFactory(coach=coach, slug="talk")
    body = {
        "type": "talk",
        "start": datetime.combine(day, time(10), tzinfo=BERLIN).isoformat(),
        "name": "Eva",
        "email": "eva@example.org",
        "channel": "email",
        "language": "en",
        "message": "I would like to talk about my next step at work, please.",
        "privacy_consent": True,
    }
    response = client.post("/api/coaches/anna/bookings", body, content_type="application/json")
    assert response.status_code == 201

    def sent():
        if worker.poll() is not None:
            pytest.fail("the worker exited:\n" + worker.log_path.read_text())
        return Notification.objects.filter(status=Notification.Status.SENT).count() == 2

    wait_for(sent, timeout=60, what=f"two messages sent by the worker on {broker}")
    mails = "".join(path.read_text() for path in mail_dir.iterdir())
    assert "To: eva@example.org" in mails and "To: anna@example.org" in mails
    assert "BEGIN:VCALENDAR" in mails  # the client's confirmation carries the event


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("channel", ["threema", "whatsapp"])
def test_instant_messages_go_through_the_worker_to_the_gateway(channel, start_worker, httpserver, tmp_path):
    """Threema and WhatsApp: a real worker process calls the (fake) provider."""
    from werkzeug import Response

    received = []

    def gateway(request):
        received.append(request.get_data(as_text=True))
        if channel == "threema":
            return Response("0123456789abcdef")
        return Response('{"messages": [{"id": "wamid.TEST"}]}', content_type="application/json")

    path = "/send_simple" if channel == "threema" else "/12345/messages"
    httpserver.expect_request(path, method="POST").respond_with_handler(gateway)
    start_worker(
        THREEMA_GATEWAY_ID="*SPRECHZ",
        THREEMA_GATEWAY_SECRET="s3cret",
        THREEMA_API_URL=httpserver.url_for(""),
        WHATSAPP_TOKEN="token",
        WHATSAPP_PHONE_NUMBER_ID="12345",
        WHATSAPP_API_URL=httpserver.url_for(""),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    coach = CoachFactory(slug="anna")
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(12))
    kind = AppointmentTypeFactory(coach=coach, reminders=[])

    contact = {"threema_id": "ABCD1234"} if channel == "threema" else {"whatsapp": "+491701234567"}
    request = BookingRequest(
        start=datetime.combine(day, time(10), tzinfo=BERLIN),
        name="Eva",
        email="eva@example.org",
        channel=channel,
        message="Ich möchte über meinen nächsten beruflichen Schritt sprechen.",
        privacy_consent=True,
        **contact,
    )
    booking = booking_create(appointment_type=kind, request=request)
    row = booking.notifications.get(kind=Notification.Kind.CONFIRMED)

    def sent():
        row.refresh_from_db()
        return row.status == Notification.Status.SENT

    wait_for(sent, timeout=60, what=f"the worker to send the {channel} message")
    assert len(received) == 1
    assert row.provider_message_id in ("0123456789abcdef", "wamid.TEST")
    assert ("ABCD1234" if channel == "threema" else "491701234567") in received[0]
