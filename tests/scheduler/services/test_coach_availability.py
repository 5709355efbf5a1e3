from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from scheduler.cache_versions import availability_version
from scheduler.models import BlockedPeriod, Booking, DateOverride, Notification, WeeklyHours
from scheduler.services.coach_availability import (
    BlockedPeriodCollides,
    HoursWindow,
    blocked_period_delete,
    blocked_period_save,
    date_override_create,
    date_override_delete,
    reply_window_create,
    reply_window_delete,
    reply_window_update,
    weekly_hours_overlapping,
    weekly_hours_replace,
)
from tests.factories import (
    AppointmentTypeFactory,
    BlockedPeriodFactory,
    BookingFactory,
    CoachFactory,
    WeeklyHoursFactory,
)
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 20, 12, tzinfo=BERLIN)  # a Wednesday
SEMINAR_DAY = date(2026, 6, 3)


def at(hour, minute=0, day=SEMINAR_DAY):
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def window(weekday, start, end, *types):
    return HoursWindow(weekday=weekday, start=time(*start), end=time(*end), appointment_types=frozenset(types))


# --- weekly hours -------------------------------------------------------------------


def test_weekly_hours_replace_replaces_every_window_with_its_types(coach):
    old = WeeklyHoursFactory(coach=coach, weekday=4, start=time(8), end=time(9))
    coaching = AppointmentTypeFactory(coach=coach)
    weekly_hours_replace(
        coach=coach, windows=[window(0, (9,), (12,)), window(0, (14,), (17,), coaching), window(2, (10,), (11,))]
    )
    rows = list(coach.weekly_hours.order_by("weekday", "start"))
    assert [(r.weekday, r.start, r.end) for r in rows] == [
        (0, time(9), time(12)),
        (0, time(14), time(17)),
        (2, time(10), time(11)),
    ]
    assert [list(r.appointment_types.all()) for r in rows] == [[], [coaching], []]
    assert not WeeklyHours.objects.filter(pk=old.pk).exists()


def test_weekly_hours_replace_with_nothing_clears_the_week(coach):
    WeeklyHoursFactory(coach=coach)
    weekly_hours_replace(coach=coach, windows=[])
    assert not coach.weekly_hours.exists()


def test_overlapping_windows_are_refused_and_nothing_changes(coach):
    WeeklyHoursFactory(coach=coach, weekday=4, start=time(8), end=time(9))
    with pytest.raises(ValidationError):
        weekly_hours_replace(coach=coach, windows=[window(0, (9,), (12,)), window(0, (11,), (13,))])
    assert [(r.weekday, r.start) for r in coach.weekly_hours.all()] == [(4, time(8))]


def test_overlap_counts_per_weekday_and_per_type(coach):
    first, second = AppointmentTypeFactory(coach=coach), AppointmentTypeFactory(coach=coach)
    windows = [
        window(0, (9,), (12,), first),
        window(0, (9,), (12,), second),  # other type: no overlap
        window(0, (12,), (13,)),  # back to back with the first: no overlap
        window(1, (9,), (12,)),  # other day
        window(1, (11,), (12,), second),  # overlaps the untyped window of that day
        window(0, (10,), (11,), first, second),  # overlaps both typed windows of Monday
    ]
    assert weekly_hours_overlapping(windows) == [(0, 5), (1, 5), (3, 4)]


def test_window_ending_before_it_starts_is_refused(coach):
    with pytest.raises(ValidationError) as caught:
        weekly_hours_replace(coach=coach, windows=[window(0, (12,), (9,))])
    assert caught.value.message_dict == {"end": ["The end must be after the start."]}


def test_another_coachs_type_is_refused(coach):
    foreign = AppointmentTypeFactory(coach=CoachFactory())
    with pytest.raises(ValidationError) as caught:
        weekly_hours_replace(coach=coach, windows=[window(0, (9,), (12,), foreign)])
    assert caught.value.messages == ["Choose among your own appointment types."]
    assert not coach.weekly_hours.exists()


# --- date overrides -----------------------------------------------------------------


