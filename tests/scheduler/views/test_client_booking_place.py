"""Where the conversation happens, on the pages: the booking form offers video and meeting in
person (with the address and its map link), /b/<token>/ shows the place (the video call's
"join" button only once confirmed) and the add-to-calendar links (the subscription of the
client's feed only to its signed-in owner), and the coach's booking page the coach's link."""

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from allauth.account.models import EmailAddress

from accounts.models import ClientProfile
from scheduler.models import AppointmentType, Booking, Notification
from scheduler.outbox.texts import render
from scheduler.places import map_url
from scheduler.services.booking import booking_confirm
from tests.factories import UserFactory
from tests.scheduler.pages import MONDAY, berlin, form_data, text, type_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]

ADDRESS = "Musterstraße 1, 10115 Berlin"
SECRET = "the-secret-of-a-self-hosted-jitsi-0123456789"


@pytest.fixture(autouse=True)
def public_jitsi(settings):
    settings.JITSI_URL = "https://meet.jit.si"
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = ""


@pytest.fixture
def kind(kind, anna):
    """The conftest's first talk, to be had on the phone, by video, in person or by e-mail."""
    anna.channels = ["phone", "video", "in_person", "email", "threema", "whatsapp"]
    anna.save()
    kind.name_en, kind.location = "First talk", ADDRESS
    kind.allowed_channels = ["phone", "video", "in_person", "email"]
    kind.save()
    return kind


def book(client, kind, channel, **overrides):
    data = form_data(berlin(MONDAY, 9), channel=channel, threema_id="", **overrides)
    response = client.post(type_url(kind), data)
    assert response.status_code == 303, text(response)
    booking = Booking.objects.get(channel=channel, start=berlin(MONDAY, 9))
    assert response["Location"] == f"/b/{booking.token}/"
    return booking


def page_of(client, booking) -> str:
    response = client.get(f"/b/{booking.token}/")
    assert response.status_code == 200
    return text(response)


