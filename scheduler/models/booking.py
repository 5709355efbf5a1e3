"""Clients and their bookings."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .coach import AppointmentType, Coach
from .common import Channel, new_token, validate_time_zone


class Client(models.Model):
    """Someone who booked with a coach; one per (coach, e-mail), reused across bookings."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="clients")
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone number"), max_length=32, blank=True)
    threema_id = models.CharField(_("Threema ID"), max_length=8, blank=True)
    whatsapp = models.CharField(_("WhatsApp number"), max_length=32, blank=True)
    pgp_public_key = models.TextField(_("OpenPGP public key"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="de")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [models.UniqueConstraint(fields=["coach", "email"], name="unique_client_email_per_coach")]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class Booking(models.Model):
    class Status(models.TextChoices):
        # Waits for the client to confirm their address (the link sent through their channel);
        # holds its slot until `hold_until`, and the coach does not see it.
        UNCONFIRMED = "unconfirmed", _("waiting for the client's confirmation")
        REQUESTED = "requested", _("requested")
        CONFIRMED = "confirmed", _("confirmed")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    class Outcome(models.TextChoices):
        # What the coach recorded about how an appointment went, where it did not go as
        # agreed; it counts in the client's history.
        NONE = "", _("as agreed")
        CANCELLED_LATE = "cancelled_late", _("cancelled late")
        NO_SHOW = "no_show", _("no-show")

    # Bookings that hold their slot: an unconfirmed one for a short while, a request while
    # the coach decides. VISIBLE_STATUSES are the active ones the coach sees.
    ACTIVE_STATUSES = (Status.UNCONFIRMED, Status.REQUESTED, Status.CONFIRMED)
    VISIBLE_ACTIVE_STATUSES = (Status.REQUESTED, Status.CONFIRMED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="bookings")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="bookings")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # The span the booking keeps free of other bookings: start/end widened by the buffers.
    blocked_start = models.DateTimeField()
    blocked_end = models.DateTimeField()
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.CONFIRMED)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    message = models.TextField(_("personal message"))
    # What this booking gave to reach the client (a snapshot): the coach sees and calls these
    # and every message of this booking uses them, whatever another booking with the same
    # address says. Only the channel's own contact field is filled.
    client_name = models.CharField(_("name"), max_length=120, blank=True)
    phone = models.CharField(_("phone number"), max_length=32, blank=True)
    threema_id = models.CharField(_("Threema ID"), max_length=8, blank=True)
    whatsapp = models.CharField(_("WhatsApp number"), max_length=32, blank=True)
    pgp_public_key = models.TextField(_("OpenPGP public key"), blank=True)
    # Address confirmation (double opt-in): the secret of the link that goes out through the
    # booking's channel, when it was used, and until when an unconfirmed booking holds its slot.
    address_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    address_confirmed_at = models.DateTimeField(_("address confirmed"), null=True, blank=True)
    hold_until = models.DateTimeField(_("held until"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="de")
    time_zone = models.CharField(
        _("client's time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    # A request the coach has not answered by then expires and frees its slot.
    respond_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    # A note from whoever declined or cancelled, shown to the other side.
    status_note = models.TextField(_("note"), blank=True)
    privacy_consent_at = models.DateTimeField(null=True, blank=True)
    # Which text of the coach's privacy notice the client agreed to (Coach.privacy_version).
    privacy_consent_version = models.CharField(_("privacy notice agreed to"), max_length=16, blank=True)
    # The Jitsi Meet room of a video booking: an unguessable name (160 bits), shown only
    # inside the confirmed booking (scheduler/places.py).
    video_room = models.CharField(max_length=64, blank=True, editable=False)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome, default=Outcome.NONE, blank=True)
    outcome_marked_at = models.DateTimeField(null=True, blank=True)
    # The coach booked this for the client (from the workspace), not the client themself.
    booked_by_coach = models.BooleanField(default=False)
    # Rises with every change clients' calendars must see (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["coach", "blocked_start", "blocked_end"], name="booking_coach_span"),
            # Every booking first expires the coach's unconfirmed bookings past their hold, and
            # beat expires unanswered requests every minute: both look only at the few rows in
            # that status, however many bookings a coach (or the installation) has.
            models.Index(
                fields=["coach", "hold_until"], condition=Q(status="unconfirmed"), name="booking_unconfirmed_hold"
            ),
            models.Index(fields=["respond_by"], condition=Q(status="requested"), name="booking_request_deadline"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="booking_start_before_end"),
            models.CheckConstraint(
                condition=Q(blocked_start__lte=models.F("start"), blocked_end__gte=models.F("end")),
                name="booking_blocked_span_covers_booking",
            ),
        ]

    def __str__(self):
        return f"{self.appointment_type} {self.start:%Y-%m-%d %H:%M} UTC ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def contact(self) -> str:
        """How the client is reached on the booking's channel (number, Threema ID or e-mail),
        as this booking gave it."""
        field = Channel(self.channel).contact_field
        return getattr(self, field) if field else self.client.email

    @property
    def address_proved(self) -> bool:
        return self.address_confirmed_at is not None
