from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduler.models import BlockedPeriod, Booking, DateOverride, Notification, ReplyWindow, WeeklyHours
from scheduler.selectors.slots import slots_bookable
from tests.factories import (
    AppointmentTypeFactory,
    BlockedPeriodFactory,
    BookingFactory,
    CoachFactory,
    UserFactory,
    WeeklyHoursFactory,
)
from tests.helpers import BERLIN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]


def berlin_today() -> date:
    return timezone.now().astimezone(BERLIN).date()


def ahead(days) -> date:
    return berlin_today() + timedelta(days=days)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def hours_data(rows, extra=0):
    """POST data of the weekly hours formset: `rows` are dicts of field values."""
    data = {
        "hours-TOTAL_FORMS": str(len(rows) + extra),
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"hours-{index}-{name}"] = value
    return data


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


# --- permissions --------------------------------------------------------------------

PAGES = [
    ("coach:availability", {}),
    ("coach:availability_replies", {}),
    ("coach:availability_overrides", {}),
    ("coach:availability_blocked", {}),
    ("coach:availability_blocked_create", {}),
    ("coach:availability_preview", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_anonymous_visitors_are_sent_to_the_login(client, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_a_user_who_is_no_coach_gets_404(client, name, kwargs):
    client.force_login(UserFactory())
    assert client.get(reverse(name, kwargs=kwargs)).status_code == 404


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_every_page_opens_for_the_coach(coach_client, name, kwargs):
    response = coach_client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    assert 'href="/coach/availability/" aria-current="page"' in response.text


def test_another_coachs_date_and_period_are_404(coach_client):
    other = CoachFactory()
    override = DateOverride.objects.create(coach=other, date=ahead(3))
    period = BlockedPeriodFactory(coach=other, first_day=ahead(3), last_day=ahead(3))
    assert coach_client.post(reverse("coach:availability_override_delete", args=[override.pk])).status_code == 404
    assert coach_client.get(reverse("coach:availability_blocked_edit", args=[period.pk])).status_code == 404
    response = coach_client.post(
        reverse("coach:availability_blocked_edit", args=[period.pk]),
        {"title": "Mine now", "kind": "days", "first_day": ahead(5)},
    )
    assert response.status_code == 404
    assert coach_client.post(reverse("coach:availability_blocked_delete", args=[period.pk])).status_code == 404
    assert DateOverride.objects.filter(pk=override.pk).exists()
    period.refresh_from_db()
    assert period.title == "Seminar"


def test_another_coachs_hours_are_neither_shown_nor_replaced(coach_client, coach):
    WeeklyHoursFactory(coach=CoachFactory(), weekday=3, start=time(7, 15), end=time(8))
    assert "07:15" not in coach_client.get(reverse("coach:availability")).text
    coach_client.post(reverse("coach:availability"), hours_data([]))
    assert WeeklyHours.objects.filter(start=time(7, 15)).exists()


# --- weekly hours -------------------------------------------------------------------


def test_weekly_hours_page_shows_the_windows_with_their_types(coach_client, coach):
    coaching = AppointmentTypeFactory(coach=coach, name="Coaching")
    window = WeeklyHoursFactory(coach=coach, weekday=1, start=time(14), end=time(17, 30))
    window.appointment_types.add(coaching)
    response = coach_client.get(reverse("coach:availability"))
    form = response.context["formset"].forms[0]
    assert (form["weekday"].value(), form["start"].value(), form["end"].value()) == (1, time(14), time(17, 30))
    assert 'value="17:30"' in response.text
    (checkbox,) = form["appointment_types"]
    assert checkbox.data["selected"] and checkbox.data["label"] == "Coaching"
    # Three empty rows to add windows without JavaScript.
    assert len(response.context["formset"].extra_forms) == 3


def test_saving_weekly_hours_replaces_them(coach_client, coach):
    WeeklyHoursFactory(coach=coach, weekday=4, start=time(8), end=time(9))
    coaching = AppointmentTypeFactory(coach=coach)
    data = hours_data(
        [
            {"weekday": "4", "start": "08:00", "end": "09:00", "DELETE": "on"},
            {"weekday": "0", "start": "09:00", "end": "12:00"},
            {"weekday": "0", "start": "14:00", "end": "17:00", "appointment_types": [str(coaching.pk)]},
        ],
        extra=2,
    )
    response = coach_client.post(reverse("coach:availability"), data)
    assert response.status_code == 303
    assert response["Location"] == reverse("coach:availability")
    rows = list(coach.weekly_hours.order_by("start"))
    assert [(r.weekday, r.start, r.end) for r in rows] == [(0, time(9), time(12)), (0, time(14), time(17))]
    assert list(rows[1].appointment_types.all()) == [coaching]
    assert "Your weekly hours are saved." in coach_client.get(response["Location"]).text


def test_weekly_hours_end_before_start_is_refused_at_the_field(coach_client, coach):
    WeeklyHoursFactory(coach=coach)
    data = hours_data([{"weekday": "2", "start": "12:00", "end": "09:00"}])
    response = coach_client.post(reverse("coach:availability"), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors == {"end": ["The end must be after the start."]}
    assert "The end must be after the start." in response.text
    assert 'value="12:00"' in response.text  # what was typed stays
    assert list(coach.weekly_hours.values_list("weekday", flat=True)) == [0]


def test_overlapping_weekly_windows_are_refused_with_a_clear_message(coach_client, coach):
    data = hours_data(
        [{"weekday": "0", "start": "09:00", "end": "12:00"}, {"weekday": "0", "start": "11:00", "end": "13:00"}]
    )
    response = coach_client.post(reverse("coach:availability"), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[1].errors == {"start": ["This overlaps your window Monday 09:00–12:00."]}
    assert "This overlaps your window Monday 09:00–12:00." in response.text
    assert not coach.weekly_hours.exists()


def test_overlapping_windows_for_different_types_are_fine(coach_client, coach):
    first, second = AppointmentTypeFactory(coach=coach), AppointmentTypeFactory(coach=coach)
    data = hours_data(
        [
            {"weekday": "0", "start": "09:00", "end": "12:00", "appointment_types": [str(first.pk)]},
            {"weekday": "0", "start": "10:00", "end": "13:00", "appointment_types": [str(second.pk)]},
        ]
    )
    assert coach_client.post(reverse("coach:availability"), data).status_code == 303
    assert coach.weekly_hours.count() == 2


def test_a_type_that_is_not_the_coachs_is_refused(coach_client, coach):
    AppointmentTypeFactory(coach=coach)
    foreign = AppointmentTypeFactory(coach=CoachFactory())
    data = hours_data([{"weekday": "0", "start": "09:00", "end": "12:00", "appointment_types": [str(foreign.pk)]}])
    response = coach_client.post(reverse("coach:availability"), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors == {
        "appointment_types": ["Choose among your own appointment types."]
    }
    assert not coach.weekly_hours.exists()
    for garbage in ("abc", "999999"):
        data["hours-0-appointment_types"] = [garbage]
        response = coach_client.post(reverse("coach:availability"), data)
        assert "Choose among your own appointment types." in response.text


def test_a_broken_formset_is_a_message_not_an_error(coach_client, coach):
    WeeklyHoursFactory(coach=coach)
    response = coach_client.post(reverse("coach:availability"), {"hours-0-weekday": "1"})
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert coach.weekly_hours.count() == 1


def test_a_row_without_a_day_or_times_is_refused(coach_client, coach):
    response = coach_client.post(reverse("coach:availability"), hours_data([{"weekday": "", "start": "9"}]))
    assert response.context["formset"].forms[0].errors == {
        "weekday": ["Choose a day."],
        "start": ["Give a time like 09:30."],
        "end": ["Give the end time."],
    }


# --- date overrides -----------------------------------------------------------------


def test_add_a_date_with_hours_and_a_closed_date(coach_client, coach):
    url = reverse("coach:availability_overrides")
    response = coach_client.post(url, {"date": ahead(3).isoformat(), "start": "14:00", "end": "16:00"})
    assert response.status_code == 303
    assert coach_client.post(url, {"date": ahead(4).isoformat(), "closed": "on"}).status_code == 303
    assert [(o.date, o.start, o.end) for o in coach.date_overrides.order_by("date")] == [
        (ahead(3), time(14), time(16)),
        (ahead(4), None, None),
    ]
    page = coach_client.get(url).text
    assert "14:00–16:00" in page
    assert "closed all day" in page


def test_past_dates_are_not_listed(coach_client, coach):
    DateOverride.objects.create(coach=coach, date=berlin_today() - timedelta(days=1), start=time(7, 5), end=time(8))
    assert "07:05" not in coach_client.get(reverse("coach:availability_overrides")).text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"start": "16:00", "end": "14:00"}, "end", "The end must be after the start."),
        ({"start": "14:00"}, "end", "Give the end time, or tick “Closed all day”."),
        ({}, "start", "Give the start time, or tick “Closed all day”."),
        (
            {"closed": "on", "start": "14:00"},
            "start",
            "Leave the times empty to close the day, or untick “Closed all day”.",
        ),
        ({"date": "yesterday", "closed": "on"}, "date", "Give a date like 2026-03-31."),
        ({"date": "2020-01-01", "closed": "on"}, "date", "Choose today or a later date."),
    ],
)
def test_a_wrong_date_is_refused_at_its_field(coach_client, coach, data, field, message):
    data = {"date": ahead(3).isoformat(), **data}
    response = coach_client.post(reverse("coach:availability_overrides"), data)
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert message in response.text
    assert not coach.date_overrides.exists()


def test_delete_a_date(coach_client, coach):
    override = DateOverride.objects.create(coach=coach, date=ahead(3))
    response = coach_client.post(reverse("coach:availability_override_delete", args=[override.pk]))
    assert response.status_code == 303
    assert not DateOverride.objects.exists()
    assert coach_client.get(reverse("coach:availability_override_delete", args=[override.pk])).status_code == 405


# --- blocked periods ----------------------------------------------------------------


def test_the_list_shows_current_and_coming_periods(coach_client, coach):
    BlockedPeriodFactory(
        coach=coach, title="Last year's holiday", first_day=date(2020, 7, 1), last_day=date(2020, 7, 14)
    )
    BlockedPeriodFactory(coach=coach, title="Running seminar", first_day=berlin_today(), last_day=ahead(1))
    BlockedPeriodFactory(coach=coach, title="Evening talk", start=at(ahead(3), 18), end=at(ahead(3), 21, 30))
    page = coach_client.get(reverse("coach:availability_blocked")).text
    assert "Last year" not in page
    assert "Running seminar" in page
    assert "Evening talk" in page
    assert "18:00" in page and "21:30" in page  # in the coach's zone
    assert page.index("Running seminar") < page.index("Evening talk")


def test_add_whole_days(coach_client, coach):
    response = coach_client.post(
        reverse("coach:availability_blocked_create"),
        {"title": "3-day seminar in Hamburg", "kind": "days", "first_day": ahead(3), "last_day": ahead(5)},
    )
    assert response.status_code == 303
    period = BlockedPeriod.objects.get()
    assert (period.coach, period.title, period.first_day, period.last_day) == (
        coach,
        "3-day seminar in Hamburg",
        ahead(3),
        ahead(5),
    )
    assert "The blocked period is saved." in coach_client.get(response["Location"]).text


def test_a_single_day_needs_no_last_day(coach_client):
    coach_client.post(
        reverse("coach:availability_blocked_create"), {"title": "Day off", "kind": "days", "first_day": ahead(3)}
    )
    assert BlockedPeriod.objects.get().last_day == ahead(3)


def test_exact_times_are_read_in_the_coachs_zone(coach_client, coach):
    coach.time_zone = "America/New_York"
    coach.save()
    day = ahead(3)
    response = coach_client.post(
        reverse("coach:availability_blocked_create"),
        {"title": "Talk", "kind": "times", "start": f"{day}T09:00", "end": f"{day}T11:30", "first_day": ahead(9)},
    )
    assert response.status_code == 303
    period = BlockedPeriod.objects.get()
    new_york = ZoneInfo("America/New_York")
    assert (period.start, period.end) == (
        datetime.combine(day, time(9), tzinfo=new_york),
        datetime.combine(day, time(11, 30), tzinfo=new_york),
    )
    assert period.first_day is None  # the other kind's fields are not stored
    edit = coach_client.get(reverse("coach:availability_blocked_edit", args=[period.pk])).text
    assert f'value="{day}T09:00"' in edit


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": ""}, "title", "Give the period a title."),
        ({"first_day": ""}, "first_day", "Give the first day."),
        ({"last_day": "2020-01-01"}, "last_day", "The last day cannot be before the first day."),
        ({"kind": "times", "start": "", "end": "2030-01-01T10:00"}, "start", "Give the start."),
        (
            {"kind": "times", "start": "2030-01-01T12:00", "end": "2030-01-01T10:00"},
            "end",
            "The end must be after the start.",
        ),
        (
            {"kind": "times", "start": "2030-01-01T12:00", "end": "soon"},
            "end",
            "Give a date and time like 2026-03-31 14:00.",
        ),
        # Berlin skips from 02:00 to 03:00 on 28 March 2027: that time does not exist.
        (
            {"kind": "times", "start": "2027-03-28T02:30", "end": "2027-03-28T10:00"},
            "start",
            "2027-03-28 02:30:00 couldn’t be interpreted in time zone Europe/Berlin; "
            "it may be ambiguous or it may not exist.",
        ),
    ],
)
def test_a_wrong_period_is_refused_at_its_field(coach_client, data, field, message):
    data = {"title": "Seminar", "kind": "days", "first_day": ahead(3), **data}
    response = coach_client.post(reverse("coach:availability_blocked_create"), data)
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert message in response.text
    assert not BlockedPeriod.objects.exists()


