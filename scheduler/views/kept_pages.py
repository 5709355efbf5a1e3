"""The type page (views/public.py) kept in the shared cache as it was rendered for a visitor
without a session: rendering the month grid, the day's times and the zone chooser cost over ten
times a hello-world request (in worker CPU), and every visitor of a coach asks for the same few
pages. Serving a kept page costs one round trip to the cache and a token put in.

A page is kept under the versions of its coach's settings and availability (cache_versions.py),
read in the same round trip as the page (slots_answers.slots_answer_cached), and used only while
they are current: every write that changes a slot, a type or the coach makes it stale, and a
write of another coach leaves it alone. It is found by everything the page shows that is not its
coach's data: the full path with its query (the language switch sends it back), the language the
visitor asked for (the coach's Sie or du is the coach's setting, under the settings version), and
whether the page is framed (embed.js). The origins that may frame it (the coach's setting) are
kept with it, for framing.frameable.

Time changes the page too, so it is kept at most
- until the first slot it shows comes within the type's minimum notice, or, for a type whose
  bookings are requests, until the limit of what the coach can still answer in time may pass it
  (the rules the slots themselves are kept by, slots_answers.py), and ANSWER_MAX_AGE;
- until the next half hour, when the zone chooser's offsets are written again (slot_picker.tz_form);
- until this month ends in the visitor's zone (the picker's first month moves on);
and a month that reaches past the booking horizon is never kept: there slots come in with time.

Only what is the same for every visitor is kept. Not kept, and never answered from the cache:
a visitor with a session (signed in, or with messages to show) or a messages cookie, a chosen
time (`start=`: the booking form), a query with other parameters than the picker's, a POST. The
CSRF token of the language switch is each visitor's own: the kept copy holds a mark in its place
and every answer puts in the visitor's token (get_token, which also sets their cookie as a
rendered page would). A framed page shows no form without a chosen time, so no form token.
"""

import hashlib
import logging
import math
import re
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language
from redis.exceptions import RedisError

from ..cache_versions import availability_version_keys, settings_version_keys, versions_current
from ..framing import frame_ancestors
from ..selectors.coaches import coach_id_for_slug
from ..selectors.slots_answers import ANSWER_MAX_AGE, _request_limit_holds_until

logger = logging.getLogger("sprechzeit.cache")

KEY_PREFIX = "type-page:"
# The picker's parameters (slot_picker, tz_form, picker.js, embed.js): a query with any other
# is rendered each time, so that arbitrary parameters cannot fill the cache with copies.
KEPT_PARAMS = frozenset({"day", "month", "tz", "clock", "embed", "lang", "partial"})
MAX_QUERY_LENGTH = 200
# In the kept copy, where the visitor's CSRF token goes. A NUL byte: no page ever holds one
# (the database refuses it, config.middleware.UnstorableInputMiddleware refuses it in a query).
CSRF_MARK = b"\0csrf\0"
_CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
ZONE_OPTIONS_PERIOD = timedelta(minutes=30)

# The pages this process read or kept, by key: {key: (versions, expiry in Unix seconds, page,
# frame origins)}, as in the cache. Used under the same rule (only while its versions are the
# current ones), so that a page is not read from the cache again and again: it was half of
# what answering it from the file cache cost. The oldest go first beyond COPIES_KEPT (~50 KiB each).
_copies: dict[str, tuple] = {}
COPIES_KEPT = 100


class KeptPage(NamedTuple):
    """The page found in the cache (body None: not there, or stale) and what a page rendered
    now is kept under (versions None: the cache cannot be reached, keep nothing)."""

    key: str
    versions: tuple[str, ...] | None
    body: bytes | None
    frame_ancestors: list[str] | None  # the coach's, for framing.frameable


