"""Fixed-window rate limits in the cache (Redis in production, shared by every web process)."""

import contextlib
import fcntl
import functools
import hashlib
import ipaddress
import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("sprechzeit.ratelimit")

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/m" → (10, 60): at most 10 hits per 60 seconds."""
    count, _slash, period = rate.partition("/")
    try:
        return int(count), PERIODS[period.strip().lower()[:1]]
    except (ValueError, KeyError):
        raise ValueError(f"A rate looks like 10/m (per s, m, h or d), not {rate!r}") from None


def _count(keys: list[str], period: int) -> list[int]:
    """Count one hit on each key and return the counts. On Redis in one round trip
    (Django's cache would take two per key: EXISTS, then INCRBY or SET)."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        pipeline = cache._cache.get_client(write=True).pipeline(transaction=False)
        for key in keys:
            key = cache.make_and_validate_key(key)
            pipeline.incr(key)
            # Set on every hit: the key names its window, so it only has to outlive it.
            pipeline.expire(key, period + 1)
        return pipeline.execute()[::2]
    counts = []
    with _counting(cache):
        for key in keys:
            try:
                counts.append(cache.incr(key))
            except ValueError:
                counts.append(1 if cache.add(key, 1, timeout=period + 1) else cache.incr(key))
    return counts


_thread_lock = threading.Lock()


@contextlib.contextmanager
def _counting(cache):
    """Count one hit at a time: the file cache's incr is a read and a write, so without a
    lock two processes (or threads) hitting at once would both count 1. Every process of the
    machine takes the same lock file beside the cache's files; the memory cache locks itself."""
    if not isinstance(cache, FileBasedCache):
        yield
        return
    os.makedirs(cache._dir, exist_ok=True)
    with _thread_lock, open(os.path.join(cache._dir, "ratelimit.lock"), "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def hits(keys: list[str], rate: str) -> int | None:
    """Count one hit for each key; return None when all are allowed, else the seconds
    until the window resets.

    A cache that cannot be reached lets the hit through (fail open): a booking matters
    more than a limit, and the booking itself needs only the database."""
    limit, period = parse_rate(rate)
    window = int(time.time() // period)
    cache_keys = [f"rl:{hashlib.sha256(key.encode()).hexdigest()[:32]}:{period}:{window}" for key in keys]
    try:
        counts = _count(cache_keys, period)
    except RedisError:
        logger.warning("rate limit not checked: the cache cannot be reached", exc_info=True)
        return None
    if all(count <= limit for count in counts):
        return None
    return max(1, (window + 1) * period - int(time.time()))


@functools.cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def client_ip(request) -> str:
    """The address of the client that made this request.

    The socket's address (REMOTE_ADDR), unless it is one of TRUSTED_PROXIES: then the
    proxy's X-Forwarded-For tells who connected to it. The header is read from the right,
    the hops our own proxies appended, and the first address that is not a trusted proxy
    is the client: anything left of it was written by the client and proves nothing."""
    address = request.META.get("REMOTE_ADDR", "")
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(address, networks):
        return address
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = hop[:64]
        if not _trusted(address, networks):
            break
    return address


def booking_link_limited(request) -> int | None:
    """One request to a booking's private link from this request's IP address
    (BOOKING_LINK_RATE_LIMIT), found or not: a client opens a few, someone guessing links
    many. Returns the seconds to wait, or None."""
    return hits([f"booking-link:ip:{client_ip(request)}"], settings.BOOKING_LINK_RATE_LIMIT)


def key_lookup_limited(request, email: str = "") -> int | None:
    """One "Find my key" lookup (a request the server makes elsewhere for the visitor): limited
    like booking attempts, per IP and per e-mail address (BOOKING_RATE_LIMIT), counted apart
    from them. Returns the seconds to wait, or None."""
    keys = [f"key-lookup:ip:{client_ip(request)}"]
    if email:
        keys.append(f"key-lookup:email:{email.strip().lower()}")
    return hits(keys, settings.BOOKING_RATE_LIMIT)


def booking_attempt_limited(request, email: str = "") -> int | None:
    """One booking attempt from this request: limited per IP and per e-mail address
    (BOOKING_RATE_LIMIT). Returns the seconds to wait, or None."""
    keys = [f"booking:ip:{client_ip(request)}"]
    if email:
        keys.append(f"booking:email:{email.strip().lower()}")
    return hits(keys, settings.BOOKING_RATE_LIMIT)