def test_edit_a_period(coach_client, coach):
    period = BlockedPeriodFactory(coach=coach, title="Seminar", first_day=ahead(3), last_day=ahead(3))
    page = coach_client.get(reverse("coach:availability_blocked_edit", args=[period.pk])).text
    assert 'value="Seminar"' in page
    response = coach_client.post(
        reverse("coach:availability_blocked_edit", args=[period.pk]),
        {"title": "Seminar in Hamburg", "kind": "days", "first_day": ahead(3), "last_day": ahead(5)},
    )
    assert response.status_code == 303
    period.refresh_from_db()
    assert (period.title, period.last_day) == ("Seminar in Hamburg", ahead(5))


def test_delete_a_period(coach_client, coach):
    period = BlockedPeriodFactory(coach=coach, first_day=ahead(3), last_day=ahead(3))
    assert coach_client.post(reverse("coach:availability_blocked_delete", args=[period.pk])).status_code == 303
    assert not BlockedPeriod.objects.exists()


# --- a blocked period over bookings -------------------------------------------------


@pytest.fixture
def booking(coach):
    kind = AppointmentTypeFactory(coach=coach, name="Kennenlernen")
    return BookingFactory(appointment_type=kind, start=at(ahead(3), 10), client__name="Erika Mustermann")


