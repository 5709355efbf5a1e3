"""Reads of the messages people sent to the coach's Threema ID or WhatsApp number: the
coach's "received messages" list, with what became of each one's automatic answer."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from ..models import Coach, InboundMessage, Notification

Kind = Notification.Kind
Status = Notification.Status

# Why a message has no automatic answer (ReceivedMessage.reason).
ABOUT_BOOKING = "booking"
AUTOMATIC = "automatic"
ANSWERED_BEFORE = "answered_before"
WITHHELD = "withheld"


@dataclass(frozen=True)
class ReceivedMessage:
    """One row of the list: the message, its automatic answer (or None) and, when there is
    none, why (`reason`: ABOUT_BOOKING, AUTOMATIC, ANSWERED_BEFORE or WITHHELD)."""

    message: InboundMessage
    answer: Notification | None
    reason: str


def coach_inbound_messages(*, coach: Coach) -> QuerySet[InboundMessage]:
    """The coach's received messages, the newest first, each with its automatic answer
    prefetched (`answer_rows`), the booking it is about, and `answered_before`: whether the
    same sender had an automatic answer (one that counted) in the coach's period before."""
    period = timedelta(days=coach.contact_answer_days)
    earlier = (
        InboundMessage.objects.filter(
            coach=coach,
            channel=OuterRef("channel"),
            sender=OuterRef("sender"),
            received_at__lte=OuterRef("received_at"),
            received_at__gte=OuterRef("received_at") - period,
            answers__kind=Kind.CONTACT_ANSWER,
        )
        .exclude(answers__status=Status.OBSOLETE)
        .exclude(pk=OuterRef("pk"))
    )
    answers = Notification.objects.filter(kind=Kind.CONTACT_ANSWER)
    return (
        InboundMessage.objects.filter(coach=coach)
        .select_related("booking__appointment_type")
        .annotate(answered_before=Exists(earlier))
        .prefetch_related(Prefetch("answers", queryset=answers, to_attr="answer_rows"))
        .order_by("-received_at", "-pk")
    )


def received_message(message: InboundMessage) -> ReceivedMessage:
    """What the list shows of one message of coach_inbound_messages()."""
    answer = message.answer_rows[0] if message.answer_rows else None
    if answer is not None:
        reason = ""
    elif message.booking_id is not None:
        reason = ABOUT_BOOKING
    elif message.automatic:
        reason = AUTOMATIC
    elif message.answered_before:
        reason = ANSWERED_BEFORE
    else:
        reason = WITHHELD
    return ReceivedMessage(message=message, answer=answer, reason=reason)


def coach_inbound_message(*, coach: Coach, message_id: int) -> InboundMessage | None:
    """One of the coach's received messages, or None (also for another coach's)."""
    return InboundMessage.objects.filter(coach=coach, pk=message_id).first()


def coach_inbound_unread_count(*, coach: Coach) -> int:
    return InboundMessage.objects.filter(coach=coach, read_at__isnull=True).count()
