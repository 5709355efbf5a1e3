"""Receivers that keep the cache versions (cache_versions.py) current when a model is
written; connected in SchedulerConfig.ready()."""

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save

from .cache_versions import availability_changed, coach_settings_changed
from .models import AppointmentType, BlockedPeriod, Booking, Coach, DateOverride, WeeklyHours


def _settings_changed(sender, **kwargs):
    coach_settings_changed()


def _availability_changed(sender, **kwargs):
    availability_changed()


def _hours_types_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        availability_changed()


def connect() -> None:
    for model in (Coach, AppointmentType, settings.AUTH_USER_MODEL):
        for signal in (post_save, post_delete):
            signal.connect(_settings_changed, sender=model, dispatch_uid=f"coach-settings-version-{model}")

    # Not imported calendars: a receiver on ExternalBusy would turn the import's bulk delete of
    # thousands of rows into one query per row, and one on ExternalCalendar would fire at every
    # attempt; the services that change busy times call availability_changed.
    for model in (Booking, BlockedPeriod, WeeklyHours, DateOverride):
        for signal in (post_save, post_delete):
            signal.connect(_availability_changed, sender=model, dispatch_uid=f"availability-version-{model.__name__}")
    m2m_changed.connect(
        _hours_types_changed,
        sender=WeeklyHours.appointment_types.through,
        dispatch_uid="availability-version-hours-types",
    )
