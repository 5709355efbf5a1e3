"""The coach feed's validators (its ETag and since when it is as it is), kept so that a
calendar app revalidating an unchanged feed is answered from them alone: one query for the
coach by the token, one cache round trip, no fingerprint, no body.

The coach's feed shows only what the coach's cache versions (cache_versions.py) cover: their
bookings and blocked periods (the availability version; a client's address, the one detail
the feed takes from the client row, changes only when the client is anonymised, which
changes every coach's), the coach and their types (the settings version). Every write of these changes a version, so
validators are used only while the versions they were kept under are current. They were
read before the database, so a write in between makes the kept ones stale, never the other
way round. Besides writes, time takes rows out of the feed (FeedFingerprint.holds_until):
validators are kept at most until then, and at most FEED_CACHE_SECONDS, as long as the
feed's body, so that whatever no version tells (a new catalog of the same format) shows
no later than it did when only the body was kept. Any doubt (the cache unreachable, the
date kept for another version) answers from the database, as before."""

import logging
import math
from datetime import datetime
from typing import NamedTuple

from django.core.cache import cache
from redis.exceptions import RedisError

from ..cache_versions import availability_version_keys, settings_version_keys, versions_current
from .feeds import feed_settings

logger = logging.getLogger("sprechzeit.cache")

# Seconds a built feed is kept, and at most its validators.
FEED_CACHE_SECONDS = 3600

Versions = tuple[str, ...]


class KeptValidators(NamedTuple):
    etag: str
    modified: int | None  # Unix seconds, as views.feeds.feed_modified keeps them


def feed_modified_key(coach_id: int) -> str:
    return f"coach-feed-modified:{coach_id}"


def _validators_key(coach_id: int) -> str:
    return f"coach-feed-validators:{coach_id}"


def _version_keys(coach_id: int) -> list[str]:
    return [*settings_version_keys(coach_id), *availability_version_keys(coach_id)]


def coach_feed_validators_kept(*, coach_id: int, now: datetime) -> tuple[KeptValidators | None, Versions | None]:
    """The kept validators of the coach's feed if they are still true, and the current
    versions to keep new ones under (read before the feed's data). (None, None) when the
    cache cannot be reached."""
    version_keys = _version_keys(coach_id)
    kept_key, modified_key = _validators_key(coach_id), feed_modified_key(coach_id)
    try:
        found = cache.get_many([*version_keys, kept_key, modified_key])
        versions = tuple(versions_current(version_keys, found))
    except RedisError:
        logger.warning("feed validators not read: the cache cannot be reached", exc_info=True)
        return None, None
    kept = found.get(kept_key)
    if kept is None:
        return None, versions
    kept_versions, kept_settings, fingerprint_version, etag, holds_until = kept
    if kept_versions != versions or kept_settings != feed_settings() or now.timestamp() >= holds_until:
        return None, versions
    # The date is kept per coach for the fingerprint it was given for (feed_modified); one
    # for another fingerprint, or none, is not this feed's.
    seen = found.get(modified_key)
    if seen is None or seen[0] != fingerprint_version:
        return None, versions
    return KeptValidators(etag, seen[1]), versions


def coach_feed_validators_keep(
    *,
    coach_id: int,
    versions: Versions | None,
    fingerprint_version: str,
    etag: str,
    holds_until: datetime | None,
    now: datetime,
) -> None:
    """Keep the validators of the feed just answered, under the versions read before it was
    read, until a row of it may leave by time (and at most FEED_CACHE_SECONDS)."""
    if versions is None:
        return
    seconds = float(FEED_CACHE_SECONDS)
    if holds_until is not None:
        seconds = min(seconds, (holds_until - now).total_seconds())
    if seconds < 1:
        return
    until = now.timestamp() + seconds
    try:
        cache.set(
            _validators_key(coach_id),
            (versions, feed_settings(), fingerprint_version, etag, until),
            math.floor(seconds),
        )
    except RedisError:
        logger.warning("feed validators not kept: the cache cannot be reached", exc_info=True)
