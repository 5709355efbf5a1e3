"""Writes of booking links (`/l/<token>/`): the coach makes one (a free choice within a
type and dates, or up to MAX_PROPOSED_TIMES proposed times sent to the client through their
channel) or withdraws one; booking_create checks a booking made through a link against it
(booking_link_check) and spends it in the booking's transaction (booking_link_spend).

This module never imports services/booking.py (which imports it): the proposed times are
checked against the engine here, the same way booking.py's slot check asks it."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AppointmentType, BookingLink, Client, Coach
from ..models.booking_link import MAX_PROPOSED_TIMES
from ..models.common import CLIENT_CONTACT_FIELDS
from ..outbox.proposal_texts import proposal_write
from ..selectors.booking_links import booking_link_allows, client_channels, proposed_starts
from ..selectors.slots import availability_inputs
from ..slot_engine import is_bookable
from .booking_request import BookingRequest


class BookingLinkClosed(Exception):
    """The link was used or withdrawn: nothing (more) is booked through it, and the booking
    it led to stays as it is."""

    def __init__(self, link: BookingLink):
        super().__init__(link.token)
        self.link = link


@dataclass(frozen=True)
class LinkTerms:
    """What a link (locked, still open) means for the booking made through it."""

    link: BookingLink
    # The coach invited this person: no approval. True for a proposal (it reached the client
    # through their own channel) and for a link made for a client whose address was typed.
    skips_approval: bool
    # A proposal reached the client through their channel: the pick is confirmed at once.
    skips_address_confirmation: bool


def _dates_check(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": [_("The last day comes before the first day.")]})


def _own(coach: Coach, appointment_type: AppointmentType | None, client: Client | None) -> None:
    # The forms offer only the coach's own; a service called otherwise must not link another coach's.
    if appointment_type is not None and appointment_type.coach_id != coach.pk:
        raise ValidationError({"appointment_type": [_("Choose one of your appointment types.")]})
    if client is not None and client.coach_id != coach.pk:
        raise ValidationError({"client": [_("Choose one of your clients.")]})


def booking_link_create(
    *,
    coach: Coach,
    appointment_type: AppointmentType | None = None,
    client: Client | None = None,
    note: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> BookingLink:
    """A single-use link to the coach's booking pages: for one type (unlisted ones too) or
    for every listed one, and for the dates valid_from..valid_until (the coach's zone)."""
    _own(coach, appointment_type, client)
    _dates_check(valid_from, valid_until)
    return BookingLink.objects.create(
        coach=coach,
        appointment_type=appointment_type,
        client=client,
        note=note.strip()[:120],
        valid_from=valid_from,
        valid_until=valid_until,
        language=client.language if client else coach.language,
    )


def _start_offered(appointment_type: AppointmentType, start: datetime, now: datetime) -> bool:
    inputs = availability_inputs(
        appointment_type=appointment_type, range_start=start, range_end=start + timedelta(microseconds=1), now=now
    )
    return is_bookable(start=start, now=now, **inputs)


def booking_link_propose(
    *,
    coach: Coach,
    appointment_type: AppointmentType,
    client: Client,
    starts: list[datetime],
    channel: str,
    note: str = "",
    now: datetime | None = None,
) -> BookingLink:
    """Propose up to MAX_PROPOSED_TIMES times of `appointment_type` to `client`: each must be
    one the engine offers now. The link and its message (sent through `channel`, one the
    client booked through before) are written in one transaction."""
    now = now or timezone.now()
    _own(coach, appointment_type, client)
    starts = sorted(set(starts))
    if not starts:
        raise ValidationError({"starts": [_("Choose at least one time.")]})
    if len(starts) > MAX_PROPOSED_TIMES:
        raise ValidationError({"starts": [_("Propose at most %(count)d times.") % {"count": MAX_PROPOSED_TIMES}]})
    reachable = dict(client_channels(client=client))
    if channel not in reachable:
        raise ValidationError({"channel": [_("Choose a channel this client has booked through.")]})
    taken = [start for start in starts if not _start_offered(appointment_type, start, now)]
    if taken:
        zone = coach.zone
        names = ", ".join(f"{start.astimezone(zone):%d.%m.%Y %H:%M}" for start in taken)
        raise ValidationError({"starts": [_("These times cannot be booked (any more): %(times)s.") % {"times": names}]})
    with transaction.atomic():
        link = BookingLink.objects.create(
            coach=coach,
            appointment_type=appointment_type,
            client=client,
            note=note.strip()[:120],
            proposed_starts=[start.astimezone(UTC).isoformat() for start in starts],
            channel=channel,
            language=client.language,  # as stored; the message speaks it in the coach's Sie or du
        )
        proposal_write(link=link, channel=reachable[channel][0], recipient=reachable[channel][1], now=now)
    return link


def booking_link_revoke(*, link: BookingLink, now: datetime | None = None) -> BookingLink:
    """Withdraw an open link; a used one stays used (its booking is the coach's to cancel)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = BookingLink.objects.select_for_update().get(pk=link.pk)
        if locked.spent_at is not None:
            raise ValidationError(_("This link has been used already; cancel the booking it led to instead."))
        if locked.revoked_at is None:
            locked.revoked_at = now
            locked.save(update_fields=["revoked_at"])
    return locked


def booking_link_check(
    *, link: BookingLink, appointment_type: AppointmentType, start: datetime, email: str
) -> LinkTerms:
    """Inside booking_create's transaction: lock the link and refuse a booking it does not
    allow. Raises BookingLinkClosed for a used or withdrawn link, ValidationError for a type
    or a time outside it."""
    locked = BookingLink.objects.select_for_update(of=("self",)).select_related("client").get(pk=link.pk)
    if not locked.is_open:
        raise BookingLinkClosed(locked)
    wrong_type = locked.coach_id != appointment_type.coach_id or (
        locked.appointment_type_id is not None and locked.appointment_type_id != appointment_type.pk
    )
    # A link for every type leads to the listed ones only; an unlisted one must be named.
    if wrong_type or (locked.appointment_type_id is None and not appointment_type.listed):
        raise ValidationError(_("This link is not for this appointment type."))
    proposed = proposed_starts(locked)
    if proposed and start not in proposed:
        raise ValidationError({"start": [_("Please choose one of the proposed times.")]})
    if not booking_link_allows(locked, start):
        raise ValidationError({"start": [_("This time lies outside the dates of your link. Please choose another.")]})
    for_this_client = locked.client is not None and locked.client.email == email
    return LinkTerms(
        link=locked, skips_approval=bool(proposed) or for_this_client, skips_address_confirmation=bool(proposed)
    )


def booking_link_spend(*, terms: LinkTerms, booking, now: datetime) -> None:
    """In the booking's transaction: the link leads to `booking` and to nothing else. The
    row is locked (booking_link_check); the condition is a second guard where the database
    does not lock rows."""
    spent = BookingLink.objects.filter(pk=terms.link.pk, spent_at__isnull=True, revoked_at__isnull=True).update(
        spent_at=now, booking=booking
    )
    if not spent:
        raise BookingLinkClosed(terms.link)


def client_booking_request(
    *, client: Client, channel: str, start: datetime | None, message: str, privacy_consent: bool, language: str = ""
) -> BookingRequest:
    """A booking for a known client that the coach asked for (booked it, or proposed its
    time): as the client, on `channel`, with the contact details of their latest booking on
    it (the client's stored details are only the proved ones) and in its zone."""
    latest = client.bookings.filter(channel=channel).order_by("-created_at").first()
    latest = latest or client.bookings.order_by("-created_at").first()
    contact = {field: getattr(latest, field) for field in CLIENT_CONTACT_FIELDS} if latest else {}
    return BookingRequest(
        start=start,
        name=latest.client_name if latest and latest.client_name else client.name,
        email=client.email,
        channel=channel,
        message=message,
        language=language or (latest.language if latest else client.language),
        time_zone=latest.time_zone if latest else client.coach.time_zone,
        privacy_consent=privacy_consent,
        **contact,
    )


def proposal_request(
    *, link: BookingLink, start: datetime | None, message: str, privacy_consent: bool
) -> BookingRequest:
    """The booking a client makes by picking one of the proposed times, on the channel the
    proposal went through."""
    return client_booking_request(
        client=link.client,
        channel=link.channel,
        start=start,
        message=message,
        privacy_consent=privacy_consent,
        language=link.language,
    )
