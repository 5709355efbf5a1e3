"""Data of the booking tool: coaches, what they offer, when, what was booked and
what was sent. Models hold data and their invariants (`clean()` and database
constraints); the rules of *when* a slot is bookable live in `availability.py`,
writes in `services.py`, reads in `selectors.py`."""

from .booking import Booking, Client
from .calendar import AppointmentType, BlockedPeriod, Coach, DateOverride, ExternalBusy, ExternalCalendar, WeeklyHours
from .common import (
    RESERVED_SLUGS,
    Channel,
    Weekday,
    new_token,
    time_zone_names,
    validate_duration_not_negative,
    validate_duration_positive,
    validate_time_zone,
)
from .notification import Notification
from .ops import WorkerCheck
from .signals import (  # also connects the receivers
    availability_changed,
    coach_settings_changed,
    coach_settings_version,
)

__all__ = [
    "RESERVED_SLUGS",
    "AppointmentType",
    "BlockedPeriod",
    "Booking",
    "Channel",
    "Client",
    "Coach",
    "DateOverride",
    "ExternalBusy",
    "ExternalCalendar",
    "Notification",
    "WeeklyHours",
    "Weekday",
    "WorkerCheck",
    "availability_changed",
    "coach_settings_changed",
    "coach_settings_version",
    "new_token",
    "time_zone_names",
    "validate_duration_not_negative",
    "validate_duration_positive",
    "validate_time_zone",
]
