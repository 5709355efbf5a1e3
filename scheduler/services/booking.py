"""Writes of bookings: create (validated by booking_request_clean, the slot re-checked inside the
transaction), confirm, decline, cancel, reschedule, expire."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..cache_versions import availability_changed
from ..models import AppointmentType, Booking, Client, Coach
from ..models.booking_link import BookingLink
from ..models.common import CLIENT_CONTACT_FIELDS, Channel
from ..outbox.write import booking_notify
from ..places import video_room_new
from ..rows import row_create
from ..selectors.reachability import request_answer_deadline
from ..selectors.slots import availability_inputs
from ..slot_engine import is_bookable
from .booking_clients import client_details_update, client_for
from .booking_links import booking_link_check, booking_link_spend
from .booking_request import BookingRequest, booking_request_clean
from .booking_rules import change_deadline_check, open_bookings_check


class SlotTaken(Exception):
    """The slot was free when the client chose it but is not any more."""


BOOKING_NO_OVERLAP = "booking_no_overlap"


def _slot_check(*, appointment_type: AppointmentType, start: datetime, now: datetime, exclude: Booking | None = None):
    """Raise unless the engine would offer exactly this start now: a time it never offers
    (forged, off the grid, too soon) is invalid; one it offered but no longer does is taken;
    one a request could have only if the coach answered it too late is invalid, and says so."""
    inputs = availability_inputs(
        appointment_type=appointment_type,
        range_start=start,
        range_end=start + timedelta(microseconds=1),
        now=now,
        exclude_booking=exclude,
    )
    if is_bookable(start=start, now=now, **inputs):
        return
    free = {**inputs, "busy": [], "booked_starts": [], "coach_booked_starts": []}
    if is_bookable(start=start, now=now, **free):
        raise SlotTaken
    if inputs["not_before"] is not None and is_bookable(start=start, now=now, **{**free, "not_before": None}):
        raise _too_late_to_answer()
    raise ValidationError({"start": [_("This time cannot be booked. Please choose one of the times shown.")]})


def _too_late_to_answer() -> ValidationError:
    message = _("The coach could not answer a request for this time before it begins. Please choose a later time.")
    return ValidationError({"start": [message]})


def _respond_by(booking_type: AppointmentType, start: datetime, now: datetime) -> datetime:
    """The request's answer deadline (reachability.answer_deadline: the end of the coach's
    first reply window that still leaves the type's answer lead before `start`). The slot
    check lets no request through that has none; one that becomes a request later (its
    address confirmed, or moved) may have lost it meanwhile, and cannot be made."""
    deadline = request_answer_deadline(appointment_type=booking_type, start=start, now=now)
    if deadline is None:
        raise _too_late_to_answer()
    return deadline


def _is_overlap_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None) == BOOKING_NO_OVERLAP


def _needs_approval(appointment_type: AppointmentType, client: Client, *, proved: bool) -> bool:
    """Whether this booking is a request. Only a proved booker counts as known: one whose
    address is proved now, and who had a confirmed booking with a proved address before.
    A stranger who types a known client's address is a new client."""
    if appointment_type.approval == AppointmentType.Approval.ALWAYS:
        return True
    if appointment_type.approval == AppointmentType.Approval.NEW_CLIENTS:
        return (
            not proved
            or not client.bookings.filter(status=Booking.Status.CONFIRMED, address_confirmed_at__isnull=False).exists()
        )
    return False


def _needs_address_confirmation(appointment_type: AppointmentType, *, needs_approval: bool) -> bool:
    setting = appointment_type.address_confirmation
    if setting == AppointmentType.AddressConfirmation.ALWAYS:
        return True
    return setting == AppointmentType.AddressConfirmation.REQUESTS and needs_approval


