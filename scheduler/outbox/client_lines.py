"""Lines of the messages to a client that depend on more than the booking's own fields:
when the coach reads and answers messages next (and whether they are away), until when
the booking can be changed online (the type's change notice), and whether the client
cancelled it themself. Also read by the booking's page (views/client_booking.py), so that
page and messages say the same."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from ..models import Booking, Notification
from ..models.common import Channel
from ..reachability import AWAY, next_reply_window, status_at
from ..reachability_words import moment_words, window_words
from ..selectors.reachability import reachability_inputs
from ..services.booking_rules import online_change_open, online_change_until

Kind = Notification.Kind

# Translators: %(until)s is a day and time with the zone; %(note)s the coach's own note ("Seminar in Wien").
CLIENT_AWAY_WITH_NOTE = gettext_lazy("%(coach)s is away until %(until)s (%(note)s).")
CLIENT_AWAY = gettext_lazy("%(coach)s is away until %(until)s.")
# Translators: %(channel)s is a way to talk ("E-mail", "Threema", "WhatsApp", "Phone").
CLIENT_WINDOW_NOW = gettext_lazy("%(coach)s reads and answers messages (%(channel)s) now, until %(until)s.")
# Translators: %(window)s is a day and times with the zone, e.g. "Friday, 4 December, 08:00–09:00 (Europe/Berlin)".
CLIENT_WINDOW_NEXT = gettext_lazy("The next time %(coach)s reads and answers messages (%(channel)s): %(window)s.")
# The channel as a way to send messages: on the phone channel the coach calls the client,
# but for a reply window "Phone" says enough (as in the coach's reply window form).
REPLY_CHANNEL_LABELS = {**dict(Channel.choices), Channel.PHONE: pgettext_lazy("a way to talk", "Phone")}


def reply_channel(booking: Booking) -> str:
    """The channel whose reply windows a booking's client is told: a video call's or a
    meeting's messages go by e-mail (reply windows are for messages, not for those)."""
    return Channel.EMAIL if booking.channel in (Channel.VIDEO, Channel.IN_PERSON) else booking.channel


def reachable_next(booking: Booking, now: datetime, zone: ZoneInfo | None = None) -> list[str]:
    """Whether the coach is away (with the note clients may read, in the active language)
    and when they read and answer messages on the booking's channel next, in `zone` (the
    client's by default). Nothing about windows when there is none to name (a coach who
    planned none, or none within reachability.LOOK_AHEAD): better no line than an untrue one."""
    inputs = reachability_inputs(coach=booking.coach, now=now)
    zone = zone or ZoneInfo(booking.time_zone)
    channel = reply_channel(booking)
    names = {"coach": booking.coach.display_name, "channel": REPLY_CHANNEL_LABELS[channel]}
    lines = []
    status = status_at(**inputs, now=now)
    if status.state == AWAY and status.until is not None:
        template = CLIENT_AWAY_WITH_NOTE if status.note else CLIENT_AWAY
        lines.append(template % {**names, "until": moment_words(status.until, zone), "note": status.note})
    window = next_reply_window(**inputs, now=now, channel=channel)
    if window is not None and window.start <= now:
        lines.append(CLIENT_WINDOW_NOW % {**names, "until": moment_words(window.end, zone)})
    elif window is not None:
        lines.append(CLIENT_WINDOW_NEXT % {**names, "window": window_words(window, zone)})
    return lines


