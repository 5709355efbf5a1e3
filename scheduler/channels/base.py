"""One small interface for every way a message leaves Sprechzeit.

A channel backend takes a rendered `Message` and returns the provider's message id,
or raises `DeliveryError`. A backend raises only when it knows the message did not go
out (or may be tried again without harm); when it cannot know, the outbox records the
attempt's outcome as unknown rather than sending it again. `permanent=True` means trying again cannot help (invalid
recipient, bad credentials, no credits, encryption impossible); anything else is
retried by the outbox. Backends are chosen in settings (`CHANNEL_BACKENDS`), like
Django's EMAIL_BACKEND: the real one when credentials are set, the console otherwise.
"""

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("sprechzeit.channels")


class DeliveryError(Exception):
    """`permanent`: trying again cannot help. `unknown`: the message may have gone out (the
    connection broke, or no answer came, after it was handed over), so sending it again
    could deliver it twice; the outbox leaves that decision to the coach."""

    def __init__(self, message: str, *, permanent: bool = False, unknown: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.unknown = unknown


def may_have_arrived(exc: httpx.RequestError) -> bool:
    """Could the provider have taken a message whose request ended in `exc`? Not when no
    connection was made (refused, no route, a connect timeout, no free connection); else it
    could: the request may have been read and acted on before the answer was lost."""
    return not isinstance(
        exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError, httpx.UnsupportedProtocol)
    )


@dataclass(frozen=True)
class Message:
    """A message ready to send; each backend uses the fields its channel knows."""

    recipient: str  # e-mail address, Threema ID or E.164 phone number
    text: str
    subject: str = ""
    html: str = ""
    language: str = "de"
    # E-mail only: an iCalendar attachment and its METHOD (REQUEST or CANCEL).
    calendar: bytes | None = None
    calendar_method: str = ""
    # E-mail only: when set, the whole message is sent PGP/MIME-encrypted, never in plain text.
    pgp_public_key: str = ""
    # WhatsApp only: a pre-approved template and its parameters.
    template: str = ""
    template_params: tuple[str, ...] = field(default_factory=tuple)
    # Our reference (the notification id), for logs and provider callbacks.
    reference: str = ""
    # The same for every attempt of one notification (its uuid): the e-mail's Message-ID, so
    # a second attempt is recognisable as the same message, and WhatsApp's callback data.
    key: str = ""


class Backend(ABC):
    """Base of every channel backend."""

    @abstractmethod
    def send(self, message: Message) -> str:
        """Deliver `message`; return the provider's message id or raise DeliveryError."""


class ConsoleBackend(Backend):
    """Development: writes the message to the log instead of sending it."""

    kind = "console"

    def send(self, message: Message) -> str:
        if settings.DEBUG:
            logger.info("[%s] to %s: %s\n%s", self.kind, message.recipient, message.subject, message.text)
        else:  # production logs name no recipient and carry no message text
            logger.info("[%s] message %s not sent (recipient and text not logged)", self.kind, message.reference)
        return f"console-{message.reference}"


class MemoryBackend(Backend):
    """Tests: keeps every message in `MemoryBackend.outbox`."""

    outbox: list[Message] = []

    def send(self, message: Message) -> str:
        MemoryBackend.outbox.append(message)
        return f"memory-{len(MemoryBackend.outbox)}"


def get_backend(channel: str) -> Backend:
    """The configured backend of a channel ("email", "threema", "whatsapp")."""
    return import_string(settings.CHANNEL_BACKENDS[channel])()
