"""Answers of the slots API, kept in the cache while they are right: the booking page asks
for the same week of the same coach again and again, and computing it (the database, the
engine, the JSON) costs several times what serving it from the cache does.

An answer is kept with the versions of its coach's settings and availability
(cache_versions.py) it was computed under, and used only while they are still current:
every write that could change a slot of that coach replaces one of them, and leaves every
other coach's answers alone. It is found by the request's own parameters and the coach's
id (kept per process, selectors/coaches.coach_id_for_slug), so the versions and the answer
come in one round trip, before anything else is read. Answers are kept only with a cache that
every process shares (settings.SLOTS_ANSWERS_KEPT). A booking always checks its slot against
the database.

Time changes slots too, in three ways, each handled exactly:
* the minimum notice: slots drop out from the front as they come within it (it only moves the
  engine's earliest start later; slot_engine.bookable_slots). A kept answer whose first slot
  has come within the notice is trimmed when it is read (_trimmed) instead of computed again:
  the answers of coaches with the same hours would otherwise all go at the same quarter hour;
* the horizon: slots at its end appear as it moves. An answer whose range the horizon could
  still reach is kept at most ANSWER_MAX_AGE; one wholly inside it, ANSWER_KEPT_MAX_AGE;
* for requests, the reply windows (below).

A type whose bookings may be requests offers no slot the coach could not answer in time
(selectors/slots.request_not_before), and that limit moves with time: when the coach's
first reply window that still counts is over (or, for a coach without reply windows,
continuously, like the minimum notice). Folding it into the key would mean reading the
reply windows before the cache, on every hit; instead the answer is kept only while the
limit cannot have passed its first slot (_request_limit_holds_until), which costs the
read only when an answer is computed, and only for such types.
"""

import hashlib
import json
import logging
import math
from bisect import bisect_left
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from redis.exceptions import RedisError

from ..cache_versions import availability_version_keys, settings_version_keys, versions_current
from ..models import AppointmentType
from ..reachability import MIN_ANSWER_TIME, first_answer_window_end
from ..slot_engine import Interval
from .coaches import coach_id_for_slug
from .reachability import reachability_inputs
from .slots import answers_requests, slots_bookable

logger = logging.getLogger("sprechzeit.cache")

# Seconds. Every write changes its coach's version, and the clock's effects are computed
# exactly (below), so this bounds only what no write announces: a slot that comes within the
# horizon appears at most this late.
ANSWER_MAX_AGE = 300
# Seconds, for an answer whose range lies wholly inside the horizon: nothing but a write (which
# changes the versions) changes it, so this only bounds the cache's memory. A coach visited a
# few times a day is answered from the cache.
ANSWER_KEPT_MAX_AGE = 6 * 3600

Versions = tuple[str, ...]
# The keys' prefixes name the format of what is kept (Kept, in slots_answer_cached): processes
# of an older release, still running during a deploy, never read an entry they cannot unpack.
ANSWER_PREFIX = "slots-answer:v2:"
KEPT_PREFIX = "slots-kept:v2:"
# How many answers of one coach are noted to be computed again after a change of their
# availability (services/slots_answers_warm.py): the most recently kept ones.
RECIPES_KEPT = 16


class SlotsAnswerKey(NamedTuple):
    """Where the answer to one request is kept, and whose versions it depends on (the
    coach's id, found by the slug when not given)."""

    key: str
    coach_slug: str
    coach_id: int | None = None


def slots_answer_key(
    *, coach: str, type: str, start: str | None, end: str | None, tz: str | None
) -> SlotsAnswerKey | None:
    """The cache key of the answer to these query parameters, as the visitor sent them.
    None without `start` (the answer then starts today, which changes by itself) and when
    answers are not kept."""
    if start is None or not settings.SLOTS_ANSWERS_KEPT:
        return None
    request = "\0".join((coach, type, start, end or "", tz or ""))
    return SlotsAnswerKey(ANSWER_PREFIX + hashlib.sha256(request.encode()).hexdigest(), coach)


