"""Data of the booking tool: coaches, what they offer, when, what was booked and
what was sent. Models hold data and their invariants (`clean()` and database
constraints); when a slot is bookable is the engine's (slot_engine.py), writes are in
services/, reads in selectors/. Django finds the models through this package."""

from .booking import Booking, Client
from .booking_link import BookingLink
from .client_data_request import ClientDataRequest
from .coach import AppointmentType, Coach
from .coach_availability import BlockedPeriod, DateOverride, ReplyWindow, WeeklyHours
from .external_calendar import CalendarEntry, ExternalBusy, ExternalCalendar
from .inbound import InboundMessage
from .notification import Notification
from .ops import WorkerCheck

__all__ = [
    "AppointmentType",
    "BlockedPeriod",
    "Booking",
    "BookingLink",
    "CalendarEntry",
    "Client",
    "ClientDataRequest",
    "Coach",
    "DateOverride",
    "ExternalBusy",
    "ExternalCalendar",
    "InboundMessage",
    "Notification",
    "ReplyWindow",
    "WeeklyHours",
    "WorkerCheck",
]
