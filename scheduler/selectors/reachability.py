"""Reads for reachability.py: a coach's reply windows and away spans, and the answer
deadline of a request."""

from datetime import datetime, timedelta

from ..models import AppointmentType, BlockedPeriod, Coach, ReplyWindow
from ..reachability import LOOK_AHEAD, AwaySpan, ReplyWindowRule, answer_deadline, answerable_from


def reachability_inputs(*, coach: Coach, now: datetime) -> dict:
    """`windows`, `zone` and `away` for the functions of reachability.py, from a day before
    `now` to LOOK_AHEAD after it. The away notes are in the active language."""
    zone = coach.zone
    windows = [
        ReplyWindowRule(weekday=w.weekday, start=w.start, end=w.end, channels=frozenset(w.channels))
        for w in ReplyWindow.objects.filter(coach=coach)
    ]
    range_start, range_end = now - timedelta(days=1), now + LOOK_AHEAD
    first_day, last_day = range_start.astimezone(zone).date(), range_end.astimezone(zone).date()
    periods = BlockedPeriod.objects.filter(coach=coach).filter(
        first_day__lte=last_day, last_day__gte=first_day
    ) | BlockedPeriod.objects.filter(coach=coach, start__lt=range_end, end__gt=range_start)
    away = [AwaySpan(*period.span(zone), note=period.local_note) for period in periods]
    return {"windows": windows, "zone": zone, "away": away}


def request_answer_deadline(*, appointment_type: AppointmentType, start: datetime, now: datetime) -> datetime | None:
    """By when the coach answers a request for `start` made now (reachability.answer_deadline);
    None: it cannot be answered in time, so it cannot be made."""
    inputs = reachability_inputs(coach=appointment_type.coach, now=now)
    return answer_deadline(**inputs, now=now, start=start, lead=appointment_type.answer_lead)


def request_answerable_from(*, appointment_type: AppointmentType, now: datetime) -> datetime | None:
    """The earliest start a request made now can have; None: none can be answered in time."""
    inputs = reachability_inputs(coach=appointment_type.coach, now=now)
    return answerable_from(**inputs, now=now, lead=appointment_type.answer_lead)
