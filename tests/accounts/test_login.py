from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from scheduler.cache_versions import availability_version_keys, versions_current
from scheduler.models import AppointmentType, Booking, Coach, WeeklyHours
from tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def log_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_demo_is_idempotent_and_its_coach_can_log_in(client):
    call_command("demo")
    call_command("demo")
    coach = Coach.objects.get(slug="demo")
    assert coach.time_zone == "Europe/Berlin"
    assert coach.busy_feed_enabled
    assert Coach.objects.count() == 1
    types = {t.slug: t for t in AppointmentType.objects.filter(coach=coach)}
    assert set(types) == {"kennenlernen", "coaching"}
    assert types["kennenlernen"].duration_minutes == 30
    assert types["kennenlernen"].approval == AppointmentType.Approval.NEW_CLIENTS
    assert types["coaching"].duration_minutes == 60
    assert types["coaching"].approval == AppointmentType.Approval.NEVER
    assert sorted(types["coaching"].allowed_channels) == ["email", "in_person", "phone", "threema", "video", "whatsapp"]
    hours = sorted((h.weekday, h.start.hour, h.end.hour) for h in WeeklyHours.objects.filter(coach=coach))
    assert hours == [(day, start, end) for day in range(5) for start, end in [(9, 12), (14, 17)]]

    response = log_in(client, "coach@example.com", "demo-pass-123")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client):
    call_command("demo")
    response = log_in(
        client,
        "coach@example.com",
        "wrong-password",
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors


def test_public_signup_makes_no_coach_and_takes_no_password(client):
    """Sign-up is for clients only: an address, confirmed by a code; a password sent along is ignored."""
    client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "password1": "x-long-pass-123", "password2": "x-long-pass-123"},
    )
    user = get_user_model().objects.get(email="new@example.org")
    assert not user.has_usable_password()
    assert not user.is_staff
    assert not Coach.objects.filter(user=user).exists()
    assert not EmailAddress.objects.get(user=user).verified
    client.logout()
    response = log_in(client, "new@example.org", "x-long-pass-123")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_createcoach_makes_a_coach_who_can_log_in(client):
    call_command(
        "createcoach", "Anna@Example.org", "anna", "--name", "Anna Beispiel", "--password", "eine-lange-passphrase-7"
    )
    coach = Coach.objects.get(slug="anna")
    assert coach.user.email == "anna@example.org"
    assert EmailAddress.objects.get(user=coach.user).verified
    assert log_in(client, "anna@example.org", "eine-lange-passphrase-7").status_code == 302


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["taken@example.org", "other", "--name", "X"], "e-mail address exists"),
        (["new@example.org", "admin", "--name", "X"], "reserved"),
        (["new@example.org", "new", "--name", "X", "--time-zone", "Mars/Base"], "not a known time zone"),
    ],
)
def test_createcoach_explains_what_is_wrong(args, message):
    call_command("createcoach", "taken@example.org", "taken", "--name", "T", "--password", "eine-lange-passphrase-7")
    with pytest.raises(CommandError, match=message):
        call_command("createcoach", *args, "--password", "eine-lange-passphrase-7")
    assert Coach.objects.count() == 1


def test_createcoach_rejects_a_weak_password():
    with pytest.raises(CommandError, match="password"):
        call_command("createcoach", "a@example.org", "a", "--name", "A", "--password", "123")


def test_demo_changes_the_availability_version():
    call_command("demo")
    # The coach's own version (versions are per coach): a run writes the hours (a bulk write, which
    # sends no signal) and the reply windows again, and kept slot answers must not outlive them.
    keys = availability_version_keys(Coach.objects.get(slug="demo").pk)
    before = versions_current(keys)
    call_command("demo")
    assert versions_current(keys)[1] != before[1]


def test_demo_coach_answers_mon_wed_fri_and_has_a_seminar_ahead_in_both_languages():
    call_command("demo")
    coach = Coach.objects.get(slug="demo")
    first = (
        list(coach.reply_windows.values_list("weekday", "start", "end", "channels")),
        list(coach.blocked_periods.values_list("title", "public_note", "public_note_en", "first_day", "last_day")),
    )
    call_command("demo")  # idempotent: the same windows and the one seminar, not twice
    again = (
        list(coach.reply_windows.values_list("weekday", "start", "end", "channels")),
        list(coach.blocked_periods.values_list("title", "public_note", "public_note_en", "first_day", "last_day")),
    )
    assert first == again
    windows, periods = again
    assert windows == [(weekday, time(8), time(9), []) for weekday in (0, 2, 4)]
    assert coach.time_zone == "Europe/Berlin"
    ((title, note, note_en, first_day, last_day),) = periods
    assert (note, note_en) == ("Seminar in Wien", "Seminar in Vienna")
    assert title not in (note, note_en)  # the title stays the coach's own
    today = timezone.now().astimezone(coach.zone).date()
    assert today < first_day <= last_day
    assert (first_day.weekday(), last_day.weekday()) == (1, 3)

    # The coach's words in English too.
    coach.refresh_from_db()
    assert coach.policy_en and coach.reply_note and coach.reply_note_en
    with translation.override("en"):
        assert coach.local_policy == coach.policy_en
        names = {t.slug: t.local_name for t in coach.appointment_types.all()}
        descriptions = [t.local_description for t in coach.appointment_types.all()]
    assert names == {"kennenlernen": "Getting to know each other", "coaching": "Coaching"}
    assert all(description.startswith("A ") for description in descriptions)
    with translation.override("de"):
        assert coach.appointment_types.get(slug="kennenlernen").local_name == "Kennenlernen"


def test_a_later_run_moves_the_seminar_to_four_weeks_ahead_and_keeps_bookings_made_there():
    wednesday = datetime(2026, 5, 20, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    with time_machine.travel(wednesday, tick=False):
        call_command("demo")
    coach = Coach.objects.get(slug="demo")
    seminar = coach.blocked_periods.get()
    assert (seminar.first_day, seminar.last_day) == (date(2026, 6, 16), date(2026, 6, 18))
    # Booked in the demo meanwhile, on a day the next run's seminar covers.
    booking = BookingFactory(
        appointment_type=coach.appointment_types.get(slug="coaching"),
        start=datetime(2026, 6, 24, 10, tzinfo=ZoneInfo("Europe/Berlin")),
    )
    with time_machine.travel(wednesday + timedelta(days=7), tick=False):
        call_command("demo")
    moved = coach.blocked_periods.get()
    assert moved.pk == seminar.pk
    assert (moved.first_day, moved.last_day) == (date(2026, 6, 23), date(2026, 6, 25))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
