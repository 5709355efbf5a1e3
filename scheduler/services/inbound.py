"""Messages that reach a coach's Threema ID or WhatsApp number (the providers' callbacks
hand each one here): every one is kept for the coach; a reply about a booking is attached
to that booking; any other gets one automatic answer per sender and period (the coach's
policy, the next reply window, the booking link), written to the outbox in the same
transaction.

Never a loop: nothing that looks like a machine wrote it is answered (a Threema Gateway ID,
one of our own IDs or numbers, WhatsApp's system messages, a text that calls itself an
automatic reply), and besides once per sender, at most ANSWERS_PER_HOUR answers go out per
coach and hour. Our own answer calls itself automatic, so another Sprechzeit does not
answer it either."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..channels.base import IncomingMessage
from ..models import Booking, Client, Coach, InboundMessage, Notification
from ..models.common import Channel
from ..outbox.write import contact_answer_write

logger = logging.getLogger("sprechzeit.inbound")

# A flood of messages (or a loop nobody recognised) is kept, but beyond this many automatic
# answers per coach and hour it is not answered.
ANSWERS_PER_HOUR = 30
# A message from the client of a request or confirmed booking that has not ended longer ago
# than this is a reply about that booking.
BOOKING_REPLY_PERIOD = timedelta(days=7)
# How far back the provider's own time of a message is believed: a callback that comes late
# (Meta tries again for days) keeps the time the message was sent, from which WhatsApp's
# 24-hour rule counts. Anything else is dated when it arrived.
SENT_AT_BELIEVED = timedelta(days=30)
# Words with which answering machines introduce themselves, looked for near the start.
AUTOMATIC_MARKERS = (
    "automatic reply",
    "automatic answer",
    "automatic response",
    "auto-reply",
    "autoreply",
    "auto reply",
    "out of office",
    "out-of-office",
    "automatische antwort",
    "automatische nachricht",
    "automatische rückmeldung",
    "abwesenheit",  # Abwesenheitsnotiz, Abwesenheitsmeldung, …
)
AUTOMATIC_MARKERS_WITHIN = 200
# Country codes of WhatsApp numbers whose owner is taken to read German (Germany, Austria,
# Switzerland, Liechtenstein) when nothing else tells the language. Country codes are
# prefix-free, so "+41" is Switzerland only.
GERMAN_SPEAKING_CODES = ("+49", "+43", "+41", "+423")

# The coach's own contact on each channel, as Coach fields.
COACH_CONTACT_FIELDS = {Channel.THREEMA: "threema_id", Channel.WHATSAPP: "whatsapp_number"}

Kind = Notification.Kind


def _sender(message: IncomingMessage) -> str:
    return message.sender.strip().upper() if message.channel == Channel.THREEMA else message.sender.strip()


def _client_field(channel: str) -> str:
    """The field of a booking and a client that holds their contact on `channel`."""
    return Channel(channel).contact_field


def _coach_for(message: IncomingMessage, sender: str) -> Coach | None:
    """The coach whose ID or number the message was sent to; else (several share it, or none
    has it) the coach of the sender's latest booking on that channel; else the only coach."""
    candidates = Coach.objects.all()
    if message.to:
        addressed = Coach.objects.filter(**{COACH_CONTACT_FIELDS[message.channel]: message.to})
        matches = list(addressed[:2])
        if len(matches) == 1:
            return matches[0]
        if matches:
            candidates = addressed
    latest = (
        Booking.objects.filter(
            coach__in=candidates, channel=message.channel, **{_client_field(message.channel): sender}
        )
        .select_related("coach")
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is not None:
        return latest.coach
    only = list(candidates[:2])
    return only[0] if len(only) == 1 else None


def _from_ourselves(message: IncomingMessage, sender: str) -> bool:
    """Sent by this site's own Gateway ID or by a coach's own ID or number."""
    if message.channel == Channel.THREEMA and sender == (settings.THREEMA_GATEWAY_ID or "").strip().upper():
        return True
    return sender == message.to or Coach.objects.filter(**{COACH_CONTACT_FIELDS[message.channel]: sender}).exists()


def message_looks_automatic(message: IncomingMessage, sender: str) -> bool:
    """Whether a machine wrote it, as far as can be told: answering it could start a loop."""
    if message.automatic:
        return True
    # Threema Gateway IDs (ours and everyone else's) start with "*": a person's never does.
    if message.channel == Channel.THREEMA and sender.startswith("*"):
        return True
    if _from_ourselves(message, sender):
        return True
    head = message.text[:AUTOMATIC_MARKERS_WITHIN].casefold()
    return any(marker in head for marker in AUTOMATIC_MARKERS)


def _booking_replied_to(*, coach: Coach, message: IncomingMessage, sender: str, now: datetime) -> Booking | None:
    """The booking this message is about: the one whose message it answers (WhatsApp names
    it), else the sender's request or confirmed booking on this channel that is coming (the
    nearest) or ended within BOOKING_REPLY_PERIOD (the latest). Never one the coach cannot
    see (an address not confirmed yet)."""
    recent = now - BOOKING_REPLY_PERIOD
    if message.reply_to:
        answered = (
            Notification.objects.filter(
                channel=message.channel, provider_message_id=message.reply_to, booking__coach=coach
            )
            .exclude(booking__status=Booking.Status.UNCONFIRMED)
            .filter(booking__end__gt=recent)
            .select_related("booking")
            .first()
        )
        if answered is not None:
            return answered.booking
    bookings = Booking.objects.filter(
        coach=coach,
        channel=message.channel,
        status__in=Booking.VISIBLE_ACTIVE_STATUSES,
        end__gt=recent,
        **{_client_field(message.channel): sender},
    )
    return bookings.filter(end__gt=now).order_by("start").first() or bookings.order_by("-end").first()


def _language(*, coach: Coach, message: IncomingMessage, sender: str, booking: Booking | None) -> str:
    """The sender's language as far as it is known (the booking's, the coach's record of the
    client, their latest booking; for a WhatsApp number of a German-speaking country German;
    else the coach's), in the German form of address the coach chose."""
    field = _client_field(message.channel)
    language = booking.language if booking is not None else ""
    if not language:
        client = Client.objects.filter(coach=coach, **{field: sender}).order_by("-created_at").first()
        language = client.language if client is not None else ""
    if not language:
        latest = Booking.objects.filter(coach=coach, **{field: sender}).order_by("-created_at").first()
        language = latest.language if latest is not None else ""
    if not language and message.channel == Channel.WHATSAPP and sender.startswith(GERMAN_SPEAKING_CODES):
        language = "de"
    return coach.language_for_clients(language or coach.language)


def _received_at(message: IncomingMessage, now: datetime) -> datetime:
    sent_at = message.sent_at
    if sent_at is not None and now - SENT_AT_BELIEVED <= sent_at <= now:
        return sent_at
    return now


def contact_answers_counted(*, coach: Coach):
    """The coach's automatic answers that count against the period and the hourly limit:
    all but those that were never needed (not sent because WhatsApp's 24 hours had passed)."""
    return Notification.objects.filter(kind=Kind.CONTACT_ANSWER, inbound_message__coach=coach).exclude(
        status=Notification.Status.OBSOLETE
    )


def _answer_withheld(*, coach: Coach, inbound: InboundMessage, now: datetime) -> bool:
    """This sender had an answer in the coach's period, or the hour's answers are used up."""
    answers = contact_answers_counted(coach=coach)
    period_start = inbound.received_at - timedelta(days=coach.contact_answer_days)
    if answers.filter(
        inbound_message__channel=inbound.channel,
        inbound_message__sender=inbound.sender,
        inbound_message__received_at__gte=period_start,
    ).exists():
        return True
    return answers.filter(scheduled_for__gt=now - timedelta(hours=1)).count() >= ANSWERS_PER_HOUR


def inbound_message_receive(*, message: IncomingMessage, now: datetime | None = None) -> InboundMessage | None:
    """Keep a message someone sent to a coach's ID or number and, unless it is about a booking,
    from a machine, or withheld (answered in the period, the hourly limit), write its automatic
    answer. Returns the kept message; None when it was kept already (the provider delivered
    it twice: no second answer) or reached no coach (logged, naming nobody)."""
    now = now or timezone.now()
    sender = _sender(message)
    if InboundMessage.objects.filter(channel=message.channel, provider_message_id=message.provider_message_id).exists():
        return None
    coach = _coach_for(message, sender)
    if coach is None:
        logger.warning("%s message %s reached no coach; dropped", message.channel, message.provider_message_id[:32])
        return None
    with transaction.atomic():
        # One message per coach at a time: "answered already" and the hourly limit must hold
        # against a second message arriving at once (on SQLite the IMMEDIATE transaction
        # serialises anyway).
        Coach.objects.select_for_update().filter(pk=coach.pk).first()
        booking = _booking_replied_to(coach=coach, message=message, sender=sender, now=now)
        try:
            with transaction.atomic():
                inbound = InboundMessage.objects.create(
                    coach=coach,
                    channel=message.channel,
                    sender=sender,
                    sender_name=message.sender_name,
                    text=message.text,
                    provider_message_id=message.provider_message_id,
                    received_at=_received_at(message, now),
                    booking=booking,
                    language=_language(coach=coach, message=message, sender=sender, booking=booking),
                    automatic=message_looks_automatic(message, sender),
                )
        except IntegrityError:  # the same message, kept by a callback running at the same time
            return None
        if booking is None and not inbound.automatic and not _answer_withheld(coach=coach, inbound=inbound, now=now):
            contact_answer_write(inbound_message=inbound, now=now)
    return inbound


def inbound_message_mark_read(*, inbound_message: InboundMessage, now: datetime | None = None) -> None:
    InboundMessage.objects.filter(pk=inbound_message.pk, read_at__isnull=True).update(read_at=now or timezone.now())


def inbound_message_delete(*, inbound_message: InboundMessage) -> None:
    """Delete a received message, and with it its automatic answer's record (an answer not
    sent yet is not sent). The sender's next message may then be answered again."""
    inbound_message.delete()
