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
from pysequoia import packet

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
    # When the key can no longer encrypt: the key's own expiry or its last encryption
    # subkey's, whichever comes first; None when neither expires.
    expires_at: datetime | None


@dataclass(frozen=True)
class _Subkey:
    encrypts: bool
    revoked: bool
    expires_at: datetime | None


def _subkeys(cert: pysequoia.Cert, now: datetime) -> list[_Subkey]:
    """The subkeys as their newest binding signature (made by now) describes them. pysequoia
    refuses to encrypt to a revoked subkey but encrypts to an expired one, and names neither:
    read from the packets, a subkey's flags and validity are in its binding signature, its
    revocation in a signature beside it."""
    subkeys = []
    created = bindings = revoked = None

    def close():
        if created is None:
            return
        current = [sig for sig in bindings if sig.signature_created is None or sig.signature_created <= now]
        binding = max(current, key=lambda sig: sig.signature_created or created, default=None)
        flags = binding.key_flags if binding is not None else None
        period = binding.key_validity_period if binding is not None else None
        subkeys.append(
            _Subkey(
                encrypts=bool(flags and (flags.transport_encryption or flags.storage_encryption)),
                revoked=revoked,
                expires_at=created + period if period else None,
            )
        )

    for item in packet.PacketPile.from_bytes(bytes(cert)):
        if item.tag in (packet.Tag.PublicKey, packet.Tag.PublicSubkey, packet.Tag.UserID, packet.Tag.UserAttribute):
            close()
            created = None
            if item.tag == packet.Tag.PublicSubkey:
                created, bindings, revoked = item.key_created, [], False
        elif item.tag == packet.Tag.Signature and created is not None:
            if item.signature_type == packet.SignatureType.SubkeyBinding:
                bindings.append(item)
            elif item.signature_type == packet.SignatureType.SubkeyRevocation:
                revoked = True
    close()
    return subkeys


def _encryption_expiry(cert: pysequoia.Cert, now: datetime) -> datetime | None:
    """When the last usable encryption subkey expires (None: one never does); raises
    ValidationError when none can encrypt now."""
    encrypting = [subkey for subkey in _subkeys(cert, now) if subkey.encrypts]
    alive = [s for s in encrypting if not s.revoked and (s.expires_at is None or s.expires_at > now)]
    if alive:
        if any(subkey.expires_at is None for subkey in alive):
            return None
        return max(subkey.expires_at for subkey in alive)
    expired = [s.expires_at for s in encrypting if not s.revoked and s.expires_at is not None]
    if expired:
        raise ValidationError(
            _(
                "This key can no longer encrypt: its encryption subkey expired on %(date)s. Please extend "
                "the subkey and paste the key again, or use a current key."
            ),
            params={"date": max(expired).date().isoformat()},
            code="expired_subkey",
        )
    if encrypting:
        raise ValidationError(
            _("This key can no longer encrypt: its encryption subkey has been revoked. Please use a current key."),
            code="revoked_subkey",
        )
    raise ValidationError(
        _("This key cannot be used for encryption (it has no encryption subkey). Please use another key."),
        code="key_cannot_encrypt",
    )


def parse_openpgp_key(value: str, *, now: datetime | None = None) -> OpenPGPKey:
    """A public key that can encrypt a message now: not garbage, not revoked, not expired,
    and with an encryption subkey that is neither expired nor revoked (checked by encrypting
    to it, as sending will, and from its binding signature, which pysequoia does not check)."""
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
        subkeys_expire = _encryption_expiry(cert, now)
    except ValidationError:
        raise
    except Exception as exc:  # packets pysequoia read as a key but cannot list again
        raise ValidationError(
            _("This key cannot be used for encryption (%(reason)s). Please use another key."),
            params={"reason": str(exc).splitlines()[0] if str(exc) else type(exc).__name__},
            code="key_cannot_encrypt",
        ) from exc
    try:
        pysequoia.encrypt(recipients=[cert], bytes=b"check")
    except Exception as exc:
        raise ValidationError(
            _("This key cannot be used for encryption (it has no encryption subkey). Please use another key."),
            code="key_cannot_encrypt",
        ) from exc
    ends = [moment for moment in (expiration, subkeys_expire) if moment is not None]
    return OpenPGPKey(
        armored=armored,
        fingerprint=cert.fingerprint.upper(),
        user_ids=tuple(str(uid) for uid in user_ids),
        expires_at=min(ends, default=None),
    )


def openpgp_key_summary(armored: str) -> dict | None:
    """A stored key as a page shows it: its fingerprint in groups of four, its user IDs and
    until when it can encrypt, or why it cannot (any more): a key checked when it was stored
    may have expired or been revoked since."""
    if not armored:
        return None
    try:
        key = parse_openpgp_key(armored)
    except ValidationError as exc:
        return {"problem": exc.messages[0]}
    fingerprint = key.fingerprint
    return {
        "fingerprint": " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4)),
        "user_ids": key.user_ids,
        "expires_at": key.expires_at,
    }
