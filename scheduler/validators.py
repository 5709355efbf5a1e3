"""Checks of what clients type into contact fields, with messages a person understands.

Each function returns the normalised value or raises ValidationError.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import phonenumbers
import pysequoia
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Threema IDs: eight characters A–Z and 0–9; gateway IDs start with "*".
THREEMA_ID = re.compile(r"[A-Z0-9*][A-Z0-9]{7}")
MAX_KEY_LENGTH = 100_000


def normalize_phone(value: str, *, default_region: str = "DE") -> str:
    """A phone number in E.164 (+4917012345678); national numbers are read as German."""
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("This does not look like a phone number. Please include the country code, e.g. +49 170 1234567."),
            code="invalid_phone",
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This phone number is not valid. Please check it and include the country code, e.g. +49 170 1234567."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_threema_id(value: str) -> str:
    threema_id = value.strip().upper()
    if not THREEMA_ID.fullmatch(threema_id):
        raise ValidationError(
            _("A Threema ID has exactly 8 characters: letters A–Z and digits (the first may be *), e.g. ABCD1234."),
            code="invalid_threema_id",
        )
    return threema_id


@dataclass(frozen=True)
class OpenPGPKey:
    armored: str
    fingerprint: str
    user_ids: tuple[str, ...]
    expires_at: datetime | None


def parse_openpgp_key(value: str, *, now: datetime | None = None) -> OpenPGPKey:
    """A public key that can encrypt a message now: not garbage, not revoked, not expired,
    and with an encryption subkey (checked by encrypting to it, as sending will)."""
    armored = value.strip()
    if len(armored) > MAX_KEY_LENGTH:
        raise ValidationError(_("This key is too long. Please paste only your public key."), code="invalid_key")
    if "PRIVATE KEY" in armored:
        raise ValidationError(
            _("This is a private key. Never share it — paste your public key instead."), code="private_key"
        )
    try:
        cert = pysequoia.Cert.from_bytes(armored.encode())
        # Read from the key's self-signatures: a damaged one raises here, not when parsing.
        revoked, expiration, user_ids = cert.is_revoked, cert.expiration, cert.user_ids
    except Exception as exc:  # pysequoia raises RuntimeError with a Rust backtrace for any parse error
        raise ValidationError(
            _(
                "This is not an OpenPGP public key (%(reason)s). Paste the whole block from "
                "-----BEGIN PGP PUBLIC KEY BLOCK----- to -----END PGP PUBLIC KEY BLOCK-----."
            ),
            params={"reason": str(exc).splitlines()[0] if str(exc) else type(exc).__name__},
            code="invalid_key",
        ) from exc
    if revoked:
        raise ValidationError(_("This key has been revoked. Please use a current key."), code="revoked_key")
    now = now or datetime.now(UTC)
    if expiration is not None and expiration <= now:
        raise ValidationError(
            _("This key expired on %(date)s. Please extend it or use a current key."),
            params={"date": expiration.date().isoformat()},
            code="expired_key",
        )
    try:
        pysequoia.encrypt(recipients=[cert], bytes=b"check")
    except Exception as exc:
        raise ValidationError(
            _("This key cannot be used for encryption (it has no encryption subkey). Please use another key."),
            code="key_cannot_encrypt",
        ) from exc
    return OpenPGPKey(
        armored=armored,
        fingerprint=cert.fingerprint.upper(),
        user_ids=tuple(str(uid) for uid in user_ids),
        expires_at=expiration,
    )
