"""Calendar feeds for subscribing calendar apps. They poll often, so every answer
carries validators (ETag, Last-Modified) and an unchanged feed costs a 304."""

import hashlib
import logging
from datetime import datetime

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from redis.exceptions import RedisError

from .. import ics, selectors

FEED_CACHE_SECONDS = 3600
logger = logging.getLogger(__name__)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def calendar_response(
    request, body: bytes, *, etag: str, last_modified: datetime | None, private: bool
) -> HttpResponse:
    modified = int(last_modified.timestamp()) if last_modified else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=modified)
    response = not_modified or HttpResponse(body, content_type="text/calendar; charset=utf-8")
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


@require_safe
def coach_feed(request, token):
    coach = selectors.coach_by_feed_token(token)
    if coach is None:
        raise Http404
    now = timezone.now()
    # Calendar apps poll every few minutes: an unchanged feed comes from the cache, with
    # its ETag, so a 304 does not hash megabytes again.
    fingerprint = selectors.coach_feed_fingerprint(coach=coach, now=now)
    cache_key = "coach-feed:" + hashlib.sha256(fingerprint.key.encode()).hexdigest()
    cached = _cache_call(cache.get, cache_key)
    if cached is None:
        bookings, blocked = selectors.coach_feed_content(coach=coach, now=now)
        body = ics.coach_feed(coach=coach, bookings=bookings, blocked_periods=blocked, stamp=fingerprint.changed)
        cached = (body, etag_of(body))
        _cache_call(cache.set, cache_key, cached, FEED_CACHE_SECONDS)
    body, etag = cached
    return calendar_response(request, body, etag=etag, last_modified=fingerprint.changed, private=True)


@require_safe
def busy_feed(request, coach_slug):
    coach = get_object_or_404(selectors.coaches(), slug=coach_slug, busy_feed_enabled=True)
    intervals = selectors.coach_busy_intervals(coach=coach, now=timezone.now())
    body = ics.busy_feed(coach=coach, intervals=intervals, stamp=coach.created_at)
    return calendar_response(request, body, etag=etag_of(body), last_modified=None, private=False)
