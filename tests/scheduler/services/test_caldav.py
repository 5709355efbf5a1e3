"""The coach's CalDAV calendar against a real Radicale (tests/radicale.py): connecting it
with the password encrypted, refusals that store nothing, busy times read with the ICS
import's rules, the coach's own bookings never read back as busy, failures the coach
reads, and the passwords encrypted again under a new key."""

import base64
import logging
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from scheduler import field_encryption
from scheduler.ics import booking_uid
from scheduler.models import ExternalBusy, ExternalCalendar, Notification
from scheduler.services.caldav import (
    SeveralCalendars,
    caldav_calendar_connect,
    caldav_calendar_disconnect,
    caldav_passwords_reencrypt,
)
from scheduler.services.external_calendars import external_calendar_import, external_calendars_import_all
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, NotificationFactory
from tests.radicale import MKCALENDAR
from tests.scheduler.services.calendar_feed import EXPECTED, ICS, NOW, stored, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach():
    coach = CoachFactory(time_zone="Europe/Berlin", language="en")
    AppointmentTypeFactory(coach=coach, horizon=timedelta(days=28))
    return coach


def connect(coach, radicale, **changes):
    login = {"url": radicale.calendar_url, "username": radicale.username, "password": radicale.password}
    return caldav_calendar_connect(coach=coach, **{**login, **changes})


def put(radicale, name: str, *events: str) -> None:
    """One calendar resource holding `events` (VEVENT texts of one UID), as a calendar app stores it."""
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n" + "".join(events) + "END:VCALENDAR\r\n"
    response = httpx.put(
        f"{radicale.calendar_url}{name}.ics",
        content=body.encode(),
        headers={"Content-Type": "text/calendar"},
        auth=radicale.auth,
        timeout=10,
    )
    response.raise_for_status()


def event(uid: str, start: datetime, end: datetime, *extra: str) -> str:
    lines = [f"UID:{uid}", "DTSTAMP:20260301T000000Z", f"DTSTART:{start:%Y%m%dT%H%M%SZ}"]
    lines += [f"DTEND:{end:%Y%m%dT%H%M%SZ}", "SUMMARY:Busy", *extra]
    return "BEGIN:VEVENT\r\n" + "".join(line + "\r\n" for line in lines) + "END:VEVENT\r\n"


def put_feed(radicale) -> None:
    """The ICS import's test feed (calendar_feed.ICS), one resource per UID as CalDAV keeps it."""
    body = ICS.replace("\r\n", "\n")
    timezone_part = body[body.index("BEGIN:VTIMEZONE") : body.index("END:VTIMEZONE") + len("END:VTIMEZONE\n")]
    by_uid = {}
    for chunk in body.split("BEGIN:VEVENT\n")[1:]:
        text = "BEGIN:VEVENT\n" + chunk[: chunk.index("END:VEVENT\n") + len("END:VEVENT\n")]
        uid = next(line[4:] for line in text.splitlines() if line.startswith("UID:"))
        by_uid.setdefault(uid, []).append(text)
    for number, events in enumerate(by_uid.values()):
        put(radicale, f"feed-{number}", (timezone_part + "".join(events)).replace("\n", "\r\n"))


# --- connecting ---------------------------------------------------------------------


def test_connecting_stores_the_calendar_with_its_password_encrypted(coach, radicale):
    calendar = connect(coach, radicale)

    calendar.refresh_from_db()
    assert calendar.kind == ExternalCalendar.Kind.CALDAV
    assert calendar.name == "Sprechzeit test"  # the calendar's display name on the server
    assert (calendar.url, calendar.username) == (radicale.calendar_url, radicale.username)
    assert calendar.active and calendar.last_error == ""
    assert radicale.password not in calendar.password_encrypted
    assert field_encryption.decrypt(calendar.password_encrypted) == radicale.password


def test_the_coach_may_name_the_calendar(coach, radicale):
    assert connect(coach, radicale, name="Praxis").name == "Praxis"


def test_a_wrong_password_is_refused_and_nothing_is_stored(coach, radicale):
    with pytest.raises(ValidationError) as refused:
        connect(coach, radicale, password="wrong")

    assert refused.value.messages == ["The calendar refused the user name or password."]
    assert not ExternalCalendar.objects.exists()


