"""Reads. Everything the availability engine needs comes from here, in a fixed
number of queries whatever the size of the range."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import DateField, IntegerField, Q, QuerySet, Value

from ..availability import Interval, SlotRules, WeeklyWindow, Window, bookable_slots
from ..models import AppointmentType, BlockedPeriod, Booking, Coach, DateOverride, ExternalBusy, WeeklyHours


def coaches() -> QuerySet[Coach]:
    return Coach.objects.filter(user__is_active=True)


def coach_single() -> Coach | None:
    """The only coach of this site, or None when there are none or several."""
    found = list(coaches()[:2])
    return found[0] if len(found) == 1 else None


def bookings_with_details() -> QuerySet[Booking]:
    """Bookings with what every page about one booking shows."""
    return Booking.objects.select_related("coach", "appointment_type", "client")


def appointment_types_bookable(*, coach: Coach) -> QuerySet[AppointmentType]:
    return coach.appointment_types.filter(active=True)


def appointment_type_bookable(*, coach_slug: str, type_slug: str) -> AppointmentType | None:
    """One bookable type with its coach, in one query."""
    return (
        AppointmentType.objects.select_related("coach__user")
        .filter(coach__slug=coach_slug, coach__user__is_active=True, active=True, slug=type_slug)
        .first()
    )


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
    )


def _monday_before(moment: datetime, zone: ZoneInfo) -> datetime:
    local_day = moment.astimezone(zone).date()
    return datetime.combine(local_day - timedelta(days=local_day.weekday()), time(0), tzinfo=zone)


def availability_inputs(
    *,
    appointment_type: AppointmentType,
    range_start: datetime,
    range_end: datetime,
    exclude_booking: Booking | None = None,
) -> dict:
    """Keyword arguments for `availability.bookable_slots` (all but `now` and the range).

    Two queries: the working hours (weekly hours and the range's date overrides
    together) and everything busy (blocked periods, bookings, imported busy times
    together); a third when the type has a daily or weekly cap, reading the type's
    booking starts from the Monday before the range to the Monday after it, so that
    weekly caps count whole weeks. `exclude_booking` leaves one booking out (a
    booking being moved must not block its own new time). Fewer round trips matter
    here: this runs inside the transaction of every booking.
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

    # Weekly hours (weekday set) and date overrides (date set) in one round trip.
    weekly = (
        WeeklyHours.objects.filter(coach=coach)
        .filter(Q(appointment_types__isnull=True) | Q(appointment_types=appointment_type))
        .annotate(day=Value(None, output_field=DateField()))
        .order_by()
        .values_list("weekday", "day", "start", "end")
    )
    overrides = (
        DateOverride.objects.filter(coach=coach, date__gte=first_day, date__lte=last_day)
        .annotate(weekday_of=Value(None, output_field=IntegerField()))
        .order_by()
        .values_list("weekday_of", "date", "start", "end")
    )
    weekly_hours: list[WeeklyWindow] = []
    date_overrides: dict[date, list[Window]] = {}
    for weekday, day, start, end in weekly.union(overrides, all=True):
        if day is None:
            weekly_hours.append(WeeklyWindow(weekday=weekday, start=start, end=end))
        else:
            windows = date_overrides.setdefault(day, [])
            if start is not None:  # a row without times closes the date
                windows.append(Window(start=start, end=end))

    # Blocked periods, bookings (widened by their buffers) and imported busy times in
    # one round trip; whole-day blocked periods carry their dates instead of times.
    no_day = Value(None, output_field=DateField())
    active = Booking.objects.filter(coach=coach, status__in=Booking.ACTIVE_STATUSES)
    if exclude_booking is not None:
        active = active.exclude(pk=exclude_booking.pk)
    blocked = BlockedPeriod.objects.filter(coach=coach).filter(
        Q(first_day__lte=last_day, last_day__gte=first_day) | Q(start__lt=reach_end, end__gt=reach_start)
    )
    booked = active.filter(blocked_start__lt=reach_end, blocked_end__gt=reach_start).annotate(
        first_day=no_day, last_day=no_day
    )
    imported = ExternalBusy.objects.filter(coach=coach, start__lt=reach_end, end__gt=reach_start).annotate(
        first_day=no_day, last_day=no_day
    )
    busy = []
    # SQLite allows no ORDER BY inside a UNION: drop the models' default ordering.
    for start, end, first, last in (
        blocked.order_by()
        .values_list("start", "end", "first_day", "last_day")
        .union(
            booked.order_by().values_list("blocked_start", "blocked_end", "first_day", "last_day"),
            imported.order_by().values_list("start", "end", "first_day", "last_day"),
            all=True,
        )
    ):
        if first is not None:
            start, end = BlockedPeriod(first_day=first, last_day=last).span(zone)
        busy.append(Interval(start, end))

    booked_starts = []
    if rules.daily_cap or rules.weekly_cap:
        booked_starts = list(
            active.filter(appointment_type=appointment_type, start__gte=read_start, start__lt=read_end).values_list(
                "start", flat=True
            )
        )
    return {
        "weekly_hours": weekly_hours,
        "date_overrides": date_overrides,
        "busy": busy,
        "booked_starts": booked_starts,
        "rules": rules,
        "zone": zone,
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
        appointment_type=appointment_type, range_start=range_start, range_end=range_end, exclude_booking=exclude_booking
    )
    return bookable_slots(**inputs, now=now, range_start=range_start, range_end=range_end)
