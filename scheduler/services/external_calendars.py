"""The coach's other calendars (ICS feeds, and the CalDAV calendar of services/caldav.py):
adding, switching and removing them, and their import as busy time.

A feed is fetched over http(s) only, to public addresses only (the server makes the
request, so an address must not reach into its own network), with a timeout, a size
limit and at most MAX_REDIRECTS redirects, each hop checked again. Recurring events
are expanded by recurring-ical-events over the window slots can be booked in (with bounds
on the work, see MAX_RECURRENCE_STEPS), and the calendar's intervals are replaced in one
transaction. A feed that fails keeps its last good intervals: a coach is better served
by slightly old busy times than by none, which would open their whole calendar to
bookings. The failure is recorded in `last_error` for the coach to see.

A CalDAV calendar is read by a time-range REPORT over the same window, with the same rules.
The coach's own bookings (written there by channels/caldav.py, or saved from an invitation)
are skipped in every calendar: they block their time already, and a copy would go on
blocking the old time after a move.

Settings: CALENDAR_IMPORT_TIMEOUT (seconds, default 10), CALENDAR_IMPORT_ALLOW_PRIVATE
(default False; tests turn it on to use a local server)."""

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from math import prod
from time import monotonic as time_monotonic
from zoneinfo import ZoneInfo

import httpx
import icalendar
import recurring_ical_events
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import safe_http
from ..cache_versions import availability_changed
from ..ics import site_domain
from ..models import Booking, Coach, ExternalBusy, ExternalCalendar
from .caldav import CaldavReadFailed, caldav_calendar_events

logger = logging.getLogger("sprechzeit.calendar_import")


def external_calendar_create(*, coach: Coach, name: str, url: str) -> ExternalCalendar:
    """Another calendar of the coach to import as busy time (at the next import run).
    Raises ValidationError per field for a missing name or an address that is not http(s)."""
    calendar = ExternalCalendar(coach=coach, name=name, url=url)
    calendar.full_clean()
    calendar.save()
    return calendar


def external_calendar_set_active(*, calendar: ExternalCalendar, active: bool) -> ExternalCalendar:
    """Turn the import on or off. Off also removes the calendar's busy times, so they stop
    blocking slots; on again fetches the whole calendar at the next import."""
    with transaction.atomic():
        calendar.active = active
        fields = ["active"]
        if not active:
            calendar.busy.all().delete()
            availability_changed(calendar.coach_id)
            calendar.etag = calendar.last_modified = ""
            calendar.parsed_at = None
            fields += ["etag", "last_modified", "parsed_at"]
        calendar.save(update_fields=fields)
    return calendar


def external_calendar_delete(*, calendar: ExternalCalendar) -> None:
    """Forget the calendar and the busy times imported from it."""
    calendar.delete()
    availability_changed(calendar.coach_id)


MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
DEFAULT_HORIZON = timedelta(days=180)
# How far back busy times are kept: a slot being booked right now may still touch them.
LOOK_BACK = timedelta(days=1)
# The expansion window moves with time; an unchanged feed ("304 Not Modified") is
# read again after this long so recurring events keep reaching the end of the horizon.
REPARSE_AFTER = timedelta(days=1)
# Bounds on the work one feed can make. dateutil walks a recurrence rule step by step from
# the event's first start, also through the years before the window (every second since
# 2020 is 200 million steps), so the steps up to the window's end are counted before
# expanding. A rule whose day filters never match (30 February) is walked on to the year
# 9999: counted so for rules finer than monthly; monthly and yearly ones take a second at
# most, and EXPANSION_SECONDS bounds the sum.
MAX_RECURRENCE_STEPS = 500_000
MAX_BUSY_INTERVALS = 10_000
EXPANSION_SECONDS = 10.0
DAY_FILTERS = {"BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS"}
LAST_DAY = datetime(9999, 12, 31, tzinfo=UTC)
FREQUENCY_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86400,
    "WEEKLY": 7 * 86400,
    "MONTHLY": 28 * 86400,  # the shortest, so the estimate is never too low
    "YEARLY": 365 * 86400,
}
# RFC 5545's values; dateutil walks one outside them (BYMONTH=13) like an impossible rule.
RULE_PART_VALUES = {
    "BYSECOND": range(0, 61),
    "BYMINUTE": range(0, 60),
    "BYHOUR": range(0, 24),
    "BYMONTH": range(1, 13),
    # Counted from the end too (-1 is the last), never 0.
    "BYMONTHDAY": {*range(-31, 0), *range(1, 32)},
    "BYYEARDAY": {*range(-366, 0), *range(1, 367)},
    "BYWEEKNO": {*range(-53, 0), *range(1, 54)},
    "BYSETPOS": {*range(-366, 0), *range(1, 367)},
}


