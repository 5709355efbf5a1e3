"""End to end: a client who booked in English reads English in everything they receive,
whatever language the browser or calendar app that asks speaks: the booking's page
/b/<token>/, every message (rendered and sent through the outbox to memory, with its
invitation), event.ics, their feed and their export. A German booking reads German, formal
(Sie) or informal (du) as the coach addresses clients. The coach's own messages stay in the
coach's language."""

import html
import re
from datetime import datetime, time, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.models import ClientProfile
from scheduler.channels.base import MemoryBackend
from scheduler.models import AppointmentType, Booking, Notification
from scheduler.models.common import Channel
from scheduler.outbox.send import notification_send
from scheduler.services.booking import (
    booking_address_confirm,
    booking_cancel,
    booking_confirm,
    booking_decline,
    booking_reschedule,
)
from tests.factories import AppointmentTypeFactory, CoachFactory, UserFactory, WeeklyHoursFactory
from tests.helpers import BERLIN
from tests.scheduler.pages import form_data, type_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_backends", "dispatched")]

ADDRESS = "Musterstraße 1, 10115 Berlin"
EMAIL = "eva@example.org"
# What an English client must never read: German words of the site's texts (the type's
# German name among them), the German names of days and months.
GERMAN = re.compile(
    r"\b(Termin\w*|Kontaktweg\w*|[Mm]it|Sie|Ihr\w*|Ihnen|dich|dein\w*|Hallo|Ändern|ändern|absagen|abgesagt|"
    r"bestätigt|verschoben|Erinnerung|Anfrage|Nachricht|Buchung|Wann|Dauer|Zeitzone|und|oder|der|die|das|ist|"
    r"nicht|wird|für|von|am|um|Uhr|Kennenlernen|Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag|"
    r"Januar|Februar|März|Juni|Juli|Oktober|Dezember)\b"
)
# The words in a client's texts that are nobody's language: names, the address, links,
# and the language switch, which names each language in its own words.
MESSAGE = "I would like to talk about my next step at work."
# What no language check reads: links, names, the address, the client's own message.
NAMES = re.compile(
    r"https?://\S+|webcal://\S+|Anna Berg|Eva Muster|" + re.escape(ADDRESS) + "|" + re.escape(MESSAGE) + r"|\bDeutsch\b"
)


def german_in(text: str) -> list[str]:
    return GERMAN.findall(NAMES.sub(" ", text))


def page_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def day_ahead(days: int) -> datetime:
    return datetime.combine(timezone.localdate() + timedelta(days=days), time(10), tzinfo=BERLIN)


@pytest.fixture
def coach():
    coach = CoachFactory(
        slug="anna",
        display_name="Anna Berg",
        language="de",
        user__email="anna@example.org",
        channels=[Channel.PHONE, Channel.VIDEO, Channel.IN_PERSON, Channel.EMAIL],
    )
    for weekday in range(7):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(17))
    return coach


def type_of(coach, **fields):
    return AppointmentTypeFactory(
        coach=coach,
        slug=fields.pop("slug", "talk"),
        name="Kennenlernen",
        name_en="Introductory talk",
        location=ADDRESS,
        duration=timedelta(minutes=60),
        slot_step=timedelta(minutes=60),
        reminders=[24 * 60],
        **fields,
    )


def book(client, kind, *, language, channel=Channel.IN_PERSON, days=8, accept=None) -> Booking:
    """Book through the type's page as a client whose browser speaks `accept` (the
    booking's language by default), choosing `language` for messages."""
    headers = {"Accept-Language": accept or language}
    data = form_data(day_ahead(days), channel=channel, threema_id="", name="Eva Muster", email=EMAIL)
    data.update(language=language, message=MESSAGE, tz="Europe/London")
    response = client.post(type_url(kind), data, headers=headers)
    assert response.status_code == 303, page_text(response)[:2000]
    return Booking.objects.get(token=response["Location"].split("/")[2])


def deliver(booking) -> list[tuple[str, object]]:
    """Send what the outbox holds for the booking now (a reminder at its time): each message
    to the client as their channel received it, with its kind."""
    sent_before = len(MemoryBackend.outbox)
    rows = booking.notifications.filter(status=Notification.Status.PENDING).order_by("scheduled_for", "pk")
    kinds = {str(row.pk): row.kind for row in rows}
    for row in rows:
        notification_send(notification_id=row.pk, now=max(timezone.now(), row.scheduled_for))
    sent = MemoryBackend.outbox[sent_before:]
    return [(kinds[message.reference], message) for message in sent if message.recipient == EMAIL]


