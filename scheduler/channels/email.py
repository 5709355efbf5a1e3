"""The e-mail channel: plain or OpenPGP/MIME-encrypted messages through Django's mail
connection, with the appointment as an iMIP calendar attachment. (The Web Key Directory
lookup that finds a client's key is in scheduler/wkd.py.)

Django's configured e-mail backend does the transport (SMTP when EMAIL_URL/EMAIL_HOST
are set, the console otherwise, locmem in tests), so this module only builds the
message and turns transport failures into `DeliveryError`s the outbox understands.
"""

import logging
import smtplib
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.utils import make_msgid, parseaddr

import pysequoia
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import MIMEMixin, SafeMIMEText
from django.core.mail.utils import DNS_NAME
from django.utils.translation import gettext as _

from ..validators import parse_openpgp_key
from .base import Backend, DeliveryError, Message

logger = logging.getLogger("sprechzeit.channels")

CALENDAR_FILENAME = "invite.ics"
# Headers that describe the content: they belong to the encrypted entity, while every
# other header (From, To, Subject, Date, Message-ID, …) has to stay readable outside.
CONTENT_HEADER_PREFIX = "content-"


class EncryptedMultipart(MIMEMixin, MIMEMultipart):
    """The outer multipart/encrypted. Unlike Django's SafeMIMEMultipart it takes header
    values as they are: they are copied from the message Django already checked and
    encoded, and a long Subject comes folded, which Django's check would reject."""