SEMINAR = {"title": "3-day seminar in Hamburg", "kind": "days"}


def seminar(**changes):
    return {**SEMINAR, "first_day": ahead(3).isoformat(), "last_day": ahead(5).isoformat(), **changes}


def test_a_period_over_a_booking_lists_it_and_saves_nothing(coach_client, booking):
    response = coach_client.post(reverse("coach:availability_blocked_create"), seminar())
    assert response.status_code == 200
    assert not BlockedPeriod.objects.exists()
    page = response.text
    assert "You have 1 booking in this period." in page
    assert "Erika Mustermann" in page
    assert "Kennenlernen" in page
    assert "10:00–10:30" in page
    assert f'name="decided" value="{booking.pk}"' in page
    assert 'value="3-day seminar in Hamburg"' in page  # what was typed stays
    assert 'name="decision" value="keep"' in page and 'name="decision" value="cancel"' in page


def test_keep_saves_the_period_and_keeps_the_booking(coach_client, booking):
    response = coach_client.post(
        reverse("coach:availability_blocked_create"), seminar(decided=[booking.pk], decision="keep")
    )
    assert response.status_code == 303
    assert BlockedPeriod.objects.get().title == "3-day seminar in Hamburg"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not booking.notifications.exists()


def test_cancel_cancels_the_booking_with_the_note_and_tells_the_client(coach_client, booking):
    note = "Ich bin auf einem Seminar. Bitte buchen Sie einen neuen Termin."
    response = coach_client.post(
        reverse("coach:availability_blocked_create"),
        seminar(decided=[booking.pk], decision="cancel", cancel_note=note),
    )
    assert response.status_code == 303
    assert BlockedPeriod.objects.count() == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.status_note == note
    notice = booking.notifications.get(audience=Notification.Audience.CLIENT)
    assert (notice.kind, notice.recipient) == (Notification.Kind.CANCELLED, booking.client.email)
    assert "your clients are told" in coach_client.get(response["Location"]).text