def slots_answer_cached(
    *, key: SlotsAnswerKey | None, now: datetime | None = None
) -> tuple[bytes | list | None, Versions | None]:
    """The kept answer, if it is still current (trimmed to the minimum notice at `now`), and
    the current versions to keep a new one under: read them before the data, so a write in
    between makes the new answer stale. (None, None) when the cache cannot be reached or the
    slug names no coach: then nothing is kept."""
    if key is None:
        return None, None
    coach_id = key.coach_id if key.coach_id is not None else coach_id_for_slug(key.coach_slug)
    if coach_id is None:
        return None, None
    version_keys = [*settings_version_keys(coach_id), *availability_version_keys(coach_id)]
    try:
        found = cache.get_many([*version_keys, key.key])
        versions = tuple(versions_current(version_keys, found))
    except RedisError:
        logger.warning("slots answer not read: the cache cannot be reached", exc_info=True)
        return None, None
    kept = found.get(key.key)
    if not isinstance(kept, tuple) or len(kept) != 5 or kept[0] != versions:  # none, another format, stale
        return None, versions
    # Kept: the versions, the answer, when its first slot comes within the minimum notice
    # (Unix seconds; None without slots), the notice (seconds) and when it expires.
    _, body, fresh_until, notice, expires_at = kept
    moment = (now or timezone.now()).timestamp()
    if fresh_until is None or moment < fresh_until:
        return body, versions
    body, first = _trimmed(body, cutoff=moment + notice)
    fresh_until = None if first is None else first - notice
    # Kept trimmed, so that the next reader need not trim again; should a write have come
    # in between, the versions have changed and this copy is never used.
    _keep(key.key, (versions, body, fresh_until, notice, expires_at), seconds=expires_at - moment)
    return body, versions


def _trimmed(body: bytes | list, *, cutoff: float) -> tuple[bytes | list, float | None]:
    """The answer without its slots that start before `cutoff` (Unix seconds), and its new
    first slot's start (None: no slot is left). The answer is a list of Intervals (the booking
    pages') or the slots API's JSON (api_slots_schema.slots_json: days in order, their slots in order)."""
    if isinstance(body, list):
        left = body[bisect_left([slot.start.timestamp() for slot in body], cutoff) :]
        return left, (left[0].start.timestamp() if left else None)
    answer = json.loads(body)
    days, first = [], None
    for day in answer["days"]:
        slots = day["slots"] if first is not None else _slots_from(day["slots"], cutoff)
        if slots:
            if first is None:
                first = datetime.fromisoformat(slots[0]["start"]).timestamp()
            days.append({**day, "slots": slots})
    answer["days"] = days
    # The bytes pydantic writes (compact, UTF-8), so that a trimmed answer reads exactly like
    # one computed now (tests/scheduler/selectors/test_slots_answers.py compares them).
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode(), first


def _slots_from(slots: list[dict], cutoff: float) -> list[dict]:
    """The slots (in order) from the first that starts at `cutoff` or later."""
    for index, slot in enumerate(slots):
        if datetime.fromisoformat(slot["start"]).timestamp() >= cutoff:
            return slots[index:]
    return []


def _keep(key: str, kept: tuple, *, seconds: float) -> None:
    """Keep for whole seconds, rounded down: never past its time."""
    if seconds < 1:
        return
    try:
        cache.set(key, kept, timeout=math.floor(seconds))
    except RedisError:
        logger.warning("slots answer not kept: the cache cannot be reached", exc_info=True)


def _request_limit_holds_until(*, appointment_type: AppointmentType, slots: list[Interval], now: datetime):
    """Until when no slot in `slots` (sorted) starts too early for a request to be answered
    in time; None: the limit cannot make them wrong (no requests, no slots). A slot left out
    for being too early stays too early, as the limit only ever moves later."""
    if not slots or not answers_requests(appointment_type):
        return None
    lead = appointment_type.answer_lead
    inputs = reachability_inputs(coach=appointment_type.coach, now=now)
    if not inputs["windows"]:  # reachability.answerable_from: now + MIN_ANSWER_TIME + lead
        return slots[0].start - lead - MIN_ANSWER_TIME
    end = first_answer_window_end(**inputs, now=now)
    if end is None or end + lead > slots[0].start:
        return now  # the limit moved since the slots were computed: keep nothing
    # That window counts for an answer while it still has MIN_ANSWER_TIME left.
    return end - MIN_ANSWER_TIME


