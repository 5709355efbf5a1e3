"""Reads of the coach's reachability as every visitor may see it (the coach's page and
GET /api/coaches/<slug>/reachability): the status now, the next reply window, the next
free time of each bookable type, and the weekly reply windows.

Nothing here is about a client: no booking, no name, only what the coach promises and
which times are free. Kept apart from selectors/reachability.py because it reads slots
(selectors/slots.py), which read that module for the answer deadlines."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..models import AppointmentType, Coach
from ..models.common import Channel
from ..reachability import REPLY_WINDOW, Status, next_reply_window, reply_window_times, status_at
from ..slot_engine import Interval
from .coaches import appointment_types_bookable
from .reachability import reachability_inputs
from .slots import slots_bookable

# The next free time is searched in growing chunks (a week, then two, four, …) up to the
# type's horizon: most coaches have a free time within days, and one query for a whole
# year of slots would be wasted on them.
FIRST_CHUNK = timedelta(days=7)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Reachability:
    """The coach's reachability at one moment.

    `next_reply_window` is the next window after the one the coach is in now (if any);
    `next_free` maps each bookable type's slug to its first free start (None: none within
    its horizon), in the order of the types; `has_windows` says whether the coach has
    planned any reply windows at all. Times are UTC."""

    status: Status
    next_reply_window: Interval | None
    next_free: dict[str, datetime | None]
    has_windows: bool


def next_free_start(*, appointment_type: AppointmentType, now: datetime) -> datetime | None:
    """The start of the first slot of this type that can be booked now (as the type page
    and the API's slots offer them), or None when there is none within its horizon."""
    range_start, last = now, now + appointment_type.horizon
    chunk = FIRST_CHUNK
    while range_start < last:
        range_end = min(range_start + chunk, last)
        slots = slots_bookable(appointment_type=appointment_type, range_start=range_start, range_end=range_end, now=now)
        if slots:
            return slots[0].start
        range_start, chunk = range_end, chunk * 2
    return None


def coach_reachability(
    *, coach: Coach, now: datetime, appointment_types: Iterable[AppointmentType] | None = None
) -> Reachability:
    """The status now (reachability.status_at), the next reply window after the current
    one, and the next free time of each of `appointment_types` (default: the bookable
    ones). Away notes are in the active language."""
    inputs = reachability_inputs(coach=coach, now=now)
    status = status_at(**inputs, now=now)
    next_window = next_reply_window(**inputs, now=now, after_current=status.state == REPLY_WINDOW)
    if appointment_types is None:
        appointment_types = appointment_types_bookable(coach=coach).select_related("coach")
    next_free = {t.slug: next_free_start(appointment_type=t, now=now) for t in appointment_types}
    return Reachability(
        status=status, next_reply_window=next_window, next_free=next_free, has_windows=bool(inputs["windows"])
    )


@dataclass(frozen=True)
class ChannelWindows:
    """The reply windows for one set of channels (empty: every channel), as they fall in
    the coming week: UTC intervals, sorted."""

    channels: tuple[str, ...]
    times: list[Interval]


def reply_windows_weekly(*, coach: Coach, now: datetime) -> list[ChannelWindows]:
    """Each reply window once, as it next starts within the seven days from `now` (so in
    any zone the times are those of the coming week, DST included), grouped by the
    channels it is for: windows for every channel first, then each set in the order of
    Channel. Windows that touch within a group show as one.

    Away time is not cut out: this is the coach's weekly promise; the status says when
    the coach is away."""
    inputs = reachability_inputs(coach=coach, now=now)
    by_channels: dict[tuple[str, ...], list] = {}
    for window in inputs["windows"]:
        by_channels.setdefault(tuple(sorted(window.channels)), []).append(window)
    groups = []
    for channels, windows in sorted(by_channels.items(), key=lambda item: (bool(item[0]), _channel_order(item[0]))):
        spans = reply_window_times(windows=windows, zone=inputs["zone"], away=[], range_start=now, range_end=now + WEEK)
        # Each window once: one on now is shown by its next week's start.
        upcoming = [span for span in spans if span.start >= now]
        groups.append(ChannelWindows(channels=_in_channel_order(channels), times=upcoming))
    return [group for group in groups if group.times]


def _in_channel_order(channels: Iterable[str]) -> tuple[str, ...]:
    chosen = set(channels)
    return tuple(value for value in Channel.values if value in chosen)


def _channel_order(channels: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(Channel.values.index(value) for value in _in_channel_order(channels))