def test_a_booking_that_came_in_meanwhile_is_shown_before_anything_happens(coach_client, booking):
    newcomer = BookingFactory(appointment_type=booking.appointment_type, start=at(ahead(4), 11), client__name="Max Neu")
    response = coach_client.post(
        reverse("coach:availability_blocked_create"), seminar(decided=[booking.pk], decision="cancel")
    )
    assert response.status_code == 200
    assert "You have 2 bookings in this period." in response.text
    assert "Max Neu" in response.text
    assert not BlockedPeriod.objects.exists()
    assert Booking.objects.filter(status=Booking.Status.CONFIRMED).count() == 2
    assert newcomer.notifications.count() == 0


def test_a_forged_choice_decides_nothing(coach_client, booking):
    for forged in ({"decided": ["²", "x"], "decision": "cancel"}, {"decided": [booking.pk], "decision": "drop"}):
        response = coach_client.post(reverse("coach:availability_blocked_create"), seminar(**forged))
        assert response.status_code == 200
        assert "Erika Mustermann" in response.text
    assert not BlockedPeriod.objects.exists()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_editing_a_period_onto_a_booking_asks_too(coach_client, coach, booking):
    period = BlockedPeriodFactory(coach=coach, title="Seminar", first_day=ahead(7), last_day=ahead(7))
    url = reverse("coach:availability_blocked_edit", args=[period.pk])
    response = coach_client.post(url, seminar(title="Seminar"))
    assert "Erika Mustermann" in response.text
    period.refresh_from_db()
    assert period.first_day == ahead(7)
    assert coach_client.post(url, seminar(title="Seminar", decided=[booking.pk], decision="keep")).status_code == 303
    period.refresh_from_db()
    assert period.first_day == ahead(3)


