"""What the coach records about how an appointment went, where it did not go as agreed:
cancelled late or a no-show (Booking.outcome). It counts in the client's history the coach
sees (selectors/client_history.py); the client is not told, and the calendars do not change."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Booking

Outcome = Booking.Outcome


def booking_outcomes_open(*, booking: Booking, now: datetime) -> list[str]:
    """The outcomes the coach may record for `booking` now: for an appointment that began,
    each; for a cancelled one, "cancelled late" (or back to as agreed: a cancellation in
    time). Nothing for one still ahead, nor for a request that was declined or expired
    (there was no appointment to miss)."""
    if booking.status == Booking.Status.CANCELLED:
        return [Outcome.NONE, Outcome.CANCELLED_LATE]
    if booking.status == Booking.Status.CONFIRMED and booking.start <= now:
        return [Outcome.NONE, Outcome.CANCELLED_LATE, Outcome.NO_SHOW]
    return []


def booking_outcome_mark(*, booking: Booking, outcome: str, now: datetime) -> Booking:
    """Record `outcome` (a Booking.Outcome) for `booking`; Outcome.NONE undoes an earlier
    mark. Raises ValidationError when the booking cannot have that outcome (yet)."""
    if outcome not in Outcome.values:
        raise ValidationError(_("Choose one of the offered outcomes."))
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        allowed = booking_outcomes_open(booking=locked, now=now)
        if not allowed:
            raise ValidationError(
                _("Only an appointment that has begun, or one that was cancelled, can be marked this way.")
            )
        if outcome not in allowed:
            raise ValidationError(_("A cancelled appointment can be marked as cancelled late, not as a no-show."))
        locked.outcome = outcome
        locked.outcome_marked_at = None if outcome == Outcome.NONE else now
        locked.save(update_fields=["outcome", "outcome_marked_at", "updated_at"])
    return locked
