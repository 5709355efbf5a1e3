"""Reads for the slot engine (slot_engine.py): everything it needs about one type in one
query whatever the size of the range, and the bookable slots of a range."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from ..models import AppointmentType, BlockedPeriod, Booking
from ..slot_engine import NO_SLOTS, Interval, SlotRules, WeeklyWindow, Window, bookable_slots
from .reachability import request_answerable_from


def slot_rules(appointment_type: AppointmentType) -> SlotRules:
    return SlotRules(
        duration=appointment_type.duration,
        step=appointment_type.slot_step,
        buffer_before=appointment_type.buffer_before,
        buffer_after=appointment_type.buffer_after,
        minimum_notice=appointment_type.minimum_notice,
        horizon=appointment_type.horizon,
        daily_cap=appointment_type.daily_cap,
        weekly_cap=appointment_type.weekly_cap,
        coach_daily_cap=appointment_type.coach.daily_cap,
        coach_weekly_cap=appointment_type.coach.weekly_cap,
    )


def _monday_before(moment: datetime, zone: ZoneInfo) -> datetime:
    local_day = moment.astimezone(zone).date()
    return datetime.combine(local_day - timedelta(days=local_day.weekday()), time(0), tzinfo=zone)


# Everything the engine reads, in one plain statement: it runs in the transaction of
# every booking and behind every list of slots, and building the same reads with the
# ORM (two UNION querysets) cost 3.5 ms of CPU each time, a quarter of a booking
# request; this costs 0.35 ms. Each row says in its first column what it is:
#   hours     weekly hours of the coach that serve this type (no types = all types)
#   override  a date override in the range (no times: the date is closed)
#   busy      a blocked period (exact span, or whole days), a booking widened by its
#             buffers, an imported busy time
#   booked    the start of an active booking of this type (only for daily/weekly caps)
#   booked_other  …of another type of the coach (only for the coach-wide caps)
# The first SELECT names every column's type: PostgreSQL types a column of NULLs as text.
_INPUTS_SQL = """
SELECT 'hours', h.weekday, CAST(NULL AS date), CAST(NULL AS date), h."start", h."end",
       CAST(NULL AS timestamp with time zone), CAST(NULL AS timestamp with time zone)
  FROM scheduler_weeklyhours h
 WHERE h.coach_id = %(coach)s
   AND (NOT EXISTS (SELECT 1 FROM scheduler_weeklyhours_appointment_types x WHERE x.weeklyhours_id = h.id)
        OR EXISTS (SELECT 1 FROM scheduler_weeklyhours_appointment_types x
                    WHERE x.weeklyhours_id = h.id AND x.appointmenttype_id = %(type)s))
UNION ALL
SELECT 'override', NULL, o."date", NULL, o."start", o."end", NULL, NULL
  FROM scheduler_dateoverride o
 WHERE o.coach_id = %(coach)s AND o."date" >= %(first_day)s AND o."date" <= %(last_day)s
UNION ALL
SELECT 'busy', NULL, p.first_day, p.last_day, NULL, NULL, p."start", p."end"
  FROM scheduler_blockedperiod p
 WHERE p.coach_id = %(coach)s
   AND ((p.first_day <= %(last_day)s AND p.last_day >= %(first_day)s)
        OR (p."start" < %(reach_end)s AND p."end" > %(reach_start)s))
UNION ALL
SELECT 'busy', NULL, NULL, NULL, NULL, NULL, b.blocked_start, b.blocked_end
  FROM scheduler_booking b
 WHERE b.coach_id = %(coach)s AND b.status IN (%(unconfirmed)s, %(requested)s, %(confirmed)s) AND b.id <> %(exclude)s
   AND b.blocked_start < %(reach_end)s AND b.blocked_end > %(reach_start)s
UNION ALL
SELECT 'busy', NULL, NULL, NULL, NULL, NULL, e."start", e."end"
  FROM scheduler_externalbusy e
 WHERE e.coach_id = %(coach)s AND e."start" < %(reach_end)s AND e."end" > %(reach_start)s
"""
_BOOKED_STARTS_SQL = """
UNION ALL
SELECT CASE WHEN b.appointment_type_id = %(type)s THEN 'booked' ELSE 'booked_other' END,
       NULL, NULL, NULL, NULL, NULL, b."start", NULL
  FROM scheduler_booking b
 WHERE b.coach_id = %(coach)s AND b.status IN (%(unconfirmed)s, %(requested)s, %(confirmed)s) AND b.id <> %(exclude)s
   AND b."start" >= %(read_start)s AND b."start" < %(read_end)s{of_type}
"""
# Only the type's starts when only the type has caps; every type's when the coach has.
_TYPE_STARTS_SQL = _BOOKED_STARTS_SQL.format(of_type=" AND b.appointment_type_id = %(type)s")
_COACH_STARTS_SQL = _BOOKED_STARTS_SQL.format(of_type="")


def _moment(value) -> datetime:
    """An aware UTC instant from a row: SQLite hands back Django's naive UTC text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _clock(value) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value


def answers_requests(appointment_type: AppointmentType, *, exclude_booking: Booking | None = None) -> bool:
    """Whether a booking of this type may be a request, which the coach must answer in time.

    A type for new clients only is counted as one that needs approval: its slots are
    offered before anyone says who books, and a stranger may claim any address, so every
    slot must be one a request could have. Moving a confirmed booking makes no request."""
    if appointment_type.approval == AppointmentType.Approval.NEVER:
        return False
    return exclude_booking is None or exclude_booking.status != Booking.Status.CONFIRMED


