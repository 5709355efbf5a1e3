"""Reachability in words, for pages and messages alike: a time, a day or a reply window
in the reader's zone and the active language, the zone always named (a client abroad
must not have to guess)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats
from django.utils.translation import pgettext

from .slot_engine import Interval


def day_words(moment: datetime, zone: ZoneInfo) -> str:
    """ "Friday, 4 December" / "Freitag, 4. Dezember" (the year only when it is not this one's)."""
    local = moment.astimezone(zone)
    this_year = datetime.now(zone).year
    # Translators: PHP-style date formats (Django's "date" filter); keep the letters.
    pattern = pgettext("short date format", "l, j F") if local.year == this_year else pgettext(
        "long date format", "l, j F Y"
    )
    return formats.date_format(local, pattern)


def moment_words(moment: datetime, zone: ZoneInfo) -> str:
    """ "Monday, 7 December, 09:00 (Europe/Berlin)"."""
    local = moment.astimezone(zone)
    return f"{day_words(local, zone)}, {local:%H:%M} ({zone.key})"


def window_words(window: Interval, zone: ZoneInfo) -> str:
    """ "Friday, 4 December, 08:00–09:00 (Europe/Berlin)"; a window that runs past midnight
    in the reader's zone names both days."""
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    if start.date() == end.date() or (end.hour, end.minute, end.second) == (0, 0, 0) and (
        end.date() - start.date()
    ).days == 1:
        return f"{day_words(start, zone)}, {start:%H:%M}–{end:%H:%M} ({zone.key})"
    return f"{day_words(start, zone)}, {start:%H:%M} – {day_words(end, zone)}, {end:%H:%M} ({zone.key})"
