"""Import of external calendars (ICS feeds) as busy time, against a local HTTP server."""

import socket
import time as clock
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from werkzeug import Response

from scheduler import safe_http, tasks
from scheduler.ics import booking_uid
from scheduler.models import ExternalBusy, ExternalCalendar
from scheduler.selectors.slots import slots_bookable
from scheduler.services import external_calendars as calendar_import
from scheduler.services.external_calendars import external_calendar_import, external_calendars_import_all
from tests.factories import AppointmentTypeFactory, BookingFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN, free_port
from tests.scheduler.services.calendar_feed import EXPECTED, ICS, NOW, serve, stored, utc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def allow_local_server(settings):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = True
    settings.CALENDAR_IMPORT_TIMEOUT = 5


@pytest.fixture
def coach():
    return CoachFactory(time_zone="Europe/Berlin", language="en")


@pytest.fixture
def kind(coach):
    return AppointmentTypeFactory(
        coach=coach, duration=timedelta(minutes=30), slot_step=timedelta(minutes=30), horizon=timedelta(days=28)
    )


@pytest.fixture
def calendar(coach, kind, httpserver):
    return ExternalCalendar.objects.create(coach=coach, name="Work", url=httpserver.url_for("/work.ics"))


def test_feed_becomes_exact_busy_intervals(calendar, httpserver):
    serve(httpserver)

    assert external_calendar_import(calendar=calendar, now=NOW) == len(EXPECTED)

    assert stored(calendar) == EXPECTED
    calendar.refresh_from_db()
    assert calendar.last_success_at == NOW
    assert calendar.last_attempt_at == NOW
    assert calendar.last_error == ""
    assert all(busy.coach_id == calendar.coach_id for busy in calendar.busy.all())


def test_a_new_import_replaces_the_previous_intervals(calendar, httpserver):
    serve(httpserver)
    external_calendar_import(calendar=calendar, now=NOW)
    other = ExternalCalendar.objects.create(coach=calendar.coach, name="Private", url=calendar.url)
    ExternalBusy.objects.create(
        coach=calendar.coach, calendar=other, start=utc(2026, 3, 20, 9), end=utc(2026, 3, 20, 10)
    )
    httpserver.clear()
    serve(httpserver, body=ICS.replace("DTSTART:20260318T090000Z", "DTSTART:20260319T090000Z"))

    external_calendar_import(calendar=calendar, now=NOW)

    # The call moved by a day: its old time is gone …
    moved = (utc(2026, 3, 19, 9), utc(2026, 3, 19, 10), "utc@test@20260319T090000Z")
    assert stored(calendar) == sorted([*EXPECTED[:2], moved, *EXPECTED[3:]])
    # … and the other calendar's intervals were not touched.
    assert other.busy.count() == 1


def test_the_coachs_own_bookings_in_a_feed_are_not_busy(calendar, kind, httpserver):
    """A booking saved from its invitation into the calendar the feed comes from: it blocks
    its time already, and its copy would go on blocking the old time after a move."""
    booking = BookingFactory(appointment_type=kind, start=utc(2026, 3, 19, 9))
    other_coachs = BookingFactory(start=utc(2026, 3, 19, 13))
    extra = "".join(
        f"BEGIN:VEVENT\r\nUID:{booking_uid(b)}\r\nDTSTAMP:20260301T000000Z\r\n"
        f"DTSTART:{b.start:%Y%m%dT%H%M%SZ}\r\nDTEND:{b.end:%Y%m%dT%H%M%SZ}\r\nEND:VEVENT\r\n"
        for b in (booking, other_coachs)
    )
    serve(httpserver, body=ICS.replace("END:VCALENDAR", extra + "END:VCALENDAR"))

    external_calendar_import(calendar=calendar, now=NOW)

    mine = {busy.start for busy in calendar.busy.all()} - {start for start, _end, _uid in EXPECTED}
    assert mine == {other_coachs.start}


def monday(day):
    return datetime.combine(day, time(0), tzinfo=BERLIN)


def starts(kind, day):
    slots = slots_bookable(
        appointment_type=kind, range_start=monday(day), range_end=monday(day + timedelta(days=1)), now=NOW
    )
    return [slot.start.astimezone(BERLIN).strftime("%H:%M") for slot in slots]


def test_imported_busy_times_remove_slots(calendar, kind, httpserver):
    for weekday in range(5):
        WeeklyHoursFactory(coach=calendar.coach, weekday=weekday, start=time(9), end=time(12))
    serve(httpserver)
    all_starts = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert starts(kind, date(2026, 3, 16)) == all_starts

    external_calendar_import(calendar=calendar, now=NOW)

    # 10:00–11:00 Berlin on both sides of the change to summer time
    assert starts(kind, date(2026, 3, 16)) == ["09:00", "09:30", "11:00", "11:30"]
    assert starts(kind, date(2026, 3, 30)) == ["09:00", "09:30", "11:00", "11:30"]
    # the excluded date is free; the moved occurrence frees its old time
    assert starts(kind, date(2026, 3, 23)) == all_starts
    assert starts(kind, date(2026, 4, 6)) == all_starts
    # 18 March: the call 10:00–11:00 Berlin blocks; the free and the cancelled events do not
    assert starts(kind, date(2026, 3, 18)) == ["09:00", "09:30", "11:00", "11:30"]
    # the seminar's Friday is whole
    assert starts(kind, date(2026, 3, 27)) == all_starts


