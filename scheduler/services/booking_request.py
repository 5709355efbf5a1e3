"""What a client submits to book: `BookingRequest`, read from the booking form's POST or the
API's body by `booking_request_parse`, and checked by `booking_request_clean`, the one place
that knows a booking's rules for its fields (the form only renders, the API only maps)."""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import AppointmentType, Client
from ..models.common import Channel, time_zone_names
from ..timebounds import instant_in_bounds, parse_instant
from ..validators import normalize_phone, normalize_threema_id, parse_openpgp_key

MAX_NAME_LENGTH = 120
MAX_MESSAGE_LENGTH = 5000


@dataclass
class BookingRequest:
    """What a client submits, before validation (from the form or the API)."""

    start: datetime | None
    name: str
    email: str
    channel: str
    message: str
    phone: str = ""
    threema_id: str = ""
    whatsapp: str = ""
    pgp_public_key: str = ""
    language: str = ""
    time_zone: str = ""
    privacy_consent: bool = False
    # The start as submitted, when it could not be read: the client of the API is told the format.
    start_text: str = ""

    @classmethod
    def text_fields(cls) -> list[str]:
        """The fields submitted as text under their own names (the zone is named by the submitter)."""
        return [
            field.name for field in fields(cls) if field.type is str and field.name not in ("time_zone", "start_text")
        ]


def booking_request_parse(*, data: Mapping, zone_field: str) -> BookingRequest:
    """The request in submitted data: the booking form's POST (its zone is `tz`) or the API's
    body (`timezone`). Text is taken as typed; a start that is not an aware time becomes None;
    the consent is the form's ticked checkbox ("on") or the API's true."""
    start = parse_instant(data.get("start"))
    return BookingRequest(
        start=start,
        start_text="" if start else str(data.get("start") or "").strip()[:100],
        time_zone=data.get(zone_field) or "",
        privacy_consent=data.get("privacy_consent") in (True, "on"),
        **{name: data.get(name) or "" for name in BookingRequest.text_fields()},
    )


def booking_request_clean(
    *, appointment_type: AppointmentType, request: BookingRequest, minimum_message: bool = True
) -> dict:
    """Validate every field at once; raise ValidationError with a message per field, or
    return the normalised values. `minimum_message=False`: the coach asked for this booking
    (booked it, or proposed its time), so the personal-message minimum, a client's reason to
    talk, does not apply."""
    coach = appointment_type.coach
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}

    def check(field, value_fn):
        try:
            cleaned[field] = value_fn()
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)

    def name():
        value = " ".join(request.name.split())
        if not value:
            raise ValidationError(_("Please tell us your name."))
        if len(value) > MAX_NAME_LENGTH:
            raise ValidationError(_("Please shorten your name to at most 120 characters."))
        return value

    def email():
        value = request.email.strip()
        if not value:
            raise ValidationError(_("Please enter your e-mail address."))
        # validate_email allows 320 characters; the address is stored in a column of 254 (RFC 5321).
        maximum = Client._meta.get_field("email").max_length
        if len(value) > maximum:
            raise ValidationError(
                _("Please use an e-mail address of at most %(maximum)d characters.") % {"maximum": maximum}
            )
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(_("Please enter a valid e-mail address, e.g. name@example.org.")) from None
        # One client per address, whatever its case: practically every mail provider
        # treats the local part case-insensitively too.
        return value.lower()

    def channel():
        offered = appointment_type.allowed_channels
        if not request.channel.strip():
            raise ValidationError(_("Please choose one of the offered ways to talk."))
        if request.channel not in offered:
            # Named as submitted: the API's client sends the values, the form's choices are the offered ones.
            raise ValidationError(
                _("This appointment is not offered as “%(channel)s”. Choose one of: %(offered)s.")
                % {"channel": request.channel[:40], "offered": ", ".join(v for v in Channel.values if v in offered)}
            )
        return request.channel

    def message():
        value = request.message.strip()
        minimum = coach.minimum_message_length if minimum_message else 0
        if len(value) < minimum:
            raise ValidationError(
                ngettext(
                    "Please write at least %(minimum)d character about why you would like to talk (%(count)d so far).",
                    "Please write at least %(minimum)d characters about why you would like to talk (%(count)d so far).",
                    minimum,
                )
                % {"minimum": minimum, "count": len(value)}
            )
        if len(value) > MAX_MESSAGE_LENGTH:
            raise ValidationError(
                _("Please shorten your message to at most %(maximum)d characters.") % {"maximum": MAX_MESSAGE_LENGTH}
            )
        return value

    def start():
        if request.start is None and request.start_text:  # not an aware time (booking_request_parse)
            raise ValidationError(_("Give the start as ISO 8601 with an offset, e.g. 2026-11-24T09:00:00+01:00."))
        if request.start is None:
            raise ValidationError(_("Please choose a time."))
        # In UTC (PostgreSQL stores offsets below 16 hours only) and in the years anything is booked in.
        instant = instant_in_bounds(request.start) if request.start.utcoffset() is not None else None
        if instant is None:
            raise ValidationError(_("This time cannot be booked. Please choose one of the times shown."))
        return instant

    def privacy_consent():
        if not request.privacy_consent:
            raise ValidationError(_("Please agree so that your booking can be stored."))
        return True

    check("name", name)
    check("email", email)
    check("channel", channel)
    check("message", message)
    check("start", start)
    check("privacy_consent", privacy_consent)
    cleaned["language"] = request.language if request.language in dict(settings.LANGUAGES) else coach.language
    cleaned["time_zone"] = request.time_zone if request.time_zone in time_zone_names() else coach.time_zone

    cleaned.update({channel.contact_field: "" for channel in Channel if channel.contact_field})
    needed = "" if "channel" in errors else Channel(request.channel).contact_field
    if needed:
        raw = getattr(request, needed).strip()
        if not raw:
            errors[needed] = [
                {
                    "phone": _("Please enter the number the coach should call."),
                    "threema_id": _("Please enter your Threema ID."),
                    "whatsapp": _("Please enter your WhatsApp number."),
                }[needed]
            ]
        else:
            normalize = normalize_threema_id if needed == "threema_id" else normalize_phone
            check(needed, lambda: normalize(raw))
    cleaned["pgp_public_key"] = ""
    if request.pgp_public_key.strip():
        check("pgp_public_key", lambda: parse_openpgp_key(request.pgp_public_key).armored)

    if errors:
        raise ValidationError(errors)
    return cleaned
