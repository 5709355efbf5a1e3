"""Where the conversation happens, in every message (outbox/texts.py, place_words.py): the
video link only once the booking is confirmed (before that: that it comes with the
confirmation), the address with its map link, nothing of it in a cancellation; the
add-to-calendar links in the confirmation e-mail, whose times are the booking's in UTC;
the client's feed only to its owner's verified address. Video and in-person bookings get
their messages by e-mail."""

from datetime import UTC, datetime, time
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress

from accounts.models import ClientProfile
from scheduler.models import AppointmentType, Booking, Notification, ReplyWindow
from scheduler.models.common import Channel
from scheduler.outbox.texts import render
from scheduler.places import map_url
from scheduler.services.booking import booking_cancel, booking_confirm, booking_reschedule
from tests.factories import UserFactory
from tests.helpers import BERLIN
from tests.scheduler.outbox.helpers import MONDAY, NOW, book

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
Audience = Notification.Audience
ADDRESS = "Musterstraße 1, 10115 Berlin"
MONDAY_TEN = datetime.combine(MONDAY, time(10), tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def public_jitsi(settings):
    settings.JITSI_URL = "https://meet.jit.si"
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = ""


@pytest.fixture
def meeting(kind):
    kind.location = ADDRESS
    kind.save()
    return kind


def rows(booking, kind, audience=Audience.CLIENT):
    return list(Notification.objects.filter(booking=booking, kind=kind, audience=audience).order_by("pk"))


def text_of(booking, kind, audience=Audience.CLIENT):
    (row,) = rows(booking, kind, audience)[:1]
    return render(row, now=NOW)


def video_link(booking) -> str:
    return f"https://meet.jit.si/{booking.video_room}"


def test_a_video_booking_is_told_by_e_mail_with_its_own_room_once_confirmed(kind, backends):
    booking = book(kind, channel="video", language="en")
    assert len(booking.video_room) == 40  # 160 bits in hex
    confirmation = rows(booking, Kind.CONFIRMED)[0]
    assert (confirmation.channel, confirmation.recipient) == ("email", "eva@example.org")
    message = render(confirmation, now=NOW)
    assert f"Video call: {video_link(booking)}" in message.text
    assert video_link(booking) in message.html
    # The coach's e-mail carries the room too (the coach's own link), in the coach's German.
    assert f"Videoanruf: {video_link(booking)}" in text_of(booking, Kind.COACH_NEW_BOOKING, Audience.COACH).text
    for reminder in rows(booking, Kind.REMINDER):
        assert f"Video call: {video_link(booking)}" in render(reminder, now=NOW).text


def test_a_video_request_has_no_link_until_the_coach_confirms_it(kind, backends):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking = book(kind, channel="video", language="en")
    assert booking.status == Booking.Status.REQUESTED and booking.video_room
    received = text_of(booking, Kind.REQUEST_RECEIVED)
    assert "Video call: the link comes with the confirmation of your appointment." in received.text
    waiting = text_of(booking, Kind.COACH_REQUEST_WAITING, Audience.COACH)
    assert "Videoanruf: Der Link erscheint, sobald Sie die Anfrage bestätigen." in waiting.text  # the coach's German
    for message in (received, waiting):
        assert booking.video_room not in message.text and booking.video_room not in message.html
        assert "meet.jit.si" not in message.text

    booking_confirm(booking=booking)
    confirmed = text_of(booking, Kind.CONFIRMED)
    assert f"Video call: {video_link(booking)}" in confirmed.text
    assert "comes with the confirmation" not in confirmed.text


def test_a_cancellation_names_no_place(meeting, backends):
    booking = book(meeting, channel="video", language="en")
    booking_cancel(booking=booking, note="", now=NOW)
    for audience in (Audience.CLIENT, Audience.COACH):
        text = text_of(booking, Kind.CANCELLED, audience).text
        assert "meet.jit.si" not in text and booking.video_room not in text
    assert "Video call:" not in text_of(booking, Kind.CANCELLED).text


def test_in_person_every_message_has_the_address_and_its_map_link(meeting, backends):
    booking = book(meeting, channel="in_person", language="en")
    assert booking.video_room == ""
    line = f"In person: {ADDRESS} (map: {map_url(ADDRESS)})"
    confirmation = rows(booking, Kind.CONFIRMED)[0]
    assert confirmation.channel == "email"
    assert line in render(confirmation, now=NOW).text
    assert f"Vor Ort: {ADDRESS}" in text_of(booking, Kind.COACH_NEW_BOOKING, Audience.COACH).text  # the coach's German
    for reminder in rows(booking, Kind.REMINDER):
        assert line in render(reminder, now=NOW).text
    moved = booking_reschedule(booking=booking, start=MONDAY_TEN, now=NOW)
    assert line in text_of(moved, Kind.RESCHEDULED).text


def test_a_move_keeps_the_video_room(kind, backends):
    booking = book(kind, channel="video", language="en")
    room = booking.video_room
    moved = booking_reschedule(booking=booking, start=datetime.combine(MONDAY, time(11), tzinfo=BERLIN), now=NOW)
    moved.refresh_from_db()
    assert moved.video_room == room
    assert f"Video call: https://meet.jit.si/{room}" in text_of(moved, Kind.RESCHEDULED).text


def test_a_phone_booking_says_as_before_that_the_coach_calls(kind, backends):
    booking = book(kind, channel="phone", phone="+49 170 1234567", language="en")
    text = text_of(booking, Kind.CONFIRMED).text
    assert "(The coach calls you)" in text
    assert "Video call" not in text and "In person" not in text
    assert booking.video_room == ""


def calendar_links(text: str) -> dict[str, str]:
    """The add-to-calendar lines of a message: label → link."""
    lines = text.split("Add it to your calendar:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return dict(line.split(": ", 1) for line in lines)


def utc(value: str, pattern: str) -> datetime:
    return datetime.strptime(value, pattern).replace(tzinfo=UTC)


def test_the_confirmation_e_mail_has_add_to_calendar_links_with_the_bookings_utc_times(meeting, backends):
    booking = book(meeting, channel="in_person", language="en")
    links = calendar_links(text_of(booking, Kind.CONFIRMED).text)
    assert set(links) == {"Google Calendar", "Outlook.com", "Microsoft 365", "Apple Calendar and others (.ics)"}

    google = parse_qs(urlsplit(links["Google Calendar"]).query)
    first, last = google["dates"][0].split("/")
    assert (utc(first, "%Y%m%dT%H%M%SZ"), utc(last, "%Y%m%dT%H%M%SZ")) == (booking.start, booking.end)
    assert google["location"] == [ADDRESS]
    assert google["text"] == [f"{meeting.local_name} with {booking.coach.display_name}"]
    for label, host in (("Outlook.com", "outlook.live.com"), ("Microsoft 365", "outlook.office.com")):
        parts = urlsplit(links[label])
        outlook = parse_qs(parts.query)
        assert parts.netloc == host
        start, end = outlook["startdt"][0], outlook["enddt"][0]
        assert (utc(start, "%Y-%m-%dT%H:%M:%SZ"), utc(end, "%Y-%m-%dT%H:%M:%SZ")) == (booking.start, booking.end)
        assert outlook["location"] == [ADDRESS]
    assert links["Apple Calendar and others (.ics)"].endswith(f"/b/{booking.token}/event.ics")
    # Monday 09:00 in Berlin (summer time) is 07:00 UTC.
    assert google["dates"] == ["20260601T070000Z/20260601T073000Z"]


def test_the_video_links_calendar_entries_carry_the_room(kind, backends):
    booking = book(kind, channel="video", language="en")
    links = calendar_links(text_of(booking, Kind.CONFIRMED).text)
    google = parse_qs(urlsplit(links["Google Calendar"]).query)
    assert google["location"] == [video_link(booking)]
    assert video_link(booking) in google["details"][0]


def test_a_rescheduled_e_mail_has_the_links_of_the_new_time(kind, backends):
    booking = book(kind, channel="email", language="en")
    moved = booking_reschedule(booking=booking, start=datetime.combine(MONDAY, time(11), tzinfo=BERLIN), now=NOW)
    google = parse_qs(urlsplit(calendar_links(text_of(moved, Kind.RESCHEDULED).text)["Google Calendar"]).query)
    assert google["dates"] == ["20260601T090000Z/20260601T093000Z"]


def test_no_calendar_links_for_a_request_or_in_a_chat_message(kind, backends):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    request = book(kind, channel="email", language="en")
    assert "Add it to your calendar" not in text_of(request, Kind.REQUEST_RECEIVED).text
    kind.approval = AppointmentType.Approval.NEVER
    kind.save()
    chat = book(
        kind,
        channel="threema",
        threema_id="ABCD1234",
        email="tom@example.org",
        language="en",
        start=MONDAY_TEN,
    )
    message = text_of(chat, Kind.CONFIRMED)
    assert message.recipient == "ABCD1234"
    assert "Add it to your calendar" not in message.text and "calendar.google.com" not in message.text


def account(email: str, *, verified: bool = True) -> ClientProfile:
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return ClientProfile.objects.create(user=user)


def test_the_subscription_of_the_clients_feed_goes_only_to_a_verified_address(kind, backends, settings):
    profile = account("eva@example.org")
    booking = book(kind, channel="email", language="en")
    links = calendar_links(text_of(booking, Kind.CONFIRMED).text)
    feed = settings.SITE_URL.split("://", 1)[1] + f"/me/feed/{profile.feed_token}/calendar.ics"
    assert links["Subscribe to all your appointments"] == f"webcal://{feed}"

    account("tom@example.org", verified=False)
    other = book(kind, channel="email", email="tom@example.org", start=MONDAY_TEN, language="en")
    assert "Subscribe to all your appointments" not in calendar_links(text_of(other, Kind.CONFIRMED).text)


def test_an_english_booking_reads_the_place_in_english(meeting, backends):
    booking = book(meeting, channel="in_person", language="en")
    message = text_of(booking, Kind.CONFIRMED)
    assert message.language == "en"
    assert message.text.startswith("Hello Eva Muster,\n\nyour appointment is confirmed:")
    assert f"In person: {ADDRESS} (map: " in message.text
    assert "Add it to your calendar:" in message.text
    video = book(meeting, channel="video", language="en", email="tom@example.org", start=MONDAY_TEN)
    assert "Video call: https://meet.jit.si/" in text_of(video, Kind.CONFIRMED).text


def test_a_video_clients_reply_windows_are_those_of_e_mail(kind, backends):
    ReplyWindow.objects.create(coach=kind.coach, weekday=2, start=time(8), end=time(9), channels=[Channel.EMAIL])
    ReplyWindow.objects.create(coach=kind.coach, weekday=1, start=time(8), end=time(9), channels=[Channel.THREEMA])
    booking = book(kind, channel="video", language="en")
    last = text_of(booking, Kind.CONFIRMED).text.splitlines()[-1]
    assert "reads and answers messages (E-mail)" in last and "Wednesday" in last


def test_whatsapp_templates_keep_their_parameters(kind, backends):
    booking = book(kind, channel="whatsapp", whatsapp="+49 170 1234567", language="en")
    message = text_of(booking, Kind.CONFIRMED)
    assert message.recipient == "+491701234567"
    assert message.template and len(message.template_params) == 4
    assert message.template_params[3].endswith(f"/b/{booking.token}/")


def test_the_request_body_needs_no_contact_field_for_video_or_in_person(meeting, backends):
    for channel, start in (("video", time(9)), ("in_person", time(10))):
        booking = book(meeting, channel=channel, start=datetime.combine(MONDAY, start, tzinfo=BERLIN))
        assert (booking.phone, booking.threema_id, booking.whatsapp) == ("", "", "")
        assert booking.contact == "eva@example.org"