def booking_create(
    *,
    appointment_type: AppointmentType,
    request: BookingRequest,
    now: datetime | None = None,
    address_proved: bool = False,
    link: BookingLink | None = None,
    by_coach: bool = False,
) -> Booking:
    """Validate, re-check the slot inside the transaction and write the booking.

    `address_proved`: the booker showed they own the e-mail address (a signed-in client
    whose address is verified); only then may the booking update the stored client and
    skip the address confirmation.

    `link`: made through a booking link, which allows it (booking_links.booking_link_check:
    raises BookingLinkClosed for a used or withdrawn one) and is spent by it in this
    transaction (a link with proposed times needs no minimum message either: the coach asked).
    `by_coach`: the coach books for a client: no minimum message, no approval, no address
    confirmation, confirmed, and only the client is told.

    Raises ValidationError (per field) for bad input and SlotTaken when someone else
    got the slot first. On PostgreSQL the exclusion constraint settles a race between
    two transactions; on SQLite the IMMEDIATE transaction serializes them.
    """
    if not appointment_type.listed and link is None and not by_coach:
        # Unlisted: only through a link the coach gave (the public pages and API never offer it).
        raise ValidationError({"type": [_("This appointment type can be booked only through a booking link.")]})
    asked_by_coach = by_coach or (link is not None and bool(link.proposed_starts))
    cleaned = booking_request_clean(
        appointment_type=appointment_type, request=request, minimum_message=not asked_by_coach
    )
    now = now or timezone.now()
    write = dict(
        appointment_type=appointment_type,
        cleaned=cleaned,
        now=now,
        address_proved=address_proved,
        link=link,
        by_coach=by_coach,
    )
    try:
        return _booking_write(**write)
    except SlotTaken:
        # Unconfirmed bookings past their hold still hold their slots until they are expired
        # (beat does it every minute). Doing it before every booking cost a query each time,
        # so it is done when a slot is refused: then the booking is tried once more. Even
        # when this expires nothing, another booking may just have expired the hold that
        # stood in the way, in a transaction that this one's check did not see yet.
        bookings_unconfirmed_expire(coach=appointment_type.coach, now=now)
        return _booking_write(**write)


def _booking_write(
    *,
    appointment_type: AppointmentType,
    cleaned: dict,
    now: datetime,
    address_proved: bool,
    link: BookingLink | None,
    by_coach: bool,
) -> Booking:
    """booking_create's transaction: the slot re-checked, the client, the booking, its messages."""
    coach = appointment_type.coach
    start = cleaned["start"]
    try:
        with transaction.atomic():
            terms = None
            if link is not None:  # before the slot: a used link says so, whatever became of its time
                terms = booking_link_check(
                    link=link, appointment_type=appointment_type, start=start, email=cleaned["email"]
                )
            _slot_check(appointment_type=appointment_type, start=start, now=now)
            client = client_for(coach=coach, cleaned=cleaned, proved=address_proved)
            if not by_coach:  # the coach may book a client more than the type's limit
                open_bookings_check(appointment_type=appointment_type, client=client, now=now)
            invited = by_coach or (terms is not None and terms.skips_approval)
            needs_approval = not invited and _needs_approval(appointment_type, client, proved=address_proved)
            reached = by_coach or (terms is not None and terms.skips_address_confirmation)
            unconfirmed = (
                not address_proved
                and not reached
                and _needs_address_confirmation(appointment_type, needs_approval=needs_approval)
            )
            if unconfirmed:
                status = Booking.Status.UNCONFIRMED
            else:
                status = Booking.Status.REQUESTED if needs_approval else Booking.Status.CONFIRMED
            end = start + appointment_type.duration
            respond_by = _respond_by(appointment_type, start, now) if needs_approval and not unconfirmed else None
            # One plain statement, with the signals of a save (rows.py): the ORM's INSERT cost 1 ms more.
            booking = row_create(
                Booking(
                    coach=coach,
                    appointment_type=appointment_type,
                    client=client,
                    start=start,
                    end=end,
                    blocked_start=start - appointment_type.buffer_before,
                    blocked_end=end + appointment_type.buffer_after,
                    status=status,
                    booked_by_coach=by_coach,
                    respond_by=respond_by,
                    hold_until=now + settings.ADDRESS_CONFIRMATION_HOLD if unconfirmed else None,
                    address_confirmed_at=now if address_proved else None,
                    channel=cleaned["channel"],
                    # A video booking's own room from the start (a move keeps it); its link is
                    # given only once the booking is confirmed (places.video_url).
                    video_room=video_room_new() if cleaned["channel"] == Channel.VIDEO else "",
                    message=cleaned["message"],
                    client_name=cleaned["name"],
                    **{field: cleaned[field] for field in CLIENT_CONTACT_FIELDS},
                    language=cleaned["language"],
                    time_zone=cleaned["time_zone"],
                    privacy_consent_at=now,  # booking_request_clean requires the consent
                    privacy_consent_version=coach.privacy_version(),
                )
            )
            if terms is not None:
                booking_link_spend(terms=terms, booking=booking, now=now)
            if unconfirmed:
                event = "created_unconfirmed"
            else:
                event = "created_requested" if needs_approval else "created_confirmed"
            booking_notify(booking=booking, event="created_by_coach" if by_coach else event, now=now)
    except IntegrityError as exc:
        if _is_overlap_violation(exc):
            raise SlotTaken from exc
        raise
    return booking


