"""Sie or du: the coach chooses how clients are addressed, in pages and in messages."""

import re
from datetime import datetime, time, timedelta

import pytest

from scheduler.models import Coach, Notification
from scheduler.outbox.texts import render
from scheduler.services.booking import booking_create
from scheduler.services.booking_request import BookingRequest
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db
FORMAL = re.compile(r"\b(Sie|Ihr|Ihre|Ihnen|Ihren|Ihrem|Ihrer)\b")
INFORMAL = re.compile(r"\b(du|dein|deine|dir|dich|deinen|deinem|deiner)\b", re.IGNORECASE)
ENGLISH = re.compile(r"\b(your|appointment|the|with|Hello|Change|cancel)\b")


def confirmation(address_form):
    coach = CoachFactory(address_form=address_form)
    day = datetime(2026, 6, 1).date()
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(12))
    kind = AppointmentTypeFactory(coach=coach, name="Kennenlernen", minimum_notice=timedelta(0))
    request = BookingRequest(
        start=datetime.combine(day, time(9), tzinfo=BERLIN),
        name="Eva",
        email="eva@example.org",
        channel="email",
        message="Ich möchte über meinen nächsten beruflichen Schritt sprechen.",
        language="de",
        privacy_consent=True,
    )
    booking = booking_create(appointment_type=kind, request=request, now=datetime(2026, 5, 20, tzinfo=BERLIN))
    return render(booking.notifications.get(kind=Notification.Kind.CONFIRMED))


def test_sie_and_du_confirmations_differ_and_contain_no_english():
    sie, du = confirmation(Coach.AddressForm.FORMAL), confirmation(Coach.AddressForm.INFORMAL)
    assert FORMAL.search(sie.text) and not INFORMAL.search(sie.text)
    assert INFORMAL.search(du.text) and not FORMAL.search(du.text)
    for message in (sie, du):
        assert not ENGLISH.search(message.text), message.text
        assert "Montag, 1. Juni 2026" in message.text  # German dates in both


def test_the_booking_page_speaks_as_the_coach_does(client):
    for address_form, expected, unexpected in (("sie", FORMAL, INFORMAL), ("du", INFORMAL, FORMAL)):
        coach = CoachFactory(address_form=address_form, policy="")
        AppointmentTypeFactory(coach=coach)
        page = client.get(f"/{coach.slug}/", headers={"accept-language": "de"}).text
        text = re.sub(r"<[^>]+>", " ", page)
        assert expected.search(text), address_form
        assert not unexpected.search(text), address_form
        assert '<html lang="de">' in page


def test_english_visitors_get_english_from_a_du_coach(client):
    coach = CoachFactory(address_form="du")
    AppointmentTypeFactory(coach=coach)
    page = client.get(f"/{coach.slug}/", headers={"accept-language": "en"}).text
    assert "book a time here" in page
