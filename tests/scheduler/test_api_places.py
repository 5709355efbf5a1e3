"""The API's ways to talk (scheduler/api.py): a video or in-person booking needs no contact
field beyond the e-mail address, a channel the type does not offer is a 400 that names the
offered ones, and a booking's answer carries the place (the video link once confirmed)."""

import pytest

from scheduler.models import AppointmentType, Booking, Notification
from scheduler.models.common import Channel
from scheduler.services.booking import booking_confirm
from tests.scheduler.test_api_bookings import body, post

pytestmark = pytest.mark.django_db

ADDRESS = "Musterstraße 1, 10115 Berlin"


@pytest.fixture(autouse=True)
def public_jitsi(settings):
    settings.JITSI_URL = "https://meet.jit.si"
    settings.JITSI_APP_ID = settings.JITSI_APP_SECRET = ""


@pytest.fixture
def talk(start):
    """Anna's "talk" on the phone, by video and by e-mail, not in person."""
    kind = AppointmentType.objects.get(slug="talk")
    kind.allowed_channels = ["phone", "video", "email"]
    kind.save()
    return kind


def test_a_video_booking_gets_its_room_and_its_link_in_the_answer(client, start, talk):
    response = post(client, body(start, channel="video"))
    assert response.status_code == 201, response.json()
    booking = Booking.objects.get()
    assert len(booking.video_room) == 40
    data = response.json()
    assert data["channel"] == "video"
    assert data["video_url"] == f"https://meet.jit.si/{booking.video_room}"
    assert data["location"] == ""
    # Its messages go by e-mail; the confirmation carries the link.
    confirmation = Notification.objects.get(booking=booking, kind=Notification.Kind.CONFIRMED)
    assert (confirmation.channel, confirmation.recipient) == ("email", "eva@example.org")
    assert client.get(f"/api/bookings/{data['token']}").json()["video_url"] == data["video_url"]


def test_a_video_request_has_no_link_until_it_is_confirmed(client, start, talk):
    talk.approval = AppointmentType.Approval.ALWAYS
    talk.save()
    data = post(client, body(start, channel="video")).json()
    booking = Booking.objects.get()
    assert data["status"] == "requested" and data["video_url"] == ""
    assert booking.video_room not in str(client.get(f"/api/bookings/{data['token']}").content)
    booking_confirm(booking=booking)
    assert client.get(f"/api/bookings/{data['token']}").json()["video_url"].endswith(booking.video_room)


def test_in_person_is_refused_for_a_type_without_it_naming_the_offered_channels(client, start, talk):
    response = post(client, body(start, channel="in_person"))
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"channel": "This appointment is not offered as “in_person”. Choose one of: phone, video, email."}
    }
    assert not Booking.objects.exists()


def test_an_unknown_channel_is_refused_by_the_same_rule(client, start, talk):
    response = post(client, body(start, channel="telegram"))
    assert response.status_code == 400
    assert "Choose one of: phone, video, email." in response.json()["errors"]["channel"]


def test_an_in_person_booking_answers_with_the_address(client, start, talk):
    talk.allowed_channels = ["in_person"]
    talk.location = ADDRESS
    talk.save()
    response = post(client, body(start, channel="in_person"))
    assert response.status_code == 201, response.json()
    assert response.json()["location"] == ADDRESS and response.json()["video_url"] == ""
    booking = Booking.objects.get()
    assert (booking.phone, booking.threema_id, booking.whatsapp, booking.video_room) == ("", "", "", "")
    confirmation = Notification.objects.get(booking=booking, kind=Notification.Kind.CONFIRMED)
    assert (confirmation.channel, confirmation.recipient) == ("email", "eva@example.org")


def test_the_types_list_names_video_and_in_person(client, start, talk):
    talk.allowed_channels = ["video", "in_person", "email"]
    talk.location = ADDRESS
    talk.save()
    (answer,) = client.get("/api/coaches/anna/types").json()
    assert answer["channels"] == ["video", "in_person", "email"]
    assert answer["location"] == ADDRESS
    talk.allowed_channels = ["video", "email"]
    talk.save()
    (answer,) = client.get("/api/coaches/anna/types").json()
    assert answer["location"] == ""  # an address kept for later is no place to meet now


def test_the_openapi_schema_lists_the_channels(client):
    schema = client.get("/api/openapi.json").json()
    channel = schema["components"]["schemas"]["BookingIn"]["properties"]["channel"]
    assert channel["enum"] == list(Channel.values)
    assert channel["enum"] == ["phone", "video", "in_person", "email", "threema", "whatsapp"]
    booking_out = schema["components"]["schemas"]["BookingOut"]["properties"]
    assert {"location", "video_url"} <= set(booking_out)