def booking_address_confirm(*, booking: Booking, now: datetime | None = None) -> Booking:
    """The client followed the confirmation link: their address is proved. The booking goes
    on to the coach as a request (or is confirmed, where the type needs no approval), and
    its details become the client's stored ones. Its answer deadline counts from now; a
    request the coach can no longer answer in time expires at once (the coach never saw
    it), its slot free again, and the client is told why (ValidationError on `start`)."""
    now = now or timezone.now()
    too_late = None
    with transaction.atomic():
        booking = _transition(
            booking, (Booking.Status.UNCONFIRMED,), _("This booking no longer waits for a confirmation.")
        )
        if booking.hold_until is not None and booking.hold_until <= now:
            raise ValidationError(_("The time to confirm has run out, and the slot is free again."))
        details = {"name": booking.client_name, "language": booking.language}
        details.update({field: getattr(booking, field) for field in CLIENT_CONTACT_FIELDS})
        client = client_details_update(coach=booking.coach, email=booking.client.email, details=details)
        booking.address_confirmed_at = now
        booking.hold_until = None
        booking.sequence += 1
        needs_approval = _needs_approval(booking.appointment_type, client, proved=True)
        booking.status = Booking.Status.REQUESTED if needs_approval else Booking.Status.CONFIRMED
        booking.respond_by = None
        if needs_approval:
            try:
                booking.respond_by = _respond_by(booking.appointment_type, booking.start, now)
            except ValidationError as exc:
                booking.status, too_late = Booking.Status.EXPIRED, exc
        booking.save()
        if too_late is None:
            event = "created_requested" if needs_approval else "created_confirmed"
            booking_notify(booking=booking, event=event, now=now)
    if too_late is not None:  # raised after the commit: the expiry stands
        raise too_late
    return booking


def bookings_unconfirmed_expire(*, coach: Coach | None = None, now: datetime | None = None) -> int:
    """Unconfirmed bookings past their hold expire and free their slots. Nobody is told:
    the coach never saw them, and the address was never proved."""
    now = now or timezone.now()
    due = Booking.objects.filter(status=Booking.Status.UNCONFIRMED, hold_until__lte=now)
    if coach is not None:
        due = due.filter(coach=coach)
    found = dict(due.values_list("pk", "coach_id"))
    # Only these rows (and only while still unconfirmed), so every coach whose slot frees is known.
    expired = Booking.objects.filter(pk__in=found, status=Booking.Status.UNCONFIRMED).update(
        status=Booking.Status.EXPIRED, sequence=F("sequence") + 1, updated_at=now
    )
    if expired:  # an update() sends no post_save: kept slot answers must not show the time as taken
        for coach_id in set(found.values()):
            availability_changed(coach_id)
    return expired


def _transition(booking: Booking, allowed: tuple[str, ...], message: str) -> Booking:
    """Lock the row and check its status, so two clicks cannot both change it."""
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status not in allowed:
        raise ValidationError(message)
    return locked


def booking_confirm(*, booking: Booking) -> Booking:
    with transaction.atomic():
        booking = _transition(booking, (Booking.Status.REQUESTED,), _("Only a request can be confirmed."))
        booking.status = Booking.Status.CONFIRMED
        booking.respond_by = None
        booking.sequence += 1
        booking.save()
        booking_notify(booking=booking, event="confirmed")
    return booking


