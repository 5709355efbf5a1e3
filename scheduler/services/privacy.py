"""Writes of data protection: anonymising what the coach keeps of a client and deleting a
client's account (the retention rules are in `retention.py`).

Anonymised data stays a record for the coach (when, what, which channel, the status)
but no longer says who: the client's name becomes "deleted client", their e-mail
address an address that cannot receive mail, their contact details, key and messages
are emptied. Notifications store no message text (it is rendered when sent), only the
recipient's address and the provider's last error, so those are what is cleared."""

from datetime import datetime

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..cache_versions import availability_changed
from ..models import Booking, Client, Notification
from ..models.common import CLIENT_CONTACT_FIELDS
from ..selectors.privacy import user_bookings, user_clients
from .booking import booking_cancel

DELETED_CLIENT = _("deleted client")
# RFC 2606: a domain that never receives mail; the client's primary key keeps it unique per coach.
ANONYMISED_DOMAIN = "anonymised.invalid"

Audience = Notification.Audience
# What a booking holds of the client besides the name (which goes with the client).
BOOKING_PERSONAL_FIELDS = ("message", "status_note", *CLIENT_CONTACT_FIELDS)


def bookings_anonymise(*, bookings: QuerySet[Booking], now: datetime) -> int:
    """Empty the personal message, the note and the contact details of these bookings;
    returns how many changed."""
    emptied = {field: "" for field in BOOKING_PERSONAL_FIELDS}
    changing = bookings.exclude(**emptied)
    # Their coaches' kept copies (the feeds show the bookings) only: every coach's would go
    # with each anonymisation of a hosted installation.
    coach_ids = set(changing.values_list("coach_id", flat=True).distinct())
    changed = changing.update(**emptied, updated_at=now)
    if changed:
        for coach_id in coach_ids:
            availability_changed(coach_id)  # bulk writes send no signal
    return changed


def clients_anonymise(*, clients: QuerySet[Client], now: datetime) -> int:
    """Remove who each of these clients is, and the addresses of messages to them."""
    count = 0
    coach_ids = set()
    for client in clients.exclude(email__endswith="@" + ANONYMISED_DOMAIN).select_related("coach"):
        with translation.override(client.coach.language):
            client.name = str(DELETED_CLIENT)
        client.email = f"deleted-{client.pk}@{ANONYMISED_DOMAIN}"
        client.phone = client.threema_id = client.whatsapp = client.pgp_public_key = ""
        client.save(update_fields=["name", "email", *CLIENT_CONTACT_FIELDS])
        to_client = Notification.objects.filter(booking__client=client, audience=Audience.CLIENT)
        # A message not sent yet has nobody to go to any more.
        to_client.filter(status=Notification.Status.PENDING).update(status=Notification.Status.OBSOLETE)
        to_client.update(recipient="", last_error="")
        # Each booking's own copy of the details goes too. The coach's calendar shows the
        # client's name: updated_at tells subscribed calendars it changed.
        client.bookings.update(
            client_name=client.name, phone="", threema_id="", whatsapp="", pgp_public_key="", updated_at=now
        )
        admin_log_scrub(model=Client, pks=[client.pk])
        admin_log_scrub(model=Booking, pks=client.bookings.values_list("pk", flat=True))
        admin_log_scrub(
            model=Notification, pks=Notification.objects.filter(booking__client=client).values_list("pk", flat=True)
        )
        count += 1
        coach_ids.add(client.coach_id)
    for coach_id in coach_ids:
        availability_changed(coach_id)  # the bookings' bulk writes send no signal
    return count


def admin_log_scrub(*, model, pks) -> int:
    """Delete the admin's history entries of these objects: each keeps the object's name as
    it was (a client's "Name <address>", a message's recipient), which outlives the object's
    anonymisation otherwise. Returns how many went."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    entries = LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in pks])
    return entries.delete()[0]


def client_account_delete(*, user, now: datetime | None = None) -> None:
    """Delete a client's account: their future bookings are cancelled (each coach is told),
    every booking and each coach's record of them are anonymised, then the user is deleted."""
    now = now or timezone.now()
    with transaction.atomic():
        bookings = user_bookings(user=user)
        for booking in bookings.filter(status__in=Booking.ACTIVE_STATUSES, start__gt=now):
            # Deleting one's data is not held to the type's deadline for cancelling online.
            booking_cancel(booking=booking, now=now, deadline_applies=False)
        bookings_anonymise(bookings=Booking.objects.filter(pk__in=bookings.values("pk")), now=now)
        clients_anonymise(clients=Client.objects.filter(pk__in=user_clients(user=user).values("pk")), now=now)
        # Its entries are named by the address; `user` may be request.user, a lazy object.
        admin_log_scrub(model=user._meta.model, pks=[user.pk])
        user.delete()
