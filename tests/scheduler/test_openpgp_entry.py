"""Every place a client's OpenPGP key is entered refuses one that can no longer encrypt
(each check is validators.parse_openpgp_key; tests/scheduler/test_validators.py has the
cases): the booking API, the booking form's check, and the client's /me/ details."""

import pytest

from accounts.models import ClientProfile
from scheduler.models import Booking
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("which", ["subkey_expired", "subkey_revoked"])
def test_the_booking_api_refuses_a_key_that_cannot_encrypt(client, start, openpgp_keys, which):
    payload = {
        "type": "talk",
        "start": start.isoformat(),
        "name": "Eva Muster",
        "email": "eva@example.org",
        "channel": "email",
        "message": "Ich möchte über meinen nächsten beruflichen Schritt sprechen.",
        "pgp_public_key": openpgp_keys[which],
        "language": "en",
        "timezone": "Europe/Berlin",
        "privacy_consent": True,
    }
    response = client.post(
        "/api/coaches/anna/bookings", payload, content_type="application/json", headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    assert "can no longer encrypt" in str(response.json()["errors"]["pgp_public_key"])
    assert not Booking.objects.exists()


def test_the_clients_details_refuse_a_key_whose_subkey_expired(client, openpgp_keys):
    user = UserFactory(email="kim@example.org")
    client.force_login(user)
    details = {"name": "Kim", "phone": "", "threema_id": "", "whatsapp": "", "language": "en"}
    response = client.post(
        "/me/details/", {**details, "pgp_public_key": openpgp_keys["subkey_expired"]}, headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert "encryption subkey expired on 2020-06-01" in response.context["form"].errors["pgp_public_key"][0]
    assert not ClientProfile.objects.filter(user=user, pgp_public_key__contains="BEGIN").exists()
