"""The e-mail channel against a real SMTP server (aiosmtpd on 127.0.0.1), real GnuPG
for decryption. (The Web Key Directory's tests are in tests/scheduler/test_wkd.py.)"""

import pytest
from django.core import mail

from scheduler.channels.base import DeliveryError, Message
from scheduler.channels.email import EmailBackend
from tests.helpers import free_port, gpg
from tests.scheduler.outbox.helpers import parse

# The fixture `smtp_sink` (a real SMTP server on 127.0.0.1) is in tests/scheduler/conftest.py.

CALENDAR = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Sprechzeit//test//EN\r\nMETHOD:REQUEST\r\n"
    b"BEGIN:VEVENT\r\nUID:booking-1@sprechzeit\r\nDTSTAMP:20260101T090000Z\r\n"
    b"DTSTART:20260105T090000Z\r\nDTEND:20260105T093000Z\r\nSUMMARY:Kennenlernen\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)
TEXT = "Hallo Jörg,\n\nIhr Termin ist bestätigt: Montag, 5. Januar 2026, 10:00–10:30.\n"
HTML = "<p>Hallo Jörg,</p><p>Ihr Termin ist <b>bestätigt</b>.</p>"
SUBJECT = "Bestätigt: Kennenlernen am 5. Januar"


def message(**fields) -> Message:
    values = {
        "recipient": "client@example.org",
        "subject": SUBJECT,
        "text": TEXT,
        "html": HTML,
        "calendar": CALENDAR,
        "calendar_method": "REQUEST",
        "reference": "n-1",
    }
    return Message(**{**values, **fields})


def crlf_to_lf(text: str) -> str:
    # On the wire every line ends in CRLF, and the parser keeps it in 8-bit parts.
    return text.replace("\r\n", "\n")


