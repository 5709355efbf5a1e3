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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

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
    # WhatsApp only: a pre-approved template (chosen by whatsapp.template_name) and its parameters.
    template: str = ""
    template_params: tuple[str, ...] = field(default_factory=tuple)
    # WhatsApp only: send `text` as it is instead of the template. Meta allows that only as an
    # answer within 24 hours of the recipient's own message (the outbox keeps that rule).
    free_text: bool = False
    # Our reference (the notification id), for logs and provider callbacks.
    reference: str = ""
    # The same for every attempt of one notification (its uuid): the e-mail's Message-ID, so
    # a second attempt is recognisable as the same message, and WhatsApp's callback data.
    key: str = ""


@dataclass(frozen=True)
class IncomingMessage:
    """A message someone sent to one of our Threema IDs or WhatsApp numbers, as a provider's
    callback told it (scheduler/services/inbound.py decides what becomes of it)."""

    channel: str
    sender: str  # a Threema ID, or a WhatsApp number in E.164
    to: str  # our Threema ID, or our business number in E.164, that it was sent to ("" unknown)
    provider_message_id: str
    text: str = ""
    sender_name: str = ""  # the sender's public nickname or WhatsApp profile name
    # When the provider says it was sent (WhatsApp's timestamp); None: not known.
    sent_at: datetime | None = None
    # The provider's id of our message this one replies to (WhatsApp's context.id), or "".
    reply_to: str = ""
    # The provider says no person wrote it (WhatsApp's system and unsupported messages).
    automatic: bool = False


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


@dataclass(frozen=True)
class FailureTexts:
    """How the coach reads a call to one provider that got no answer (lazy translations)."""

    may_have_arrived: str  # with %(reason)s: the request may have been acted on
    timed_out: str
    unreachable: str
    # An answer that could not be read, to a request that sends nothing (else: may have arrived).
    unreadable: str | None = None  # None: as unreachable


class HttpBackend(Backend):
    """A backend that calls its provider's HTTP API. `_request` is the one way such a call
    is made and its failures become DeliveryErrors; the subclass names its provider
    (`name`, `failure_texts`) and says what a refusal means (`refusal`)."""

    timeout = 10.0
    name = ""
    failure_texts: FailureTexts

    def __init__(self, timeout: float | None = None):
        if timeout is not None:
            self.timeout = timeout

    def _client(self, **kwargs) -> httpx.Client:
        return httpx.Client(timeout=self.timeout, **kwargs)

    def _request(
        self,
        client: httpx.Client,
        method: str,
        url: str,
        *,
        sends: bool,
        refusal: Callable[[httpx.Response], DeliveryError],
        log_as: str,
        **kwargs,
    ) -> httpx.Response:
        """The provider's successful answer, or a DeliveryError: for a request that `sends`
        a message and may have reached the provider, an unknown outcome (no provider here
        offers an idempotency key, so sending again could deliver it twice); else a plain
        retry; for an answer that is no success, what `refusal` makes of it."""
        texts = self.failure_texts
        try:
            response = client.request(method, url, **kwargs)
        except httpx.RequestError as exc:
            # `from None` throughout: the httpx exception holds the request, and with it the
            # credentials (a header, or the query string).
            logger.warning("%s: %s failed: %s", self.name, log_as, type(exc).__name__)
            if sends and may_have_arrived(exc):
                raise DeliveryError(texts.may_have_arrived % {"reason": type(exc).__name__}, unknown=True) from None
            if isinstance(exc, httpx.TimeoutException):
                raise DeliveryError(str(texts.timed_out)) from None
            if isinstance(exc, httpx.TransportError):
                raise DeliveryError(str(texts.unreachable)) from None
            raise DeliveryError(str(texts.unreadable or texts.unreachable)) from None
        if not response.is_success:
            raise refusal(response)
        return response


def get_backend(channel: str) -> Backend:
    """The configured backend of a channel ("email", "threema", "whatsapp")."""
    return import_string(settings.CHANNEL_BACKENDS[channel])()
