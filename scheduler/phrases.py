"""Phrases of the public booking pages, kept together so the wording stays consistent
and translators find them in one place (pretalx style). All are lazy translations."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import AppointmentType, Booking, Coach
from .models.common import Channel

NO_CALLS_WITHOUT_APPOINTMENT = _("I don't take calls without an appointment — book a time here.")

# What each way to talk means for the client's privacy (keyed by Channel value); Threema's
# depends on how this site sends (threema_mode).
CHANNEL_PRIVACY_NOTES = {
    Channel.PHONE: _("At the booked time, on the number you give; the coach's own number is never shown."),
    # Translators: %(host)s is the Jitsi Meet server of this site, e.g. "meet.jit.si".
    Channel.VIDEO: _(
        "Jitsi Meet on %(host)s, in the browser; no account needed. That server sees your internet address and "
        "the name you give there."
    ),
    Channel.IN_PERSON: _(
        "You meet the coach at the address shown; nothing goes through a messenger. Messages about the appointment "
        "come by e-mail."
    ),
    Channel.EMAIL: _("Encrypted with your OpenPGP key if you give one."),
    Channel.WHATSAPP: _("Convenient, but metadata goes to Meta."),
}
THREEMA_PRIVACY_NOTES = {
    # THREEMA_PRIVATE_KEY set: messages are encrypted here, the Gateway only passes them on.
    "end_to_end": _("End-to-end encrypted, no phone number needed."),
    # The Gateway's basic mode: Threema's server encrypts for the client, so it reads the text.
    "basic": _(
        "No phone number needed, but not end-to-end encrypted: the Threema Gateway (Threema's server) "
        "can read the text of the messages from this site."
    ),
    # The console backend (no Gateway credentials): nothing is sent at all.
    "log": _("No phone number needed. This site does not send Threema messages yet: they only go to its log."),
}

# The channels as the coach reads them ("The coach calls you" is the client's wording).
CHANNEL_LABELS_FOR_COACH = {
    **dict(Channel.choices),
    Channel.PHONE: _("You call the client"),
    Channel.VIDEO: _("Video call (Jitsi Meet)"),
    Channel.IN_PERSON: _("In person, at the type's address"),
}


def jitsi_host() -> str:
    """The host of the Jitsi Meet server this site's video rooms are on (JITSI_URL)."""
    return urlsplit(settings.JITSI_URL).hostname or settings.JITSI_URL


def threema_mode() -> str:
    """How this site sends Threema messages, a key of THREEMA_PRIVACY_NOTES: "end_to_end"
    only through the Gateway with our private key, "basic" through the Gateway without it,
    "log" when they are only logged (or sent by a backend that makes no such promise)."""
    from .channels.threema import GatewayBackend

    backend = import_string(settings.CHANNEL_BACKENDS["threema"])
    if not (isinstance(backend, type) and issubclass(backend, GatewayBackend)):
        return "log"
    return "end_to_end" if backend().end_to_end else "basic"


def _default_note(channel: str) -> str:
    if channel == Channel.THREEMA:
        return str(THREEMA_PRIVACY_NOTES[threema_mode()])
    if channel == Channel.VIDEO:
        return str(CHANNEL_PRIVACY_NOTES[channel]) % {"host": jitsi_host()}
    return str(CHANNEL_PRIVACY_NOTES[channel])


def channel_privacy_note(*, coach: Coach, channel: str) -> str:
    """What `channel` means for the client's privacy, in the active language: the coach's
    own note if they wrote one, else the default. Clients addressed with du ("de-du") read
    the German ("de") notes. A coach's own Threema note may promise what this site does not
    keep (it can be written while the site sends end-to-end, or copied from elsewhere): unless
    messages are end-to-end encrypted, the site's own note follows it."""
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    own = coach.channel_notes.get(language, {}).get(channel)
    if not own:
        return _default_note(channel)
    if channel == Channel.THREEMA and threema_mode() != "end_to_end":
        return f"{own} {_default_note(channel)}"
    return own


def channel_privacy_note_default(*, coach: Coach, channel: str, language: str) -> str:
    """The default note as `coach`'s clients read it in `language` (German in the coach's Sie or du)."""
    with translation.override(coach.language_for_clients(language)):
        return _default_note(channel)


# Which contact field each channel needs; shown when the page runs without JavaScript.
CHANNEL_FIELD_HINT = _(
    "Fill in only what your chosen way to talk needs: the phone number if the coach should call you, "
    "your Threema ID for Threema, your WhatsApp number for WhatsApp. For a video call, a meeting in person "
    "or e-mail nothing else is needed; add your OpenPGP public key if you want encrypted e-mail."
)