def test_date_override_window_and_closed_day(coach):
    window_row = date_override_create(coach=coach, day=SEMINAR_DAY, start=time(14), end=time(16), now=NOW)
    closed = date_override_create(coach=coach, day=date(2026, 6, 4), start=None, end=None, now=NOW)
    assert (window_row.start, window_row.end, window_row.closed) == (time(14), time(16), False)
    assert closed.closed


def test_date_override_gets_several_windows_but_no_overlap(coach):
    date_override_create(coach=coach, day=SEMINAR_DAY, start=time(9), end=time(11), now=NOW)
    date_override_create(coach=coach, day=SEMINAR_DAY, start=time(11), end=time(12), now=NOW)
    with pytest.raises(ValidationError) as caught:
        date_override_create(coach=coach, day=SEMINAR_DAY, start=time(10), end=time(13), now=NOW)
    assert caught.value.message_dict == {"start": ["This overlaps your hours 09:00–11:00 on this day."]}
    assert coach.date_overrides.count() == 2


def test_a_closed_day_and_windows_exclude_each_other(coach):
    date_override_create(coach=coach, day=SEMINAR_DAY, start=time(9), end=time(11), now=NOW)
    with pytest.raises(ValidationError) as caught:
        date_override_create(coach=coach, day=SEMINAR_DAY, start=None, end=None, now=NOW)
    assert "Delete them first" in caught.value.message_dict["date"][0]

    other_day = date(2026, 6, 5)
    date_override_create(coach=coach, day=other_day, start=None, end=None, now=NOW)
    with pytest.raises(ValidationError) as caught:
        date_override_create(coach=coach, day=other_day, start=time(9), end=time(10), now=NOW)
    assert "closed this day already" in caught.value.message_dict["date"][0]
    assert coach.date_overrides.count() == 2


def test_date_override_is_checked(coach):
    with pytest.raises(ValidationError) as caught:
        date_override_create(coach=coach, day=SEMINAR_DAY, start=time(12), end=time(9), now=NOW)
    assert caught.value.message_dict == {"end": ["The end must be after the start."]}
    with pytest.raises(ValidationError) as caught:
        date_override_create(coach=coach, day=date(2026, 5, 19), start=None, end=None, now=NOW)
    assert caught.value.message_dict == {"date": ["Choose today or a later date."]}
    assert not coach.date_overrides.exists()


