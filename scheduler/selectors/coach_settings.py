"""Reads of the coach's workspace: their own appointment types and other calendars."""

from django.db.models import QuerySet

from ..models import AppointmentType, Coach, ExternalCalendar


def coach_appointment_types(*, coach: Coach) -> QuerySet[AppointmentType]:
    """All of the coach's types, active or not, in the order clients see them."""
    return coach.appointment_types.order_by("order", "name", "pk")


def coach_external_calendars(*, coach: Coach) -> QuerySet[ExternalCalendar]:
    return coach.external_calendars.order_by("name", "pk")
