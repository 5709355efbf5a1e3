"""The message with times the coach proposes: each time in the client's zone, in the client's
language, with the link; sent through the normal send path (about no booking), and not sent
once the link was used or withdrawn."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from scheduler.models import Coach, Notification
from scheduler.outbox.proposal_texts import proposal_render
from scheduler.outbox.send import notification_send
from scheduler.services.booking_links import booking_link_propose, booking_link_revoke
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

# A Monday far enough ahead for any minimum notice.
MONDAY = date.today() + timedelta(days=14 - date.today().weekday())


def at(hour):
    return datetime.combine(MONDAY, time(hour), tzinfo=BERLIN)


@pytest.fixture
def kind(db):
    coach = CoachFactory(slug="anna", display_name="Anna Beispiel", time_zone="Europe/Berlin")
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(12))
    return AppointmentTypeFactory(
        coach=coach,
        name="Folgesitzung",
        name_en="Follow-up session",
        duration=timedelta(minutes=60),
        slot_step=timedelta(minutes=60),
        horizon=timedelta(days=60),
    )


def proposal(kind, *, language="en", zone="Asia/Tokyo", channel="email"):
    earlier = BookingFactory(
        appointment_type=kind,
        start=at(9) - timedelta(days=7),
        channel=channel,
        threema_id="ABCD1234" if channel == "threema" else "",
        time_zone=zone,
        language=language,
        client__name="Eva Muster",
        client__email="eva@example.org",
        client__language=language,
    )
    return booking_link_propose(
        coach=kind.coach, appointment_type=kind, client=earlier.client, starts=[at(11), at(9)], channel=channel
    )


def test_the_times_are_in_the_client_zone_and_language_with_the_link(kind, dispatched, settings):
    link = proposal(kind, language="en", zone="Asia/Tokyo")
    message = proposal_render(Notification.objects.get(booking_link=link))
    assert message.subject == "Anna Beispiel proposes times for Follow-up session"
    assert "Hello Eva Muster," in message.text
    # 09:00 and 11:00 in Berlin are 16:00 and 18:00 in Tokyo (summer) or 17:00 and 19:00 (winter).
    offset = int((at(9).utcoffset() or timedelta(0)).total_seconds() // 3600)
    first, second = 9 + 9 - offset, 11 + 9 - offset
    lines = [line for line in message.text.splitlines() if line.startswith("– ")]
    assert f"{first:02d}:00–{first + 1:02d}:00 (Asia/Tokyo)" in lines[0]
    assert f"{second:02d}:00–{second + 1:02d}:00 (Asia/Tokyo)" in lines[1]
    assert f"{settings.SITE_URL}/l/{link.token}/" in message.text
    assert message.html and message.recipient == "eva@example.org"


def test_german_for_a_client_who_reads_german(kind, dispatched):
    """Needs the German catalog (the lead fills it): the coach's Sie."""
    link = proposal(kind, language="de", zone="Europe/Berlin")
    message = proposal_render(Notification.objects.get(booking_link=link))
    assert "Folgesitzung" in message.text
    assert message.subject == "Anna Beispiel schlägt Termine für Folgesitzung vor"
    assert "Bitte wählen Sie einen hier aus:" in message.text


def test_german_du_when_the_coach_says_du(kind, dispatched):
    """Needs the du catalog (the lead fills it)."""
    kind.coach.address_form = Coach.AddressForm.INFORMAL
    kind.coach.save()
    link = proposal(kind, language="de", zone="Europe/Berlin")
    message = proposal_render(Notification.objects.get(booking_link=link))
    assert message.language == "de-du"
    assert "Bitte wähle einen hier aus:" in message.text


def test_sent_through_the_client_channel_by_the_send_path(kind, memory_backends, dispatched):
    link = proposal(kind, channel="threema")
    row = Notification.objects.get(booking_link=link)
    assert notification_send(notification_id=row.pk, now=timezone.now()) == "sent"
    (sent,) = memory_backends
    assert sent.recipient == "ABCD1234"
    assert f"/l/{link.token}/" in sent.text


def test_not_sent_once_the_link_is_withdrawn(kind, memory_backends, dispatched):
    link = proposal(kind)
    booking_link_revoke(link=link)
    row = Notification.objects.get(booking_link=link)
    assert notification_send(notification_id=row.pk, now=datetime.now(UTC)) == "obsolete"
    assert memory_backends == []
