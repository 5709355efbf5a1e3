"""The slots API's answer (`GET /api/coaches/<slug>/slots`): its schema and its bytes, written
here for api.list_slots and for the kept answers computed ahead (services/slots_answers_warm.py)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel


# The slots' schemas are plain pydantic models: ninja's Schema reads every nested object
# through a Python wrapper, and list_slots serializes them itself (see there).
class SlotOut(BaseModel):
    start: datetime
    end: datetime


class DayOut(BaseModel):
    date: date
    slots: list[SlotOut]


class SlotsOut(BaseModel):
    coach: str
    type: str
    timezone: str
    start: date
    end: date
    days: list[DayOut]


def slots_json(slots, *, appointment_type, first_day: date, last_day: date, zone: ZoneInfo) -> bytes:
    """The answer of the slots API (api.list_slots): the slots grouped by the visitor's local date.

    pydantic writes the JSON in one go; ninja's model_dump and its Python JSON encoder took
    a quarter of the request's CPU on a week of slots (two timestamps each)."""
    days: dict[date, list[dict]] = {}
    for slot in slots:
        local_start = slot.start.astimezone(zone)
        days.setdefault(local_start.date(), []).append({"start": local_start, "end": slot.end.astimezone(zone)})
    answer = SlotsOut.model_validate(
        {
            "coach": appointment_type.coach.slug,
            "type": appointment_type.slug,
            "timezone": zone.key,
            "start": first_day,
            "end": last_day,
            "days": [{"date": day, "slots": day_slots} for day, day_slots in days.items()],
        }
    )
    return answer.model_dump_json().encode()
