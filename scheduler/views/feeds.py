"""Calendar feeds for subscribing calendar apps. They poll often, so every answer
carries validators (ETag, Last-Modified) and an unchanged feed costs a 304."""

import hashlib
from datetime import datetime

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from .. import ics, selectors
from ..models import Booking

FEED_CACHE_SECONDS = 3600


def _calendar_response(request, body: bytes, *, last_modified: datetime | None, private: bool) -> HttpResponse:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
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


def _last_change(bookings: list[Booking], blocked, coach) -> datetime:
    return max([coach.created_at, *(b.updated_at for b in bookings), *(p.updated_at for p in blocked)])


@require_safe
def coach_feed(request, token):
    coach = selectors.coach_by_feed_token(token)
    if coach is None:
        raise Http404
    now = timezone.now()
    # Calendar apps poll every few minutes: an unchanged feed comes from the cache.
    cache_key = "feed:" + hashlib.sha256(selectors.coach_feed_fingerprint(coach=coach, now=now).encode()).hexdigest()
    cached = cache.get(cache_key)
    if cached is None:
        bookings, blocked = selectors.coach_feed_content(coach=coach, now=now)
        # DTSTAMP from the data, not the clock, so an unchanged feed has unchanged bytes.
        stamp = _last_change(bookings, blocked, coach)
        cached = (ics.coach_feed(coach=coach, bookings=bookings, blocked_periods=blocked, stamp=stamp), stamp)
        cache.set(cache_key, cached, FEED_CACHE_SECONDS)
    body, stamp = cached
    return _calendar_response(request, body, last_modified=stamp, private=True)


@require_safe
def busy_feed(request, coach_slug):
    coach = get_object_or_404(selectors.coaches(), slug=coach_slug, busy_feed_enabled=True)
    intervals = selectors.coach_busy_intervals(coach=coach, now=timezone.now())
    body = ics.busy_feed(coach=coach, intervals=intervals, stamp=coach.created_at)
    return _calendar_response(request, body, last_modified=None, private=False)
