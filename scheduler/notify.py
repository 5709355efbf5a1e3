"""What each notification says: turns an outbox row into a channel `Message`, in the
recipient's language, with the calendar file and the client's OpenPGP key for e-mail."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _

from . import ics
from .channels.base import Message
from .models import Booking, Notification

Kind = Notification.Kind

# Kinds whose e-mail carries the event, and with which iMIP method.
CALENDAR_METHODS = {
    Kind.CONFIRMED: "REQUEST",
    Kind.RESCHEDULED: "REQUEST",
    Kind.REMINDER: "REQUEST",
    Kind.CANCELLED: "CANCEL",
    Kind.DECLINED: "CANCEL",
}


def _when(booking: Booking, zone_name: str) -> tuple[str, str]:
    """Date and time of the booking in `zone_name`, formatted for the active language."""
    from zoneinfo import ZoneInfo

    start = booking.start.astimezone(ZoneInfo(zone_name))
    end = booking.end.astimezone(ZoneInfo(zone_name))
    german = translation.get_language().startswith("de")
    day = formats.date_format(start, "l, j. F Y" if german else "l, j F Y")
    return day, f"{start:%H:%M}–{end:%H:%M} ({zone_name})"


def _client_texts(notification: Notification, booking: Booking) -> tuple[str, str]:
    day, time = _when(booking, booking.time_zone)
    values = {
        "name": booking.client_name,
        "type": booking.appointment_type.name,
        "coach": booking.coach.display_name,
        "day": day,
        "time": time,
        "channel": booking.get_channel_display(),
        "link": ics.booking_manage_url(booking),
        "note": booking.status_note,
    }
    kind = notification.kind
    if kind == Kind.ADDRESS_CONFIRMATION:
        values["confirm"] = ics.booking_address_confirm_url(booking)
        values["minutes"] = int(settings.ADDRESS_CONFIRMATION_HOLD.total_seconds() // 60)
        subject = _("Please confirm: %(type)s on %(day)s") % values
        body = (
            _(
                "Hello %(name)s,\n\nplease confirm that this booking is yours: %(type)s with %(coach)s on "
                "%(day)s, %(time)s.\n\nConfirm: %(confirm)s\n\nThe time is held for you for %(minutes)d minutes; "
                "without your confirmation it becomes free again and %(coach)s is not told. "
                "If you did not book this, ignore this message."
            )
            % values
        )
    elif kind == Kind.REQUEST_RECEIVED:
        subject = _("Your request: %(type)s on %(day)s") % values
        body = (
            _(
                "Hello %(name)s,\n\n%(coach)s has received your request for %(type)s on %(day)s, %(time)s. "
                "The time is reserved for you; you will hear back once it is confirmed.\n\n"
                "Change or cancel: %(link)s"
            )
            % values
        )
    elif kind == Kind.CONFIRMED:
        subject = _("Confirmed: %(type)s on %(day)s") % values
        body = (
            _(
                "Hello %(name)s,\n\nyour appointment is confirmed: %(type)s with %(coach)s on %(day)s, %(time)s "
                "(%(channel)s).\n\nChange or cancel: %(link)s"
            )
            % values
        )
    elif kind == Kind.DECLINED:
        subject = _("Not possible: %(type)s on %(day)s") % values
        body = (
            _(
                "Hello %(name)s,\n\nunfortunately %(coach)s cannot take the appointment on %(day)s, %(time)s. "
                "%(note)s\n\nYou are welcome to choose another time: %(link)s"
            )
            % values
        )
    elif kind == Kind.REMINDER:
        subject = _("Reminder: %(type)s on %(day)s") % values
        body = (
            _(
                "Hello %(name)s,\n\na reminder of your appointment: %(type)s with %(coach)s on %(day)s, %(time)s "
                "(%(channel)s).\n\nChange or cancel: %(link)s"
            )
            % values
        )
    elif kind == Kind.CANCELLED:
        subject = _("Cancelled: %(type)s on %(day)s") % values
        body = _("Hello %(name)s,\n\nthe appointment on %(day)s, %(time)s is cancelled. %(note)s\n\n%(link)s") % values
    else:  # RESCHEDULED
        subject = _("New time: %(type)s on %(day)s") % values
        body = (
            _(
                "Hello %(name)s,\n\nyour appointment has moved: %(type)s with %(coach)s now on %(day)s, %(time)s.\n\n"
                "Change or cancel: %(link)s"
            )
            % values
        )
    return subject, body


def _coach_channel(booking: Booking) -> str:
    """The channel as the coach reads it ("The coach calls you" is the client's wording)."""
    if booking.channel == "phone":
        return _("You call the client")
    return booking.get_channel_display()


def _coach_texts(notification: Notification, booking: Booking) -> tuple[str, str]:
    day, time = _when(booking, booking.coach.time_zone)
    client = booking.client
    contact = booking.contact
    values = {
        "client": booking.client_name,
        "email": client.email,
        "type": booking.appointment_type.name,
        "day": day,
        "time": time,
        "channel": _coach_channel(booking),
        "contact": contact,
        "message": booking.message,
        "error": notification.last_error,
    }
    kind = notification.kind
    if kind == Kind.COACH_REQUEST_WAITING:
        subject = _("Request waiting: %(client)s, %(day)s") % values
        intro = _("%(client)s asks for %(type)s on %(day)s, %(time)s. Please confirm or decline.") % values
    elif kind == Kind.COACH_DELIVERY_FAILED:
        subject = _("A message to %(client)s could not be delivered") % values
        intro = _("The message about %(type)s on %(day)s could not be delivered: %(error)s") % values
    elif kind == Kind.CANCELLED:
        subject = _("Cancelled: %(client)s, %(day)s") % values
        intro = _("%(client)s has cancelled %(type)s on %(day)s, %(time)s.") % values
    elif kind == Kind.RESCHEDULED:
        subject = _("Moved: %(client)s, now %(day)s") % values
        intro = _("%(client)s has moved %(type)s to %(day)s, %(time)s.") % values
    else:  # COACH_NEW_BOOKING
        subject = _("New booking: %(client)s, %(day)s") % values
        intro = _("%(client)s has booked %(type)s on %(day)s, %(time)s.") % values
    details = _("Channel: %(channel)s (%(contact)s)\nE-mail: %(email)s\n\nMessage:\n%(message)s") % values
    return subject, f"{intro}\n\n{details}"


def _template_link(notification: Notification, booking: Booking) -> str:
    if notification.kind == Kind.ADDRESS_CONFIRMATION:
        return ics.booking_address_confirm_url(booking)
    return ics.booking_manage_url(booking)


def render(notification: Notification) -> Message:
    booking = notification.booking
    to_client = notification.audience == Notification.Audience.CLIENT
    language = booking.coach.language_for_clients(booking.language) if to_client else booking.coach.language
    with translation.override(language):
        subject, text = (_client_texts if to_client else _coach_texts)(notification, booking)
        day, time = _when(booking, booking.time_zone)
        method = CALENDAR_METHODS.get(notification.kind) if to_client else None
        email = notification.channel == "email"
        pgp_public_key = booking.pgp_public_key if email and to_client else ""
        if pgp_public_key:
            # The subject travels unencrypted: it must not tell what or when.
            subject = _("A message about your appointment")
        html = render_to_string("notifications/message.html", {"subject": subject, "text": text, "language": language})
    return Message(
        recipient=notification.recipient,
        subject=subject,
        text=text,
        html=html if email else "",
        language=language,
        calendar=ics.booking_invitation(booking, method=method) if email and method else None,
        calendar_method=method or "",
        pgp_public_key=pgp_public_key,
        template=settings.WHATSAPP_TEMPLATES.get(notification.kind, settings.WHATSAPP_TEMPLATES["default"]),
        # The confirmation's template carries the link that proves the address, not the booking's.
        template_params=(day, time, booking.appointment_type.name, _template_link(notification, booking)),
        reference=str(notification.pk),
    )