# --- preview ------------------------------------------------------------------------


@pytest.fixture
def bookable(coach):
    for weekday in range(7):
        WeeklyHoursFactory(coach=coach, weekday=weekday, start=time(9), end=time(10))
    return AppointmentTypeFactory(
        coach=coach, name="Coaching", slug="coaching", duration=timedelta(minutes=30), slot_step=timedelta(minutes=30)
    )


def preview_starts(response) -> dict[date, list[time]]:
    return {day: [slot.start.astimezone(BERLIN).time() for slot in slots] for day, slots in response.context["days"]}


def test_preview_shows_what_the_engine_offers(coach_client, coach, bookable):
    BlockedPeriodFactory(coach=coach, first_day=ahead(5), last_day=ahead(5))
    DateOverride.objects.create(coach=coach, date=ahead(3), start=time(14), end=time(15))
    response = coach_client.get(reverse("coach:availability_preview"), {"type": "coaching"})
    assert response.status_code == 200
    starts = preview_starts(response)
    assert len(starts) == 14
    assert starts[ahead(1)] == [time(9), time(9, 30)]
    assert starts[ahead(5)] == []
    assert starts[ahead(3)] == [time(14), time(14, 30)]
    first = datetime.combine(berlin_today(), time(0), tzinfo=BERLIN)
    engine = slots_bookable(
        appointment_type=bookable, range_start=first, range_end=first + timedelta(days=14), now=timezone.now()
    )
    assert [slot for day_slots in starts.values() for slot in day_slots] == [
        slot.start.astimezone(BERLIN).time() for slot in engine
    ]
    page = response.text
    assert page.count("<li>09:00</li>") >= 11  # every day but today, the blocked one and the override
    assert "<li>14:30</li>" in page
    assert "Nothing bookable." in page


def test_preview_of_a_chosen_type(coach_client, coach, bookable):
    long = AppointmentTypeFactory(coach=coach, slug="long", duration=timedelta(minutes=60))
    response = coach_client.get(reverse("coach:availability_preview"), {"type": "long"})
    assert response.context["chosen"] == long
    assert preview_starts(response)[ahead(1)] == [time(9)]
    assert 'value="long" selected' in response.text


def test_preview_falls_back_to_the_first_type_and_never_shows_another_coachs(coach_client, coach, bookable):
    AppointmentTypeFactory(coach=CoachFactory(), slug="foreign")
    response = coach_client.get(reverse("coach:availability_preview"), {"type": "foreign"})
    assert response.context["chosen"] == bookable


