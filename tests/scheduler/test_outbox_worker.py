"""A booking's messages go out through a real worker process."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from scheduler.models import Notification
from tests.conftest import wait_for
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory

BERLIN = ZoneInfo("Europe/Berlin")
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
