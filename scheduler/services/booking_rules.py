"""The rules a coach keeps per appointment type, as the booking services check them: until
when a client may cancel or move a booking online (`AppointmentType.change_notice`), and
how many open future bookings of a type one client may hold (`open_bookings_limit`)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import AppointmentType, Booking, Client
from ..reachability_words import moment_words


class ChangeDeadlinePassed(ValidationError):
    """The type's online deadline for cancelling or moving has passed: the client has to
    reach the coach instead (the API answers 409)."""


def online_change_until(booking: Booking) -> datetime | None:
    """Until when the client may cancel or move `booking` online: the type's change notice
    before its start, or the start itself when the type sets none. A booking whose address
    is not confirmed yet may be cancelled until it begins: the coach has not seen it. None
    for a booking that is over (cancelled, declined, expired)."""
    if not booking.is_active:
        return None
    notice = booking.appointment_type.change_notice
    if notice is None or booking.status == Booking.Status.UNCONFIRMED:
        return booking.start
    return booking.start - notice


def online_change_open(booking: Booking, now: datetime) -> bool:
    """Whether the client may still cancel or move `booking` online now."""
    until = online_change_until(booking)
    return until is not None and now < until


def change_deadline_check(*, booking: Booking, now: datetime, moving: bool) -> None:
    """Raise ChangeDeadlinePassed when the client may no longer cancel (or, `moving`, move)
    `booking` online. Only the client's own changes are limited; the coach's are not."""
    until = online_change_until(booking)
    if until is None or now < until or booking.start <= now:  # over, open, or begun (the caller says so)
        return
    values = {
        "deadline": moment_words(until, ZoneInfo(booking.time_zone)),
        "coach": booking.coach.display_name,
    }
    if moving:
        # Translators: %(deadline)s is a day and time with the zone, e.g. "Monday, 3 March, 10:00 (Europe/Berlin)".
        message = _(
            "This appointment could be moved online until %(deadline)s. To move it now, please contact %(coach)s."
        )
    else:
        message = _(
            "This appointment could be cancelled online until %(deadline)s. To cancel it now, please contact %(coach)s."
        )
    raise ChangeDeadlinePassed(message % values, code="change_deadline")


def open_bookings_check(*, appointment_type: AppointmentType, client: Client, now: datetime) -> None:
    """Refuse a booking that would give `client` more open future bookings of this type than
    the type allows (a field error on the e-mail address, which names the client at this
    coach). The client's row is locked first, so two bookings at once cannot both pass."""
    limit = appointment_type.open_bookings_limit
    if limit is None:
        return
    Client.objects.select_for_update().filter(pk=client.pk).first()
    held = (
        Booking.objects.filter(
            client=client, appointment_type=appointment_type, status__in=Booking.ACTIVE_STATUSES, start__gt=now
        )
        # An unconfirmed booking past its hold is over, even before it is marked expired.
        .exclude(status=Booking.Status.UNCONFIRMED, hold_until__lte=now)
        .count()
    )
    if held < limit:
        return
    message = ngettext(
        "This e-mail address already has an open booking of this type, and %(coach)s takes at most %(limit)d at "
        "a time. Once it has taken place, or after you cancel it through the link you received, you can book again.",
        "This e-mail address already has %(count)d open bookings of this type, and %(coach)s takes at most "
        "%(limit)d at a time. Once one of them has taken place, or after you cancel one through the link you "
        "received, you can book again.",
        held,
    ) % {"count": held, "limit": limit, "coach": appointment_type.coach.display_name}
    raise ValidationError({"email": [message]})