def test_preview_without_types_says_so(coach_client):
    response = coach_client.get(reverse("coach:availability_preview"))
    assert "You have no bookable appointment types yet" in response.text


# --- reply windows ------------------------------------------------------------------

REPLIES = "/coach/availability/replies/"


def reply_window(coach, weekday=0, start=(8,), end=(9,), channels=()):
    return ReplyWindow.objects.create(
        coach=coach, weekday=weekday, start=time(*start), end=time(*end), channels=list(channels)
    )


def test_the_reply_windows_page_explains_they_are_no_bookable_times(coach_client, coach):
    response = coach_client.get(REPLIES)
    page = response.text
    assert "when you read and answer messages and requests" in page
    assert "They are not times clients can book" in page
    assert "A request is answered by the end of your first reply window" in page
    assert "You have no reply windows yet." in page
    assert 'href="/coach/availability/replies/" aria-current="page"' in page


def test_add_several_reply_windows_on_one_day(coach_client, coach):
    for start, end in [("08:00", "09:00"), ("17:30", "18:15")]:
        response = coach_client.post(REPLIES, {"weekday": "2", "start": start, "end": end})
        assert response.status_code == 303 and response["Location"] == REPLIES
    windows = list(coach.reply_windows.values_list("weekday", "start", "end", "channels"))
    assert windows == [(2, time(8), time(9), []), (2, time(17, 30), time(18, 15), [])]
    page = coach_client.get(REPLIES).text
    assert "The reply window is saved." in page
    assert page.count("Wednesday") >= 2 and "08:00–09:00" in page and "17:30–18:15" in page
    assert "every way" in page


def test_a_reply_window_only_for_some_channels(coach_client, coach):
    coach.channels = ["email", "threema", "whatsapp"]
    coach.save()
    form = coach_client.get(REPLIES).text
    assert 'name="channels" value="threema"' in form and 'name="channels" value="phone"' not in form
    response = coach_client.post(
        REPLIES, {"weekday": "0", "start": "08:00", "end": "09:00", "channels": ["whatsapp", "email"]}
    )
    assert response.status_code == 303
    assert coach.reply_windows.get().channels == ["email", "whatsapp"]
    page = coach_client.get(REPLIES).text
    assert "E-mail, WhatsApp" in page


def test_no_reply_window_is_for_a_video_call_or_a_meeting_which_carry_no_messages(coach_client, coach):
    coach.channels = ["phone", "video", "in_person", "email"]
    coach.save()
    form = coach_client.get(REPLIES).text
    assert 'name="channels" value="email"' in form and 'name="channels" value="phone"' in form
    assert 'name="channels" value="video"' not in form and 'name="channels" value="in_person"' not in form
    response = coach_client.post(REPLIES, {"weekday": "0", "start": "08:00", "end": "09:00", "channels": ["video"]})
    assert response.status_code == 200
    assert any("Choose among the ways to talk" in error for error in field_errors(response, "channels"))
    assert not coach.reply_windows.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"weekday": ""}, "weekday", "Choose a day."),
        ({"weekday": "7"}, "weekday", "Select a valid choice"),
        ({"start": ""}, "start", "Give the start time."),
        ({"end": "8:61"}, "end", "Give a time like 09:30."),
        ({"start": "10:00", "end": "09:00"}, "end", "The end must be after the start."),
        ({"channels": ["fax"]}, "channels", "Choose among the ways to talk you offer"),
        ({"start": "08:30", "end": "09:30"}, "start", "This overlaps your reply window Monday 08:00–09:00."),
    ],
)
def test_a_wrong_reply_window_is_refused_at_its_field(coach_client, coach, data, field, message):
    reply_window(coach)
    # Each case differs from the stored Monday 08:00–09:00 in the one field it tests.
    response = coach_client.post(REPLIES, {"weekday": "0", "start": "08:00", "end": "09:00", **data})
    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field))
    assert coach.reply_windows.count() == 1


