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
