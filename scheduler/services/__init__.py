"""Writes. Each service is named <entity>_<action>, takes keyword arguments only,
and dispatches its tasks after the transaction commits."""

from .booking import (
    BookingRequest,
    SlotTaken,
    booking_address_confirm,
    booking_cancel,
    booking_confirm,
    booking_create,
    booking_decline,
    booking_expire,
    booking_request_clean,
    booking_reschedule,
    bookings_expire_due,
)
from .calendar_import import external_calendar_import, external_calendars_import_all
from .coach import coach_create, coach_feed_rotate, coach_feed_url, worker_check_answer, worker_check_request
from .outbox import (
    booking_notify,
    notification_delivery_update,
    notification_retry,
    notification_send,
    notifications_dispatch,
    notifications_dispatch_retry,
    notifications_sweep,
)

__all__ = [
    "BookingRequest",
    "SlotTaken",
    "booking_address_confirm",
    "booking_cancel",
    "booking_confirm",
    "booking_create",
    "booking_decline",
    "booking_expire",
    "booking_request_clean",
    "booking_reschedule",
    "booking_notify",
    "bookings_expire_due",
    "coach_create",
    "external_calendar_import",
    "external_calendars_import_all",
    "coach_feed_rotate",
    "coach_feed_url",
    "notification_delivery_update",
    "notification_retry",
    "notification_send",
    "notifications_dispatch",
    "notifications_dispatch_retry",
    "notifications_sweep",
    "worker_check_answer",
    "worker_check_request",
]
