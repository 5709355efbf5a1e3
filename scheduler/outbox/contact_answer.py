"""What the automatic answer to a message outside a booking says: that it is an automatic
answer and the message is kept for the coach, the coach's policy, whether the coach is away
now, the next reply window on the sender's channel (in the coach's zone, named) and the
link to book. In the sender's language (German in the coach's Sie or du); rendered when it
is sent, from the coach's data as it is then."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..channels.base import Message
from ..models import Coach, InboundMessage, Notification
from ..models.common import Channel
from ..reachability import AWAY, next_reply_window, status_at
from ..reachability_words import until_words, window_words
from ..selectors.reachability import reachability_inputs

# Threema takes 3500 bytes of text; WhatsApp 4096 characters. The coach's policy is cut to fit.
MAX_BYTES = 3400
ELLIPSIS = "…"

GREETING = _("Hello %(name)s,")
GREETING_WITHOUT_NAME = _("Hello,")
# Translators: keep the words "automatic answer" ("automatische Antwort"): other systems
# recognise an automatic message by them and do not answer it in turn.
INTRO = _("this is an automatic answer: your message to %(coach)s has arrived and is kept for %(coach)s to read.")
AWAY_WITH_NOTE = _("%(coach)s is away until %(until)s: %(note)s.")
AWAY_WITHOUT_NOTE = _("%(coach)s is away until %(until)s.")
# Translators: %(channel)s is "Threema" or "WhatsApp"; %(until)s a time (or a day and time),
# with the zone, e.g. "09:00 (Europe/Berlin)".
CURRENT_WINDOW = _("%(coach)s reads and answers %(channel)s messages now, until %(until)s.")
# Translators: %(window)s is a day and times with the zone, e.g. "Friday, 4 December, 08:00–09:00 (Europe/Berlin)".
NEXT_WINDOW = _("The next time %(coach)s reads and answers %(channel)s messages: %(window)s.")
NO_WINDOW = _("%(coach)s has planned no time to read %(channel)s messages in the next three months.")
BOOK = _("To talk with %(coach)s, please book an appointment: %(link)s")


def coach_page_url(coach: Coach) -> str:
    return settings.SITE_URL + reverse("scheduler:coach", args=[coach.slug])


def _reachability(coach: Coach, channel: str, now: datetime) -> list[str]:
    """Sentences on when the coach is away and reads messages on `channel`; none about
    windows when the coach has planned none at all (they may answer at any time)."""
    inputs = reachability_inputs(coach=coach, now=now)
    zone, names = inputs["zone"], {"coach": coach.display_name, "channel": Channel(channel).label}
    sentences = []
    status = status_at(**inputs, now=now)
    if status.state == AWAY and status.until is not None:
        until = f"{until_words(status.until, zone, now=now)} ({zone.key})"
        template = AWAY_WITH_NOTE if status.note else AWAY_WITHOUT_NOTE
        sentences.append(str(template) % {**names, "until": until, "note": status.note})
    if not inputs["windows"]:
        return sentences
    window = next_reply_window(**inputs, now=now, channel=channel)
    if window is None:
        sentences.append(str(NO_WINDOW) % names)
    elif window.start <= now:
        until = f"{until_words(window.end, zone, now=now)} ({zone.key})"
        sentences.append(str(CURRENT_WINDOW) % {**names, "until": until})
    else:
        sentences.append(str(NEXT_WINDOW) % {**names, "window": window_words(window, zone)})
    return sentences


def _fit(policy: str, room: int) -> str:
    """The policy cut (at a word, with an ellipsis) to `room` bytes of UTF-8."""
    if len(policy.encode()) <= room:
        return policy
    cut = policy.encode()[: max(0, room - len(ELLIPSIS.encode()))].decode("utf-8", errors="ignore")
    cut = cut.rsplit(None, 1)[0] if " " in cut else cut
    return f"{cut.rstrip()}{ELLIPSIS}" if cut else ""


def contact_answer_text(*, inbound: InboundMessage, now: datetime) -> str:
    """The answer's text in the active language."""
    coach = inbound.coach
    names = {"coach": coach.display_name, "name": inbound.sender_name}
    greeting = str(GREETING) % names if inbound.sender_name else str(GREETING_WITHOUT_NAME)
    before = [f"{greeting}\n{INTRO % names}"]
    after = [" ".join(_reachability(coach, inbound.channel, now))]
    if coach.local_reply_note:
        after.append(coach.local_reply_note)
    after.append(str(BOOK) % {**names, "link": coach_page_url(coach)})
    after = [part for part in after if part]
    policy = coach.local_policy.strip()
    if policy:
        room = MAX_BYTES - len("\n\n".join([*before, "", *after]).encode())
        policy = _fit(policy, room)
    return "\n\n".join(part for part in [*before, policy, *after] if part)


def contact_answer_render(notification: Notification, *, now: datetime | None = None) -> Message:
    """The automatic answer of `notification` as it is to be sent now: free text (WhatsApp
    allows it within 24 hours of the sender's message, which the outbox checks)."""
    inbound = notification.inbound_message
    coach = inbound.coach
    language = inbound.language or coach.language_for_clients(coach.language)
    with translation.override(language):
        text = contact_answer_text(inbound=inbound, now=now or timezone.now())
    return Message(
        recipient=notification.recipient,
        text=text,
        language=language,
        free_text=True,
        reference=str(notification.pk),
        key=str(notification.uuid),
    )