def test_an_address_that_is_no_calendar_is_refused(coach, radicale):
    with pytest.raises(ValidationError) as refused:
        connect(coach, radicale, url=f"{radicale.url}/{radicale.username}/nothing-here/")

    assert refused.value.messages == ["No calendar at this address."]
    assert not ExternalCalendar.objects.exists()


def test_the_servers_address_with_several_calendars_asks_which_one(coach, radicale):
    other = other_calendar(radicale)

    with pytest.raises(SeveralCalendars) as several:
        connect(coach, radicale, url=radicale.url)

    found = dict(several.value.calendars)
    assert found[radicale.calendar_url] == "Sprechzeit test" and found[other] == "Other"
    assert not ExternalCalendar.objects.exists()
    assert connect(coach, radicale, url=other).url == other  # the one chosen


def test_the_servers_address_with_one_calendar_connects_that_calendar(coach, radicale):
    """As for iCloud, whose users know only https://caldav.icloud.com/."""
    (radicale.folder / "htpasswd").write_text(f"{radicale.username}:{radicale.password}\nsolo:solo-password\n")
    solo = f"{radicale.url}/solo/praxis/"
    body = MKCALENDAR.replace(b"Sprechzeit test", b"Praxis")
    httpx.request("MKCALENDAR", solo, content=body, auth=("solo", "solo-password"), timeout=10).raise_for_status()

    calendar = connect(coach, radicale, url=radicale.url + "/", username="solo", password="solo-password")

    assert (calendar.url, calendar.name, calendar.username) == (solo, "Praxis", "solo")


def test_an_address_that_is_not_http_is_refused_before_the_server_is_asked(coach, radicale):
    with pytest.raises(ValidationError) as refused:
        connect(coach, radicale, url="ftp://example.org/calendar/")

    assert "url" in refused.value.message_dict
    assert not ExternalCalendar.objects.exists()


def test_connecting_again_replaces_the_login_of_the_one_calendar(coach, radicale):
    first = connect(coach, radicale)
    (radicale.folder / "htpasswd").write_text(f"{radicale.username}:new-app-password\n")

    again = connect(coach, radicale, password="new-app-password")

    assert again.pk == first.pk
    assert ExternalCalendar.objects.filter(coach=coach).count() == 1
    again.refresh_from_db()
    assert field_encryption.decrypt(again.password_encrypted) == "new-app-password"


def other_calendar(radicale) -> str:
    """Another calendar of the same account, named "Other"."""
    url = f"{radicale.url}/{radicale.username}/other-{uuid.uuid4().hex[:12]}/"
    body = MKCALENDAR.replace(b"Sprechzeit test", b"Other")
    httpx.request("MKCALENDAR", url, content=body, auth=radicale.auth, timeout=10).raise_for_status()
    return url


def test_a_new_password_keeps_the_name_the_coach_gave_another_calendar_takes_its_own(coach, radicale):
    connect(coach, radicale, name="Praxis")
    assert connect(coach, radicale).name == "Praxis"

    assert connect(coach, radicale, url=other_calendar(radicale)).name == "Other"


def test_connecting_another_calendar_forgets_the_busy_times_of_the_old_one(coach, radicale):
    calendar = connect(coach, radicale)
    ExternalBusy.objects.create(coach=coach, calendar=calendar, start=NOW, end=NOW + timedelta(hours=1))
    again = connect(coach, radicale, url=other_calendar(radicale))

    assert again.pk == calendar.pk
    assert not ExternalBusy.objects.exists()


def test_without_an_encryption_key_in_production_nothing_is_connected(coach, radicale, settings):
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEY = []

    with pytest.raises(ValidationError) as refused:
        connect(coach, radicale)

    assert "the encryption of stored passwords is not set up" in refused.value.messages[0]
    assert not ExternalCalendar.objects.exists()


