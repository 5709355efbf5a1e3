"""Messages that reach the coach's Threema ID or WhatsApp number: a reply about a booking
(attached to it) or a message outside any booking, which the contact policy answers once."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .booking import Booking
from .coach import Coach


class InboundMessage(models.Model):
    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="inbound_messages")
    channel = models.CharField(_("channel"), max_length=10)
    # The sender's Threema ID or WhatsApp number (E.164).
    sender = models.CharField(_("from"), max_length=32)
    sender_name = models.CharField(_("name"), max_length=120, blank=True)
    text = models.TextField(_("message"), blank=True)
    # The provider's id of the message: a callback delivered twice is kept once.
    provider_message_id = models.CharField(max_length=255)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # A reply about a booking belongs to it; a message outside any booking has none.
    booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, related_name="inbound_messages", null=True, blank=True
    )
    # The sender's language as far as it can be told, for the automatic answer.
    language = models.CharField(_("language"), max_length=8, blank=True)
    # Sent by a machine (another gateway, an away message): never answered automatically.
    automatic = models.BooleanField(default=False)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("received message")
        verbose_name_plural = _("received messages")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_message_id"], name="unique_inbound_per_provider_id")
        ]
        indexes = [models.Index(fields=["coach", "channel", "sender", "received_at"], name="inbound_by_sender")]

    def __str__(self):
        return f"{self.channel}: {self.sender} ({self.received_at:%Y-%m-%d %H:%M})"
