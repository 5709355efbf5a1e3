"""When the coach is reachable: reply windows, away periods and answer deadlines (pure
Python, stdlib only, like slot_engine.py; callers load the data and pass plain values).

* A reply window is a weekly wall-clock time in the coach's zone when the coach reads and
  answers; it may hold only for some channels (none named: every channel). Its times
  follow the coach's zone across DST exactly as working hours do (slot_engine.wall_to_utc).
* An away span is a blocked period (a seminar, a multi-day engagement, a holiday), with
  the note clients may read about it. A reply window that falls into one does not happen:
  away time is cut out of the windows.
* Intervals are half-open and aware; results are in UTC.
* The answer deadline of a request for an appointment at `start` is the end of the
  coach's first reply window that still has MIN_ANSWER_TIME left and ends at least the
  type's `lead` before the appointment. A coach who has planned no reply windows at all
  answers at any time: the deadline is then `start - lead`. No deadline: no request.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .slot_engine import Interval, merge_intervals, wall_to_utc

# A window the coach is in must still have this long left to count for an answer.
MIN_ANSWER_TIME = timedelta(minutes=15)
# How far ahead reachability looks; a coach away longer shows no next window.
LOOK_AHEAD = timedelta(days=92)
REPLY_WINDOW = "reply_window"
AWAY = "away"
OUTSIDE = "outside"


@dataclass(frozen=True)
class ReplyWindowRule:
    weekday: int  # 0 = Monday
    start: time
    end: time
    channels: frozenset[str] = field(default_factory=frozenset)

    def serves(self, channel: str | None) -> bool:
        """Whether this window holds for messages on `channel` (None: any window counts)."""
        return channel is None or not self.channels or channel in self.channels


@dataclass(frozen=True)
class AwaySpan:
    """A blocked period as clients may see it: when, and its public note (or "")."""

    start: datetime
    end: datetime
    note: str = ""


@dataclass(frozen=True)
class Status:
    """Now: in a reply window, away or outside, until when (None: not within LOOK_AHEAD),
    and the away span's note."""

    state: str
    until: datetime | None
    note: str = ""


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _subtract(spans: list[Interval], cuts: list[Interval]) -> list[Interval]:
    """`spans` minus `cuts` (both sorted and disjoint)."""
    result: list[Interval] = []
    for span in spans:
        start = span.start
        for cut in cuts:
            if cut.end <= start or cut.start >= span.end:
                continue
            if cut.start > start:
                result.append(Interval(start, cut.start))
            start = max(start, cut.end)
            if start >= span.end:
                break
        if start < span.end:
            result.append(Interval(start, span.end))
    return result


def reply_window_times(
    *,
    windows: Sequence[ReplyWindowRule],
    zone: ZoneInfo,
    away: Iterable[AwaySpan],
    range_start: datetime,
    range_end: datetime,
    channel: str | None = None,
) -> list[Interval]:
    """The reply windows (for `channel`, or all) that overlap [range_start, range_end), as
    sorted, merged UTC intervals with away time cut out. They are not clipped to the range."""
    _require_aware(range_start, "range_start")
    _require_aware(range_end, "range_end")
    serving = [w for w in windows if w.serves(channel)]
    if not serving or range_end <= range_start:
        return []
    occurrences = []
    day = range_start.astimezone(zone).date() - timedelta(days=1)
    last_day = range_end.astimezone(zone).date()
    while day <= last_day:
        for window in serving:
            if window.weekday == day.weekday():
                occurrences.append(Interval(wall_to_utc(day, window.start, zone), wall_to_utc(day, window.end, zone)))
        day += timedelta(days=1)
    cuts = merge_intervals(Interval(a.start, a.end) for a in away)
    spans = _subtract(merge_intervals(occurrences), cuts)
    return [span for span in spans if span.end > range_start and span.start < range_end]


def next_reply_window(
    *,
    windows: Sequence[ReplyWindowRule],
    zone: ZoneInfo,
    away: Iterable[AwaySpan],
    now: datetime,
    channel: str | None = None,
    after_current: bool = False,
) -> Interval | None:
    """The reply window that is on now or comes next (for `channel`); with `after_current`,
    the first one that starts after now. None when there is none within LOOK_AHEAD."""
    now = now.astimezone(UTC)
    spans = reply_window_times(
        windows=windows, zone=zone, away=away, range_start=now, range_end=now + LOOK_AHEAD, channel=channel
    )
    for span in spans:
        if span.end > now and (not after_current or span.start > now):
            return span
    return None


def status_at(*, windows: Sequence[ReplyWindowRule], zone: ZoneInfo, away: Iterable[AwaySpan], now: datetime) -> Status:
    """Away (inside a blocked period, until the end of all away time that follows on
    without a gap), in a reply window (until it ends), or outside (until the next window)."""
    _require_aware(now, "now")
    now = now.astimezone(UTC)
    away = sorted(away, key=lambda span: span.start)
    covering = [span for span in away if span.start <= now < span.end]
    if covering:
        until = max(span.end for span in covering)
        for span in away:  # away periods that touch or overlap run on
            if span.start <= until < span.end:
                until = span.end
        note = next((span.note for span in covering if span.note), "")
        return Status(AWAY, until.astimezone(UTC), note)
    window = next_reply_window(windows=windows, zone=zone, away=away, now=now)
    if window is not None and window.start <= now:
        return Status(REPLY_WINDOW, window.end)
    return Status(OUTSIDE, window.start if window is not None else None)


def first_answer_window_end(
    *, windows: Sequence[ReplyWindowRule], zone: ZoneInfo, away: Iterable[AwaySpan], now: datetime
) -> datetime | None:
    """The end of the first reply window in which a request made now can be answered (one
    still MIN_ANSWER_TIME long after now); None when none comes within LOOK_AHEAD."""
    now = now.astimezone(UTC)
    spans = reply_window_times(windows=windows, zone=zone, away=away, range_start=now, range_end=now + LOOK_AHEAD)
    for span in spans:
        if span.end - max(span.start, now) >= MIN_ANSWER_TIME:
            return span.end
    return None


def answerable_from(
    *,
    windows: Sequence[ReplyWindowRule],
    zone: ZoneInfo,
    away: Iterable[AwaySpan],
    now: datetime,
    lead: timedelta,
) -> datetime | None:
    """The earliest appointment start a request made now can have (see the module's
    docstring); None: no request can be answered in time at all."""
    _require_aware(now, "now")
    if not windows:
        return now.astimezone(UTC) + MIN_ANSWER_TIME + lead
    end = first_answer_window_end(windows=windows, zone=zone, away=away, now=now)
    return end + lead if end is not None else None


def answer_deadline(
    *,
    windows: Sequence[ReplyWindowRule],
    zone: ZoneInfo,
    away: Iterable[AwaySpan],
    now: datetime,
    start: datetime,
    lead: timedelta,
) -> datetime | None:
    """By when a request made now for an appointment at `start` is answered; None when
    no reply window ends in time (the request cannot be made)."""
    _require_aware(start, "start")
    earliest = answerable_from(windows=windows, zone=zone, away=away, now=now, lead=lead)
    if earliest is None or start < earliest:
        return None
    if not windows:
        return start.astimezone(UTC) - lead
    return first_answer_window_end(windows=windows, zone=zone, away=away, now=now)