def hrefs(page: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', page)


def calendar_hrefs(page: str) -> dict[str, str]:
    """The add-to-calendar block's links: kind → address."""
    return {kind: url for url, kind in re.findall(r'href="([^"]*)" data-calendar="([a-z0-9]+)"', page)}


def test_the_form_offers_video_and_in_person_with_the_address_and_the_jitsi_host(client, kind):
    page = text(client.get(type_url(kind, start=berlin(MONDAY, 9).isoformat())))
    assert 'value="video"' in page and 'value="in_person"' in page
    assert "Video call" in page and "In person" in page
    assert "Jitsi Meet on meet.jit.si, in the browser; no account needed." in page
    assert f"Address: {ADDRESS}" in page
    assert map_url(ADDRESS) in hrefs(page)


def test_a_video_booking_through_the_form_gets_a_room_and_the_page_a_join_button(client, kind):
    booking = book(client, kind, "video")
    assert re.fullmatch(r"[0-9a-f]{40}", booking.video_room)
    assert (booking.phone, booking.threema_id, booking.whatsapp) == ("", "", "")
    page = page_of(client, booking)
    link = f"https://meet.jit.si/{booking.video_room}"
    assert "Join the video call" in page
    assert hrefs(page).count(link) == 2  # the button and the link written out
    assert "Messages about this appointment go to your e-mail address erika@example.org." in page


def message(booking, kind) -> str:
    row = Notification.objects.get(booking=booking, kind=kind, audience=Notification.Audience.CLIENT)
    assert (row.channel, row.recipient) == ("email", "erika@example.org")
    return render(row).text


def test_the_confirmation_e_mail_of_a_form_booking_has_the_room_and_a_request_has_none(client, kind):
    booking = book(client, kind, "video")
    assert f"Video call: https://meet.jit.si/{booking.video_room}" in message(booking, Notification.Kind.CONFIRMED)
    booking.delete()
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    request = book(client, kind, "video")
    text_sent = message(request, Notification.Kind.REQUEST_RECEIVED)
    assert request.video_room and request.video_room not in text_sent
    assert "Video call: the link comes with the confirmation of your appointment." in text_sent


def test_a_video_request_shows_no_link_until_the_coach_confirms(client, kind):
    kind.approval = AppointmentType.Approval.ALWAYS
    kind.save()
    booking = book(client, kind, "video")
    assert booking.status == Booking.Status.REQUESTED
    page = page_of(client, booking)
    assert "The link to the video call comes with the confirmation of your appointment." in page
    assert booking.video_room not in page and "Join the video call" not in page
    assert 'data-calendar="google"' not in page  # add-to-calendar links only for a confirmed booking
    booking_confirm(booking=booking)
    page = page_of(client, booking)
    assert "Join the video call" in page and f"https://meet.jit.si/{booking.video_room}" in hrefs(page)


def test_a_cancelled_video_booking_has_no_join_button(client, kind):
    booking = book(client, kind, "video")
    booking.status = Booking.Status.CANCELLED
    booking.save()
    page = page_of(client, booking)
    assert "Join the video call" not in page and booking.video_room not in page
    assert "comes with the confirmation" not in page


def test_in_person_the_page_shows_the_address_with_its_map_link(client, kind):
    booking = book(client, kind, "in_person")
    assert booking.video_room == ""
    page = page_of(client, booking)
    assert ADDRESS in page and "Show on the map (OpenStreetMap)" in page
    assert map_url(ADDRESS) in hrefs(page)


def utc(value: str, pattern: str) -> datetime:
    return datetime.strptime(value, pattern).replace(tzinfo=UTC)


def test_the_page_has_add_to_calendar_links_whose_times_are_the_bookings(client, kind):
    booking = book(client, kind, "in_person")
    links = calendar_hrefs(page_of(client, booking))
    assert set(links) == {"google", "outlook", "office365", "ics"}  # no account: no subscription
    google = parse_qs(urlsplit(links["google"]).query)
    first, last = google["dates"][0].split("/")
    assert (utc(first, "%Y%m%dT%H%M%SZ"), utc(last, "%Y%m%dT%H%M%SZ")) == (booking.start, booking.end)
    assert google["location"] == [ADDRESS]
    assert google["text"] == ["First talk with Anna Beispiel"]
    for name, host in (("outlook", "outlook.live.com"), ("office365", "outlook.office.com")):
        parts = urlsplit(links[name])
        outlook = parse_qs(parts.query)
        assert parts.netloc == host and outlook["location"] == [ADDRESS]
        start, end = outlook["startdt"][0], outlook["enddt"][0]
        assert (utc(start, "%Y-%m-%dT%H:%M:%SZ"), utc(end, "%Y-%m-%dT%H:%M:%SZ")) == (booking.start, booking.end)
    assert links["ics"] == f"/b/{booking.token}/event.ics"


def owner_of(email: str, *, verified: bool = True) -> ClientProfile:
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return ClientProfile.objects.create(user=user)


def test_the_subscription_of_the_clients_feed_is_offered_only_to_its_signed_in_owner(client, kind, settings):
    booking = book(client, kind, "email")
    profile = owner_of("erika@example.org")
    webcal = "webcal://" + settings.SITE_URL.split("://", 1)[1] + f"/me/feed/{profile.feed_token}/calendar.ics"
    # Whoever has the booking's link, but not the account, gets no feed.
    assert profile.feed_token not in page_of(client, booking)
    stranger = UserFactory(email="mallory@example.org")
    EmailAddress.objects.create(user=stranger, email=stranger.email, verified=True, primary=True)
    ClientProfile.objects.create(user=stranger)
    client.force_login(stranger)
    assert profile.feed_token not in page_of(client, booking)
    client.force_login(profile.user)
    page = page_of(client, booking)
    assert calendar_hrefs(page)["webcal"] == webcal
    assert "Subscribe to all your appointments" in page


def test_an_unverified_address_gets_no_subscription(client, kind):
    booking = book(client, kind, "email")
    profile = owner_of("erika@example.org", verified=False)
    client.force_login(profile.user)
    assert "webcal" not in calendar_hrefs(page_of(client, booking))


def test_an_english_booking_page_says_the_place_in_english(client, kind):
    booking = book(client, kind, "in_person", language="en")
    page = page_of(client, booking)
    assert "Your appointment is confirmed." in page
    assert "In person" in page and "Show on the map (OpenStreetMap)" in page
    assert "Add to calendar" in page and "Google Calendar" in page
    for german in ("Termin", "Karte", "Kalender", "Persönlich"):
        assert german not in page


def test_the_coachs_booking_page_has_the_coachs_own_link(client, kind, settings):
    settings.JITSI_URL = "https://meet.example.org"
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = "sprechzeit", SECRET
    booking = book(client, kind, "video")
    client.force_login(kind.coach.user)
    response = client.get(f"/coach/bookings/{booking.uuid}/")
    assert response.status_code == 200
    links = [url for url in hrefs(text(response)) if url.startswith(f"https://meet.example.org/{booking.video_room}?")]
    assert links
    token = parse_qs(urlsplit(links[0]).query)["jwt"][0]
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi", options={"verify_nbf": False})
    assert claims["room"] == booking.video_room
    assert claims["context"]["user"] == {"name": "Anna Beispiel", "moderator": True}


def test_the_coachs_page_of_an_in_person_booking_has_the_address(client, kind):
    booking = book(client, kind, "in_person")
    client.force_login(kind.coach.user)
    page = text(client.get(f"/coach/bookings/{booking.uuid}/"))
    assert ADDRESS in page and map_url(ADDRESS) in hrefs(page)
