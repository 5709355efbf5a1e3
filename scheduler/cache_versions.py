"""The versions of what the web processes cache, kept in the shared cache (Redis in
production); a cached copy is used only while the versions it was made under are current.

Each coach has two versions of their own, so that one coach's booking leaves every other
coach's kept answers valid:

* the coach's settings version: the bookable types each process keeps
  (selectors/coaches.py) and the slots API's answers (selectors/slots_answers.py) depend
  on it. A write of the coach, one of their appointment types or their user account (not
  a login) changes it;
* the coach's availability version: the slots API's answers depend on it too. A write of
  one of their bookings, blocked periods, weekly hours, date overrides, reply windows or
  imported busy times changes it.

Beside them, one settings and one availability version for every coach at once, for a write
whose coach is not known (a caller that passes no coach id). A copy depends on its coach's
version and on the one for all, so either change makes it stale; both are read in the same
round trip as the copy itself.

Saves and deletes change them through the receivers in receivers.py; writes that send no
signal (QuerySet.update, bulk_create, bulk_update, and the calendar import, which has no
receiver) call availability_changed / coach_settings_changed themselves; what one misses
expires with the cached copy. A version is a random string, never a counter: a cleared
cache starts a new one, never an old one again.

A change inside a transaction is written to the cache once, after commit: before it, other
processes read the rows of before, and a copy they make is stale at once. The transaction
itself reads its own new version (kept with its commit callback, so a rolled-back savepoint
takes it back), so that it never answers from a copy made before its own write.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger("sprechzeit.cache")

SETTINGS_VERSION_KEY = "coach-settings-version"
AVAILABILITY_VERSION_KEY = "availability-version"


def settings_version_keys(coach_id: int) -> list[str]:
    """The keys a copy of the coach's settings depends on: the one for all, the coach's own."""
    return [SETTINGS_VERSION_KEY, f"{SETTINGS_VERSION_KEY}:{coach_id}"]


def availability_version_keys(coach_id: int) -> list[str]:
    return [AVAILABILITY_VERSION_KEY, f"{AVAILABILITY_VERSION_KEY}:{coach_id}"]


def _pending(keys: list[str]) -> dict[str, str]:
    """The versions that this transaction's writes gave keys among `keys`, not written yet
    (the last change of a key counts; a callback of a rolled-back savepoint is gone)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return {}
    return {
        callback.version_key: callback.version
        for _, callback, _ in connection.run_on_commit
        if getattr(callback, "version_key", None) in keys
    }


def versions_current(keys: list[str], found: dict | None = None) -> list[str]:
    """The current version under each key, as this transaction sees it; `found` holds those
    already read. Raises RedisError when the cache cannot be reached."""
    found = {**(found or {}), **_pending(keys)}
    for key in keys:
        if key not in found:
            found[key] = cache.get(key)
        if found[key] is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)
            found[key] = cache.get(key)  # another process may have added its own first
    return [found[key] for key in keys]


def _change(key: str, name: str) -> None:
    """Give `key` a new version: at once outside a transaction, else once it commits; the
    transaction sees it meanwhile (versions_current)."""
    version = uuid.uuid4().hex

    def change():
        try:
            cache.set(key, version, timeout=None)
        except RedisError:  # the write stands; the processes' copies expire
            logger.warning("%s not changed: the cache cannot be reached", name, exc_info=True)

    change.version_key, change.version = key, version
    transaction.on_commit(change)


def _combined(keys: list[str], name: str) -> str:
    """The versions under `keys` as one string. Without the cache it is a new one every
    time: no cached copy is used, the database answers."""
    try:
        found = cache.get_many(keys)
        return ":".join(versions_current(keys, found))
    except RedisError:
        logger.warning("%s unknown: the cache cannot be reached", name, exc_info=True)
        return uuid.uuid4().hex


def coach_settings_version(coach_id: int) -> str:
    """The current version of the coach's settings (theirs and the one for all)."""
    return _combined(settings_version_keys(coach_id), "coach settings version")


def availability_version(coach_id: int) -> str:
    """The current version of the coach's availability (theirs and the one for all)."""
    return _combined(availability_version_keys(coach_id), "availability version")


def coach_settings_changed(coach_id: int | None = None) -> None:
    """The coach's settings changed; without a coach id, every coach's are taken as changed."""
    key = SETTINGS_VERSION_KEY if coach_id is None else settings_version_keys(coach_id)[1]
    _change(key, "coach settings version")


def availability_changed(coach_id: int | None = None) -> None:
    """The coach's availability changed; without a coach id, every coach's is taken as changed."""
    key = AVAILABILITY_VERSION_KEY if coach_id is None else availability_version_keys(coach_id)[1]
    _change(key, "availability version")
