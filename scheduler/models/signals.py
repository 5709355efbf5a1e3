"""The version of the coaches' settings: a write of a coach, an appointment type or a
user account changes it, so that every web process drops what it cached of them
(selectors.appointment_type_bookable). Writes that send no signal (QuerySet.update,
bulk_create, bulk_update) reach the processes only when their cached copy expires."""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from redis.exceptions import RedisError

from .calendar import AppointmentType, Coach

logger = logging.getLogger("sprechzeit.cache")

SETTINGS_VERSION_KEY = "coach-settings-version"


def coach_settings_version() -> str:
    """The current version, shared by all processes through the cache (Redis in production).
    Without the cache it is a new one every time: no cached copy is used, the database answers."""
    try:
        version = cache.get(SETTINGS_VERSION_KEY)
        if version is None:  # a new or cleared cache starts a new version, never an old one again
            cache.add(SETTINGS_VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(SETTINGS_VERSION_KEY)
    except RedisError:
        logger.warning("coach settings version unknown: the cache cannot be reached", exc_info=True)
        return uuid.uuid4().hex
    return version


def coach_settings_changed() -> None:
    """Change the version now, so that this transaction sees its own write, and again after
    commit: a process that read the old rows in between may have cached them under the
    version of now."""

    def change():
        try:
            cache.set(SETTINGS_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        except RedisError:  # the write stands; the processes' copies expire (BOOKABLE_TYPE_TTL)
            logger.warning("coach settings version not changed: the cache cannot be reached", exc_info=True)

    change()
    transaction.on_commit(change)


def _changed(sender, **kwargs):
    coach_settings_changed()


for model in (Coach, AppointmentType, settings.AUTH_USER_MODEL):
    for signal in (post_save, post_delete):
        signal.connect(_changed, sender=model, dispatch_uid=f"coach-settings-version-{model}")