def test_today_counts_in_the_coachs_zone(coach):
    # 23:30 UTC on 19 May is already 20 May in Berlin.
    late = datetime(2026, 5, 19, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert date_override_create(coach=coach, day=date(2026, 5, 20), start=None, end=None, now=late).closed


def test_date_override_delete(coach):
    override = date_override_create(coach=coach, day=SEMINAR_DAY, start=None, end=None, now=NOW)
    date_override_delete(override=override)
    assert not DateOverride.objects.exists()


# --- blocked periods ----------------------------------------------------------------


@pytest.fixture
def booking(coach):
    return BookingFactory(appointment_type=AppointmentTypeFactory(coach=coach), start=at(10))


def test_blocked_period_without_bookings_is_saved(coach):
    period = blocked_period_save(
        coach=coach,
        period=None,
        title=" Seminar in Hamburg ",
        first_day=SEMINAR_DAY,
        last_day=date(2026, 6, 5),
        now=NOW,
    )
    period.refresh_from_db()
    assert (period.title, period.first_day, period.last_day, period.start) == (
        "Seminar in Hamburg",
        SEMINAR_DAY,
        date(2026, 6, 5),
        None,
    )


def test_blocked_period_over_a_booking_is_not_saved_before_the_coach_decides(coach, booking):
    with pytest.raises(BlockedPeriodCollides) as caught:
        blocked_period_save(
            coach=coach, period=None, title="Seminar", first_day=SEMINAR_DAY, last_day=SEMINAR_DAY, now=NOW
        )
    assert caught.value.bookings == [booking]
    assert not BlockedPeriod.objects.exists()


def test_keeping_the_bookings_saves_the_period_and_leaves_them_alone(coach, booking):
    blocked_period_save(
        coach=coach, period=None, title="Seminar", start=at(9), end=at(12), decided=[booking.pk], now=NOW
    )
    assert BlockedPeriod.objects.get().span(BERLIN) == (at(9), at(12))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not booking.notifications.exists()


def test_cancelling_the_bookings_tells_each_client_with_the_note(coach, booking):
    requested = BookingFactory(appointment_type=booking.appointment_type, start=at(15), status=Booking.Status.REQUESTED)
    blocked_period_save(
        coach=coach,
        period=None,
        title="Seminar",
        first_day=SEMINAR_DAY,
        last_day=SEMINAR_DAY,
        decided=[booking.pk, requested.pk],
        cancel_bookings=True,
        note="Ich bin auf einem Seminar; bitte buchen Sie einen neuen Termin.",
        now=NOW,
    )
    assert BlockedPeriod.objects.count() == 1
    for cancelled in (booking, requested):
        cancelled.refresh_from_db()
        assert cancelled.status == Booking.Status.CANCELLED
        assert cancelled.status_note == "Ich bin auf einem Seminar; bitte buchen Sie einen neuen Termin."
        assert cancelled.notifications.filter(
            kind=Notification.Kind.CANCELLED, audience=Notification.Audience.CLIENT, recipient=cancelled.client.email
        ).exists()
        # The coach cancelled: only the client is told, not the coach about their own decision.
        assert not cancelled.notifications.filter(audience=Notification.Audience.COACH).exists()


def test_a_booking_the_coach_was_not_shown_stops_the_save(coach, booking):
    later = BookingFactory(appointment_type=booking.appointment_type, start=at(16))
    with pytest.raises(BlockedPeriodCollides) as caught:
        blocked_period_save(
            coach=coach,
            period=None,
            title="Seminar",
            first_day=SEMINAR_DAY,
            last_day=SEMINAR_DAY,
            decided=[booking.pk],
            cancel_bookings=True,
            now=NOW,
        )
    assert caught.value.bookings == [booking, later]
    assert not BlockedPeriod.objects.exists()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_changing_a_period_switches_between_days_and_times(coach):
    period = BlockedPeriodFactory(coach=coach, first_day=SEMINAR_DAY, last_day=SEMINAR_DAY)
    blocked_period_save(coach=coach, period=period, title="Workshop", start=at(13), end=at(18), now=NOW)
    period.refresh_from_db()
    assert (period.title, period.first_day, period.last_day) == ("Workshop", None, None)
    assert (period.start, period.end) == (at(13), at(18))


def test_blocked_period_times_are_checked(coach):
    with pytest.raises(ValidationError) as caught:
        blocked_period_save(coach=coach, period=None, title="Seminar", start=at(12), end=at(9), now=NOW)
    assert caught.value.message_dict == {"end": ["The end must be after the start."]}
    with pytest.raises(ValidationError) as caught:
        blocked_period_save(
            coach=coach, period=None, title="Seminar", first_day=SEMINAR_DAY, last_day=date(2026, 6, 1), now=NOW
        )
    assert caught.value.message_dict == {"last_day": ["The last day cannot be before the first day."]}
    assert not BlockedPeriod.objects.exists()


def test_blocked_period_delete(coach):
    period = BlockedPeriodFactory(coach=coach, first_day=SEMINAR_DAY, last_day=SEMINAR_DAY)
    blocked_period_delete(period=period)
    assert not BlockedPeriod.objects.exists()


# --- reply windows ------------------------------------------------------------------


def test_several_reply_windows_a_day_each_for_some_channels():
    coach = CoachFactory()
    morning = reply_window_create(coach=coach, weekday=0, start=time(8), end=time(9))
    evening = reply_window_create(coach=coach, weekday=0, start=time(18), end=time(19), channels=["whatsapp", "email"])
    # Another window at the same time as the evening one, for a channel it does not serve.
    threema = reply_window_create(coach=coach, weekday=0, start=time(18), end=time(18, 30), channels=["threema"])
    assert list(coach.reply_windows.values_list("pk", flat=True)) == [morning.pk, evening.pk, threema.pk]
    evening.refresh_from_db()
    assert evening.channels == ["email", "whatsapp"]  # checked and put in order by the model
    assert morning.channels == []  # every channel


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"start": time(9), "end": time(8)}, "end", "The end must be after the start."),
        ({"start": time(8), "end": time(8)}, "end", "The end must be after the start."),
        ({"channels": ["fax"]}, "channels", "Choose channels from the list"),
        ({"start": time(8, 30), "end": time(9, 30)}, "start", "This overlaps your reply window Monday 08:00–09:00."),
        ({"channels": ["email"]}, "start", "This overlaps your reply window Monday 08:00–09:00."),
    ],
)
def test_a_wrong_reply_window_is_refused_at_its_field_and_nothing_is_saved(values, field, message):
    coach = CoachFactory()
    reply_window_create(coach=coach, weekday=0, start=time(8), end=time(9))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        reply_window_create(coach=coach, **{"weekday": 0, "start": time(8), "end": time(9), **values})
    assert any(message in text for text in caught.value.message_dict[field])
    assert coach.reply_windows.count() == 1