def test_neither_the_password_nor_the_authorization_header_is_logged(coach, radicale, caplog):
    caplog.set_level(logging.DEBUG)
    calendar = connect(coach, radicale)
    external_calendar_import(calendar=calendar)
    with pytest.raises(ValidationError):
        connect(coach, radicale, password="wrong-secret-typed")
    radicale.stop()
    external_calendar_import(calendar=calendar)

    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert caplog.records  # the requests were logged …
    secrets = [radicale.password, "wrong-secret-typed", "Authorization"]
    for password in (radicale.password, "wrong-secret-typed"):
        secrets.append(base64.b64encode(f"{radicale.username}:{password}".encode()).decode())
    for secret in secrets:
        assert secret not in logged  # … without what opens the calendar


def test_disconnecting_forgets_the_calendar_and_its_busy_times(coach, radicale):
    calendar = connect(coach, radicale)
    put(radicale, "a", event("a@test", NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1)))
    external_calendar_import(calendar=calendar, now=NOW)
    assert ExternalBusy.objects.count() == 1

    caldav_calendar_disconnect(calendar=calendar)

    assert not ExternalCalendar.objects.exists() and not ExternalBusy.objects.exists()
    assert len(radicale.events()) == 1  # the coach's own events stay in their calendar


def test_writes_to_a_disconnected_calendar_are_no_longer_needed(coach, radicale):
    calendar = connect(coach, radicale)
    booking = BookingFactory(appointment_type=coach.appointment_types.get(), start=NOW + timedelta(days=400))
    rows = {
        status: NotificationFactory(
            booking=booking,
            kind=Notification.Kind.CALENDAR_ENTRY,
            audience=Notification.Audience.COACH,
            channel="caldav",
            recipient=str(calendar.pk),
            status=status,
        )
        for status in ("pending", "failed", "sent")
    }

    caldav_calendar_disconnect(calendar=calendar)

    for status, row in rows.items():
        row.refresh_from_db()
        assert row.status == ("sent" if status == "sent" else "obsolete")


# --- busy times ---------------------------------------------------------------------


def test_busy_times_follow_the_rules_of_the_ics_import(coach, radicale):
    """The ICS import's test feed, stored in Radicale: the same intervals (recurrences with
    an exception and a moved occurrence, all-day across the change to summer time, floating
    time in the coach's zone; free, cancelled and far events not)."""
    calendar = connect(coach, radicale)
    put_feed(radicale)

    assert external_calendar_import(calendar=calendar, now=NOW) == len(EXPECTED)

    assert stored(calendar) == EXPECTED
    calendar.refresh_from_db()
    assert calendar.last_success_at == NOW and calendar.last_error == ""


def test_free_cancelled_and_all_day_events(coach, radicale):
    calendar = connect(coach, radicale)
    start = NOW + timedelta(days=2)
    put(radicale, "busy", event("busy@test", start, start + timedelta(hours=1)))
    put(radicale, "free", event("free@test", start, start + timedelta(hours=1), "TRANSP:TRANSPARENT"))
    put(radicale, "cancelled", event("cancelled@test", start, start + timedelta(hours=1), "STATUS:CANCELLED"))
    day = (
        "BEGIN:VEVENT\r\nUID:day@test\r\nDTSTAMP:20260301T000000Z\r\nDTSTART;VALUE=DATE:20260320\r\n"
        "SUMMARY:Workshop\r\nEND:VEVENT\r\n"
    )
    put(radicale, "day", day)

    external_calendar_import(calendar=calendar, now=NOW)

    assert [(busy.start, busy.end) for busy in calendar.busy.order_by("start")] == [
        (start, start + timedelta(hours=1)),
        # 20 March, midnight to midnight in Berlin (an all-day event without end is one day)
        (utc(2026, 3, 19, 23), utc(2026, 3, 20, 23)),
    ]


def test_the_coachs_own_bookings_are_not_read_back_as_busy(coach, radicale):
    calendar = connect(coach, radicale)
    start = NOW + timedelta(days=3)
    booking = BookingFactory(appointment_type=coach.appointment_types.get(), start=start)
    put(radicale, "booking", event(booking_uid(booking), start, start + timedelta(minutes=30)))
    # Another coach's booking on this site, and a UID that only looks like ours, are busy.
    other = BookingFactory(start=start + timedelta(hours=2))
    put(radicale, "other", event(booking_uid(other), other.start, other.end))
    lookalike = booking_uid(booking).replace(str(booking.uuid), "not-a-uuid")
    put(radicale, "lookalike", event(lookalike, start + timedelta(hours=4), start + timedelta(hours=5)))

    assert external_calendar_import(calendar=calendar, now=NOW) == 2

    assert sorted(busy.start for busy in calendar.busy.all()) == [other.start, start + timedelta(hours=4)]


