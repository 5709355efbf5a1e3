"""Reads of the coach's workspace: their own appointment types and other calendars."""

from django.db.models import QuerySet

from ..models import AppointmentType, Coach, ExternalCalendar


def coach_appointment_types(*, coach: Coach) -> QuerySet[AppointmentType]:
    """All of the coach's types, active or not, in the order clients see them."""
    return coach.appointment_types.order_by("order", "name", "pk")


def coach_external_calendars(*, coach: Coach, kind: str = "") -> QuerySet[ExternalCalendar]:
    """The coach's other calendars, of one kind (ExternalCalendar.Kind) if given."""
    calendars = coach.external_calendars.order_by("name", "pk")
    return calendars.filter(kind=kind) if kind else calendars
