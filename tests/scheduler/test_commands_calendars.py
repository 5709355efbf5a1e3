"""The calendar commands: connectcalendar, synccalendars and rotatefieldkey, against a real
Radicale and a local ICS server."""

import io
from datetime import UTC, datetime, timedelta
from unittest import mock

import httpx
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from scheduler import field_encryption
from scheduler.models import ExternalCalendar
from tests.factories import AppointmentTypeFactory, CoachFactory
from tests.scheduler.services.calendar_feed import serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach():
    coach = CoachFactory(slug="anna", language="en")
    AppointmentTypeFactory(coach=coach, horizon=timedelta(days=28))
    return coach


def run(*args, stdin: str = "") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch("sys.stdin", io.StringIO(stdin)):
        call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def put_event(radicale, name: str, start: datetime) -> None:
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{name}@test\r\nDTSTAMP:20260301T000000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    httpx.put(f"{radicale.calendar_url}{name}.ics", content=body, auth=radicale.auth, timeout=10).raise_for_status()


def connect_args(radicale, *extra):
    return ("connectcalendar", "anna", "--caldav", radicale.calendar_url, "--username", radicale.username, *extra)


def soon() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def test_connectcalendar_connects_and_reads_the_busy_times(coach, radicale):
    put_event(radicale, "a", soon())

    out, _err = run(*connect_args(radicale, "--password", radicale.password))

    calendar = ExternalCalendar.objects.get(coach=coach)
    assert calendar.kind == ExternalCalendar.Kind.CALDAV and calendar.name == "Sprechzeit test"
    assert field_encryption.decrypt(calendar.password_encrypted) == radicale.password
    assert f"Connected “Sprechzeit test” ({radicale.calendar_url}) for anna." in out
    assert "Busy times read: 1." in out
    assert radicale.password not in out


def test_connectcalendar_reads_the_password_from_standard_input_when_not_given(coach, radicale):
    run(*connect_args(radicale, "--name", "Praxis"), stdin=radicale.password + "\n")

    calendar = ExternalCalendar.objects.get(coach=coach)
    assert calendar.name == "Praxis"
    assert field_encryption.decrypt(calendar.password_encrypted) == radicale.password


def test_connectcalendar_with_a_wrong_password_fails_and_stores_nothing(coach, radicale):
    with pytest.raises(CommandError, match="The calendar refused the user name or password."):
        run(*connect_args(radicale, "--password", "wrong"))

    assert not ExternalCalendar.objects.exists()


def test_connectcalendar_lists_the_calendars_at_a_servers_address(coach, radicale):
    with pytest.raises(CommandError, match="calendars at this address; give one with --caldav:") as several:
        run("connectcalendar", "anna", "--caldav", radicale.url, "--username", "coach", "--password", radicale.password)

    assert f"“Sprechzeit test” {radicale.calendar_url}" in str(several.value)
    assert not ExternalCalendar.objects.exists()


def test_connectcalendar_names_an_unknown_coach(db, radicale):
    with pytest.raises(CommandError, match="No coach with the address 'anna'"):
        run(*connect_args(radicale, "--password", radicale.password))


def test_synccalendars_reads_every_calendar_and_says_how_many_busy_times(coach, radicale, httpserver, settings):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = True
    run(*connect_args(radicale, "--password", radicale.password))
    put_event(radicale, "a", soon())
    put_event(radicale, "b", soon() + timedelta(hours=2))
    feed = ExternalCalendar.objects.create(coach=coach, name="Family", url=httpserver.url_for("/work.ics"))
    serve(httpserver, body=_one_event_feed(soon() + timedelta(days=1)))

    out, err = run("synccalendars")

    assert "anna: “Sprechzeit test” (caldav): 2 busy times" in out
    assert "anna: “Family” (ics): 1 busy time\n" in out
    assert "3 busy times in all." in out
    assert err == ""
    assert feed.busy.count() == 1


def test_synccalendars_fails_when_a_calendar_could_not_be_read(coach, radicale):
    run(*connect_args(radicale, "--password", radicale.password))
    put_event(radicale, "a", soon())
    run("synccalendars")
    radicale.stop()

    out = io.StringIO()
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 calendar\(s\) could not be read."):
        call_command("synccalendars", stdout=out, stderr=err)

    assert "failed: The calendar server did not answer. (keeps 1 busy time)" in err.getvalue()
    assert ExternalCalendar.objects.get().busy.count() == 1


def test_rotatefieldkey_encrypts_the_passwords_with_the_new_key(coach, radicale, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [old]
    run(*connect_args(radicale, "--password", radicale.password))
    settings.FIELD_ENCRYPTION_KEY = [new, old]

    out, _err = run("rotatefieldkey")

    assert "1 password(s) encrypted with the first key." in out
    settings.FIELD_ENCRYPTION_KEY = [new]
    assert field_encryption.decrypt(ExternalCalendar.objects.get().password_encrypted) == radicale.password


def test_rotatefieldkey_names_the_calendars_no_key_opens(coach, radicale, settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    run(*connect_args(radicale, "--password", radicale.password))
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    err = io.StringIO()
    with pytest.raises(CommandError, match="must be connected again"):
        call_command("rotatefieldkey", stdout=io.StringIO(), stderr=err)
    assert "anna: “Sprechzeit test”: no key opens its password." in err.getvalue()


def _one_event_feed(start: datetime) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:family@test\r\n"
        f"DTSTAMP:20260301T000000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