def assert_content(parsed):
    """Text, HTML and the iMIP calendar part of a (decrypted or plain) message."""
    assert crlf_to_lf(parsed.get_body(("plain",)).get_content()) == TEXT
    assert crlf_to_lf(parsed.get_body(("html",)).get_content()).strip() == HTML
    calendars = [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    calendar = calendars[0]
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content_charset() == "utf-8"
    assert calendar.get_filename() == "invite.ics"
    assert calendar.get_content().startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:Kennenlernen" in calendar.get_content()


def test_plain_message_with_calendar_reaches_the_smtp_server(smtp_sink):
    provider_id = EmailBackend().send(message())

    assert len(smtp_sink.envelopes) == 1
    envelope = smtp_sink.envelopes[0]
    assert envelope.mail_from == "noreply@sprechzeit.test"
    assert envelope.rcpt_tos == ["client@example.org"]
    parsed = parse(envelope.content)
    assert parsed["Subject"] == SUBJECT
    assert parsed["To"] == "client@example.org"
    assert parsed["Message-ID"] == f"<{provider_id}>"
    assert parsed.get_content_type() == "multipart/mixed"
    assert_content(parsed)


def test_message_without_html_and_calendar_is_plain_text(smtp_sink):
    EmailBackend().send(message(html="", calendar=None, calendar_method=""))

    parsed = parse(smtp_sink.envelopes[0].content)
    assert parsed.get_content_type() == "text/plain"
    assert crlf_to_lf(parsed.get_content()) == TEXT


def test_cancellation_carries_method_cancel(smtp_sink):
    cancel = CALENDAR.replace(b"METHOD:REQUEST", b"METHOD:CANCEL")
    EmailBackend().send(message(calendar=cancel, calendar_method="CANCEL"))

    parsed = parse(smtp_sink.envelopes[0].content)
    (calendar,) = [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]
    assert calendar.get_param("method") == "CANCEL"


def test_uses_djangos_configured_connection():
    # pytest-django configures the locmem backend: nothing leaves the process.
    provider_id = EmailBackend().send(message())

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["client@example.org"]
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{provider_id}>"


def test_console_backend_in_development(settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    provider_id = EmailBackend().send(message())

    assert f"Message-ID: <{provider_id}>" in capsys.readouterr().out


def test_header_injection_in_the_recipient_fails_permanently(smtp_sink):
    with pytest.raises(DeliveryError) as caught:
        EmailBackend().send(message(recipient="client@example.org\nBcc: victim@example.net"))

    assert caught.value.permanent is True
    assert smtp_sink.envelopes == []


def decrypt(raw_part: str, home, tmp_path) -> bytes:
    path = tmp_path / "encrypted.asc"
    path.write_text(raw_part)
    return gpg(home, "--decrypt", str(path))


def test_encrypted_message_is_pgp_mime_that_gnupg_decrypts(smtp_sink, openpgp_keys, tmp_path):
    provider_id = EmailBackend().send(message(pgp_public_key=openpgp_keys["valid"]))

    assert len(smtp_sink.envelopes) == 1
    raw = smtp_sink.envelopes[0].content
    # Nothing of the content is readable on the wire.
    for secret in (b"Hallo J", "Jörg".encode(), b"BEGIN:VCALENDAR", b"Kennenlernen\r\n", b"<b>", b"text/calendar"):
        assert secret not in raw
    parsed = parse(raw)
    assert parsed.get_content_type() == "multipart/encrypted"
    assert parsed.get_param("protocol") == "application/pgp-encrypted"
    # Transport headers stay in clear; the Subject too, by design.
    assert parsed["Subject"] == SUBJECT
    assert parsed["To"] == "client@example.org"
    assert parsed["Message-ID"] == f"<{provider_id}>"
    assert parsed["Date"]
    assert parsed["MIME-Version"] == "1.0"

    parts = parsed.get_payload()
    assert len(parts) == 2
    assert parts[0].get_content_type() == "application/pgp-encrypted"
    assert parts[0].get_payload().strip() == "Version: 1"
    assert parts[1].get_content_type() == "application/octet-stream"
    assert parts[1].get_filename() == "encrypted.asc"
    armored = parts[1].get_payload()
    assert armored.lstrip().startswith("-----BEGIN PGP MESSAGE-----")

    inner = decrypt(armored, openpgp_keys["home"], tmp_path)
    # RFC 3156: the encrypted entity is canonical, every line ends in CRLF.
    assert b"\n" not in inner.replace(b"\r\n", b"")
    inner_parsed = parse(inner)
    assert inner_parsed.get_content_type() == "multipart/mixed"
    # Only content headers inside: the transport headers are not duplicated.
    assert all(name.lower().startswith("content-") for name in inner_parsed.keys())
    assert_content(inner_parsed)


def test_encrypted_message_with_long_non_ascii_subject(smtp_sink, openpgp_keys):
    subject = "Bestätigt: " + "ein recht langer Betreff mit Umlauten äöü " * 3
    EmailBackend().send(message(subject=subject.strip(), pgp_public_key=openpgp_keys["valid"]))

    # Django folds a long encoded Subject right after "Subject:", which the stdlib parser
    # reads back with a leading space (mail clients strip it); the same happens unencrypted.
    assert parse(smtp_sink.envelopes[0].content)["Subject"].strip() == subject.strip()


def test_encrypted_message_through_locmem_is_encrypted_too(openpgp_keys):
    EmailBackend().send(message(pgp_public_key=openpgp_keys["valid"]))

    raw = mail.outbox[0].message().as_bytes()
    assert b"BEGIN:VCALENDAR" not in raw
    assert parse(raw).get_content_type() == "multipart/encrypted"


@pytest.mark.parametrize("key_name", ["sign_only", "expired", "revoked", "garbage", "empty_block"])
def test_unusable_key_fails_permanently_and_sends_nothing(smtp_sink, openpgp_keys, key_name):
    keys = {
        **openpgp_keys,
        "garbage": "hello, this is not a key",
        "empty_block": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n",
    }

    with pytest.raises(DeliveryError) as caught:
        EmailBackend().send(message(pgp_public_key=keys[key_name]))

    assert caught.value.permanent is True
    text = str(caught.value)
    assert "OpenPGP key" in text
    assert "backtrace" not in text.lower()
    assert "\n" not in text
    assert smtp_sink.envelopes == []


def test_unusable_key_is_permanent_even_when_the_server_is_down(settings, openpgp_keys):
    # The key is checked before connecting, so an outage cannot turn it into a retry.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = False

    with pytest.raises(DeliveryError) as caught:
        EmailBackend().send(message(pgp_public_key=openpgp_keys["sign_only"]))

    assert caught.value.permanent is True


@pytest.mark.parametrize(
    ("stage", "reply", "permanent"),
    [
        ("rcpt", "550 No such user", True),
        ("rcpt", "451 try later", False),
        ("data", "554 Message rejected as spam", True),
        ("data", "452 Mailbox full, try later", False),
    ],
)
def test_smtp_refusals_are_classified(smtp_sink, stage, reply, permanent):
    setattr(smtp_sink, f"{stage}_reply", reply)

    with pytest.raises(DeliveryError) as caught:
        EmailBackend().send(message())

    assert caught.value.permanent is permanent
    assert reply.split()[0] in str(caught.value)
    assert smtp_sink.envelopes == []


def test_every_attempt_of_a_notification_carries_its_own_message_id(smtp_sink):
    key = "5d4c490a-d261-4fcc-a9bc-3ca83b81d795"
    first = EmailBackend().send(message(key=key))
    second = EmailBackend().send(message(key=key))

    assert first == second == f"{key}@sprechzeit.test"  # the domain of DEFAULT_FROM_EMAIL
    assert [parse(e.content)["Message-ID"] for e in smtp_sink.envelopes] == [f"<{key}@sprechzeit.test>"] * 2


def test_a_connection_lost_after_the_message_went_over_leaves_the_outcome_unknown(smtp_sink):
    smtp_sink.drop_after_data = True

    with pytest.raises(DeliveryError) as caught:
        EmailBackend().send(message())

    assert caught.value.unknown is True and caught.value.permanent is False
    assert "may have arrived" in str(caught.value)
    assert len(smtp_sink.envelopes) == 1  # the server has it: sending again would be a second copy


def test_unreachable_server_is_transient(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens here
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5

    with pytest.raises(DeliveryError) as caught:
        EmailBackend().send(message())

    assert caught.value.permanent is False
    assert caught.value.unknown is False  # nothing was handed over: trying again is safe
