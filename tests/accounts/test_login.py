import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from scheduler.cache_versions import AVAILABILITY_VERSION_KEY, versions_current
from scheduler.models import AppointmentType, Coach, WeeklyHours

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
    assert sorted(types["coaching"].allowed_channels) == ["email", "phone", "threema", "whatsapp"]
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
    before = versions_current([AVAILABILITY_VERSION_KEY])
    call_command("demo")  # the first run deletes no hours: only its bulk write adds them
    assert versions_current([AVAILABILITY_VERSION_KEY]) != before