# The messages that offer the link to change or cancel the booking, and their words once
# that can no longer be done online (the type's change notice has begun): the same, with
# the link named as the booking's.
CHANGE_OFFERED_KINDS = (Kind.REQUEST_RECEIVED, Kind.CONFIRMED, Kind.REMINDER, Kind.RESCHEDULED)
CHANGE_CLOSED_BODIES = {
    Kind.REQUEST_RECEIVED: gettext_lazy(
        "Hello %(name)s,\n\n%(coach)s has received your request for %(type)s on %(day)s, %(time)s. "
        "The time is reserved for you; you will hear back once it is confirmed.\n\n"
        "Your booking: %(link)s"
    ),
    Kind.CONFIRMED: gettext_lazy(
        "Hello %(name)s,\n\nyour appointment is confirmed: %(type)s with %(coach)s on %(day)s, %(time)s "
        "(%(channel)s).\n\nYour booking: %(link)s"
    ),
    Kind.REMINDER: gettext_lazy(
        "Hello %(name)s,\n\na reminder of your appointment: %(type)s with %(coach)s on %(day)s, %(time)s "
        "(%(channel)s).\n\nYour booking: %(link)s"
    ),
    Kind.RESCHEDULED: gettext_lazy(
        "Hello %(name)s,\n\nyour appointment has moved: %(type)s with %(coach)s now on %(day)s, %(time)s.\n\n"
        "Your booking: %(link)s"
    ),
}
# Translators: %(deadline)s is a day and time with the zone, e.g. "Monday, 3 March, 10:00 (Europe/Berlin)".
CHANGE_OPEN_UNTIL = gettext_lazy(
    "You can change or cancel it online until %(deadline)s; after that, please contact %(coach)s."
)
CHANGE_CLOSED = gettext_lazy(
    "It can no longer be changed or cancelled online (that was possible until %(deadline)s). To change or "
    "cancel it, please contact %(coach)s."
)


def change_words(booking: Booking, now: datetime, zone: ZoneInfo | None = None) -> str:
    """Until when an active booking that has not begun can be changed online, in `zone` (the
    client's by default): the deadline while it is open, or that it has passed. "" where the
    type sets no deadline (online until it begins), and for a booking that is over or began."""
    until = online_change_until(booking)
    if until is None or booking.start <= now or booking.appointment_type.change_notice is None:
        return ""
    values = {"deadline": moment_words(until, zone or ZoneInfo(booking.time_zone)), "coach": booking.coach.display_name}
    return str((CHANGE_OPEN_UNTIL if online_change_open(booking, now) else CHANGE_CLOSED) % values)


def change_rule_words(appointment_type, start: datetime | None, now: datetime) -> str:
    """The type's online deadline as the booking page says it before booking (Cal.com shows its
    cancellation policy there too): how long before, and, for a chosen time already inside
    it, that this booking could not be changed online at all. "" without a deadline."""
    notice = appointment_type.change_notice
    if notice is None:
        return ""
    hours = round(notice.total_seconds() / 3600)
    values = {
        "notice": ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours},
        "coach": appointment_type.coach.display_name,
    }
    if start is not None and start - notice <= now:
        return str(CHANGE_RULE_INSIDE % values)
    return str(CHANGE_RULE % values)


# Translators: shown on the type page before booking; %(notice)s is e.g. "24 hours".
CHANGE_RULE = gettext_lazy("You can cancel or move it online up to %(notice)s before it begins.")
# Translators: the chosen time starts within the type's online deadline.
CHANGE_RULE_INSIDE = gettext_lazy(
    "This time begins in less than %(notice)s: once booked, it can no longer be cancelled or moved online; "
    "please contact %(coach)s for that."
)


def client_body(kind: str, booking: Booking, now: datetime, body):
    """The body of a message of `kind`: `body` (the kind's own), or, where it offers the link
    to change or cancel and that can no longer be done online, the words naming the link
    only as the booking's."""
    if kind in CHANGE_OFFERED_KINDS and booking.is_active and not online_change_open(booking, now):
        return CHANGE_CLOSED_BODIES[kind]
    return body


def cancelled_by_client(notification: Notification) -> bool:
    """Whether the cancellation this message to the client tells of was the client's own:
    then the coach was told of the same change too (outbox/write.py EVENTS "cancelled"),
    and the client's own note is not mailed back to them."""
    return (
        notification.kind == Kind.CANCELLED
        and Notification.objects.filter(
            booking_id=notification.booking_id,
            kind=Kind.CANCELLED,
            audience=Notification.Audience.COACH,
            sequence=notification.sequence,
        ).exists()
    )
