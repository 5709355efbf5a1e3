"""Kept slot answers computed again ahead of the next visitor, once a coach's availability has
changed (a booking, a cancellation, a blocked period…): a change makes every kept answer of the
coach stale (selectors/slots_answers.py), and without this the next visitor of each of the
coach's pages would wait for its computation. The worker does it (tasks.warm_slots_answers,
queued after the change commits), for the answers visitors asked for lately (their questions
are noted when an answer is kept).

The same rule as for every kept answer holds: the versions are read before the data, so a
write that comes in between leaves the answer computed here unused."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from ..api_slots_schema import slots_json
from ..selectors.coaches import appointment_types_bookable, coaches
from ..selectors.slots import slots_bookable
from ..selectors.slots_answers import SlotsAnswerKey, slots_answer_cached, slots_answer_keep, slots_answer_recipes


def slots_answers_warm(*, coach_id: int) -> int:
    """Compute the coach's recently asked answers that are no longer current, and keep them;
    how many were computed."""
    recipes = slots_answer_recipes(coach_id=coach_id)
    coach = coaches().filter(pk=coach_id).first() if recipes else None
    if coach is None:
        return 0
    types = {kind.pk: kind for kind in appointment_types_bookable(coach=coach).select_related("coach")}
    computed = 0
    for key, recipe in recipes.items():
        appointment_type = types.get(recipe["type"])
        if appointment_type is None:  # no longer bookable: its pages answer 404 now
            continue
        answer_key = SlotsAnswerKey(key, coach.slug, coach.pk)
        now = timezone.now()
        kept, versions = slots_answer_cached(key=answer_key, now=now)
        if versions is None:  # the cache cannot be reached
            return computed
        if kept is not None:
            continue
        if recipe["kind"] == "api":
            zone = ZoneInfo(recipe["tz"])
            first_day, last_day = date.fromisoformat(recipe["first_day"]), date.fromisoformat(recipe["last_day"])
            range_start = datetime.combine(first_day, time(0), tzinfo=zone)
            range_end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
        else:
            range_start, range_end = datetime.fromisoformat(recipe["start"]), datetime.fromisoformat(recipe["end"])
        slots = slots_bookable(appointment_type=appointment_type, range_start=range_start, range_end=range_end, now=now)
        if recipe["kind"] == "api":
            body = slots_json(
                slots, appointment_type=appointment_type, first_day=first_day, last_day=last_day, zone=zone
            )
        else:
            body = slots
        slots_answer_keep(
            key=answer_key,
            versions=versions,
            body=body,
            slots=slots,
            appointment_type=appointment_type,
            range_end=range_end,
        )
        computed += 1
    return computed