def test_overlapping_reply_windows_for_different_channels_and_back_to_back_ones_are_fine():
    coach = CoachFactory()
    reply_window_create(coach=coach, weekday=2, start=time(8), end=time(9), channels=["email"])
    reply_window_create(coach=coach, weekday=2, start=time(8), end=time(9), channels=["threema"])
    reply_window_create(coach=coach, weekday=2, start=time(9), end=time(10))
    reply_window_create(coach=coach, weekday=3, start=time(8), end=time(9))  # another day
    assert coach.reply_windows.count() == 4


def test_a_reply_window_names_only_channels_the_coach_offers():
    coach = CoachFactory(channels=["email", "phone"])
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        reply_window_create(coach=coach, weekday=0, start=time(8), end=time(9), channels=["threema"])
    assert "ways to talk you offer" in caught.value.message_dict["channels"][0]
    assert not coach.reply_windows.exists()


def test_update_changes_the_window_and_a_refused_change_leaves_it_as_it_was():
    coach = CoachFactory()
    reply_window_create(coach=coach, weekday=4, start=time(8), end=time(9))
    window = reply_window_create(coach=coach, weekday=4, start=time(12), end=time(13))
    changed = reply_window_update(window=window, weekday=4, start=time(9), end=time(10), channels=["email"])
    window.refresh_from_db()
    assert (window.start, window.end, window.channels) == (time(9), time(10), ["email"])
    assert (changed.start, changed.end, changed.channels) == (time(9), time(10), ["email"])
    # Its own old time is no overlap; another window's is.
    window = reply_window_update(window=window, weekday=4, start=time(9), end=time(10, 30), channels=["email"])
    with pytest.raises(ValidationError):
        reply_window_update(window=window, weekday=4, start=time(8, 30), end=time(10), channels=[])
    assert (window.start, window.end, window.channels) == (time(9), time(10, 30), ["email"])
    window.refresh_from_db()
    assert (window.start, window.end, window.channels) == (time(9), time(10, 30), ["email"])


def test_reply_window_writes_change_the_availability_version():
    # Reply windows decide which times a request can be answered in, so the offered slots.
    coach = CoachFactory()
    before = availability_version(coach.pk)
    window = reply_window_create(coach=coach, weekday=0, start=time(8), end=time(9))
    after_create = availability_version(coach.pk)
    assert after_create != before
    reply_window_update(window=window, weekday=1, start=time(8), end=time(9))
    after_update = availability_version(coach.pk)
    assert after_update != after_create
    reply_window_delete(window=window)
    assert availability_version(coach.pk) != after_update
    assert not coach.reply_windows.exists()


# --- public notes of blocked periods --------------------------------------------------


def test_a_blocked_period_keeps_its_public_notes_and_its_private_title():
    coach = CoachFactory()
    period = blocked_period_save(
        coach=coach,
        period=None,
        title=" Seminar Wien (Kunde X) ",
        public_note=" Seminar in Wien ",
        public_note_en="Seminar in Vienna",
        first_day=SEMINAR_DAY,
        last_day=SEMINAR_DAY,
        now=NOW,
    )
    period.refresh_from_db()
    assert (period.title, period.public_note, period.public_note_en) == (
        "Seminar Wien (Kunde X)",
        "Seminar in Wien",
        "Seminar in Vienna",
    )
    # Without notes, clients read that the coach is away.
    period = blocked_period_save(
        coach=coach, period=period, title="Seminar", first_day=SEMINAR_DAY, last_day=SEMINAR_DAY, now=NOW
    )
    period.refresh_from_db()
    assert (period.public_note, period.public_note_en) == ("", "")