def test_unchanged_feed_is_not_downloaded_again(calendar, httpserver):
    seen = []

    def handler(request):
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(ICS, content_type="text/calendar", headers={"ETag": '"v1"'})

    httpserver.expect_request("/work.ics").respond_with_handler(handler)
    external_calendar_import(calendar=calendar, now=NOW)
    ids = sorted(calendar.busy.values_list("pk", flat=True))
    later = NOW + timedelta(minutes=15)

    assert external_calendar_import(calendar=calendar, now=later) == len(EXPECTED)

    assert seen == [None, '"v1"']
    assert sorted(calendar.busy.values_list("pk", flat=True)) == ids  # not rewritten
    calendar.refresh_from_db()
    assert calendar.last_success_at == later
    assert calendar.etag == '"v1"'

    # A day later the expansion window has moved: the body is asked for again.
    external_calendar_import(calendar=calendar, now=NOW + timedelta(days=1, minutes=1))
    assert seen[-1] is None


def test_last_modified_is_sent_back(calendar, httpserver):
    serve(httpserver, **{"Last-Modified": "Sun, 15 Mar 2026 10:00:00 GMT"})
    external_calendar_import(calendar=calendar, now=NOW)
    httpserver.clear()
    httpserver.expect_request(
        "/work.ics", headers={"If-Modified-Since": "Sun, 15 Mar 2026 10:00:00 GMT"}
    ).respond_with_data("", status=304)

    external_calendar_import(calendar=calendar, now=NOW + timedelta(minutes=15))

    httpserver.check_assertions()
    assert stored(calendar) == EXPECTED


def big_stream():
    yield "BEGIN:VCALENDAR\r\n"
    for _ in range(100):
        yield "X-PADDING:" + "x" * 65536 + "\r\n"


@pytest.mark.parametrize(
    ("respond", "error"),
    [
        (lambda server: server.respond_with_data("oops", status=500), "answered with error 500"),
        (lambda server: server.respond_with_data("<html>Login</html>"), "did not deliver a readable calendar"),
        (lambda server: server.respond_with_data("BEGIN:VCALENDAR\r\n" + "x" * (5 * 1024 * 1024)), "larger than 5 MB"),
        # no Content-Length: the limit is enforced while reading
        (lambda server: server.respond_with_response(Response(big_stream())), "larger than 5 MB"),
    ],
    ids=["server-error", "garbage", "too-large", "too-large-streamed"],
)
def test_broken_feed_keeps_the_last_good_intervals(calendar, httpserver, respond, error):
    serve(httpserver)
    external_calendar_import(calendar=calendar, now=NOW)
    httpserver.clear()
    respond(httpserver.expect_request("/work.ics"))
    later = NOW + timedelta(minutes=15)

    assert external_calendar_import(calendar=calendar, now=later) == len(EXPECTED)

    assert stored(calendar) == EXPECTED
    calendar.refresh_from_db()
    assert error in calendar.last_error
    assert calendar.last_attempt_at == later
    assert calendar.last_success_at == NOW


def test_success_clears_the_error(calendar, httpserver):
    httpserver.expect_oneshot_request("/work.ics").respond_with_data("oops", status=503)
    serve(httpserver)
    external_calendar_import(calendar=calendar, now=NOW)
    calendar.refresh_from_db()
    assert calendar.last_error

    external_calendar_import(calendar=calendar, now=NOW + timedelta(minutes=15))

    calendar.refresh_from_db()
    assert calendar.last_error == ""
    assert stored(calendar) == EXPECTED


def test_unreachable_server_is_a_clear_error(calendar, httpserver):
    calendar.url = f"http://127.0.0.1:{free_port()}/work.ics"  # a port nobody listens on
    calendar.save()

    assert external_calendar_import(calendar=calendar, now=NOW) == 0

    calendar.refresh_from_db()
    assert calendar.last_error == "The calendar server could not be reached."


def test_redirects_are_followed_up_to_three(calendar, httpserver):
    for hop in range(3):
        httpserver.expect_request(f"/hop{hop}").respond_with_data(
            "", status=302, headers={"Location": f"/hop{hop + 1}" if hop < 2 else "/work.ics"}
        )
    serve(httpserver)
    calendar.url = httpserver.url_for("/hop0")
    calendar.save()

    assert external_calendar_import(calendar=calendar, now=NOW) == len(EXPECTED)

    httpserver.expect_request("/hop-1").respond_with_data("", status=301, headers={"Location": "/hop0"})
    calendar.url = httpserver.url_for("/hop-1")
    calendar.save()
    external_calendar_import(calendar=calendar, now=NOW)
    calendar.refresh_from_db()
    assert calendar.last_error == "The calendar address redirects too often."