def request_not_before(
    appointment_type: AppointmentType, *, now: datetime, exclude_booking: Booking | None = None
) -> datetime | None:
    """`not_before` for the engine: for a type whose bookings may be requests, the earliest
    start the coach can still answer in time (reachability.answerable_from), NO_SLOTS when
    there is none; None (no limit) for the others, without reading anything."""
    if not answers_requests(appointment_type, exclude_booking=exclude_booking):
        return None
    earliest = request_answerable_from(appointment_type=appointment_type, now=now)
    return NO_SLOTS if earliest is None else earliest


def availability_inputs(
    *,
    appointment_type: AppointmentType,
    range_start: datetime,
    range_end: datetime,
    now: datetime,
    exclude_booking: Booking | None = None,
) -> dict:
    """Keyword arguments for `slot_engine.bookable_slots` (all but `now` and the range).

    One query (see _INPUTS_SQL): the working hours, the range's date overrides and
    everything busy; with a daily or weekly cap also the type's booking starts from the
    Monday before the range to the Monday after it, so that weekly caps count whole
    weeks, and with a coach-wide cap the starts of all the coach's types. `exclude_booking`
    leaves one booking out (a booking being moved must not block its own new time). For a
    type whose bookings may be requests, also the coach's reply windows and away time as
    of `now` (request_not_before).
    """
    coach = appointment_type.coach
    zone = coach.zone
    rules = slot_rules(appointment_type)
    # Anything that could touch a slot starting in the range, buffers included.
    reach_start = range_start - rules.buffer_before
    reach_end = range_end + rules.duration + rules.buffer_after
    # The engine also looks at the day before the range (a DST gap at midnight can move
    # a window into the next day), so caps count from the Monday before that day.
    read_start = min(reach_start, _monday_before(range_start - timedelta(days=1), zone))
    read_end = max(reach_end, _monday_before(range_end, zone) + timedelta(days=7))
    first_day = reach_start.astimezone(zone).date() - timedelta(days=1)
    last_day = reach_end.astimezone(zone).date() + timedelta(days=1)

    ops = connection.ops
    params = {
        "coach": coach.pk,
        "type": appointment_type.pk,
        # Booking.ACTIVE_STATUSES: unconfirmed and requested bookings hold their slot too.
        "unconfirmed": Booking.Status.UNCONFIRMED,
        "requested": Booking.Status.REQUESTED,
        "confirmed": Booking.Status.CONFIRMED,
        "exclude": exclude_booking.pk if exclude_booking is not None else 0,  # no booking has id 0
        "first_day": ops.adapt_datefield_value(first_day),
        "last_day": ops.adapt_datefield_value(last_day),
        "reach_start": ops.adapt_datetimefield_value(reach_start),
        "reach_end": ops.adapt_datetimefield_value(reach_end),
        "read_start": ops.adapt_datetimefield_value(read_start),
        "read_end": ops.adapt_datetimefield_value(read_end),
    }
    sql = _INPUTS_SQL
    if rules.coach_daily_cap or rules.coach_weekly_cap:
        sql += _COACH_STARTS_SQL
    elif rules.daily_cap or rules.weekly_cap:
        sql += _TYPE_STARTS_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    weekly_hours: list[WeeklyWindow] = []
    date_overrides: dict[date, list[Window]] = {}
    busy: list[Interval] = []
    booked_starts: list[datetime] = []
    other_starts: list[datetime] = []
    for kind, weekday, first, last, start_time, end_time, start, end in rows:
        if kind == "hours":
            weekly_hours.append(WeeklyWindow(weekday=weekday, start=_clock(start_time), end=_clock(end_time)))
        elif kind == "override":
            windows = date_overrides.setdefault(_day(first), [])
            if start_time is not None:  # a row without times closes the date
                windows.append(Window(start=_clock(start_time), end=_clock(end_time)))
        elif kind == "busy" and first is not None:
            busy.append(Interval(*BlockedPeriod(first_day=_day(first), last_day=_day(last)).span(zone)))
        elif kind == "busy":
            busy.append(Interval(_moment(start), _moment(end)))
        elif kind == "booked":
            booked_starts.append(_moment(start))
        else:
            other_starts.append(_moment(start))
    return {
        "weekly_hours": weekly_hours,
        "date_overrides": date_overrides,
        "busy": busy,
        "booked_starts": booked_starts,
        "coach_booked_starts": booked_starts + other_starts,
        "rules": rules,
        "zone": zone,
        "not_before": request_not_before(appointment_type, now=now, exclude_booking=exclude_booking),
    }


def slots_bookable(
    *,
    appointment_type: AppointmentType,
    range_start: datetime,
    range_end: datetime,
    now: datetime,
    exclude_booking: Booking | None = None,
) -> list[Interval]:
    """The slots of one type whose start lies in [range_start, range_end); `exclude_booking`
    is left out, so a booking being moved can move into its own old time."""
    inputs = availability_inputs(
        appointment_type=appointment_type,
        range_start=range_start,
        range_end=range_end,
        now=now,
        exclude_booking=exclude_booking,
    )
    return bookable_slots(**inputs, now=now, range_start=range_start, range_end=range_end)
