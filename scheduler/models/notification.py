"""The outbox: one row per message to send, written in the transaction of the change
it tells about, sent by a Celery task after commit."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .booking import Booking


class Notification(models.Model):
    class Kind(models.TextChoices):
        REQUEST_RECEIVED = "request_received", _("request received")
        CONFIRMED = "confirmed", _("confirmed")
        DECLINED = "declined", _("declined")
        REMINDER = "reminder", _("reminder")
        CANCELLED = "cancelled", _("cancelled")
        RESCHEDULED = "rescheduled", _("rescheduled")
        COACH_NEW_BOOKING = "coach_new_booking", _("coach: new booking")
        COACH_REQUEST_WAITING = "coach_request_waiting", _("coach: request waiting")
        COACH_DELIVERY_FAILED = "coach_delivery_failed", _("coach: a message could not be delivered")
        ADDRESS_CONFIRMATION = "address_confirmation", _("please confirm your address")
        COACH_KEY_UNUSABLE = "coach_key_unusable", _("coach: the client's OpenPGP key no longer works")
        # To someone who wrote to the coach outside a booking: the policy, the next reply
        # window and the booking link (not about a booking: `inbound_message` instead).
        CONTACT_ANSWER = "contact_answer", _("automatic answer to a message")
        # The booking as it is now, written to the coach's CalDAV calendar (channel "caldav",
        # recipient the calendar's id): created, moved or removed.
        CALENDAR_ENTRY = "calendar_entry", _("entry in your calendar")
        # To a client: times the coach proposes, with the link to pick one (`booking_link`).
        PROPOSAL = "proposal", _("times proposed by the coach")

    class Audience(models.TextChoices):
        CLIENT = "client", _("client")
        COACH = "coach", _("coach")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        # A reminder or update that no longer applies (the booking moved or ended).
        OBSOLETE = "obsolete", _("no longer needed")
        # Overtaken by a later change of the booking (a confirmation after a cancellation, an
        # old time after a move): not sent, since what it says is no longer true.
        SUPERSEDED = "superseded", _("overtaken by a later change")
        # The attempt's outcome is unknown (the worker died while sending): it may or may not
        # have arrived, so it is not sent again blindly; the coach can send it again.
        UNKNOWN = "unknown", _("may not have arrived")

    # Every message is about a booking, except an automatic answer, which answers an
    # inbound message, and a proposal of times, which carries a booking link.
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True)
    inbound_message = models.ForeignKey(
        "InboundMessage", on_delete=models.CASCADE, related_name="answers", null=True, blank=True
    )
    booking_link = models.ForeignKey(
        "BookingLink", on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind)
    audience = models.CharField(_("to"), max_length=6, choices=Audience, default=Audience.CLIENT)
    channel = models.CharField(_("channel"), max_length=10)
    recipient = models.CharField(_("recipient"), max_length=254)
    # The booking's sequence when this was written: a later change makes older reminders obsolete.
    sequence = models.PositiveIntegerField(default=0)
    scheduled_for = models.DateTimeField(_("send at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PENDING)
    # Names every attempt of this message to the provider (the e-mail's Message-ID), so a
    # delivery can be recognised as this one.
    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=255, blank=True)
    # What the provider reported later (delivered, read, …), from its webhook.
    delivery_status = models.CharField(_("delivery"), max_length=12, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["scheduled_for", "pk"]
        indexes = [models.Index(fields=["status", "scheduled_for"], name="notification_due")]
        constraints = [
            # One message of a kind per change of the booking: a retried transaction
            # or a second click cannot write it twice.
            models.UniqueConstraint(
                fields=["booking", "kind", "audience", "channel", "sequence", "scheduled_for"],
                name="unique_notification_per_change",
            ),
            models.CheckConstraint(condition=Q(attempts__lte=100), name="notification_attempts_bounded"),
            models.CheckConstraint(
                condition=Q(booking__isnull=False) | Q(inbound_message__isnull=False) | Q(booking_link__isnull=False),
                name="notification_about_booking_message_or_link",
            ),
            # One automatic answer per inbound message, however often the provider calls back.
            models.UniqueConstraint(
                fields=["inbound_message", "kind"],
                condition=Q(inbound_message__isnull=False),
                name="unique_answer_per_inbound_message",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_status_display()})"