def test_a_channel_the_coach_no_longer_offers_stays_visible_and_must_be_unticked(coach_client, coach):
    window = reply_window(coach, channels=["threema"])
    coach.channels = ["email"]
    coach.save()
    url = reverse("coach:availability_reply_edit", args=[window.pk])
    assert 'value="threema" id="id_channels_1" checked' in coach_client.get(url).text
    response = coach_client.post(url, {"weekday": "0", "start": "08:00", "end": "09:30", "channels": ["threema"]})
    assert response.status_code == 200
    assert "Choose among the ways to talk you offer" in field_errors(response, "channels")[0]
    response = coach_client.post(url, {"weekday": "0", "start": "08:00", "end": "09:30"})
    assert response.status_code == 303
    window.refresh_from_db()
    assert (window.end, window.channels) == (time(9, 30), [])


def test_edit_and_delete_a_reply_window(coach_client, coach):
    window = reply_window(coach, weekday=4, start=(7, 45), end=(8, 30), channels=["email"])
    url = reverse("coach:availability_reply_edit", args=[window.pk])
    response = coach_client.get(url)
    assert response.status_code == 200
    assert 'value="07:45"' in response.text and 'value="08:30"' in response.text
    assert response.context["form"]["weekday"].value() == 4
    response = coach_client.post(url, {"weekday": "3", "start": "16:00", "end": "17:00"})
    assert response.status_code == 303
    window.refresh_from_db()
    assert (window.weekday, window.start, window.end, window.channels) == (3, time(16), time(17), [])
    delete = reverse("coach:availability_reply_delete", args=[window.pk])
    assert coach_client.get(delete).status_code == 405
    response = coach_client.post(delete)
    assert response.status_code == 303
    assert not ReplyWindow.objects.exists()
    assert "The reply window is deleted." in coach_client.get(REPLIES).text


def test_another_coachs_reply_window_is_404_and_never_shown(coach_client, coach):
    other = reply_window(CoachFactory(), start=(6, 15), end=(6, 45))
    edit = reverse("coach:availability_reply_edit", args=[other.pk])
    assert coach_client.get(edit).status_code == 404
    assert coach_client.post(edit, {"weekday": "1", "start": "10:00", "end": "11:00"}).status_code == 404
    assert coach_client.post(reverse("coach:availability_reply_delete", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert (other.weekday, other.start) == (0, time(6, 15))
    assert "06:15" not in coach_client.get(REPLIES).text


def test_reply_windows_are_entered_and_shown_in_the_coachs_zone(coach_client, coach):
    coach.time_zone = "America/New_York"
    coach.save()
    response = coach_client.post(REPLIES, {"weekday": "1", "start": "07:00", "end": "08:00"})
    assert response.status_code == 303
    window = coach.reply_windows.get()
    # Wall-clock times of the coach's zone, stored as typed (the engine follows the zone across DST).
    assert (window.start, window.end) == (time(7), time(8))
    page = coach_client.get(REPLIES).text
    assert "07:00–08:00" in page and "America/New_York" in page
    edit = coach_client.get(reverse("coach:availability_reply_edit", args=[window.pk])).text
    assert "America/New_York" in edit and 'value="07:00"' in edit


# --- what clients read of a blocked period ----------------------------------------------


def test_a_blocked_period_takes_public_notes_in_german_and_english(coach_client, coach):
    form = coach_client.get(reverse("coach:availability_blocked_create")).text
    assert "Without a note they read “away”; the title stays private." in form
    assert "German (also shown when there is no English)" in form
    response = coach_client.post(
        reverse("coach:availability_blocked_create"),
        {
            "title": "Seminar Wien (Kunde X)",
            "public_note": "Seminar in Wien",
            "public_note_en": "Seminar in Vienna",
            "kind": "days",
            "first_day": ahead(3),
        },
    )
    assert response.status_code == 303
    period = BlockedPeriod.objects.get()
    assert (period.title, period.public_note, period.public_note_en) == (
        "Seminar Wien (Kunde X)",
        "Seminar in Wien",
        "Seminar in Vienna",
    )
    listed = coach_client.get(reverse("coach:availability_blocked")).text
    assert "Seminar in Wien" in listed and "Seminar in Vienna" in listed
    edit = coach_client.get(reverse("coach:availability_blocked_edit", args=[period.pk]))
    assert edit.context["form"]["public_note_en"].value() == "Seminar in Vienna"


def test_a_blocked_period_without_a_note_is_listed_as_away(coach_client, coach):
    BlockedPeriodFactory(coach=coach, title="Privat", first_day=ahead(2), last_day=ahead(2))
    assert ">away</span>" in coach_client.get(reverse("coach:availability_blocked")).text
