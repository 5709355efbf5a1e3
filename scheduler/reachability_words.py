"""Reachability in words, for pages and messages alike: a time, a day or a reply window
in the reader's zone and the active language, the zone always named (a client abroad
must not have to guess). `named=False` leaves the zone out where one sentence names it
once for all its times (reachability_sentences)."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.text import get_text_list
from django.utils.translation import pgettext

from . import phrases
from .reachability import AWAY, REPLY_WINDOW, Status
from .slot_engine import Interval


def day_words(moment: datetime, zone: ZoneInfo) -> str:
    """ "Friday, 4 December" / "Freitag, 4. Dezember" (the year only when it is not this one's)."""
    local = moment.astimezone(zone)
    this_year = datetime.now(zone).year
    # Translators: PHP-style date formats (Django's "date" filter); keep the letters.
    pattern = (
        pgettext("short date format", "l, j F") if local.year == this_year else pgettext("long date format", "l, j F Y")
    )
    return formats.date_format(local, pattern)


def _zone_named(words: str, zone: ZoneInfo, named: bool) -> str:
    return f"{words} ({zone.key})" if named else words


def moment_words(moment: datetime, zone: ZoneInfo, *, named: bool = True) -> str:
    """ "Monday, 7 December, 09:00 (Europe/Berlin)"."""
    local = moment.astimezone(zone)
    return _zone_named(f"{day_words(local, zone)}, {local:%H:%M}", zone, named)


def _ends_at_midnight_after(start: datetime, end: datetime) -> bool:
    return (end.hour, end.minute, end.second) == (0, 0, 0) and (end.date() - start.date()).days == 1


def window_words(window: Interval, zone: ZoneInfo, *, named: bool = True) -> str:
    """ "Friday, 4 December, 08:00–09:00 (Europe/Berlin)"; a window that runs past midnight
    in the reader's zone names both days."""
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    if start.date() == end.date() or _ends_at_midnight_after(start, end):
        return _zone_named(f"{day_words(start, zone)}, {start:%H:%M}–{end:%H:%M}", zone, named)
    return _zone_named(f"{day_words(start, zone)}, {start:%H:%M} – {day_words(end, zone)}, {end:%H:%M}", zone, named)


def until_words(moment: datetime, zone: ZoneInfo, *, now: datetime) -> str:
    """How long something lasts, without the zone: "09:00" when it ends later today,
    "the end of Thursday, 4 December" when it ends at midnight, else "Thursday,
    4 December, 18:00" (all in `zone`)."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    if (local.hour, local.minute, local.second) == (0, 0, 0) and local.date() > today:
        return str(phrases.UNTIL_END_OF_DAY % {"day": day_words(local - timedelta(days=1), zone)})
    if local.date() == today:
        return f"{local:%H:%M}"
    return moment_words(local, zone, named=False)


def status_words(status: Status, zone: ZoneInfo, *, now: datetime) -> str:
    """ "Away: Seminar in Wien, until the end of Thursday, 4 December." (the note as the
    coach wrote it), "Away until …", "Answering messages now, until 09:00."; "" outside
    a reply window (the next window says it). No zone named."""
    if status.state == AWAY:
        until = until_words(status.until, zone, now=now)
        if status.note:
            return str(phrases.AWAY_WITH_NOTE_UNTIL % {"note": status.note, "until": until})
        return str(phrases.AWAY_UNTIL % {"until": until})
    if status.state == REPLY_WINDOW:
        return str(phrases.ANSWERING_NOW_UNTIL % {"until": until_words(status.until, zone, now=now)})
    return ""


def reachability_sentences(
    *,
    status: Status,
    next_window: Interval | None,
    has_windows: bool,
    zone: ZoneInfo,
    now: datetime,
    next_free: Sequence[datetime | None] = (),
) -> list[str]:
    """The coach's reachability as a person reads it at a glance: the status, the next
    reply window (when the coach has planned any), the next free time of each of
    `next_free` (give one for a single type; several types say theirs beside each), and
    the zone of all these times, named once at the end."""
    sentences = [status_words(status, zone, now=now)]
    if next_window is not None:
        sentences.append(str(phrases.NEXT_REPLY_WINDOW % {"window": window_words(next_window, zone, named=False)}))
    elif has_windows:
        sentences.append(str(phrases.NO_REPLY_WINDOW_SOON))
    for start in next_free:
        sentences.append(next_free_words(start, zone, named=False))
    sentences = [sentence for sentence in sentences if sentence]
    if sentences:
        sentences.append(str(phrases.TIMES_IN_ZONE % {"zone": zone.key}))
    return sentences


def next_free_words(start: datetime | None, zone: ZoneInfo, *, named: bool = True) -> str:
    """ "Next free time: Monday, 8 December, 09:00 (Europe/Berlin)." or that there is none."""
    if start is None:
        return str(phrases.NO_FREE_TIME)
    return str(phrases.NEXT_FREE_TIME % {"moment": moment_words(start, zone, named=named)})


def weekly_window_words(times: Sequence[Interval], zone: ZoneInfo) -> list[str]:
    """A week's reply windows in `zone` as lines of days with the same times, Monday first:
    "Monday, Wednesday and Friday, 02:00–03:00" (no zone named)."""
    by_times: dict[tuple[str, str, bool], list[datetime]] = {}
    for window in times:
        start, end = window.start.astimezone(zone), window.end.astimezone(zone)
        next_day = start.date() != end.date() and not _ends_at_midnight_after(start, end)
        by_times.setdefault((f"{start:%H:%M}", f"{end:%H:%M}", next_day), []).append(start)
    lines = []
    for (start, end, next_day), starts in sorted(
        by_times.items(), key=lambda item: (min(s.weekday() for s in item[1]), item[0])
    ):
        days = get_text_list(
            [formats.date_format(s, "l") for s in sorted(starts, key=lambda s: s.weekday())], str(phrases.LIST_AND)
        )
        hours = phrases.WINDOW_INTO_NEXT_DAY % {"start": start, "end": end} if next_day else f"{start}–{end}"
        lines.append(f"{days}, {hours}")
    return lines
