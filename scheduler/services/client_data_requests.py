"""Writes of a coach's answer to a data request of a client without an account (or with one:
the coach answers for what the coach keeps): the export of everything the coach stores about
one e-mail address, and its erasure. Each answer leaves a ClientDataRequest, which says when
and how much, never who.

An erasure cancels the client's future bookings as the coach's own cancel does (the client
is told through their channel, with the coach's note), anonymises every booking
(services/privacy.py), removes the messages sent to and received from the client and the
booking links made for them, and anonymises the client's row. Messages are rendered when
they are sent, from the booking: a cancellation still waiting to go out needs the address it
goes to, the name it greets and the OpenPGP key that encrypts it. So while one is being sent,
its booking and its row keep those (nothing else), and the erasure finishes once it has gone
(or finally failed): `client_erasures_finish`, every minute from beat. Until then the
client's row no longer carries the address, so a new booking with it is a new client's."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet

from .. import ics
from ..models import Booking, BookingLink, Client, ClientDataRequest, Coach, InboundMessage, Notification
from ..selectors.client_data_requests import (
    client_data,
    client_data_counts,
    client_erasures_waiting,
    client_inbound_messages,
    client_notifications,
    client_of,
)
from .booking import booking_cancel
from .privacy import admin_log_scrub, bookings_anonymise, clients_anonymise

Kind = ClientDataRequest.Kind
# What a cancellation needs to go out: its message to the client and its removal from the
# coach's CalDAV calendar, while they are being sent.
KEPT_KINDS = (Notification.Kind.CANCELLED, Notification.Kind.CALENDAR_ENTRY)
BEING_SENT = (Notification.Status.PENDING, Notification.Status.SENDING)
# The client's row while its erasure waits: an address that receives nothing and that
# clients_anonymise still treats as a client to anonymise (not its own domain).
ERASING_DOMAIN = "erasing.invalid"


def client_data_export(*, coach: Coach, email: str, now: datetime) -> tuple[dict, bytes]:
    """Everything the coach keeps about the address (JSON-ready) and its bookings as ICS;
    recorded as an export with its counts."""
    client = client_of(coach=coach, email=email)
    if client is None:
        data, bookings = {"client": None, "bookings": [], "messages_received_from_you": []}, []
    else:
        data, bookings = client_data(client=client), client.bookings.select_related("coach", "appointment_type")
    ClientDataRequest.objects.create(
        coach=coach, kind=Kind.EXPORT, made_at=now, counts=client_data_counts(client=client)
    )
    return data, ics.client_calendar(bookings)


def _delete_with_history(rows: QuerySet) -> int:
    """Delete the rows and the admin's history entries, which name what they were."""
    admin_log_scrub(model=rows.model, pks=list(rows.values_list("pk", flat=True)))
    return rows.delete()[1].get(rows.model._meta.label, 0)


def client_data_erase(*, coach: Coach, email: str, now: datetime, note: str = "") -> ClientDataRequest:
    """Erase what the coach keeps about the address; `note` goes to the client with each
    cancellation. Returns the record (with `pending_client` while cancellations are being sent)."""
    with transaction.atomic():
        client = client_of(coach=coach, email=email)
        counts = client_data_counts(client=client)
        record = ClientDataRequest.objects.create(coach=coach, kind=Kind.ERASE, made_at=now, counts=counts)
        if client is None:
            return record
        ahead = client.bookings.filter(status__in=Booking.ACTIVE_STATUSES, start__gt=now)
        cancelled = [booking_cancel(booking=booking, note=note, now=now, by_coach=True).pk for booking in ahead]
        kept = Notification.objects.filter(booking__in=cancelled, kind__in=KEPT_KINDS, status__in=BEING_SENT)
        kept_pks = list(kept.values_list("pk", flat=True))
        _delete_with_history(client_notifications(client=client).exclude(pk__in=kept_pks))
        _delete_with_history(InboundMessage.objects.filter(pk__in=client_inbound_messages(client=client).values("pk")))
        _delete_with_history(BookingLink.objects.filter(Q(client=client) | Q(booking__client=client)))
        waiting = client.bookings.filter(notifications__in=kept_pks)
        bookings_anonymise(bookings=client.bookings.exclude(pk__in=waiting.values("pk")), now=now)
        record.counts = {**counts, "cancelled": len(cancelled)}
        if kept_pks:
            Client.objects.filter(pk=client.pk).update(email=f"erasing-{client.pk}@{ERASING_DOMAIN}")
            record.pending_client = client
            record.save(update_fields=["counts", "pending_client"])
        else:
            record.save(update_fields=["counts"])
            _erasure_finish(record=record, client=client, now=now)
    return record


def _erasure_finish(*, record: ClientDataRequest, client: Client, now: datetime) -> None:
    bookings_anonymise(bookings=client.bookings.all(), now=now)
    clients_anonymise(clients=Client.objects.filter(pk=client.pk), now=now)
    _delete_with_history(client_notifications(client=client))  # the cancellations, sent by now
    record.pending_client = None
    record.finished_at = now
    record.save(update_fields=["pending_client", "finished_at"])


def client_erasures_finish(*, now: datetime) -> int:
    """Finish the erasures whose cancellation messages have gone out (sent, or failed for
    good: nobody can send them again once the address is gone); returns how many."""
    finished = 0
    for record in client_erasures_waiting():
        client = record.pending_client
        with transaction.atomic():
            if Notification.objects.filter(booking__client=client, status__in=BEING_SENT).exists():
                continue  # still being sent, or to be tried again
            _erasure_finish(record=record, client=client, now=now)
            finished += 1
    return finished