def _first_line(exc: Exception) -> str:
    """pysequoia's errors carry a Rust backtrace after the first line; people need only that line."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class PGPMIMEMessage(EmailMultiAlternatives):
    """An e-mail whose whole content is OpenPGP-encrypted as PGP/MIME (RFC 3156).

    Django builds the message as usual (text, HTML alternative, attachments, headers);
    `message()` then moves everything that is content into an inner MIME entity,
    encrypts that entity, and returns a `multipart/encrypted` message that keeps only
    the transport headers in clear.

    The Subject stays in clear as given: mail clients list, thread and search by it,
    and without Memory-Hole support most of them would show only a placeholder. The
    texts that call this channel therefore keep subjects free of personal details.
    """

    def __init__(self, *args, recipient_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The armored key, not a pysequoia.Cert: mail backends may copy or pickle the
        # message (locmem deep-copies it), and a Cert can be neither.
        self.recipient_key = recipient_key

    def message(self):
        clear = super().message()
        # Split off the transport headers; what is left is the MIME entity to encrypt.
        outer_headers = [
            (name, value)
            for name, value in clear.items()
            if not name.lower().startswith(CONTENT_HEADER_PREFIX) and name.lower() != "mime-version"
        ]
        for name in {name for name, _value in outer_headers} | {"MIME-Version"}:
            del clear[name]
        # RFC 3156 (with RFC 1847): the entity handed to OpenPGP is in canonical MIME form,
        # i.e. with CRLF line endings, whatever backend serializes the outer message later.
        inner = clear.as_bytes(linesep="\r\n")
        try:
            cert = pysequoia.Cert.from_bytes(self.recipient_key.encode())
            armored = pysequoia.encrypt(recipients=[cert], bytes=inner)
        except Exception as exc:  # never fall back to plain text
            raise DeliveryError(
                _("The e-mail was not sent: encrypting it to the recipient's OpenPGP key failed (%(reason)s).")
                % {"reason": _first_line(exc)},
                permanent=True,
            ) from exc

        outer = EncryptedMultipart(_subtype="encrypted", protocol="application/pgp-encrypted")
        # Shown only by clients that know nothing of PGP/MIME.
        outer.preamble = "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)"

        control = MIMEBase("application", "pgp-encrypted")
        del control["MIME-Version"]  # belongs to the top level only
        control.add_header("Content-Description", "PGP/MIME version identification")
        control.set_payload("Version: 1\n")
        control.add_header("Content-Transfer-Encoding", "7bit")
        outer.attach(control)

        data = MIMEBase("application", "octet-stream", name="encrypted.asc")
        del data["MIME-Version"]
        data.add_header("Content-Description", "OpenPGP encrypted message")
        data.add_header("Content-Disposition", "inline", filename="encrypted.asc")
        data.set_payload(armored.decode("ascii"))
        data.add_header("Content-Transfer-Encoding", "7bit")  # ASCII armor is 7-bit with short lines
        outer.attach(data)

        for name, value in outer_headers:
            outer[name] = value
        return outer


def check_recipient_key(armored: str) -> str:
    """The recipient's key, if it can encrypt now; otherwise a permanent DeliveryError.

    Checked before connecting to the mail server, so a bad key fails the same way
    whether or not the server is reachable, and the server never sees a message."""
    try:
        key = parse_openpgp_key(armored)
    except ValidationError as exc:
        raise DeliveryError(
            _("The e-mail was not sent because the recipient's OpenPGP key cannot be used: %(reason)s")
            % {"reason": " ".join(exc.messages)},
            permanent=True,
        ) from exc
    return key.armored


def calendar_part(calendar: bytes, method: str) -> SafeMIMEText:
    """The .ics attachment as iMIP (RFC 6047) expects it: text/calendar with the same
    METHOD as inside the file, so clients offer to add or remove the event."""
    part = SafeMIMEText(calendar.decode("utf-8"), "calendar", "utf-8")
    if method:
        part.set_param("method", method.upper())
    part.set_param("name", CALENDAR_FILENAME)
    part.add_header("Content-Disposition", "attachment", filename=CALENDAR_FILENAME)
    return part


def _smtp_reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {text}".strip()


def _delivery_error(exc: Exception) -> DeliveryError:
    """Which transport failures can a later try fix? 5xx replies cannot, 4xx and
    network trouble can."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # smtplib raises this for 4xx and 5xx replies to RCPT alike; only 5xx is final.
        codes = [code for code, _text in exc.recipients.values()]
        reply = "; ".join(_smtp_reply(code, text) for code, text in exc.recipients.values())
        return DeliveryError(
            _("The mail server refused the recipient address (%(reply)s).") % {"reply": reply},
            permanent=bool(codes) and all(500 <= code < 600 for code in codes),
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = _smtp_reply(exc.smtp_code, exc.smtp_error)
        return DeliveryError(
            _("The mail server refused the message (%(reply)s).") % {"reply": reply},
            permanent=500 <= exc.smtp_code < 600,
        )
    # Connection refused, timeouts, DNS, TLS, a dropped connection (SMTPException is an OSError).
    return DeliveryError(
        _("The mail server could not be reached (%(reason)s).") % {"reason": str(exc) or type(exc).__name__},
        permanent=False,
    )


def sender_domain() -> str:
    """The domain of DEFAULT_FROM_EMAIL, which names our Message-IDs."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or str(DNS_NAME)


def message_id_for(key: str) -> str:
    """The Message-ID of every attempt of one notification (`key` is its uuid)."""
    return f"<{key}@{sender_domain()}>"


def key_problem(armored: str) -> str:
    """Why `armored` cannot encrypt a message now, or "" when it can. Checked when a message
    is sent, not only when the key was given: a key may have expired or been revoked since."""
    try:
        parse_openpgp_key(armored)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


class EmailBackend(Backend):
    """Sends a `Message` through Django's configured e-mail connection."""

    def send(self, message: Message) -> str:
        key = check_recipient_key(message.pgp_public_key) if message.pgp_public_key else ""
        # The notification's own Message-ID, the same in every attempt: we know the id before
        # the server answers, and a second copy is recognisable as the same message.
        message_id = message_id_for(message.key) if message.key else make_msgid(domain=sender_domain())
        fields = {
            "subject": message.subject,
            "body": message.text,
            "from_email": settings.DEFAULT_FROM_EMAIL,
            "to": [message.recipient],
            "headers": {"Message-ID": message_id},
        }
        mail = PGPMIMEMessage(**fields, recipient_key=key) if key else EmailMultiAlternatives(**fields)
        if message.html:
            mail.attach_alternative(message.html, "text/html")
        if message.calendar:
            mail.attach(calendar_part(message.calendar, message.calendar_method))

        connection = get_connection()
        try:
            # Opened on its own, so that a failure here (nothing was handed over) is told
            # apart from one while the message was on its way.
            connection.open()
        except OSError as exc:
            raise _delivery_error(exc) from exc
        try:
            sent = connection.send_messages([mail])
        except DeliveryError:
            raise
        except ValueError as exc:  # an address Django cannot encode, a header with a line break
            raise DeliveryError(
                _("The e-mail could not be built (%(reason)s).") % {"reason": exc}, permanent=True
            ) from exc
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
            raise _delivery_error(exc) from exc  # the server answered: it refused
        except OSError as exc:
            # No answer to the message (a timeout, the connection dropped): it may have arrived.
            raise DeliveryError(
                _("The connection to the mail server broke off (%(reason)s); the message may have arrived.")
                % {"reason": str(exc) or type(exc).__name__},
                unknown=True,
            ) from exc
        finally:
            try:
                connection.close()
            except Exception:  # QUIT after the message's fate is known changes nothing
                logger.warning("e-mail %s: closing the connection failed", message.reference, exc_info=True)
        if not sent:
            raise DeliveryError(_("The mail server did not accept the message."), permanent=False)
        # The recipient's address stays out of the log (personal data); the reference finds the row.
        logger.info("e-mail %s sent (%s)", message_id, message.reference)
        return message_id.strip("<>")
