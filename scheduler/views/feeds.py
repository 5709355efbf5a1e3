"""Calendar feeds for subscribing calendar apps. They poll often, so every answer
carries validators (ETag, Last-Modified) and an unchanged feed costs a 304."""

import hashlib
import logging
from datetime import UTC, datetime

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from redis.exceptions import RedisError

from .. import coach_ics
from ..selectors.coaches import coaches
from ..selectors.feed_validators import (
    FEED_CACHE_SECONDS,
    coach_feed_validators_keep,
    coach_feed_validators_kept,
    feed_modified_key,
)
from ..selectors.feeds import coach_busy_intervals, coach_by_feed_token, coach_feed_content, coach_feed_fingerprint

# How long the cache remembers since when a coach's feed is as it is; a forgotten date
# starts again at the next request (a needless full answer, never a wrong 304).
FEED_DATE_KEPT_SECONDS = 30 * 24 * 3600
logger = logging.getLogger(__name__)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(request, *, etag: str, last_modified: datetime | None, private: bool) -> HttpResponse | None:
    """The 304 (or 412) these validators answer the request with, or None: the body is needed."""
    modified = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=modified)
    return None if response is None else _validated(response, etag=etag, modified=modified, private=private)


def calendar_response(
    request, body: bytes, *, etag: str, last_modified: datetime | None, private: bool
) -> HttpResponse:
    answer = not_modified(request, etag=etag, last_modified=last_modified, private=private)
    if answer is not None:
        return answer
    modified = int(last_modified.timestamp()) if last_modified else None
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    return _validated(response, etag=etag, modified=modified, private=private)


def _validated(response: HttpResponse, *, etag: str, modified: int | None, private: bool) -> HttpResponse:
    """The validators and the caching rules every answer of a feed carries, 304s too."""
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = "private, max-age=0, must-revalidate" if private else "public, max-age=300"
    if private:
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
    return response


def _cache_call(method, *args):
    """The cache only saves work here: without it (Redis down) the feed is built anew."""
    try:
        return method(*args)
    except RedisError:
        logger.warning("feed cache unreachable; building the feed without it", exc_info=True)
        return None


def feed_modified(*, key: str, version: str, now: datetime) -> int | None:
    """Since when (Unix seconds) the feed kept under `key` is at `version`: the cache
    remembers the version last served and the second it was first served. A new version is
    dated now and always after the one before, so Last-Modified moves with every change of
    what the feed shows, also with those no row dates (a deleted blocked period, a booking
    that left the feed, a renamed type). None when the cache cannot be reached: the answer
    then carries only its ETag, as a made-up date could hide a change."""
    try:
        seen = cache.get(key)
        if seen is not None and seen[0] == version:
            return seen[1]
        modified = int(now.timestamp())
        if seen is not None:
            modified = max(modified, seen[1] + 1)
        cache.set(key, (version, modified), FEED_DATE_KEPT_SECONDS)
        return modified
    except RedisError:
        logger.warning("feed cache unreachable; answering without Last-Modified", exc_info=True)
        return None


def strong_last_modified(modified: int | None) -> datetime | None:
    """`modified` as a Last-Modified worth comparing: only once its second has passed. A date
    of the current second could be followed by another change in the same second, which a
    date in whole seconds cannot tell apart (RFC 9110 8.8.2.2); such an answer carries only
    its ETag."""
    if modified is None or modified >= int(timezone.now().timestamp()):
        return None
    return datetime.fromtimestamp(modified, tz=UTC)


@require_safe
def coach_feed(request, token):
    coach = coach_by_feed_token(token)
    if coach is None:
        raise Http404
    # Calendar apps poll every few minutes: an unchanged feed is answered from its kept
    # validators alone (selectors/feed_validators.py), without reading or building it.
    kept, versions = coach_feed_validators_kept(coach_id=coach.pk, now=timezone.now())
    if kept is not None:
        answer = not_modified(request, etag=kept.etag, last_modified=strong_last_modified(kept.modified), private=True)
        if answer is not None:
            return answer
    now = timezone.now()
    # Otherwise the fingerprint finds the built feed in the cache, with its ETag, so a
    # client without validators does not cost a build and megabytes hashed again.
    fingerprint = coach_feed_fingerprint(coach=coach, now=now)
    version = hashlib.sha256(fingerprint.key.encode()).hexdigest()
    cache_key = "coach-feed:" + version
    cached = _cache_call(cache.get, cache_key)
    if cached is None:
        bookings, blocked = coach_feed_content(coach=coach, now=now)
        body = coach_ics.coach_feed(coach=coach, bookings=bookings, blocked_periods=blocked, stamp=fingerprint.changed)
        cached = (body, etag_of(body))
        _cache_call(cache.set, cache_key, cached, FEED_CACHE_SECONDS)
    body, etag = cached
    modified = feed_modified(key=feed_modified_key(coach.pk), version=version, now=timezone.now())
    if modified is not None:  # without a date known to be right, nothing is kept
        coach_feed_validators_keep(
            coach_id=coach.pk,
            versions=versions,
            fingerprint_version=version,
            etag=etag,
            holds_until=fingerprint.holds_until,
            now=now,
        )
    return calendar_response(request, body, etag=etag, last_modified=strong_last_modified(modified), private=True)


@require_safe
def busy_feed(request, coach_slug):
    coach = get_object_or_404(coaches(), slug=coach_slug, busy_feed_enabled=True)
    intervals = coach_busy_intervals(coach=coach, now=timezone.now())
    body = coach_ics.busy_feed(coach=coach, intervals=intervals, stamp=coach.created_at)
    return calendar_response(request, body, etag=etag_of(body), last_modified=None, private=False)
