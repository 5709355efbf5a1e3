"""What each notification says: turns an outbox row into a channel `Message`, in the
recipient's language, with the calendar file and the OpenPGP key for e-mail. The words
of each kind are tables (CLIENT_TEXTS, COACH_TEXTS) filled from one context per audience.

Rendered when the message is sent, from the booking as it is then (the outbox does not
send one that a later change overtook). Encryption is never dropped silently: a client
who gave a key and whose key no longer works gets a notice without content, with the
link; an e-mail to the coach that carries a client's message or contact details is
encrypted to the coach's key, or, when the client asked for encryption and the coach
has no working key, carries neither, only the link to the booking in the workspace.

Every message to a client ends with when the coach reads and answers messages on the
booking's channel next (in the client's zone), and whether the coach is away; a request
says by when it is answered; one that offers the link to change or cancel says until when
that can be done online, or that it no longer can (outbox/client_lines.py); a cancellation
the client made does not carry their own note back to them. Clients read the type's name
in their language, the coach their own (German) one. Where the conversation happens is
place_words.py's (the video link once confirmed), with the add-to-calendar links in a
confirmation's e-mail."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import ics
from ..calendar_links import calendar_lines
from ..channels.base import Message
from ..channels.email import key_problem
from ..channels.whatsapp import template_name
from ..models import Booking, Notification
from ..models.common import Channel
from ..phrases import CHANNEL_LABELS_FOR_COACH
from ..place_words import place_line
from ..reachability_words import moment_words
from ..selectors.client_feeds import client_feed_url_of_address
from .client_lines import CHANGE_OFFERED_KINDS, cancelled_by_client, change_words, client_body, reachable_next

Kind = Notification.Kind

# Subjects of e-mails to the coach that travel beside encrypted content (or none): the
# Subject is never encrypted, so it names neither the client nor the time.
COACH_NEUTRAL_SUBJECTS = {
    Kind.COACH_REQUEST_WAITING: gettext_lazy("A request is waiting for your answer"),
    Kind.COACH_NEW_BOOKING: gettext_lazy("A new booking"),
    Kind.CANCELLED: gettext_lazy("A booking was cancelled"),
    Kind.RESCHEDULED: gettext_lazy("A booking was moved"),
    Kind.COACH_DELIVERY_FAILED: gettext_lazy("A message could not be delivered"),
    Kind.COACH_KEY_UNUSABLE: gettext_lazy("A client's OpenPGP key no longer works"),
}

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
    start = booking.start.astimezone(ZoneInfo(zone_name))
    end = booking.end.astimezone(ZoneInfo(zone_name))
    german = translation.get_language().startswith("de")
    day = formats.date_format(start, "l, j. F Y" if german else "l, j F Y")
    return day, f"{start:%H:%M}–{end:%H:%M} ({zone_name})"


# What each kind of message says to the client: (subject, body), filled from
# _client_context. A kind missing here (the coach's alerts) never goes to a client.
CLIENT_TEXTS = {
    Kind.ADDRESS_CONFIRMATION: (
        gettext_lazy("Please confirm: %(type)s on %(day)s"),
        gettext_lazy(
            # Translators: %(day)s is the weekday and date, %(time)s the hours with the time zone
            # ("10:00–11:00 (Europe/Berlin)"), %(confirm)s the link; the same in the messages below.
            "Hello %(name)s,\n\nplease confirm that this booking is yours: %(type)s with %(coach)s on "
            "%(day)s, %(time)s.\n\nConfirm: %(confirm)s\n\nThe time is held for you for %(minutes)d minutes; "
            "without your confirmation it becomes free again and %(coach)s is not told. "
            "If you did not book this, ignore this message."
        ),
    ),
    Kind.REQUEST_RECEIVED: (
        gettext_lazy("Your request: %(type)s on %(day)s"),
        gettext_lazy(
            "Hello %(name)s,\n\n%(coach)s has received your request for %(type)s on %(day)s, %(time)s. "
            "The time is reserved for you; you will hear back once it is confirmed.\n\n"
            "Change or cancel: %(link)s"
        ),
    ),
    Kind.CONFIRMED: (
        gettext_lazy("Confirmed: %(type)s on %(day)s"),
        gettext_lazy(
            "Hello %(name)s,\n\nyour appointment is confirmed: %(type)s with %(coach)s on %(day)s, %(time)s "
            "(%(channel)s).\n\nChange or cancel: %(link)s"
        ),
    ),
    Kind.DECLINED: (
        gettext_lazy("Not possible: %(type)s on %(day)s"),
        gettext_lazy(
            "Hello %(name)s,\n\nunfortunately %(coach)s cannot take the appointment on %(day)s, %(time)s. "
            "%(note)s\n\nYou are welcome to choose another time: %(link)s"
        ),
    ),
    Kind.REMINDER: (
        gettext_lazy("Reminder: %(type)s on %(day)s"),
        gettext_lazy(
            "Hello %(name)s,\n\na reminder of your appointment: %(type)s with %(coach)s on %(day)s, %(time)s "
            "(%(channel)s).\n\nChange or cancel: %(link)s"
        ),
    ),
    Kind.CANCELLED: (
        gettext_lazy("Cancelled: %(type)s on %(day)s"),
        gettext_lazy("Hello %(name)s,\n\nthe appointment on %(day)s, %(time)s is cancelled. %(note)s\n\n%(link)s"),
    ),
    Kind.RESCHEDULED: (
        gettext_lazy("New time: %(type)s on %(day)s"),
        gettext_lazy(
            "Hello %(name)s,\n\nyour appointment has moved: %(type)s with %(coach)s now on %(day)s, %(time)s.\n\n"
            "Change or cancel: %(link)s"
        ),
    ),
}

# What each kind of message says to the coach: (subject, the opening), filled from
# _coach_context; COACH_DETAILS and the workspace link follow the opening. A kind missing
# here is told as a new booking.
COACH_TEXTS = {
    Kind.COACH_NEW_BOOKING: (
        gettext_lazy("New booking: %(client)s, %(day)s"),
        gettext_lazy("%(client)s has booked %(type)s on %(day)s, %(time)s."),
    ),
    Kind.COACH_REQUEST_WAITING: (
        gettext_lazy("Request waiting: %(client)s, %(day)s"),
        gettext_lazy("%(client)s asks for %(type)s on %(day)s, %(time)s. Please confirm or decline."),
    ),
    Kind.COACH_DELIVERY_FAILED: (
        gettext_lazy("A message to %(client)s could not be delivered"),
        gettext_lazy("The message about %(type)s on %(day)s could not be delivered: %(error)s"),
    ),
    Kind.COACH_KEY_UNUSABLE: (
        gettext_lazy("The OpenPGP key of %(client)s no longer works"),
        gettext_lazy(
            "The OpenPGP key %(client)s gave for %(type)s on %(day)s, %(time)s no longer works: %(error)s\n"
            "Instead of their messages they get a notice without content, with the link to their booking. "
            "Please ask them for a current key."
        ),
    ),
    Kind.CANCELLED: (
        gettext_lazy("Cancelled: %(client)s, %(day)s"),
        gettext_lazy("%(client)s has cancelled %(type)s on %(day)s, %(time)s."),
    ),
    Kind.RESCHEDULED: (
        gettext_lazy("Moved: %(client)s, now %(day)s"),
        gettext_lazy("%(client)s has moved %(type)s to %(day)s, %(time)s."),
    ),
}
# The messages that say where the conversation happens (place_words.place_line), and those
# whose e-mail carries the add-to-calendar links: not a decline or a cancellation.
CLIENT_PLACE_KINDS = (Kind.ADDRESS_CONFIRMATION, Kind.REQUEST_RECEIVED, Kind.CONFIRMED, Kind.REMINDER, Kind.RESCHEDULED)
CLIENT_CALENDAR_KINDS = (Kind.CONFIRMED, Kind.RESCHEDULED)
COACH_PLACE_KINDS = (Kind.COACH_NEW_BOOKING, Kind.COACH_REQUEST_WAITING, Kind.RESCHEDULED)

# The last lines of every message to a client (the notice without content excepted).
# Translators: %(respond_by)s is a day and time with the zone, e.g. "Friday, 22 May, 09:00 (Europe/Berlin)".
REQUEST_ANSWER_BY = gettext_lazy(
    "%(coach)s answers by %(respond_by)s at the latest; otherwise the request expires and the time is free again."
)
COACH_DETAILS = gettext_lazy("Channel: %(channel)s (%(contact)s)\nE-mail: %(email)s\n\nMessage:\n%(message)s")
COACH_WORKSPACE_LINK = gettext_lazy("In your workspace: %(link)s")
COACH_CANCEL_NOTE = gettext_lazy("Their note: %(note)s")
# Translators: %(respond_by)s is a day and time with the zone, e.g. "Friday, 22 May, 09:00 (Europe/Berlin)".
COACH_ANSWER_BY = gettext_lazy(
    "Please answer by %(respond_by)s; otherwise the request expires and the time is free again."
)


def _client_context(booking: Booking) -> dict:
    """The variable parts of every message to the client."""
    day, time = _when(booking, booking.time_zone)
    return {
        "name": booking.client_name,
        "type": booking.appointment_type.local_name,
        "coach": booking.coach.display_name,
        "day": day,
        "time": time,
        "channel": booking.get_channel_display(),
        "link": ics.booking_manage_url(booking),
        "note": booking.status_note,
        "confirm": ics.booking_address_confirm_url(booking),
        "minutes": int(settings.ADDRESS_CONFIRMATION_HOLD.total_seconds() // 60),
    }


def _client_texts(notification: Notification, booking: Booking, now: datetime) -> tuple[str, str]:
    subject, body = CLIENT_TEXTS[notification.kind]
    context = _client_context(booking)
    if cancelled_by_client(notification):  # their own note is the coach's to read, not theirs again
        context["note"] = ""
    paragraphs = [client_body(notification.kind, booking, now, body) % context]
    if notification.kind in CHANGE_OFFERED_KINDS:
        paragraphs.append(change_words(booking, now))
    if notification.kind in CLIENT_PLACE_KINDS:
        paragraphs.append(place_line(booking))
    if notification.kind == Kind.REQUEST_RECEIVED and booking.respond_by is not None:
        respond_by = moment_words(booking.respond_by, ZoneInfo(booking.time_zone))
        paragraphs.append(REQUEST_ANSWER_BY % {**context, "respond_by": respond_by})
    # The links are long: for an e-mail only (chat messages carry the booking's link).
    by_email = notification.channel == Channel.EMAIL and booking.status == Booking.Status.CONFIRMED
    if notification.kind in CLIENT_CALENDAR_KINDS and by_email:
        paragraphs.append(calendar_lines(booking, feed_url=client_feed_url_of_address(email=notification.recipient)))
    paragraphs.append(" ".join(reachable_next(booking, now)))
    return subject % context, "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def _coach_context(notification: Notification, booking: Booking) -> dict:
    """The variable parts of every message to the coach (with the channel in the coach's words)."""
    day, time = _when(booking, booking.coach.time_zone)
    return {
        "client": booking.client_name,
        "email": booking.client.email,
        "type": booking.appointment_type.name,
        "day": day,
        "time": time,
        "channel": CHANNEL_LABELS_FOR_COACH[booking.channel],
        "contact": booking.contact,
        "message": booking.message,
        "error": notification.last_error,
        "link": workspace_url(booking),
    }


def _coach_answer_by(notification: Notification, booking: Booking) -> str:
    """A waiting request's deadline, in the coach's zone, or ""."""
    if notification.kind != Kind.COACH_REQUEST_WAITING or booking.respond_by is None:
        return ""
    return str(COACH_ANSWER_BY % {"respond_by": moment_words(booking.respond_by, booking.coach.zone)})


def _coach_texts(notification: Notification, booking: Booking) -> tuple[str, str]:
    subject, intro = COACH_TEXTS.get(notification.kind, COACH_TEXTS[Kind.COACH_NEW_BOOKING])
    context = _coach_context(notification, booking)
    opening = " ".join(part for part in (intro % context, _coach_answer_by(notification, booking)) if part)
    place = place_line(booking, for_coach=True) if notification.kind in COACH_PLACE_KINDS else ""
    # The client's cancellation note is for the coach (and never mailed back to the client).
    cancelled = notification.kind == Kind.CANCELLED and booking.status_note
    note = COACH_CANCEL_NOTE % {"note": booking.status_note} if cancelled else ""
    parts = (opening, note, place, COACH_DETAILS % context, COACH_WORKSPACE_LINK % context)
    return subject % context, "\n\n".join(part for part in parts if part)


def workspace_url(booking: Booking) -> str:
    """The booking's page in the coach's workspace (behind the coach's login)."""
    return settings.SITE_URL + reverse("coach:booking", args=[booking.uuid])


def _coach_link_only_texts(notification: Notification, booking: Booking, coach_key_problem: str) -> tuple[str, str]:
    """An e-mail to the coach without the client's message or contact details: only what
    happened, in words naming nobody, and the link to the booking in the workspace."""
    subject = str(COACH_NEUTRAL_SUBJECTS.get(notification.kind, _("A message about a booking")))
    values = {"link": workspace_url(booking), "reason": coach_key_problem}
    if coach_key_problem:
        why = _(
            "Your OpenPGP key in the settings no longer works (%(reason)s), so this e-mail carries neither the "
            "client's message nor their contact details."
        )
    else:
        why = _(
            "The client asked for encrypted messages, and your settings hold no OpenPGP key of yours, so this "
            "e-mail carries neither their message nor their contact details. Add your key in the settings to "
            "receive them encrypted."
        )
    body = _("%(subject)s.\n\n%(why)s\n\nRead it in your workspace: %(link)s") % {
        "subject": subject,
        "why": why % values,
        "link": values["link"],
    }
    # The deadline names neither the client nor the appointment's time; the coach needs it.
    if answer_by := _coach_answer_by(notification, booking):
        body = f"{body}\n\n{answer_by}"
    return subject, body


def _client_key_notice(notification: Notification, booking: Booking) -> tuple[str, str]:
    """What a client whose OpenPGP key no longer works gets instead of the message: nothing
    of it (no time, no type, no text of the coach), only the link."""
    subject = _("A message about your appointment")
    body = _(
        "Hello,\n\nthere is news about your appointment. It would have been encrypted to your OpenPGP key, "
        "but that key no longer works (it may have expired or been revoked), so this e-mail says nothing more."
        "\n\nPlease read it here: %(link)s"
    ) % {"link": _template_link(notification, booking)}
    return subject, body


def client_key_problem(notification: Notification) -> str:
    """Why the client's OpenPGP key cannot encrypt this e-mail now, or "" (also when the
    message is not an e-mail to a client who gave a key)."""
    booking = notification.booking
    if notification.audience != Notification.Audience.CLIENT or notification.channel != "email":
        return ""
    return key_problem(booking.pgp_public_key) if booking.pgp_public_key else ""


def _template_link(notification: Notification, booking: Booking) -> str:
    if notification.kind == Kind.ADDRESS_CONFIRMATION:
        return ics.booking_address_confirm_url(booking)
    return ics.booking_manage_url(booking)


def render(notification: Notification, *, client_key_problem: str = "", now: datetime | None = None) -> Message:
    """The message as it is to be sent `now`. `client_key_problem` (see client_key_problem()):
    the client's key no longer works, so they get the notice without content (without the
    coach's reachability either: it says nothing of the coach's)."""
    now = now or timezone.now()
    booking = notification.booking
    to_client = notification.audience == Notification.Audience.CLIENT
    email = notification.channel == "email"
    language = booking.coach.language_for_clients(booking.language) if to_client else booking.coach.language
    pgp_public_key, method = "", None
    with translation.override(language):
        if to_client and email and booking.pgp_public_key and client_key_problem:
            subject, text = _client_key_notice(notification, booking)
        elif to_client:
            subject, text = _client_texts(notification, booking, now)
            method = CALENDAR_METHODS.get(notification.kind)
            pgp_public_key = booking.pgp_public_key if email else ""
            if pgp_public_key:
                # The subject travels unencrypted: it must not tell what or when.
                subject = _("A message about your appointment")
        else:
            coach_key = booking.coach.pgp_public_key
            coach_key_problem = key_problem(coach_key) if coach_key else ""
            if coach_key and not coach_key_problem:
                subject, text = _coach_texts(notification, booking)
                pgp_public_key = coach_key
                subject = str(COACH_NEUTRAL_SUBJECTS.get(notification.kind, subject))
            elif booking.pgp_public_key or coach_key:
                subject, text = _coach_link_only_texts(notification, booking, coach_key_problem)
            else:
                subject, text = _coach_texts(notification, booking)
        day, time = _when(booking, booking.time_zone)
        # The same parameters as ever; the client's in their language (the coach's own in theirs).
        type_name = booking.appointment_type.local_name if to_client else booking.appointment_type.name
        html = render_to_string("notifications/message.html", {"subject": subject, "text": text, "language": language})
        # The invitation in the client's language too: its summary names the type.
        calendar = ics.booking_invitation(booking, method=method) if email and method else None
    return Message(
        recipient=notification.recipient,
        subject=subject,
        text=text,
        html=html if email else "",
        language=language,
        calendar=calendar,
        calendar_method=method or "",
        pgp_public_key=pgp_public_key,
        template=template_name(notification.kind),
        # The confirmation's template carries the link that proves the address, not the booking's.
        template_params=(day, time, type_name, _template_link(notification, booking)),
        reference=str(notification.pk),
        key=str(notification.uuid),
    )