def test_the_schedule_reads_the_caldav_calendar_with_the_ics_feeds(coach, radicale):
    calendar = connect(coach, radicale)
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    put(radicale, "a", event("a@test", soon, soon + timedelta(hours=1)))

    assert external_calendars_import_all() == 1

    assert calendar.busy.get().start == soon


def test_a_password_changed_on_the_server_is_told_to_the_coach_and_the_old_busy_times_stay(coach, radicale):
    calendar = connect(coach, radicale)
    put(radicale, "a", event("a@test", NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1)))
    external_calendar_import(calendar=calendar, now=NOW)
    (radicale.folder / "htpasswd").write_text(f"{radicale.username}:changed\n")

    assert external_calendar_import(calendar=calendar, now=NOW + timedelta(minutes=15)) == 1

    calendar.refresh_from_db()
    assert calendar.last_error == "The calendar refused the user name or password."
    assert calendar.last_attempt_at == NOW + timedelta(minutes=15) and calendar.last_success_at == NOW


def test_a_server_that_is_down_is_told_to_the_coach_in_their_language(coach, radicale):
    coach.language = "de"
    coach.save()
    calendar = connect(coach, radicale)
    radicale.stop()

    external_calendar_import(calendar=calendar, now=NOW)

    calendar.refresh_from_db()
    with translation.override("de"):
        assert calendar.last_error == gettext("The calendar server did not answer.")


def test_a_password_no_key_opens_asks_the_coach_to_connect_again(coach, radicale, settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    calendar = connect(coach, radicale)
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    external_calendar_import(calendar=calendar, now=NOW)

    calendar.refresh_from_db()
    assert calendar.last_error == (
        "The stored password of this calendar can no longer be read. Please connect the calendar again."
    )


# --- key rotation -------------------------------------------------------------------


def test_passwords_are_encrypted_again_with_the_new_key(coach, radicale, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [old]
    calendar = connect(coach, radicale)
    settings.FIELD_ENCRYPTION_KEY = [new, old]

    assert caldav_passwords_reencrypt() == (1, [])

    settings.FIELD_ENCRYPTION_KEY = [new]
    calendar.refresh_from_db()
    assert field_encryption.decrypt(calendar.password_encrypted) == radicale.password
    put(radicale, "a", event("a@test", NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1)))
    assert external_calendar_import(calendar=calendar, now=NOW) == 1


def test_a_password_no_key_opens_is_reported_not_lost(coach, radicale, settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    calendar = connect(coach, radicale)
    before = ExternalCalendar.objects.get().password_encrypted
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]

    assert caldav_passwords_reencrypt() == (0, [calendar])

    assert ExternalCalendar.objects.get().password_encrypted == before


# --- the bookings go into it --------------------------------------------------------


def test_connecting_writes_the_coachs_coming_bookings_into_the_calendar(
    coach, radicale, settings, send_at_once, django_capture_on_commit_callbacks
):
    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "caldav": "scheduler.channels.caldav.CaldavBackend"}
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    booking = BookingFactory(appointment_type=coach.appointment_types.get(), start=start)
    BookingFactory(appointment_type=coach.appointment_types.get(), start=start - timedelta(days=4))  # past

    with django_capture_on_commit_callbacks(execute=True):
        calendar = connect(coach, radicale)

    row = Notification.objects.get(kind=Notification.Kind.CALENDAR_ENTRY)
    assert (row.booking, row.channel, row.recipient) == (booking, "caldav", str(calendar.pk))
    events = radicale.events()
    assert len(events) == 1 and f"UID:{booking_uid(booking)}" in events[0]
    # … and is not read back as busy: the booking blocks its time already.
    assert external_calendar_import(calendar=calendar) == 0
