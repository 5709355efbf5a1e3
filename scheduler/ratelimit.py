"""Fixed-window rate limits in the cache (Redis in production, shared by every web process)."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/m" → (10, 60): at most 10 hits per 60 seconds."""
    count, _slash, period = rate.partition("/")
    try:
        return int(count), PERIODS[period.strip().lower()[:1]]
    except (ValueError, KeyError):
        raise ValueError(f"A rate looks like 10/m (per s, m, h or d), not {rate!r}") from None


def hit(key: str, rate: str) -> int | None:
    """Count one hit for `key`; return None when allowed, else the seconds until the window resets."""
    limit, period = parse_rate(rate)
    window = int(time.time() // period)
    cache_key = f"rl:{hashlib.sha256(key.encode()).hexdigest()[:32]}:{period}:{window}"
    # One round trip when the window's counter exists (the common case under load).
    try:
        count = cache.incr(cache_key)
    except ValueError:
        count = 1 if cache.add(cache_key, 1, timeout=period + 1) else cache.incr(cache_key)
    if count <= limit:
        return None
    return max(1, (window + 1) * period - int(time.time()))


def client_ip(request) -> str:
    # Behind the proxy in production, REMOTE_ADDR is the proxy: take the address it saw.
    if settings.PRODUCTION and (forwarded := request.META.get("HTTP_X_FORWARDED_FOR")):
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def booking_attempt_limited(request, email: str = "") -> int | None:
    """One booking attempt from this request: limited per IP and per e-mail address
    (BOOKING_RATE_LIMIT). Returns the seconds to wait, or None."""
    rate = settings.BOOKING_RATE_LIMIT
    waits = [hit(f"booking:ip:{client_ip(request)}", rate)]
    if email:
        waits.append(hit(f"booking:email:{email.strip().lower()}", rate))
    waits = [w for w in waits if w is not None]
    return max(waits) if waits else None
