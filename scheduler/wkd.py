"""Web Key Directory (draft-koch-openpgp-webkey-service): a client's public OpenPGP key,
found from their e-mail address at their mail provider.

The request is made for a visitor who typed any address they like, so it goes through
`safe_http` (public addresses only, every redirect checked again, bounded in time and
size): `eva@localhost` or `eva@[127.0.0.1]` never reach the server's own network. It is
made only when the visitor asks for it ("Find my key", its own small view), never while
a booking is being written."""

import hashlib
import logging
import re
import string
from email.utils import parseaddr
from urllib.parse import urlencode

import pysequoia
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from . import safe_http
from .validators import parse_openpgp_key

logger = logging.getLogger("sprechzeit.wkd")

ZBASE32_ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769"
# A certificate is a few kilobytes; a server sending more is not serving keys.
MAX_WKD_RESPONSE = 512 * 1024
# Per read; the whole download of one method gets three times this (see safe_http).
WKD_TIMEOUT = 3.0
WKD_MAX_REDIRECTS = 3
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# A host name: dot-separated labels of letters, digits and hyphens (IDNA-encoded), at least
# two. No address literals ("[127.0.0.1]"), no single-label names ("localhost").
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def zbase32(data: bytes) -> str:
    """z-base-32 (as WKD uses it): 5 bits per character, most significant first, no padding."""
    bits = "".join(f"{byte:08b}" for byte in data)
    bits += "0" * (-len(bits) % 5)
    return "".join(ZBASE32_ALPHABET[int(bits[i : i + 5], 2)] for i in range(0, len(bits), 5))


def wkd_hash(local_part: str) -> str:
    # The draft lowercases ASCII letters only (as GnuPG does), not other characters.
    return zbase32(hashlib.sha1(local_part.translate(_ASCII_LOWER).encode("utf-8")).digest())


def _host_name(domain: str) -> str | None:
    """The domain as an ASCII host name, or None when it is none (see _LABEL)."""
    try:
        ascii_domain = domain.lower().encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return None
    return ascii_domain


def wkd_urls(email: str, *, scheme: str = "https", host_override: str | None = None) -> list[str]:
    """The advanced and the direct method's URL for an address (without the ?l= query)."""
    local, _at, domain = email.strip().rpartition("@")
    domain = domain.lower()
    hashed = wkd_hash(local)
    return [
        f"{scheme}://{host_override or 'openpgpkey.' + domain}/.well-known/openpgpkey/{domain}/hu/{hashed}",
        f"{scheme}://{host_override or domain}/.well-known/openpgpkey/hu/{hashed}",
    ]


def _fetch(url: str, local: str, *, timeout: float, allow_private: bool) -> bytes | None:
    try:
        fetched = safe_http.fetch(
            f"{url}?{urlencode({'l': local})}",
            timeout=timeout,
            max_bytes=MAX_WKD_RESPONSE,
            max_redirects=WKD_MAX_REDIRECTS,
            allow_private=allow_private,
            headers={"User-Agent": "Sprechzeit key lookup", "Accept": "application/octet-stream, */*;q=0.5"},
        )
    except safe_http.FetchError as exc:  # refused, no such host, timeout, too large: try the next method
        logger.debug("WKD lookup: %s", type(exc).__name__)
        return None
    return fetched.body if fetched.status == 200 else None


def _key_for(body: bytes, address: str) -> str | None:
    """The first certificate in `body` with a user ID for `address`, armored.

    A directory may serve several keys; the draft asks clients to keep only those
    whose user ID carries the address looked up."""
    try:
        certs = pysequoia.Cert.split_bytes(body)
    except Exception:  # not OpenPGP data (an HTML error page, say)
        return None
    for cert in certs:
        if any(parseaddr(str(uid))[1].lower() == address for uid in cert.user_ids):
            return str(cert)  # str() armors the public parts only
    return None


def wkd_lookup(
    email: str,
    *,
    scheme: str = "https",
    host_override: str | None = None,
    timeout: float = WKD_TIMEOUT,
    allow_private: bool = False,
) -> str | None:
    """The armored public key a Web Key Directory publishes for `email`, or None.

    Tries the advanced method (openpgpkey.<domain>) first, then the direct one. The key
    is returned as found: callers check it with `parse_openpgp_key` like a pasted one.
    `scheme`, `host_override` ("127.0.0.1:8080") and `allow_private` let tests answer from
    a local server; nothing else may reach a private address."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain or _host_name(domain) is None:
        return None
    address = f"{local}@{domain}".lower()
    for url in wkd_urls(f"{local}@{_host_name(domain)}", scheme=scheme, host_override=host_override):
        body = _fetch(url, local, timeout=timeout, allow_private=allow_private)
        key = _key_for(body, address) if body else None
        if key:
            return key
    return None


def wkd_key_find(*, email: str) -> str:
    """The visitor's key from their mail provider's Web Key Directory, checked like a pasted
    one; ValidationError with the visitor's message otherwise."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("Please enter your e-mail address first; its key is looked up from it.")) from None
    armored = wkd_lookup(
        email,
        scheme=settings.WKD_SCHEME,
        host_override=settings.WKD_HOST_OVERRIDE,
        allow_private=settings.WKD_ALLOW_PRIVATE,
    )
    if armored is None:
        raise ValidationError(
            _("No key was found for this address in a Web Key Directory. Paste your public key, or book without one.")
        )
    return parse_openpgp_key(armored).armored