def readable(message) -> str:
    """Everything of a message the client reads: subject, text, the HTML's text, and the
    attached invitation's summary, description, location and conference label."""
    parts = [message.subject, message.text, page_text_of(message.html)]
    if message.calendar:
        for event in Calendar.from_ical(message.calendar).walk("VEVENT"):
            parts += [str(event.get(name, "")) for name in ("summary", "description", "location")]
            if "conference" in event:
                parts.append(event["conference"].params["LABEL"])
    return "\n".join(parts)


def page_text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style\b.*?</style>", " ", markup, flags=re.S)))


def calendar_texts(data: bytes) -> str:
    calendar = Calendar.from_ical(data)
    parts = [str(calendar.get("x-wr-calname", ""))]
    for event in calendar.walk("VEVENT"):
        parts += [str(event.get(name, "")) for name in ("summary", "description", "location")]
    return "\n".join(parts)


# --- an English client ---


def test_every_message_to_an_english_client_is_english_with_its_invitation(client, coach):
    kind = type_of(coach)
    booking = book(client, kind, language="en")
    messages = deliver(booking)
    booking_reschedule(booking=booking, start=day_ahead(9))
    messages += deliver(booking)
    booking.refresh_from_db()
    booking_cancel(booking=booking)
    messages += deliver(booking)
    assert {kind for kind, _ in messages} == {"confirmed", "reminder", "rescheduled", "cancelled"}
    for kind, message in messages:
        assert message.language == "en"
        assert message.text.startswith("Hello Eva Muster,")
        assert german_in(readable(message)) == [], kind
    invitations = [message for _, message in messages if message.calendar]
    assert [message.calendar_method for message in invitations][-1] == "CANCEL"
    for message in invitations:
        (event,) = Calendar.from_ical(message.calendar).walk("VEVENT")
        assert event["summary"] == "Introductory talk with Anna Berg"
        assert event["location"] == ADDRESS


def test_a_request_its_answers_and_the_address_confirmation_are_english(client, coach):
    kind = type_of(coach, approval=AppointmentType.Approval.ALWAYS)
    asked = book(client, kind, language="en")
    messages = deliver(asked)
    booking_confirm(booking=asked)
    messages += deliver(asked)
    declined = book(client, kind, language="en", days=10)
    messages += deliver(declined)
    booking_decline(booking=declined, note="")
    messages += deliver(declined)
    confirming = type_of(coach, slug="confirm", address_confirmation=AppointmentType.AddressConfirmation.ALWAYS)
    unconfirmed = book(client, confirming, language="en", days=12)
    messages += deliver(unconfirmed)
    booking_address_confirm(booking=unconfirmed)
    messages += deliver(unconfirmed)
    kinds = [kind for kind, _ in messages]
    assert {"request_received", "confirmed", "declined", "address_confirmation"} <= set(kinds)
    for kind, message in messages:
        assert message.language == "en"
        assert german_in(readable(message)) == [], kind


def test_a_video_call_is_english_and_its_link_comes_with_the_confirmation(client, coach, settings):
    settings.JITSI_URL = "https://meet.example.org"
    kind = type_of(coach, approval=AppointmentType.Approval.ALWAYS)
    booking = book(client, kind, language="en", channel=Channel.VIDEO)
    ((kind, request),) = deliver(booking)
    assert kind == "request_received"
    assert booking.video_room and booking.video_room not in readable(request)
    booking_confirm(booking=booking)
    messages = dict(deliver(booking))
    link = f"https://meet.example.org/{booking.video_room}"
    confirmed = messages["confirmed"]
    assert link in confirmed.text
    (event,) = Calendar.from_ical(confirmed.calendar).walk("VEVENT")
    assert event["conference"] == link and event["conference"].params["LABEL"] == "Video call with Anna Berg"
    for kind, message in [("request_received", request), *messages.items()]:
        assert german_in(readable(message)) == [], kind


@pytest.mark.parametrize("accept", [None, "de", "en"])
def test_event_ics_is_english_for_every_caller(client, coach, accept):
    booking = book(client, type_of(coach), language="en")
    headers = {"Accept-Language": accept} if accept else {}  # a calendar app sends none
    response = client.get(reverse("scheduler:booking_ics", kwargs={"token": booking.token}), headers=headers)
    texts = calendar_texts(response.content)
    assert "Introductory talk with Anna Berg" in texts and "Channel: In person" in texts
    assert german_in(texts) == []


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "de",
        "en",
    ],
)
def test_the_booking_page_is_english_whatever_the_browser_says(client, coach, accept):
    booking = book(client, type_of(coach), language="en")
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get(reverse("scheduler:booking", kwargs={"token": booking.token}), headers=headers)
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()
    text = page_text(response)
    assert "Introductory talk with Anna Berg" in text
    assert german_in(text) == []


