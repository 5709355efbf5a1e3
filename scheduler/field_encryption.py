"""Encryption of secrets the site must store to use them again, the coaches' CalDAV
passwords: Fernet (AES-128-CBC with HMAC-SHA256, cryptography's MultiFernet) under the keys
of `settings.FIELD_ENCRYPTION_KEY`. The first key encrypts, every key decrypts, so a new key
goes first and the old one stays second until `manage.py rotatefieldkey` has encrypted
every stored value again with the new one (README: "Key rotation").

Without a key, outside production a key is derived from SECRET_KEY (HKDF-SHA256), so
development and tests need no setup; in production there is none, and what needs one is
refused with FieldKeyMissing (the coach is told, `check --deploy` warns the operator). A
derived key is tied to SECRET_KEY: changing that makes stored passwords unreadable."""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Names what the derived key is for, so the same SECRET_KEY gives other uses other keys.
DERIVATION_INFO = b"sprechzeit field encryption"


class FieldKeyMissing(ImproperlyConfigured):
    """Production without FIELD_ENCRYPTION_KEY: nothing can be encrypted or decrypted."""


class DecryptionFailed(Exception):
    """A stored value that none of the keys opens: encrypted with a key that was removed
    (or derived from an older SECRET_KEY), or changed in the database."""


def _derived_key() -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=DERIVATION_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


def _keys() -> list[bytes]:
    keys = [key.strip() for key in settings.FIELD_ENCRYPTION_KEY if key.strip()]
    if keys:
        return [key.encode() for key in keys]
    if settings.PRODUCTION:
        raise FieldKeyMissing(
            "FIELD_ENCRYPTION_KEY is not set: stored calendar passwords cannot be encrypted or read. "
            "Make a key with `python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'` and set it in the environment."
        )
    return [_derived_key()]


def _fernet() -> MultiFernet:
    fernets = []
    for position, key in enumerate(_keys(), start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError:
            # Never repeat the key itself in a message that may reach a log.
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEY: key number {position} is not a Fernet key "
                "(32 bytes in URL-safe base64, 44 characters)."
            ) from None
    return MultiFernet(fernets)


def configuration_problem() -> str:
    """What is wrong with FIELD_ENCRYPTION_KEY, for the operator ("" when nothing)."""
    try:
        _fernet()
    except ImproperlyConfigured as exc:
        return str(exc)
    return ""


def key_available() -> bool:
    """Whether values can be encrypted now (False: production without a key, or a key
    that is not a Fernet key)."""
    return not configuration_problem()


def encrypt(text: str) -> str:
    """`text` encrypted with the first key, as ASCII (a Fernet token)."""
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The text `encrypt` was given. Raises DecryptionFailed when no key opens the token."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed(
            "No key of FIELD_ENCRYPTION_KEY decrypts this value: it was encrypted with a key that is no longer "
            "listed, or with the key derived from an earlier SECRET_KEY."
        ) from None


def reencrypt(token: str) -> str:
    """The token encrypted again with the first key (MultiFernet.rotate). Raises
    DecryptionFailed as decrypt does."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("No key of FIELD_ENCRYPTION_KEY decrypts this value.") from None
