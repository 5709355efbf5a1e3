"""Reads. Everything the availability engine needs comes from here, in a fixed
number of queries whatever the size of the range; each module serves one part of
the product and `__init__` names what the rest of the code uses."""

from .booking import (
    appointment_type_bookable,
    appointment_types_bookable,
    availability_inputs,
    bookings_with_details,
    coach_single,
    coaches,
    slot_rules,
    slots_bookable,
)
from .feeds import (
    CANCELLED_IN_FEED,
    FEED_HISTORY,
    coach_busy_intervals,
    coach_by_feed_token,
    coach_feed_content,
    coach_feed_fingerprint,
)
from .slots_answers import slots_answer_cached, slots_answer_keep, slots_answer_key

__all__ = [
    "CANCELLED_IN_FEED",
    "FEED_HISTORY",
    "appointment_type_bookable",
    "appointment_types_bookable",
    "availability_inputs",
    "bookings_with_details",
    "coach_busy_intervals",
    "coach_by_feed_token",
    "coach_feed_content",
    "coach_feed_fingerprint",
    "coach_single",
    "coaches",
    "slot_rules",
    "slots_answer_cached",
    "slots_answer_keep",
    "slots_answer_key",
    "slots_bookable",
]