def booking_decline(*, booking: Booking, note: str = "") -> Booking:
    with transaction.atomic():
        booking = _transition(booking, (Booking.Status.REQUESTED,), _("Only a request can be declined."))
        booking.status = Booking.Status.DECLINED
        booking.status_note = note.strip()
        booking.sequence += 1
        booking.save()
        booking_notify(booking=booking, event="declined")
    return booking


def booking_cancel(
    *,
    booking: Booking,
    note: str = "",
    now: datetime | None = None,
    by_coach: bool = False,
    deadline_applies: bool = True,
) -> Booking:
    """Cancel a requested or confirmed booking that has not started; its slot is free at once.
    `by_coach`: the coach cancels, so only the client is told. The client may cancel only
    until the type's online deadline (ChangeDeadlinePassed); the coach at any time, and so
    does the deletion of a client's account (`deadline_applies=False`)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _transition(booking, Booking.ACTIVE_STATUSES, _("This booking is no longer active."))
        if booking.start <= now:
            raise ValidationError(_("This appointment has already begun and can no longer be cancelled."))
        if deadline_applies and not by_coach:
            change_deadline_check(booking=booking, now=now, moving=False)
        unconfirmed = booking.status == Booking.Status.UNCONFIRMED
        booking.status = Booking.Status.CANCELLED
        booking.status_note = note.strip()
        booking.sequence += 1
        booking.save()
        if not unconfirmed:  # nobody was told of a booking whose address was never confirmed
            booking_notify(booking=booking, event="cancelled_by_coach" if by_coach else "cancelled", now=now)
    return booking


def booking_reschedule(
    *, booking: Booking, start: datetime, now: datetime | None = None, by_coach: bool = False
) -> Booking:
    """Move an active booking to another offered time: same booking, same link, sequence + 1.
    `by_coach`: the coach moves it, so only the client is told. The client may move it only
    until the type's online deadline (ChangeDeadlinePassed); the coach at any time."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            booking = _transition(booking, Booking.ACTIVE_STATUSES, _("This booking is no longer active."))
            if booking.status == Booking.Status.UNCONFIRMED:
                raise ValidationError(_("Please confirm your address first; then the booking can be moved."))
            if booking.start <= now:
                raise ValidationError(_("This appointment has already begun and can no longer be moved."))
            if not by_coach:
                change_deadline_check(booking=booking, now=now, moving=True)
            appointment_type = booking.appointment_type
            _slot_check(appointment_type=appointment_type, start=start, now=now, exclude=booking)
            booking.start = start
            booking.end = start + appointment_type.duration
            booking.blocked_start = start - appointment_type.buffer_before
            booking.blocked_end = booking.end + appointment_type.buffer_after
            if booking.status == Booking.Status.REQUESTED:
                booking.respond_by = _respond_by(appointment_type, start, now)
            booking.sequence += 1
            booking.save()
            booking_notify(booking=booking, event="rescheduled_by_coach" if by_coach else "rescheduled", now=now)
    except IntegrityError as exc:
        if _is_overlap_violation(exc):
            raise SlotTaken from exc
        raise
    return booking


def booking_expire(*, booking: Booking, now: datetime | None = None) -> Booking | None:
    """Expire a request nobody answered in time; returns None when there was nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status != Booking.Status.REQUESTED or locked.respond_by is None or locked.respond_by > now:
            return None
        locked.status = Booking.Status.EXPIRED
        locked.sequence += 1
        locked.save()
        booking_notify(booking=locked, event="expired", now=now)
    return locked


def bookings_expire_due(*, now: datetime | None = None) -> int:
    """Expire every request past its deadline (run by beat every minute)."""
    now = now or timezone.now()
    due = Booking.objects.filter(status=Booking.Status.REQUESTED, respond_by__lte=now)
    expired = sum(1 for booking in due if booking_expire(booking=booking, now=now) is not None)
    return expired + bookings_unconfirmed_expire(now=now)
