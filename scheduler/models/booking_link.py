"""Booking links: a single-use link the coach gives a client for a follow-up, optionally for
one type and a date range, or with up to three times the coach proposes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .booking import Booking, Client
from .coach import AppointmentType, Coach
from .common import new_token

MAX_PROPOSED_TIMES = 3


class BookingLink(models.Model):
    """`/l/<token>/`: leads to the booking pages of the coach (or of one type, unlisted ones
    included) and is spent by the booking it leads to. With `proposed_starts` the client picks
    one of those times only; such a link is sent to the client through their channel."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="booking_links")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    appointment_type = models.ForeignKey(
        AppointmentType,
        on_delete=models.CASCADE,
        related_name="booking_links",
        null=True,
        blank=True,
        verbose_name=_("appointment type"),
    )
    # Whom the coach made it for: a client of theirs, or only a note ("Anna, follow-up").
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="booking_links", null=True, blank=True, verbose_name=_("client")
    )
    note = models.CharField(_("for whom (only you see this)"), max_length=120, blank=True)
    valid_from = models.DateField(_("bookable from"), null=True, blank=True)
    valid_until = models.DateField(_("bookable until"), null=True, blank=True)
    # ISO 8601 UTC starts the coach proposed (at most MAX_PROPOSED_TIMES); [] for a free choice.
    proposed_starts = models.JSONField(default=list, blank=True)
    # The channel a proposal was sent through (one of the client's).
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    language = models.CharField(_("language"), max_length=8, default="de")
    created_at = models.DateTimeField(auto_now_add=True)
    spent_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    booking = models.OneToOneField(
        Booking, on_delete=models.SET_NULL, related_name="booking_link", null=True, blank=True
    )

    class Meta:
        verbose_name = _("booking link")
        verbose_name_plural = _("booking links")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.coach} /l/… ({self.note or self.client or self.appointment_type or ''})"

    @property
    def is_open(self) -> bool:
        return self.spent_at is None and self.revoked_at is None
