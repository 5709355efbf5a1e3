"""The message that carries times the coach proposes (a BookingLink with proposed_starts):
its row, written in the link's transaction, and what it says when it is sent — each time in
the client's zone and language (German in the coach's Sie or du), and the link to pick one.
Like the automatic answer (contact_answer.py) it is about no booking; send.py renders it
here and sends it through the client's channel."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..channels.base import Message
from ..channels.email import key_problem
from ..channels.whatsapp import template_name
from ..models import BookingLink, Notification
from ..models.common import Channel
from ..reachability_words import window_words
from ..slot_engine import Interval
from ..timebounds import parse_instant
from .queue import notifications_dispatch

Kind = Notification.Kind

SUBJECT = _("%(coach)s proposes times for %(type)s")
# Translators: %(times)s is a list, one time a line, e.g. "– Friday, 4 December, 10:00–11:00 (America/New_York)".
BODY = _(
    "Hello %(name)s,\n\n%(coach)s proposes these times for %(type)s:\n\n%(times)s\n\n"
    "Please choose one here: %(link)s\n\n"
    "The link is for you and can be used for one booking. A time that has been taken in the meantime is "
    "marked as no longer free."
)

KEY_NOTICE_SUBJECT = _("A message about your appointments")
KEY_NOTICE = _(
    "Hello,\n\nthere is news about your appointments. It would have been encrypted to your OpenPGP key, but "
    "that key no longer works (it may have expired or been revoked), so this e-mail says nothing more.\n\n"
    "Please read it here: %(link)s"
)


def booking_link_url(link: BookingLink) -> str:
    return settings.SITE_URL + reverse("scheduler:link", args=[link.token])


def proposal_write(*, link: BookingLink, channel: str, recipient: str, now: datetime) -> Notification:
    """The proposal's message to the client (in the current transaction), dispatched once it
    commits; rendered when it is sent."""
    row = Notification.objects.create(
        booking_link=link,
        booking=None,
        kind=Kind.PROPOSAL,
        audience=Notification.Audience.CLIENT,
        channel=channel,
        recipient=recipient,
        scheduled_for=now,
        # As booking_notify's rows: marked up front, so a lost dispatch is the sweeper's.
        dispatched_at=now,
    )
    transaction.on_commit(lambda: notifications_dispatch(ids=[row.pk], mark=False))
    return row


def _latest(link: BookingLink) -> tuple[str, str]:
    """(zone, OpenPGP key) of the client's latest booking: where they read times, and the key
    their e-mails are encrypted to ("" and "" when they never booked)."""
    if link.client is None:
        return "", ""
    found = link.client.bookings.order_by("-created_at").values_list("time_zone", "pgp_public_key").first()
    return found or ("", "")


def client_zone(link: BookingLink) -> ZoneInfo:
    """The zone the client last booked in (the coach's when they never did)."""
    zone_name = _latest(link)[0]
    return ZoneInfo(zone_name) if zone_name else link.coach.zone


def proposal_text(*, link: BookingLink, zone: ZoneInfo) -> tuple[str, str]:
    """(subject, body) in the active language, the times in `zone`."""
    appointment_type = link.appointment_type
    duration = appointment_type.duration
    starts = sorted(start for start in (parse_instant(value) for value in link.proposed_starts) if start)
    times = "\n".join(f"– {window_words(Interval(start, start + duration), zone)}" for start in starts)
    names = {
        "coach": link.coach.display_name,
        "type": appointment_type.local_name,
        "name": link.client.name if link.client else "",
        "times": times,
        "link": booking_link_url(link),
    }
    return str(SUBJECT) % names, str(BODY) % names


def proposal_render(notification: Notification, *, now: datetime | None = None) -> Message:
    """The proposal as it is to be sent: e-mail with its HTML part (encrypted to the client's
    key when they gave one; a key that no longer works gets a notice without the times, as
    texts.py does for bookings), a chat message as text (WhatsApp: the default template with
    the first time and the link)."""
    link = notification.booking_link
    zone = client_zone(link)
    language = link.coach.language_for_clients(link.language or link.coach.language)
    email = notification.channel == Channel.EMAIL
    pgp_public_key = _latest(link)[1] if email else ""
    with translation.override(language):
        subject, text = proposal_text(link=link, zone=zone)
        if pgp_public_key and key_problem(pgp_public_key):
            pgp_public_key = ""
            subject, text = str(KEY_NOTICE_SUBJECT), str(KEY_NOTICE) % {"link": booking_link_url(link)}
        elif pgp_public_key:
            subject = str(KEY_NOTICE_SUBJECT)  # the subject travels unencrypted
        html = render_to_string("notifications/message.html", {"subject": subject, "text": text, "language": language})
        first = parse_instant(link.proposed_starts[0]) if link.proposed_starts else (now or timezone.now())
        local = first.astimezone(zone)
        end = local + (link.appointment_type.duration if link.appointment_type else timedelta(0))
        params = (f"{local:%d.%m.%Y}", f"{local:%H:%M}–{end:%H:%M} ({zone.key})", link.appointment_type.local_name)
    return Message(
        recipient=notification.recipient,
        subject=subject,
        text=text,
        html=html if email else "",
        language=language,
        pgp_public_key=pgp_public_key,
        template=template_name(notification.kind),
        template_params=(*params, booking_link_url(link)),
        reference=str(notification.pk),
        key=str(notification.uuid),
    )