class ImportFailed(Exception):
    """A feed could not be imported; the message is meant for the coach."""


def _failure(exc: safe_http.FetchError) -> ImportFailed:
    """The coach's words for why the feed was not fetched."""
    if isinstance(exc, safe_http.BadScheme):
        return ImportFailed(_("Give an address that starts with http:// or https://."))
    if isinstance(exc, safe_http.InvalidAddress):
        return ImportFailed(_("The calendar address is not valid. Please check it."))
    if isinstance(exc, safe_http.NameNotFound):
        return ImportFailed(_("The calendar's server name could not be found. Please check the address."))
    if isinstance(exc, safe_http.PrivateAddress):
        return ImportFailed(
            _("The calendar address points to a private or local network. Only public addresses can be imported.")
        )
    if isinstance(exc, safe_http.TooManyRedirects):
        return ImportFailed(_("The calendar address redirects too often."))
    if isinstance(exc, safe_http.TooLarge):
        return ImportFailed(
            _("The calendar is larger than %(size)d MB and cannot be imported.") % {"size": MAX_BYTES // (1024 * 1024)}
        )
    if isinstance(exc, safe_http.TimedOut):
        return ImportFailed(_("The calendar server did not answer in time."))
    return ImportFailed(_("The calendar server could not be reached."))


def _fetch(url: str, etag: str, last_modified: str) -> tuple[bytes, httpx.Headers] | None:
    """The feed's body and the answer's headers, or None when it is unchanged (304).
    The request is made by safe_http: public addresses only, every redirect checked."""
    conditional = {}
    if etag:
        conditional["If-None-Match"] = etag
    if last_modified:
        conditional["If-Modified-Since"] = last_modified
    try:
        fetched = safe_http.fetch(
            url,
            timeout=settings.CALENDAR_IMPORT_TIMEOUT,
            max_bytes=MAX_BYTES,
            max_redirects=MAX_REDIRECTS,
            allow_private=settings.CALENDAR_IMPORT_ALLOW_PRIVATE,
            headers={"User-Agent": "Sprechzeit calendar import", "Accept": "text/calendar, */*;q=0.5"},
            request_headers=conditional,
        )
    except safe_http.FetchError as exc:
        raise _failure(exc) from exc
    if fetched.status == 304:
        return None
    if fetched.status != 200:
        raise ImportFailed(
            _("The calendar server answered with error %(status)s. Please check the address.")
            % {"status": fetched.status}
        )
    return fetched.body, fetched.headers


def _horizon(calendar: ExternalCalendar) -> timedelta:
    longest = calendar.coach.appointment_types.filter(active=True).aggregate(longest=Max("horizon"))["longest"]
    return longest or DEFAULT_HORIZON


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    """An aware UTC instant: dates are midnight and floating times are wall-clock time,
    both in the coach's zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _too_complex() -> ImportFailed:
    return ImportFailed(_("The calendar has too many events, or events that repeat too often, to be imported."))


def _recurrence_steps(event, zone: ZoneInfo, end: datetime) -> int:
    """About how many steps dateutil takes through the event's rules (see MAX_RECURRENCE_STEPS)."""
    rules, first = event.get("RRULE"), event.get("DTSTART")
    if rules is None or first is None:
        return 0
    first = _instant(first.dt, zone)
    steps = 0
    for rule in rules if isinstance(rules, list) else [rules]:
        if not rule:
            continue  # "RRULE:" is read as no rule at all
        for part, values in RULE_PART_VALUES.items():
            if any(int(value) not in values for value in rule.get(part, [])):
                raise ValueError(f"{part} out of range")
        interval = int(rule.get("INTERVAL", [1])[0])
        if interval < 1:
            raise ValueError("INTERVAL below 1")
        period = timedelta(seconds=FREQUENCY_SECONDS[rule["FREQ"][0]] * interval)
        if period < timedelta(days=28) and not DAY_FILTERS.isdisjoint(rule):
            periods = (LAST_DAY - first) // period
        else:
            last = min(end, _instant(rule["UNTIL"][0], zone)) if "UNTIL" in rule else end
            periods = max(0, (last - first) // period) + 1
            if "COUNT" in rule:
                periods = min(periods, int(rule["COUNT"][0]))
        # Each BY part lists values a period is expanded to or filtered by.
        steps += periods * prod(len(rule[part]) for part in rule if part.startswith("BY"))
    return steps


def _occurrences(parsed: icalendar.Calendar, start: datetime, end: datetime) -> list:
    """The events between start and end, every recurrence expanded. Series by series,
    as the query's between() does, to stop as soon as a bound is passed."""
    deadline = time_monotonic() + EXPANSION_SECONDS
    occurrences = []
    for series in recurring_ical_events.of(parsed).series:
        for occurrence in series.between(start, end):
            occurrences.append(occurrence.as_component(False))
            if len(occurrences) > MAX_BUSY_INTERVALS or time_monotonic() > deadline:
                raise _too_complex()
        if time_monotonic() > deadline:
            raise _too_complex()
    return occurrences


def _parsed(body: bytes | list[bytes]) -> icalendar.Calendar:
    """The feed, or the CalDAV events (one VCALENDAR each) joined into one calendar."""
    calendars = [icalendar.Calendar.from_ical(part) for part in ([body] if isinstance(body, bytes) else body)]
    if any(calendar.name != "VCALENDAR" for calendar in calendars):
        raise ValueError("not a VCALENDAR")
    if isinstance(body, bytes):
        return calendars[0]
    joined = icalendar.Calendar()
    for calendar in calendars:
        for component in calendar.subcomponents:
            joined.add_component(component)
    return joined


def _busy_intervals(
    body: bytes | list[bytes], zone: ZoneInfo, start: datetime, end: datetime, own: Callable = lambda uids: set()
) -> list[tuple[datetime, datetime, str]]:
    """`own(uids)` names the UIDs that are the coach's own bookings, which are skipped."""
    try:
        parsed = _parsed(body)
        if sum(_recurrence_steps(event, zone, end) for event in parsed.walk("VEVENT")) > MAX_RECURRENCE_STEPS:
            raise _too_complex()
        # Bounds in the coach's zone, so floating events are compared as the coach's time.
        occurrences = _occurrences(parsed, start.astimezone(zone), end.astimezone(zone))
    except ImportFailed:
        raise
    except Exception as exc:  # icalendar and recurring-ical-events raise many kinds of errors
        if not isinstance(body, bytes):
            raise ImportFailed(_("The CalDAV server delivered events that cannot be read.")) from exc
        raise ImportFailed(_("The address did not deliver a readable calendar (ICS file).")) from exc
    skipped = own({str(event.get("UID", "")) for event in occurrences})
    intervals = []
    for event in occurrences:
        if str(event.get("UID", "")) in skipped:
            continue
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue  # marked "free" in the other calendar
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        dtstart = event.get("DTSTART")
        if dtstart is None:
            continue
        first = dtstart.dt
        if event.get("DTEND") is not None:
            last = event["DTEND"].dt
        elif event.get("DURATION") is not None:
            last = first + event["DURATION"].dt
        elif isinstance(first, datetime):
            continue  # a moment without length blocks nothing
        else:
            last = first + timedelta(days=1)  # an all-day event without end is one day (RFC 5545)
        busy_start, busy_end = _instant(first, zone), _instant(last, zone)
        if busy_end <= busy_start:
            continue
        uid = str(event.get("UID", ""))
        recurrence = event.get("RECURRENCE-ID")
        if recurrence is not None:
            uid = f"{uid}@{_instant(recurrence.dt, zone):%Y%m%dT%H%M%SZ}"
        intervals.append((busy_start, busy_end, uid[:255]))
    return intervals


def _own_booking_uids(coach: Coach, uids: set[str]) -> set[str]:
    """Those of `uids` that are UIDs of the coach's own bookings (scheduler.ics.booking_uid)."""
    suffix, candidates = "@" + site_domain(), {}
    for uid in uids:
        try:
            candidates[uid] = uuid.UUID(uid.removesuffix(suffix)) if uid.endswith(suffix) else None
        except ValueError:
            pass
    found = {value for value in candidates.values() if value is not None}
    if not found:
        return set()
    ours = set(Booking.objects.filter(coach=coach, uuid__in=found).values_list("uuid", flat=True))
    return {uid for uid, value in candidates.items() if value in ours}


def _record_failure(calendar: ExternalCalendar, message: str, now: datetime) -> None:
    calendar.last_error = message
    calendar.last_attempt_at = now
    calendar.save(update_fields=["last_error", "last_attempt_at"])


def external_calendar_import(*, calendar: ExternalCalendar, now: datetime | None = None) -> int:
    """Fetch one calendar and replace its busy intervals; returns how many it has now.

    Never raises for a problem of the feed: the previous intervals stay and the reason
    is stored in `calendar.last_error`, in the coach's language."""
    now = now or timezone.now()
    coach = calendar.coach
    with translation.override(coach.language):
        # An old expansion is not trusted even if the feed is unchanged: ask for the body.
        fresh = calendar.parsed_at is not None and now - calendar.parsed_at < REPARSE_AFTER
        window_start, window_end = now - LOOK_BACK, now + _horizon(calendar)
        try:
            if calendar.kind == ExternalCalendar.Kind.CALDAV:
                # A REPORT has no validators to send back: always the whole window.
                try:
                    fetched = (caldav_calendar_events(calendar=calendar, start=window_start, end=window_end), {})
                except CaldavReadFailed as exc:
                    raise ImportFailed(str(exc)) from None
            else:
                fetched = _fetch(calendar.url, calendar.etag if fresh else "", calendar.last_modified if fresh else "")
            if fetched is not None:
                body, headers = fetched
                intervals = _busy_intervals(
                    body, coach.zone, window_start, window_end, partial(_own_booking_uids, coach)
                )
        except ImportFailed as exc:
            logger.info("import of calendar %s failed: %s", calendar.pk, exc, exc_info=exc.__cause__ is not None)
            _record_failure(calendar, str(exc), now)
            return calendar.busy.count()

    calendar.last_error = ""
    calendar.last_attempt_at = now
    calendar.last_success_at = now
    if fetched is None:
        calendar.save(update_fields=["last_error", "last_attempt_at", "last_success_at"])
        return calendar.busy.count()
    calendar.etag = headers.get("etag", "")[:255]
    calendar.last_modified = headers.get("last-modified", "")[:64]
    calendar.parsed_at = now
    with transaction.atomic():
        calendar.busy.all().delete()
        ExternalBusy.objects.bulk_create(
            ExternalBusy(coach=coach, calendar=calendar, start=start, end=end, source_uid=uid)
            for start, end, uid in intervals
        )
        availability_changed(coach.pk)  # bulk writes send no signal
        calendar.save(
            update_fields=["etag", "last_modified", "parsed_at", "last_error", "last_attempt_at", "last_success_at"]
        )
    return len(intervals)


def external_calendars_import_all(*, now: datetime | None = None, done: Callable | None = None) -> int:
    """Import every active calendar of every active coach; returns the busy intervals
    they hold. One calendar failing, even by a bug of ours, does not stop the others.
    `done(calendar, count)` hears of each (its `last_error` says whether it failed)."""
    total = 0
    calendars = ExternalCalendar.objects.filter(active=True, coach__user__is_active=True).select_related("coach")
    for calendar in calendars.order_by("pk"):
        count = 0
        try:
            count = external_calendar_import(calendar=calendar, now=now)
        except Exception:
            logger.exception("import of calendar %s failed unexpectedly", calendar.pk)
            try:
                with translation.override(calendar.coach.language):
                    message = _("The calendar could not be imported because of an error on our side.")
                _record_failure(calendar, message, now or timezone.now())
            except Exception:
                logger.exception("could not record the failure of calendar %s", calendar.pk)
        total += count
        if done is not None:
            done(calendar, count)
    return total