def slots_answer_keep(
    *,
    key: SlotsAnswerKey | None,
    versions: Versions | None,
    body: bytes | list,
    slots: list[Interval],
    appointment_type: AppointmentType,
    range_end: datetime | None = None,
    recipe: dict | None = None,
) -> None:
    """Keep `body`, the answer listing `slots` (sorted) up to `range_end`: at most
    ANSWER_MAX_AGE while the horizon can still reach into its range (always, without
    `range_end`), else at most ANSWER_KEPT_MAX_AGE; for requests, at most while the limit of
    the times the coach can still answer in time has not passed its first slot. Slots that
    come within the minimum notice meanwhile are trimmed when it is read. `recipe`, the
    answer's question in plain values, is noted for the coach, so that it is computed again
    ahead of the next visitor once the coach's availability changes."""
    if key is None or versions is None:
        return
    now = timezone.now()
    within_horizon = range_end is not None and range_end <= now + appointment_type.horizon
    seconds = float(ANSWER_KEPT_MAX_AGE if within_horizon else ANSWER_MAX_AGE)
    limit = _request_limit_holds_until(appointment_type=appointment_type, slots=slots, now=now)
    if limit is not None:
        seconds = min(seconds, (limit - now).total_seconds())
    notice = appointment_type.minimum_notice.total_seconds()
    fresh_until = slots[0].start.timestamp() - notice if slots else None
    _keep(key.key, (versions, body, fresh_until, notice, now.timestamp() + seconds), seconds=seconds)
    if recipe is not None:
        _recipe_note(coach_id=appointment_type.coach_id, key=key.key, recipe=recipe)


def _recipes_key(coach_id: int) -> str:
    return f"slots-recipes:{coach_id}"


def _recipe_note(*, coach_id: int, key: str, recipe: dict) -> None:
    """Note the question of the answer kept under `key` among the coach's RECIPES_KEPT most
    recent ones. Read, changed and written back: two processes at once may lose one note,
    which costs that answer's next visitor a computation, nothing more."""
    try:
        recipes = cache.get(_recipes_key(coach_id)) or {}
        recipes.pop(key, None)
        recipes[key] = recipe
        while len(recipes) > RECIPES_KEPT:
            recipes.pop(next(iter(recipes)))
        cache.set(_recipes_key(coach_id), recipes, timeout=ANSWER_KEPT_MAX_AGE)
    except RedisError:
        logger.warning("slots answer's question not noted: the cache cannot be reached", exc_info=True)


def slots_answer_recipes(*, coach_id: int) -> dict[str, dict]:
    """The questions of the coach's recently kept answers, by their keys; {} without the cache."""
    try:
        return cache.get(_recipes_key(coach_id)) or {}
    except RedisError:
        logger.warning("slots answers' questions not read: the cache cannot be reached", exc_info=True)
        return {}


def slots_bookable_kept(
    *, appointment_type: AppointmentType, range_start: datetime, range_end: datetime, now: datetime
) -> list[Interval]:
    """slots_bookable, kept like the API's answers (same versions, same lifetime), for the
    booking pages' month and day: their HTML holds a form and the visitor's choices, so the
    slots are kept, not the page."""
    if not settings.SLOTS_ANSWERS_KEPT:
        return slots_bookable(appointment_type=appointment_type, range_start=range_start, range_end=range_end, now=now)
    key = slots_kept_key(appointment_type=appointment_type, range_start=range_start, range_end=range_end)
    kept, versions = slots_answer_cached(key=key, now=now)
    if kept is not None:
        return kept
    slots = slots_bookable(appointment_type=appointment_type, range_start=range_start, range_end=range_end, now=now)
    slots_answer_keep(
        key=key,
        versions=versions,
        body=slots,
        slots=slots,
        appointment_type=appointment_type,
        range_end=range_end,
        recipe={
            "kind": "pages",
            "type": appointment_type.pk,
            "start": range_start.isoformat(),
            "end": range_end.isoformat(),
        },
    )
    return slots


def slots_kept_key(*, appointment_type: AppointmentType, range_start: datetime, range_end: datetime) -> SlotsAnswerKey:
    """Where the booking pages' slots of this type and range are kept."""
    request = "\0".join((str(appointment_type.pk), range_start.isoformat(), range_end.isoformat()))
    return SlotsAnswerKey(
        KEPT_PREFIX + hashlib.sha256(request.encode()).hexdigest(),
        appointment_type.coach.slug,
        appointment_type.coach_id,
    )
