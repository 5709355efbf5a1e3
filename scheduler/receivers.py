"""The receivers that change the cache versions (cache_versions.py) when a model is saved
or deleted; `connect()` is called once, in SchedulerConfig.ready().

* A coach, an appointment type or a user account → that coach's settings version, except a
  user's save of fields nothing cached reads (a login's `last_login`).
* A booking, a blocked period, weekly hours (and their types), a date override or a reply
  window → that coach's availability version (reply windows and away time decide which
  slots a type that takes requests offers: selectors/slots.request_not_before). A worker
  then computes the coach's lately asked slot answers again (services/slots_answers_warm.py).
"""

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save

from .cache_versions import availability_changed, coach_settings_changed
from .models import AppointmentType, BlockedPeriod, Booking, Coach, DateOverride, ReplyWindow, WeeklyHours
from .outbox.queue import slots_answers_warm_dispatch

# What a user's save may change without any cached copy going stale: the kept types hold
# the coach's user, but read only whether they are active and their address. Django saves
# last_login at every login and the password when it upgrades its hash (allauth too), each
# with update_fields; a new version there would throw away every process's kept types and
# slot answers at each login.
USER_FIELDS_NOT_CACHED = frozenset({"last_login", "password"})


def _coach_id(instance) -> int:
    return instance.pk if isinstance(instance, Coach) else instance.coach_id


def _settings_changed(sender, instance, **kwargs):
    coach_settings_changed(_coach_id(instance))


def _user_changed(sender, instance, update_fields=None, **kwargs):
    # update_fields is None for a save of every field and for a delete.
    if update_fields is not None and update_fields <= USER_FIELDS_NOT_CACHED:
        return
    # A user who is no coach changes nothing kept; after a delete the coach is gone too,
    # and its own receiver changed its version.
    coach_id = Coach.objects.filter(user_id=instance.pk).values_list("pk", flat=True).first()
    if coach_id is not None:
        coach_settings_changed(coach_id)


def _availability_changed(sender, instance, **kwargs):
    availability_changed(instance.coach_id)
    slots_answers_warm_dispatch(coach_id=instance.coach_id)


def _hours_types_changed(sender, instance, action, **kwargs):
    # From either side: weekly hours' types, or a type's weekly hours; both have the coach.
    if action.startswith("post_"):
        availability_changed(instance.coach_id)


def connect() -> None:
    for model in (Coach, AppointmentType):
        for signal in (post_save, post_delete):
            signal.connect(_settings_changed, sender=model, dispatch_uid=f"coach-settings-version-{model.__name__}")
    for signal in (post_save, post_delete):
        signal.connect(_user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="coach-settings-version-user")

    # Not imported calendars: a receiver on ExternalBusy would turn the import's bulk delete of
    # thousands of rows into one query per row, and one on ExternalCalendar would fire at every
    # attempt; the services that change busy times call availability_changed.
    for model in (Booking, BlockedPeriod, WeeklyHours, DateOverride, ReplyWindow):
        for signal in (post_save, post_delete):
            signal.connect(_availability_changed, sender=model, dispatch_uid=f"availability-version-{model.__name__}")
    m2m_changed.connect(
        _hours_types_changed,
        sender=WeeklyHours.appointment_types.through,
        dispatch_uid="availability-version-hours-types",
    )