def test_the_visitors_own_choice_of_language_wins_on_the_booking_page(client, coach):
    booking = book(client, type_of(coach), language="en")
    client.post(reverse("set_language"), {"language": "de", "next": "/"})  # the language switch
    response = client.get(reverse("scheduler:booking", kwargs={"token": booking.token}))
    assert '<html lang="de"' in response.content.decode()
    assert "Kennenlernen mit Anna Berg" in page_text(response)


def client_account(language: str) -> ClientProfile:
    user = UserFactory(email=EMAIL)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    return ClientProfile.objects.create(user=user, language=language)


@pytest.mark.parametrize("accept", [None, "de"])
def test_the_clients_feed_and_export_are_english(client, coach, accept):
    booking = book(client, type_of(coach), language="en")
    profile = client_account("en")
    headers = {"Accept-Language": accept} if accept else {}
    feed = client.get(reverse("accounts:me_feed", kwargs={"token": profile.feed_token}), headers=headers)
    texts = calendar_texts(feed.content)
    assert "Sprechzeit: your appointments" in texts and "Introductory talk with Anna Berg" in texts
    assert german_in(texts) == []
    client.force_login(profile.user)
    export = client.get(reverse("accounts:me_export_ics"), headers={"Accept-Language": "de"})
    assert str(Calendar.from_ical(export.content).walk("VEVENT")[0]["uid"]).startswith(str(booking.uuid))
    assert german_in(calendar_texts(export.content)) == []


def test_the_coach_reads_their_own_language_about_an_english_booking(client, coach):
    booking = book(client, type_of(coach), language="en")
    deliver(booking)
    (to_coach,) = [message for message in MemoryBackend.outbox if message.recipient == "anna@example.org"]
    assert to_coach.language == "de"
    assert "Kennenlernen" in to_coach.text and "Introductory talk" not in to_coach.text


# --- German clients, addressed as the coach addresses them ---


@pytest.mark.parametrize(
    ("address_form", "language", "greeting", "yours"),
    [("sie", "de", "Hallo Eva Muster,", "Ihr Termin"), ("du", "de-du", "Hallo Eva Muster,", "dein Termin")],
)
def test_a_german_client_reads_german_in_the_coachs_form_of_address(
    client, coach, address_form, language, greeting, yours
):
    coach.address_form = address_form
    coach.save()
    booking = book(client, type_of(coach), language="de", accept="en")
    confirmed = dict(deliver(booking))["confirmed"]
    assert confirmed.language == language
    assert confirmed.text.startswith(greeting) and yours in confirmed.text
    (event,) = Calendar.from_ical(confirmed.calendar).walk("VEVENT")
    assert event["summary"] == "Kennenlernen mit Anna Berg"
    assert "Kontaktweg:" in str(event["description"])
    # The same from a calendar app, and from an English browser.
    for headers in ({}, {"Accept-Language": "en"}):
        response = client.get(reverse("scheduler:booking_ics", kwargs={"token": booking.token}), headers=headers)
        (event,) = Calendar.from_ical(response.content).walk("VEVENT")
        assert event["summary"] == "Kennenlernen mit Anna Berg"
    if address_form == "du":
        assert not re.search(r"\b(Sie|Ihr\w*|Ihnen)\b", NAMES.sub(" ", confirmed.text))


ENGLISH = re.compile(
    r"\b(the|your|you|with|and|is|are|to|of|on|at|for|by|Hello|Channel|Manage|cancel|appointment|confirmed|"
    r"reminder|Video call|In person|map|Add|calendar|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"January|February|March|May|June|July|October|December)\b"
)
PRODUCTS = re.compile(r"Google Calendar|Outlook\.com|Microsoft 365|Apple Calendar|OpenStreetMap|\bEnglish\b")


def english_in(text: str) -> list[str]:
    return ENGLISH.findall(PRODUCTS.sub(" ", NAMES.sub(" ", text)))


@pytest.mark.parametrize("address_form", ["sie", "du"])
def test_a_german_client_reads_no_english_anywhere(client, coach, address_form):
    coach.address_form = address_form
    coach.save()
    booking = book(client, type_of(coach), language="de", accept="en")
    messages = deliver(booking)
    booking_reschedule(booking=booking, start=day_ahead(9))
    messages += deliver(booking)
    found = {kind: english_in(readable(message)) for kind, message in messages}
    ics_response = client.get(reverse("scheduler:booking_ics", kwargs={"token": booking.token}))
    found["event.ics"] = english_in(calendar_texts(ics_response.content))
    page = client.get(reverse("scheduler:booking", kwargs={"token": booking.token}), headers={"Accept-Language": "de"})
    found["page"] = english_in(page_text(page))
    assert found == {kind: [] for kind in found}
