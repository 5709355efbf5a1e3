"""Encryption claims are true when a message is sent (issue 14, item 4): a client's key is
checked again at send time and a client who gave a key never gets plain text; the coach's
own key encrypts every e-mail that carries a client's message or contact details, and
without it such an e-mail carries only the link to the workspace."""

import email
import email.policy

import pytest
from django.core import mail

from scheduler.models import Booking, Notification
from scheduler.outbox.texts import render
from scheduler.services.booking import booking_cancel
from tests.helpers import gpg
from tests.scheduler.outbox.helpers import NOW, book, send

pytestmark = pytest.mark.django_db
Kind, Status = Notification.Kind, Notification.Status
MESSAGE = "Ich möchte über meinen nächsten beruflichen Schritt sprechen."


@pytest.fixture(autouse=True)
def real_email(settings, dispatched):
    """The real e-mail channel over Django's locmem connection; queued tasks are not sent."""
    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "email": "scheduler.channels.email.EmailBackend"}


def raw(index: int = -1) -> bytes:
    return mail.outbox[index].message().as_bytes()


def decrypt(message_bytes: bytes, openpgp_keys, tmp_path) -> str:
    parsed = email.message_from_bytes(message_bytes, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/encrypted"
    path = tmp_path / "encrypted.asc"
    path.write_text(parsed.get_payload()[1].get_payload())
    return gpg(openpgp_keys["home"], "--decrypt", str(path)).decode()


# --- The client's key, checked again when the message goes out -----------------------------


@pytest.mark.parametrize("broken", ["expired", "revoked", "subkey_expired", "subkey_revoked", "sign_only"])
def test_a_key_that_stopped_working_gets_a_notice_without_content_and_the_coach_is_told(
    kind,
    openpgp_keys,
    broken,
):
    booking = book(kind, pgp_public_key=openpgp_keys["valid"], language="en", phone="0170 1234567")
    # Since the booking, the key expired (or was revoked): the booking still holds the old one.
    Booking.objects.filter(pk=booking.pk).update(pgp_public_key=openpgp_keys[broken])
    row = booking.notifications.get(kind=Kind.CONFIRMED)

    assert send(row) == "sent"

    [notice] = mail.outbox
    text = notice.body
    assert notice.subject == "A message about your appointment"
    assert f"/b/{booking.token}/" in text and "no longer works" in text
    for detail in (kind.name, kind.coach.display_name, "June", "2026", "09:00", MESSAGE, "Eva"):
        assert detail not in text and detail not in notice.subject
    assert not notice.attachments  # no calendar file: it would tell the time
    row.refresh_from_db()
    assert row.status == Status.SENT and "notice without content" in row.last_error

    [alert] = booking.notifications.filter(kind=Kind.COACH_KEY_UNUSABLE)
    assert (alert.audience, alert.recipient, alert.sequence) == ("coach", "coach@example.org", row.pk)
    # The client gave a key and the coach has none: the coach's e-mail names nobody either.
    alert_mail = render(alert)
    assert "OpenPGP" in alert_mail.subject and "Eva" not in alert_mail.text
    assert f"/coach/bookings/{booking.uuid}/" in alert_mail.text


def test_the_coach_is_told_once_per_booking(kind, openpgp_keys):
    booking = book(kind, pgp_public_key=openpgp_keys["valid"])
    Booking.objects.filter(pk=booking.pk).update(pgp_public_key=openpgp_keys["expired"])
    for reminder in booking.notifications.filter(kind=Kind.REMINDER):
        assert send(reminder) == "sent"
    assert send(booking.notifications.get(kind=Kind.CONFIRMED)) == "sent"
    assert booking.notifications.filter(kind=Kind.COACH_KEY_UNUSABLE).count() == 1
    assert all(m.subject == "Eine Nachricht zu Ihrem Termin" for m in mail.outbox)


def test_a_working_key_still_encrypts_everything(kind, openpgp_keys, tmp_path):
    booking = book(kind, pgp_public_key=openpgp_keys["valid"], language="en")
    assert send(booking.notifications.get(kind=Kind.CONFIRMED)) == "sent"
    inner = decrypt(raw(), openpgp_keys, tmp_path)
    assert "your appointment is confirmed" in inner and "METHOD:REQUEST" in inner
    assert not booking.notifications.filter(kind=Kind.COACH_KEY_UNUSABLE).exists()


def test_an_unconfirmed_booking_gets_the_notice_but_the_coach_hears_nothing(kind, openpgp_keys):
    from scheduler.models import AppointmentType

    kind.address_confirmation = AppointmentType.AddressConfirmation.ALWAYS
    kind.save()
    booking = book(kind, pgp_public_key=openpgp_keys["valid"], language="en")
    Booking.objects.filter(pk=booking.pk).update(pgp_public_key=openpgp_keys["expired"])
    assert send(booking.notifications.get(kind=Kind.ADDRESS_CONFIRMATION)) == "sent"
    assert f"/b/{booking.token}/confirm" in mail.outbox[0].body or booking.address_token in mail.outbox[0].body
    # The coach does not see unconfirmed bookings (they may be a stranger's).
    assert not booking.notifications.filter(audience="coach").exists()


# --- The coach's own key --------------------------------------------------------------------


def test_with_the_coachs_key_the_coachs_email_is_encrypted_to_it(kind, openpgp_keys, tmp_path):
    kind.coach.pgp_public_key = openpgp_keys["valid"]
    kind.coach.save()
    booking = book(kind, channel="phone", phone="0170 1234567", message=MESSAGE)
    row = booking.notifications.get(kind=Kind.COACH_NEW_BOOKING)

    assert render(row).pgp_public_key == openpgp_keys["valid"]
    assert send(row) == "sent"
    message_bytes = raw()
    for secret in (MESSAGE.encode(), b"+491701234567", b"eva@example.org", b"Eva Muster"):
        assert secret not in message_bytes  # neither the subject nor the body tell
    inner = decrypt(message_bytes, openpgp_keys, tmp_path)
    assert "+491701234567" in inner and "eva@example.org" in inner and "beruflichen Schritt" in inner


def test_client_with_a_key_and_coach_without_one_the_coach_gets_only_the_link(kind, openpgp_keys):
    booking = book(kind, pgp_public_key=openpgp_keys["valid"], channel="phone", phone="0170 1234567")
    booking_cancel(booking=booking, now=NOW)  # the client cancels: the coach is told
    for row in booking.notifications.filter(audience="coach"):
        message = render(row)
        assert message.pgp_public_key == ""
        for detail in ("Eva", "eva@example.org", "+491701234567", "beruflichen Schritt"):
            assert detail not in message.text and detail not in message.subject
        assert f"/coach/bookings/{booking.uuid}/" in message.text


def test_a_coach_key_that_stopped_working_gives_only_the_link(kind, openpgp_keys):
    kind.coach.pgp_public_key = openpgp_keys["expired"]
    kind.coach.save()
    booking = book(kind, channel="phone", phone="0170 1234567")
    message = render(booking.notifications.get(kind=Kind.COACH_NEW_BOOKING))
    assert message.pgp_public_key == ""
    assert "+491701234567" not in message.text and "beruflichen Schritt" not in message.text
    assert "Ihr OpenPGP-Schlüssel" in message.text or "OpenPGP" in message.text
    assert f"/coach/bookings/{booking.uuid}/" in message.text


def test_without_any_key_the_coachs_email_carries_the_details_and_the_workspace_link(kind):
    booking = book(kind, channel="phone", phone="0170 1234567", language="en")
    message = render(booking.notifications.get(kind=Kind.COACH_NEW_BOOKING))
    assert "+491701234567" in message.text and "beruflichen Schritt" in message.text
    assert f"/coach/bookings/{booking.uuid}/" in message.text