APPROVAL_NOTES = {
    AppointmentType.Approval.NEVER: _("Booked at once, no approval needed."),
    AppointmentType.Approval.NEW_CLIENTS: _("Your first booking needs the coach's approval."),
    AppointmentType.Approval.ALWAYS: _("Every booking needs the coach's approval."),
}

MESSAGE_WHY = _(
    "Requests without a personal text are not answered — tell the coach briefly what you would like to talk about."
)
PRIVACY_CONSENT = _("I agree that my details are stored to arrange this appointment.")
HONEYPOT_LABEL = _("Leave this field empty")
REQUEST_REJECTED = _("Your request could not be sent. Please check the form and try again.")
SLOT_TAKEN = _("Sorry — this time was just taken. Please choose another time; your details are kept.")
SLOT_TAKEN_MOVE = _("Sorry — this time was just taken. Please choose another time.")
SLOT_GONE = _("This time is not available any more. Please choose another time.")
UNKNOWN_TIME_ZONE = _("We do not know the time zone “%(tz)s”; times are shown in %(zone)s.")
TOO_MANY_REQUESTS = _("There were too many requests in a short time. Please wait %(seconds)s seconds and try again.")
RATE_LIMITED = _(
    "There were too many booking attempts in a short time. Please wait %(seconds)s seconds and send the form again "
    "— your details are kept below."
)

BOOKING_STATUS_HEADLINES = {
    Booking.Status.UNCONFIRMED: _(
        "Please confirm that this booking is yours: we have sent you a link. Until then the coach does not see it."
    ),
    Booking.Status.CONFIRMED: _("Your appointment is confirmed."),
    Booking.Status.REQUESTED: _("Your request is waiting for the coach's confirmation."),
    Booking.Status.DECLINED: _("The coach has declined this request."),
    Booking.Status.CANCELLED: _("This appointment has been cancelled."),
    Booking.Status.EXPIRED: _("This request has expired: the coach did not answer in time, so the time is free again."),
}
CANCELLED = _("Your appointment has been cancelled.")
ADDRESS_CONFIRMED = _("Thank you — your booking is confirmed as yours and has reached the coach.")
ADDRESS_LINK_INVALID = _("This confirmation link is not valid for this booking.")
RESCHEDULED = _("Your appointment has been moved.")

# --- reachability on the coach's page (reachability_words.py builds the sentences) ---------

# Translators: the coach is away (a blocked period without a public note). %(until)s is a day
# and time, or "the end of <day>" (UNTIL_END_OF_DAY).
AWAY_UNTIL = _("Away until %(until)s.")
# Translators: %(note)s is the coach's own public note on the blocked period, as they wrote it,
# e.g. "Seminar in Wien"; %(until)s as in "Away until %(until)s.".
AWAY_WITH_NOTE_UNTIL = _("Away: %(note)s, until %(until)s.")
# Translators: the end of an away time that ends at midnight, e.g. "the end of Thursday, 4 December".
UNTIL_END_OF_DAY = _("the end of %(day)s")
# Translators: the coach is in a reply window now; %(until)s is a time ("09:00") or a day and time.
ANSWERING_NOW_UNTIL = _("Answering messages now, until %(until)s.")
# Translators: %(window)s is a day and times, e.g. "Friday, 5 December, 08:00–09:00".
NEXT_REPLY_WINDOW = _("Next reply window: %(window)s.")
# Translators: the coach has reply windows, but none happens in the next three months (away).
NO_REPLY_WINDOW_SOON = _("No reply window in the next three months.")
# Translators: the first time the visitor can book; %(moment)s is a day and time, e.g. "Monday, 8 December, 09:00".
NEXT_FREE_TIME = _("Next free time: %(moment)s.")
NO_FREE_TIME = _("No free time to book at the moment.")
# Translators: ends the sentence about the coach's reachability; %(zone)s is an IANA name, e.g. "America/New_York".
TIMES_IN_ZONE = _("Times in %(zone)s.")
# Translators: introduces the weekly reply windows; %(zone)s is the visitor's time zone.
REPLY_WINDOWS_WEEKLY_INTRO = _("Every week (times in %(zone)s, as they fall in the coming week):")
# Translators: a reply window that runs past midnight in the visitor's zone, e.g. "23:30 – 00:30 the next day".
WINDOW_INTO_NEXT_DAY = _("%(start)s – %(end)s the next day")
# Translators: the last separator of a list, as in "Monday, Wednesday and Friday".
LIST_AND = _("and")
# Translators: a reply window that holds for every channel, beside windows for some channels only.
ALL_MESSAGES = _("All messages")
# The channels a reply window is for, as the visitor reads them ("E-mail and Threema: …").
REPLY_WINDOW_CHANNELS = {
    **dict(Channel.choices),
    Channel.PHONE: pgettext_lazy("a way to talk", "Phone"),
}
