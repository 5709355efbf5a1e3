"""The coach's overview at /coach/: what needs an answer, the next two weeks, and what
went wrong (messages that could not be delivered, calendars that could not be imported)."""

from datetime import timedelta

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe

from ...selectors.coach_bookings import (
    AGENDA_DAYS,
    coach_agenda,
    coach_calendar_errors,
    coach_notifications_failed,
    coach_requests_pending,
)
from . import coach_required
from .bookings import note_form


@coach_required
@require_safe
def dashboard(request):
    coach, now = request.coach, timezone.now()
    today = now.astimezone(coach.zone).date()
    requests = [(booking, note_form(booking, "decline")) for booking in coach_requests_pending(coach=coach, now=now)]
    context = {
        "section": "dashboard",
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "last_day": today + timedelta(days=AGENDA_DAYS - 1),
        "agenda": coach_agenda(coach=coach, now=now),
        "requests": requests,
        "failed": coach_notifications_failed(coach=coach, now=now),
        "calendar_errors": coach_calendar_errors(coach=coach),
    }
    return render(request, "coach/dashboard.html", context)


urlpatterns = [
    path("", dashboard, name="dashboard"),
]
