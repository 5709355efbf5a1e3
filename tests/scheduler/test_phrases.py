"""What the pages say about each way to talk is true of this site: Threema is "end-to-end
encrypted" only when messages are sent end-to-end (scheduler/phrases.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduler.models import Booking
from tests.factories import AppointmentTypeFactory, BookingFactory, ClientFactory, CoachFactory
from tests.scheduler.pages import text

pytestmark = pytest.mark.django_db

E2E = "End-to-end encrypted, no phone number needed."
BASIC = "the Threema Gateway (Threema's server) can read the text"
LOGGED = "This site does not send Threema messages yet"
GATEWAY = "scheduler.channels.threema.GatewayBackend"


@pytest.fixture
def anna(db):
    coach = CoachFactory(slug="anna")
    AppointmentTypeFactory(coach=coach, slug="kurz", allowed_channels=["email", "threema"])
    return coach


@pytest.fixture
def gateway(settings):
    """The Threema Gateway configured in basic mode: an ID and secret, no private key."""
    settings.THREEMA_GATEWAY_ID = "*SPRECHZ"
    settings.THREEMA_GATEWAY_SECRET = "gateway-secret"
    settings.THREEMA_PRIVATE_KEY = ""
    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "threema": GATEWAY}
    return settings


def page(client, coach) -> str:
    return text(client.get(f"/{coach.slug}/", headers={"accept-language": "en"}))


def test_end_to_end_only_when_the_private_key_is_set(client, anna, gateway):
    gateway.THREEMA_PRIVATE_KEY = "private:" + "11" * 32
    assert E2E in page(client, anna)


def test_in_basic_mode_the_note_says_the_gateway_can_read_the_text(client, anna, gateway):
    shown = page(client, anna)
    assert BASIC in shown and "End-to-end" not in shown


def test_messages_that_only_go_to_the_log_are_not_called_encrypted(client, anna):
    shown = page(client, anna)  # no Gateway credentials: the console backend
    assert LOGGED in shown and "End-to-end" not in shown


def test_the_booking_page_says_the_same(client, anna, gateway):
    booking = BookingFactory(
        appointment_type=anna.appointment_types.get(),
        client=ClientFactory(coach=anna, threema_id="ABCD1234"),
        start=timezone.now() + timedelta(days=3),
        channel="threema",
        language="en",
        status=Booking.Status.CONFIRMED,
    )
    shown = text(client.get(f"/b/{booking.token}/", headers={"accept-language": "en"}))
    assert BASIC in shown and "End-to-end" not in shown


def test_a_coachs_own_note_is_followed_by_the_sites_when_messages_are_not_end_to_end(client, anna, gateway):
    """The coach may have written "end-to-end encrypted" in their own words; unless it is
    true, the site's note follows theirs."""
    anna.channel_notes = {"en": {"threema": "Threema: end-to-end encrypted, my favourite."}}
    anna.save()
    shown = page(client, anna)
    assert "Threema: end-to-end encrypted, my favourite. No phone number needed, but not end-to-end" in shown
    gateway.THREEMA_PRIVATE_KEY = "private:" + "11" * 32
    shown = page(client, anna)
    assert "Threema: end-to-end encrypted, my favourite." in shown and BASIC not in shown


def test_the_settings_offer_the_true_note_to_start_from(client, anna, gateway):
    client.force_login(anna.user)
    shown = text(client.get("/coach/settings/", headers={"accept-language": "en"}))
    assert BASIC in shown and E2E not in shown


# --- video and in person: the notes name the configured Jitsi server -------------------------

VIDEO_NOTE = "Jitsi Meet on {host}, in the browser; no account needed."


@pytest.fixture
def meets(anna):
    anna.channels = ["phone", "video", "in_person", "email", "threema"]
    anna.save()
    anna.appointment_types.update(allowed_channels=["video", "in_person", "email"], location="Musterstraße 1, Berlin")
    return anna


@pytest.mark.parametrize(
    ("jitsi_url", "host"),
    [("https://meet.jit.si", "meet.jit.si"), ("https://video.example.org/jitsi/", "video.example.org")],
)
def test_the_video_note_names_the_jitsi_server_this_site_uses(client, meets, settings, jitsi_url, host):
    settings.JITSI_URL = jitsi_url
    shown = page(client, meets)
    assert VIDEO_NOTE.format(host=host) in shown
    assert "You meet the coach at the address shown; nothing goes through a messenger." in shown


def test_the_settings_offer_video_and_in_person_in_the_coachs_words_with_their_notes(client, meets, settings):
    settings.JITSI_URL = "https://video.example.org"
    client.force_login(meets.user)
    shown = text(client.get("/coach/settings/", headers={"accept-language": "en"}))
    assert 'value="video"' in shown and 'value="in_person"' in shown
    assert "Video call (Jitsi Meet)" in shown and "In person, at the type's address" in shown
    assert VIDEO_NOTE.format(host="video.example.org") in shown
