"""Writes of coaches: creating one, their profile, key, channels and feeds."""

import copy

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from ..models import Coach
from ..models.coach import NOTE_LANGUAGES
from ..models.common import new_token
from ..phrases import channel_privacy_note_default


def coach_create(
    *,
    email: str,
    password: str | None,
    display_name: str,
    slug: str,
    time_zone: str = "Europe/Berlin",
    language: str = "de",
    operator: bool = False,
) -> Coach:
    """A coach with a login whose e-mail address counts as verified.

    `operator` makes the coach a superuser, for a single-coach site run by the coach.
    Raises ValidationError (per field) for a taken e-mail or slug, a bad zone or password.
    """
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email).lower()
    errors = {}
    if user_model.objects.filter(email__iexact=email).exists():
        errors["email"] = _("A user with this e-mail address exists already.")
    if password is not None:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors["password"] = exc.messages
    coach = Coach(display_name=display_name, slug=slug, time_zone=time_zone, language=language)
    try:
        coach.full_clean(exclude=["user"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        user = user_model.objects.create_user(email=email, password=password, is_staff=operator, is_superuser=operator)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        coach.user = user
        coach.save()
    return coach


def coach_feed_rotate(*, coach: Coach) -> Coach:
    """A new private feed address; the old one stops working at once."""
    coach.feed_token = new_token()
    coach.save(update_fields=["feed_token"])
    return coach


def coach_feed_url(*, coach: Coach) -> str:
    return settings.SITE_URL + reverse("coach_feed", kwargs={"token": coach.feed_token})


def _checked_copy(coach: Coach, **fields) -> Coach:
    """A copy of `coach` with `fields` set and checked by the model (field checks, clean(),
    the unique slug). The copy leaves the caller's coach as it was when the check fails,
    so a page that shows the errors still shows the stored name and address elsewhere."""
    changed = copy.copy(coach)
    for name, value in fields.items():
        setattr(changed, name, value)
    changed.full_clean(exclude=["user"])
    return changed


def coach_profile_update(
    *,
    coach: Coach,
    display_name: str,
    slug: str,
    time_zone: str,
    language: str,
    address_form: str,
    policy: str,
    policy_en: str,
    reply_note: str,
    reply_note_en: str,
    minimum_message_length: int,
    contact_answer_days: int,
    retention_months: int,
    privacy_text: str,
    daily_cap: int | None,
    weekly_cap: int | None,
) -> Coach:
    """Change the coach's own settings; returns the changed coach. The policy and the note
    on the reply windows come in German (the fallback every reader gets) and English.
    `daily_cap` / `weekly_cap`: the coach's appointments of all types together (None: no limit).

    Raises ValidationError per field (a taken or reserved address, an unknown zone, …)
    and changes nothing then."""
    fields = {
        "display_name": display_name,
        "slug": slug,
        "time_zone": time_zone,
        "language": language,
        "address_form": address_form,
        "policy": policy.strip(),
        "policy_en": policy_en.strip(),
        "reply_note": reply_note.strip(),
        "reply_note_en": reply_note_en.strip(),
        "minimum_message_length": minimum_message_length,
        "contact_answer_days": contact_answer_days,
        "retention_months": retention_months,
        "privacy_text": privacy_text.strip(),
        "daily_cap": daily_cap,
        "weekly_cap": weekly_cap,
    }
    changed = _checked_copy(coach, **fields)
    changed.save(update_fields=list(fields))
    return changed


def coach_pgp_key_set(*, coach: Coach, armored: str) -> Coach:
    """Store the coach's own OpenPGP public key (checked with validators.parse_openpgp_key
    by the caller), or remove it with ""."""
    coach.pgp_public_key = armored.strip()
    coach.save(update_fields=["pgp_public_key"])
    return coach


def coach_busy_feed_set(*, coach: Coach, enabled: bool) -> Coach:
    """Publish or withdraw the busy-only feed at /<slug>/busy.ics (no names, no details)."""
    coach.busy_feed_enabled = enabled
    coach.save(update_fields=["busy_feed_enabled"])
    return coach


def coach_channels_update(
    *,
    coach: Coach,
    channels: list[str],
    threema_id: str,
    whatsapp_number: str,
    channel_notes: dict[str, dict[str, str]],
) -> Coach:
    """The ways to talk the coach offers, their contact details and privacy notes.

    A note left empty or equal to the default is not stored, so the default (and its
    translation) applies. A channel turned off disappears from the coach's types; a type
    left with no channel at all refuses the change (ValidationError at "channels")."""
    notes = {}
    for language in NOTE_LANGUAGES:
        own = {}
        for channel, note in channel_notes.get(language, {}).items():
            note = note.strip()
            default = channel_privacy_note_default(coach=coach, channel=channel, language=language)
            if note and note != default:
                own[channel] = note
        if own:
            notes[language] = own

    with transaction.atomic():
        # Locked, so a type saved meanwhile cannot keep a channel that is being turned off.
        types = list(coach.appointment_types.select_for_update())
        stranded = [t.name for t in types if not set(t.allowed_channels) & set(channels)]
        errors = {}
        if stranded:
            errors["channels"] = [
                ngettext(
                    "The appointment type %(types)s offers only ways to talk you are turning off. "
                    "Give it another one first, or keep one of its ways on.",
                    "The appointment types %(types)s offer only ways to talk you are turning off. "
                    "Give them another one first, or keep one of their ways on.",
                    len(stranded),
                )
                % {"types": ", ".join(pgettext("a quoted name", "“%(name)s”") % {"name": name} for name in stranded)}
            ]
        try:
            changed = _checked_copy(
                coach, channels=channels, threema_id=threema_id, whatsapp_number=whatsapp_number, channel_notes=notes
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, messages)
        if errors:
            raise ValidationError(errors)

        changed.save(update_fields=["channels", "threema_id", "whatsapp_number", "channel_notes"])
        for appointment_type in types:
            kept = [channel for channel in appointment_type.allowed_channels if channel in changed.channels]
            if kept != appointment_type.allowed_channels:
                appointment_type.allowed_channels = kept
                appointment_type.save(update_fields=["allowed_channels"])
    return changed


def coach_embed_origins_set(*, coach: Coach, embed_origins: str) -> Coach:
    """The websites that may show the coach's booking pages in a frame (embed.js), one
    origin per line; "" lets any website. Raises ValidationError at embed_origins for an
    address that is no origin (Coach.clean), and changes nothing then."""
    changed = _checked_copy(coach, embed_origins=embed_origins)
    changed.save(update_fields=["embed_origins"])
    return changed