def test_one_broken_calendar_does_not_stop_the_others(calendar, coach, httpserver, monkeypatch):
    serve(httpserver)
    httpserver.expect_request("/broken.ics").respond_with_data("oops", status=500)
    broken = ExternalCalendar.objects.create(coach=coach, name="Broken", url=httpserver.url_for("/broken.ics"))
    inactive = ExternalCalendar.objects.create(coach=coach, name="Old", url=calendar.url, active=False)

    assert external_calendars_import_all(now=NOW) == len(EXPECTED)

    broken.refresh_from_db()
    inactive.refresh_from_db()
    assert "error 500" in broken.last_error
    assert inactive.last_attempt_at is None
    assert stored(calendar) == EXPECTED

    # Even a bug of ours in one calendar leaves the others alone.
    real = calendar_import.external_calendar_import

    def explode(*, calendar, now=None):
        if calendar.pk == broken.pk:
            raise RuntimeError("bug")
        return real(calendar=calendar, now=now)

    monkeypatch.setattr(calendar_import, "external_calendar_import", explode)
    assert external_calendars_import_all(now=NOW) == len(EXPECTED)
    broken.refresh_from_db()
    assert broken.last_error == "The calendar could not be imported because of an error on our side."


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "169.254.169.254", "10.1.2.3", "0.0.0.0"])
def test_private_addresses_are_refused(calendar, httpserver, settings, host):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = False
    serve(httpserver)
    calendar.url = f"http://{host}:{httpserver.port}/work.ics"
    calendar.save()

    assert external_calendar_import(calendar=calendar, now=NOW) == 0

    assert httpserver.log == []  # no request reached the server
    calendar.refresh_from_db()
    assert "private or local network" in calendar.last_error
    assert calendar.last_success_at is None


def test_localhost_without_port_is_refused(calendar, settings):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = False
    calendar.url = "http://localhost/"
    calendar.save()

    external_calendar_import(calendar=calendar, now=NOW)

    calendar.refresh_from_db()
    assert "private or local network" in calendar.last_error


def test_each_redirect_is_checked_again(calendar, httpserver, settings, monkeypatch):
    """A public address that redirects into the private network is refused at the hop."""
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = False
    real_getaddrinfo = socket.getaddrinfo
    names = {"calendar.example": "127.0.0.1", "intranet.example": "10.0.0.1"}

    def getaddrinfo(host, port, *args, **kwargs):
        return real_getaddrinfo(names.get(host, host), port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    # The local server stands in for a public one.
    monkeypatch.setattr(safe_http, "_forbidden", lambda address: address != "127.0.0.1")
    httpserver.expect_request("/work.ics").respond_with_data(
        "", status=302, headers={"Location": f"http://intranet.example:{httpserver.port}/secret"}
    )
    calendar.url = f"http://calendar.example:{httpserver.port}/work.ics"
    calendar.save()

    external_calendar_import(calendar=calendar, now=NOW)

    assert [request.path for request, _ in httpserver.log] == ["/work.ics"]
    calendar.refresh_from_db()
    assert "private or local network" in calendar.last_error


def test_other_schemes_are_refused(calendar):
    calendar.url = "file:///etc/passwd"
    with pytest.raises(ValidationError) as raised:
        calendar.full_clean()
    assert "url" in raised.value.message_dict
    calendar.save()

    assert external_calendar_import(calendar=calendar, now=NOW) == 0

    calendar.refresh_from_db()
    assert calendar.last_error == "Give an address that starts with http:// or https://."


@pytest.mark.parametrize("url", ["ftp://example.org/cal.ics", "javascript:alert(1)"])
def test_clean_accepts_only_http(coach, url):
    with pytest.raises(ValidationError):
        ExternalCalendar(coach=coach, name="x", url=url).full_clean()
    ExternalCalendar(coach=coach, name="x", url="https://example.org/cal.ics").full_clean()


def test_task_calls_the_service(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "external_calendars_import_all", lambda **kwargs: calls.append(kwargs) or 7)

    assert tasks.import_external_calendars() == 7

    assert calls == [{}]


def test_a_name_that_changes_its_address_after_the_check_is_refused(calendar, httpserver, settings, monkeypatch):
    """DNS rebinding: the connection is made only to addresses checked at connection time."""
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = False
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1"])  # public for the check, local for the connection

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "rebind.example":
            host = next(answers)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    serve(httpserver)
    calendar.url = f"http://rebind.example:{httpserver.port}/work.ics"
    calendar.save()

    external_calendar_import(calendar=calendar, now=NOW)

    assert httpserver.log == []
    calendar.refresh_from_db()
    assert "private or local network" in calendar.last_error


def test_a_server_that_does_not_answer_in_time(calendar, httpserver, settings):
    settings.CALENDAR_IMPORT_TIMEOUT = 0.3

    def slow(request):
        clock.sleep(1)
        return Response(ICS, content_type="text/calendar")

    httpserver.expect_request("/work.ics").respond_with_handler(slow)

    external_calendar_import(calendar=calendar, now=NOW)

    calendar.refresh_from_db()
    assert calendar.last_error == "The calendar server did not answer in time."