def type_page_kept(request, *, coach_slug: str, type_slug: str) -> KeptPage | None:
    """The kept page for this request, or None when its page is never kept (see the module's
    docstring). `type_slug` is part of the path, which is in the key."""
    if not settings.SLOTS_ANSWERS_KEPT or request.method not in ("GET", "HEAD"):
        return None
    if not request.GET.keys() <= KEPT_PARAMS or len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_LENGTH:
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES or CookieStorage.cookie_name in request.COOKIES:
        return None
    coach_id = coach_id_for_slug(coach_slug)
    if coach_id is None:
        return None
    framed = "framed" if getattr(request, "embedded", False) else ""
    visitor = "\0".join((get_language() or "", framed, request.get_full_path()))
    key = KEY_PREFIX + hashlib.sha256(visitor.encode()).hexdigest()
    # The versions before the page, in one round trip: a write in between makes a page
    # rendered now stale (as slots_answers.slots_answer_cached reads them). A page this
    # process has is not read again, only its versions.
    version_keys = [*settings_version_keys(coach_id), *availability_version_keys(coach_id)]
    moment = timezone.now().timestamp()
    copy = _copies.get(key)
    if copy is not None and copy[1] <= moment:
        copy = None
    try:
        found = cache.get_many(version_keys if copy else [*version_keys, key])
        versions = tuple(versions_current(version_keys, found))
    except RedisError:
        logger.warning("type page not read: the cache cannot be reached", exc_info=True)
        return KeptPage(key, None, None, None)
    kept = copy or found.get(key)
    if kept is None or kept[0] != versions:
        return KeptPage(key, versions, None, None)
    if copy is None:
        _copy(key, kept)
    return KeptPage(key, versions, kept[2], kept[3])


def _copy(key: str, kept: tuple) -> None:
    if len(_copies) >= COPIES_KEPT:
        del _copies[next(iter(_copies))]  # the oldest
    _copies[key] = kept


def type_page_answer(request, kept: KeptPage) -> HttpResponse:
    """The kept page with this visitor's own CSRF token (as render() answers it)."""
    body = kept.body
    if CSRF_MARK in body:
        body = body.replace(CSRF_MARK, get_token(request).encode())
    response = HttpResponse(body)
    response.frame_ancestors = kept.frame_ancestors
    return response


def page_keep_until(*, picker: dict, appointment_type, now: datetime) -> datetime:
    """Until when the page that shows `picker` (slot_picker's, computed at `now`) stays right,
    whatever no write announces; `now` itself when it must not be kept."""
    zone = picker["zone"]
    month = picker["month"]
    month_end = datetime.combine((month + timedelta(days=31)).replace(day=1), time(0), tzinfo=zone)
    if month_end > now + appointment_type.horizon:  # slots of this month come within the horizon
        return now
    slots = picker["slots"]
    until = [now + timedelta(seconds=ANSWER_MAX_AGE)]
    if slots:
        until.append(slots[0].start - appointment_type.minimum_notice)
        limit = _request_limit_holds_until(appointment_type=appointment_type, slots=slots, now=now)
        if limit is not None:
            until.append(limit)
    # The zone chooser's offsets are of this half hour (UTC: every zone's offsets change on one).
    utc = now.astimezone(UTC)
    until.append(utc.replace(minute=utc.minute // 30 * 30, second=0, microsecond=0) + ZONE_OPTIONS_PERIOD)
    # The picker's first month is this one in the visitor's zone.
    today = now.astimezone(zone).date()
    until.append(datetime.combine((today.replace(day=1) + timedelta(days=31)).replace(day=1), time(0), tzinfo=zone))
    return min(until)


def type_page_keep(kept: KeptPage | None, *, response, picker: dict, appointment_type, now: datetime) -> None:
    """Keep the page rendered in `response` (for a visitor of type_page_kept's kind) while it
    is right, with the origins that may frame it (read after the versions, as the page was)."""
    if kept is None or kept.versions is None or response.status_code != 200 or response.streaming:
        return
    moment = timezone.now()
    seconds = math.floor(
        (page_keep_until(picker=picker, appointment_type=appointment_type, now=now) - moment).total_seconds()
    )
    if seconds < 1:
        return  # whole seconds, rounded down: never kept past its time
    body = _CSRF_VALUE.sub(rb"\1" + CSRF_MARK + rb"\2", response.content)
    # Its expiry, for the copies of the processes: no later than the cache's.
    kept_page = (kept.versions, moment.timestamp() + seconds, body, frame_ancestors(appointment_type.coach.slug))
    try:
        cache.set(kept.key, kept_page, timeout=seconds)
    except RedisError:
        logger.warning("type page not kept: the cache cannot be reached", exc_info=True)
        return
    _copy(kept.key, kept_page)
