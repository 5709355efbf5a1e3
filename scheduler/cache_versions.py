"""The two versions of what the web processes cache, kept in the shared cache (Redis in
production); a cached copy is used only while the version it was made under is current.

* The coaches' settings version: the bookable types each process keeps
  (selectors/coaches.py) and the slots API's answers (selectors/slots_answers.py) depend
  on it. A write of a coach, an appointment type or a user account (not a login) changes it.
* The availability version: the slots API's answers depend on it too. A write of a
  booking, a blocked period, weekly hours, a date override, a reply window or imported
  busy times changes it. One version for all coaches: a cached answer is then found in
  one round trip, and bookings are rare next to page views.

Saves and deletes change them through the receivers in receivers.py; writes that send no
signal (QuerySet.update, bulk_create, bulk_update, and the calendar import, which has no
receiver) call availability_changed / coach_settings_changed themselves; what one misses
expires with the cached copy. A version is a random string, never a counter: a cleared
cache starts a new one, never an old one again.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger("sprechzeit.cache")

SETTINGS_VERSION_KEY = "coach-settings-version"
AVAILABILITY_VERSION_KEY = "availability-version"


def versions_current(keys: list[str], found: dict | None = None) -> list[str]:
    """The current version under each key; `found` holds those already read. Raises
    RedisError when the cache cannot be reached."""
    found = dict(found or {})
    for key in keys:
        if key not in found:
            found[key] = cache.get(key)
        if found[key] is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)
            found[key] = cache.get(key)  # another process may have added its own first
    return [found[key] for key in keys]


def _change(key: str, name: str) -> None:
    """Change the version now, so that this transaction sees its own write, and again after
    commit: a process that read the old rows in between may have cached them under the
    version of now."""

    def change():
        try:
            cache.set(key, uuid.uuid4().hex, timeout=None)
        except RedisError:  # the write stands; the processes' copies expire
            logger.warning("%s not changed: the cache cannot be reached", name, exc_info=True)

    change()
    transaction.on_commit(change)


def coach_settings_version() -> str:
    """The current version of the coaches' settings. Without the cache it is a new one every
    time: no cached copy is used, the database answers."""
    try:
        return versions_current([SETTINGS_VERSION_KEY])[0]
    except RedisError:
        logger.warning("coach settings version unknown: the cache cannot be reached", exc_info=True)
        return uuid.uuid4().hex


def coach_settings_changed() -> None:
    _change(SETTINGS_VERSION_KEY, "coach settings version")


def availability_changed() -> None:
    _change(AVAILABILITY_VERSION_KEY, "availability version")
