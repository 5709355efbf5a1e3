"""The type's online deadline in the client's German, Sie and du (outbox/client_lines.py,
the booking's page). Needs the German catalogs (the lead fills them)."""

from datetime import datetime, timedelta

import pytest
import time_machine

from scheduler.models import Coach, Notification
from scheduler.outbox.texts import render
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, NotificationFactory
from tests.helpers import BERLIN
from tests.scheduler.pages import text

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 8, 10, tzinfo=BERLIN)  # a Monday
BEFORE = datetime(2026, 6, 5, 12, tzinfo=BERLIN)
AFTER = datetime(2026, 6, 7, 14, tzinfo=BERLIN)


@pytest.fixture
def booking():
    coach = CoachFactory(display_name="Anna Berg", time_zone="Europe/Berlin")
    kind = AppointmentTypeFactory(coach=coach, name="Coaching", change_notice=timedelta(hours=24))
    return BookingFactory(appointment_type=kind, start=START, language="de", time_zone="Europe/Berlin")


def confirmation(booking, now):
    notification = NotificationFactory(booking=booking, kind=Notification.Kind.CONFIRMED)
    with time_machine.travel(now, tick=False):
        return render(notification, now=now).text


def test_the_deadline_in_german_sie(booking):
    assert (
        "Sie können ihn bis Sonntag, 7. Juni, 10:00 (Europe/Berlin) online ändern oder absagen; danach wenden Sie "
        "sich bitte an Anna Berg." in confirmation(booking, BEFORE)
    )


def test_the_deadline_in_german_du(booking):
    booking.coach.address_form = Coach.AddressForm.INFORMAL
    booking.coach.save()
    assert (
        "Du kannst ihn bis Sonntag, 7. Juni, 10:00 (Europe/Berlin) online ändern oder absagen; danach wende dich "
        "bitte an Anna Berg." in confirmation(booking, BEFORE)
    )


def test_past_the_deadline_in_german_sie(booking):
    shown = confirmation(booking, AFTER)
    assert "Ihre Buchung: http" in shown and "Ändern oder absagen" not in shown
    assert (
        "Online lässt er sich nicht mehr ändern oder absagen (das war bis Sonntag, 7. Juni, 10:00 (Europe/Berlin) "
        "möglich). Um ihn zu ändern oder abzusagen, wenden Sie sich bitte an Anna Berg." in shown
    )


def test_the_page_past_the_deadline_in_german_sie(client, booking):
    with time_machine.travel(AFTER, tick=False):
        shown = text(client.get(f"/b/{booking.token}/"))
    assert "So ändern Sie diesen Termin oder sagen ihn ab" in shown
    assert "Online lässt er sich nicht mehr ändern oder absagen" in shown
