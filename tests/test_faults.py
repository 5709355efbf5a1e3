"""Faults, as tests (issue 9): a service fails in the middle of things, and nothing is lost,
half-written or sent twice.

(a) Redis stopped during a booking: test_a_* (a real web process, worker and redis-server).
(b) The database connection lost mid-request: test_b_* (PostgreSQL: the backend is terminated
    in the middle of the booking transaction; SQLite: the file stays locked).
(c) Gateway timeouts: test_c_* (a gateway that does not answer in time: the outcome is unknown,
    the message is not sent again by itself; the coach sends it again).
(d) An external ICS feed that hangs: test_d_* (a server that never answers, one that trickles).
(e) A worker killed: tests/scheduler/outbox/test_faults.py::test_worker_killed_in_the_middle_of_a_send
    (SIGKILL while the gateway holds the request: the row becomes "unknown", nothing is sent
    again until the coach asks) and tests/scheduler/outbox/test_crash.py (killed after the mail
    server accepted the message: never a second copy).
"""

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time as clock
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
import redis
from django.db import connection, transaction

from scheduler.channels.threema import GatewayBackend
from scheduler.models import AppointmentType, Booking, Client, ExternalCalendar, Notification
from scheduler.outbox.send import notification_send, notifications_sweep
from scheduler.outbox.write import notification_retry
from scheduler.services.booking import booking_create
from scheduler.services.booking_request import BookingRequest
from scheduler.services.external_calendars import external_calendars_import_all
from tests.factories import AppointmentTypeFactory, CoachFactory
from tests.helpers import BASE_DIR, database_url, free_port, stop_processes, wait_for
from tests.scheduler.outbox.helpers import FakeGateway, sweep_later, talk_a_week_ahead
from tests.scheduler.services.calendar_feed import EXPECTED, NOW, serve, stored

MESSAGE = "I would like to talk about my next step at work, please."
needs_redis_server = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


@pytest.fixture
def kind(db):
    return talk_a_week_ahead()


def api_body(kind, **changes) -> dict:
    return {
        "type": kind.slug,
        "start": kind.start.isoformat(),
        "name": "Eva",
        "email": "eva@example.org",
        "channel": "email",
        "language": "en",
        "message": MESSAGE,
        "privacy_consent": True,
        **changes,
    }


def form_body(kind) -> dict:
    return {
        "start": kind.start.isoformat(),
        "tz": "Europe/Berlin",
        "name": "Eva",
        "email": "eva@example.org",
        "channel": "email",
        "message": MESSAGE,
        "language": "en",
        "privacy_consent": "on",
        "website": "",
    }


def nothing_written() -> bool:
    return not (Booking.objects.exists() or Client.objects.exists() or Notification.objects.exists())


# --- (a) Redis stopped during a booking --------------------------------------------------


class RedisServer:
    """Our own redis-server on a free port, stopped and started again by the test (the
    shared one on 6379 serves other tests)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)

        def answers():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_for(answers, timeout=15, what="redis-server to start")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def own_redis():
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def start_web(transactional_db, tmp_path):
    """A real web process (gunicorn) on the test database; `start_web(**env)`."""
    processes = []

    def start(**extra_env):
        port = free_port()
        log_path = tmp_path / f"web-{len(processes)}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                cwd=BASE_DIR,
                env={**os.environ, "DATABASE_URL": database_url(), **extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        process.url = f"http://127.0.0.1:{port}"
        process.log_path = log_path

        def answers():
            if process.poll() is not None:
                pytest.fail("the web process exited:\n" + log_path.read_text())
            try:
                return httpx.get(process.url + "/healthz", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(answers, timeout=30, what="the web process to answer")
        return process

    yield start
    stop_processes(processes)


@pytest.mark.redis
@pytest.mark.worker
@needs_redis_server
def test_a_redis_stopped_during_a_booking_keeps_it_and_sends_its_messages_once_redis_is_back(
    kind, own_redis, start_web, start_worker, tmp_path
):
    """Redis is the broker and the cache (rate limits) of the web process and the worker.
    While it is down a booking is saved (201) with its messages pending; once it is back,
    the beat's sweeper queues them and the worker that lived through the outage sends
    each exactly once."""
    env = {
        "REDIS_URL": own_redis.url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    own_redis.start()
    web = start_web(**env)
    worker = start_worker(**env)
    wait_for(lambda: " ready." in worker.log_path.read_text(), timeout=30, what="the worker to be ready")

    own_redis.stop()
    assert httpx.get(web.url + "/healthz", timeout=30).json()["broker"].startswith("error")
    started = clock.monotonic()
    response = httpx.post(web.url + "/api/coaches/anna/bookings", json=api_body(kind), timeout=30)
    assert response.status_code == 201, response.text
    assert clock.monotonic() - started < 15  # the broker's retries are short
    booking = Booking.objects.get(token=response.json()["token"])
    assert booking.status == Booking.Status.CONFIRMED
    assert set(booking.notifications.values_list("status", flat=True)) == {Notification.Status.PENDING}
    log = web.log_path.read_text()
    assert "rate limit not checked" in log  # fail open, with a warning
    assert "could not queue" in log  # the outbox keeps the messages

    own_redis.start()
    sweep_later({**os.environ, "DATABASE_URL": database_url(), **env}, minutes=3)  # past REDISPATCH_AFTER

    def sent():
        if worker.poll() is not None:
            pytest.fail("the worker exited:\n" + worker.log_path.read_text())
        return booking.notifications.filter(status=Notification.Status.SENT).count() == 2

    wait_for(sent, timeout=90, what="both messages sent by the worker after Redis came back")
    assert sorted(booking.notifications.values_list("attempts", flat=True)) == [1, 1]
    mails = [path.read_text() for path in (tmp_path / "mail").iterdir()]
    recipients = sorted(re.search(r"^To: (.+)$", mail, re.M).group(1) for mail in mails)
    assert recipients == ["anna@example.org", "eva@example.org"]  # each message written once


@pytest.mark.parametrize("where", ["api", "page"])
def test_a_without_redis_the_rate_limit_lets_bookings_through(kind, client, cache_unreachable, caplog, where):
    """The cache is Redis too; a booking does not need it: the limit fails open, with a warning,
    and the API's copy of the type (keyed by the coaches' settings version) is not trusted."""
    if where == "api":
        response = client.post("/api/coaches/anna/bookings", api_body(kind), content_type="application/json")
        assert response.status_code == 201
    else:
        response = client.post("/anna/talk/", form_body(kind))
        assert response.status_code == 303 and response["Location"].startswith("/b/")
    assert Booking.objects.get().client.email == "eva@example.org"
    assert "rate limit not checked: the cache cannot be reached" in caplog.text


def test_a_without_redis_a_coach_still_saves_changes(
    kind, cache_unreachable, caplog, django_capture_on_commit_callbacks
):
    kind.name = "Erstgespräch"
    with django_capture_on_commit_callbacks(execute=True):
        kind.save()  # changes the coaches' settings version, which lives in the cache, after commit

    assert AppointmentType.objects.get(pk=kind.pk).name == "Erstgespräch"
    assert "coach settings version not changed: the cache cannot be reached" in caplog.text


# --- (b) The database connection lost mid-request ------------------------------------------


def lose_the_database_during(send):
    """Call `send()` (an HTTP request to the live server that books) and take the database
    away from it in the middle; return its response.

    PostgreSQL: the booking's transaction is held at its last write (the notifications'
    table is locked) and its backend is terminated from here, as a restart or a failover
    would. SQLite: another connection holds the write lock longer than the request waits."""
    if connection.vendor == "sqlite":
        locker = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            return send()
        finally:
            locker.execute("ROLLBACK")
            locker.close()

    with ThreadPoolExecutor(1) as pool:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Notification._meta.db_table} IN ACCESS EXCLUSIVE MODE")
            request = pool.submit(send)
            blocked = []

            def waiting_booking():
                if request.done():
                    pytest.fail(f"the request finished without waiting: {request.result()}")
                cursor.execute(
                    "SELECT pid FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
                    [Notification._meta.db_table],
                )
                blocked[:] = [row[0] for row in cursor.fetchall()]
                return len(blocked) == 1

            wait_for(waiting_booking, timeout=30, what="the booking to wait for the notifications table")
            # The booking is already written in that transaction when its connection goes.
            cursor.execute(
                "SELECT count(*) FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation"
                " WHERE pg_locks.pid = %s AND pg_class.relname = %s AND pg_locks.mode = 'RowExclusiveLock'",
                [blocked[0], Booking._meta.db_table],
            )
            assert cursor.fetchone()[0] == 1
            cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [blocked[0]])
        return request.result(timeout=30)


@pytest.fixture
def short_sqlite_wait():
    """The live server's SQLite connections give up on a lock after 1 s instead of 20 s."""
    if connection.vendor == "sqlite":
        options = connection.settings_dict["OPTIONS"]
        waited = options["timeout"]
        options["timeout"] = 1
        yield
        options["timeout"] = waited
    else:
        yield


def test_b_database_lost_mid_booking_on_the_page_is_a_clean_503(kind, live_server, short_sqlite_wait, caplog):
    with httpx.Client(base_url=live_server.url, timeout=30) as browser:
        page = browser.get("/anna/talk/", params={"start": kind.start.isoformat(), "tz": "Europe/Berlin"})
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        data = {**form_body(kind), "csrfmiddlewaretoken": token}
        headers = {"Referer": live_server.url + "/anna/talk/", "Accept-Language": "en"}

        response = lose_the_database_during(lambda: browser.post("/anna/talk/", data=data, headers=headers))

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert "Briefly unavailable" in response.text and "it was not saved" in response.text
        assert nothing_written()
        assert "database unavailable during POST /anna/talk/" in caplog.text
        # The next request has a database again, and the same booking goes through.
        again = browser.post("/anna/talk/", data=data, headers=headers)
    assert again.status_code == 303
    assert Booking.objects.count() == 1


def test_b_database_lost_mid_booking_in_the_api_is_a_clean_503(kind, live_server, short_sqlite_wait):
    url = live_server.url + "/api/coaches/anna/bookings"

    english = {"Accept-Language": "en"}
    response = lose_the_database_during(lambda: httpx.post(url, json=api_body(kind), headers=english, timeout=30))

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json() == {
        "detail": "The service is briefly unavailable. If you were sending something, it was not saved; "
        "please try again in a minute."
    }
    assert nothing_written()
    assert httpx.post(url, json=api_body(kind), timeout=30).status_code == 201


# --- (c) Gateway timeouts -----------------------------------------------------------


@pytest.fixture
def gateway(settings, monkeypatch):
    """The Threema Gateway, played by a local server that can hold requests (FakeGateway)."""
    server = FakeGateway()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CHANNEL_BACKENDS = {**settings.CHANNEL_BACKENDS, "threema": "scheduler.channels.threema.GatewayBackend"}
    settings.THREEMA_API_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.THREEMA_GATEWAY_ID, settings.THREEMA_GATEWAY_SECRET, settings.THREEMA_PRIVATE_KEY = "*SPRECHZ", "s3", ""
    monkeypatch.setattr(GatewayBackend, "timeout", 0.5)
    yield server
    server.hold.clear()
    server.shutdown()
    server.server_close()


def test_c_gateway_timeout_leaves_the_outcome_unknown_and_the_coach_sends_it_again(kind, gateway):
    """The Gateway took the request and did not answer in time: it may have the message,
    and it offers no idempotency key. So the message is not sent again by itself (that was
    a duplicate whenever the Gateway had delivered it); the coach sees "may not have
    arrived" and can send it again."""
    request = BookingRequest(
        start=kind.start,
        name="Eva",
        email="eva@example.org",
        channel="threema",
        threema_id="ABCD1234",
        message=MESSAGE,
        privacy_consent=True,
    )
    booking = booking_create(appointment_type=kind, request=request)
    row = booking.notifications.get(kind=Notification.Kind.CONFIRMED)
    gateway.hold.set()  # the gateway takes the request and does not answer

    started = clock.monotonic()
    assert notification_send(notification_id=row.pk) == "unknown"
    assert clock.monotonic() - started < 5  # bounded by the backend's timeout
    assert gateway.arrived.is_set() and gateway.delivered == []
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Notification.Status.UNKNOWN, 1)
    assert "may have arrived" in row.last_error
    assert notifications_sweep() == 0  # the sweeper does not send it either
    assert notification_send(notification_id=row.pk) == "skipped"

    gateway.hold.clear()
    with transaction.atomic():
        notification_retry(notification=row)  # the coach's "send again"
    assert notification_send(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.provider_message_id) == (Notification.Status.SENT, 1, "0123456789abcdef")
    assert len(gateway.delivered) == 1
    assert notification_send(notification_id=row.pk) == "skipped"  # never twice


# --- (d) An external ICS feed that hangs ----------------------------------------------


class HangingFeed:
    """A calendar server that accepts and then hangs: silent (never answers) or trickling
    (answers 200 and then one byte every 0.1 s, for ever)."""

    def __init__(self, behaviour: str):
        self.behaviour = behaviour
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/work.ics"
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        connections = []
        while not self.stopped.is_set():
            try:
                conn, _address = self.listener.accept()
                connections.append(conn)
                if self.behaviour == "trickling":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n")
            except TimeoutError:
                pass
            for conn in connections if self.behaviour == "trickling" else ():
                try:
                    conn.sendall(b"X")
                except OSError:
                    pass
        for conn in connections:
            conn.close()

    def stop(self):
        self.stopped.set()
        self.thread.join(5)
        self.listener.close()


@pytest.mark.parametrize("behaviour", ["silent", "trickling"])
def test_d_calendar_feed_that_hangs_times_out_and_keeps_the_last_good_data(db, settings, httpserver, behaviour):
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = True
    settings.CALENDAR_IMPORT_TIMEOUT = 0.5
    coach = CoachFactory(time_zone="Europe/Berlin", language="en")
    AppointmentTypeFactory(coach=coach, horizon=timedelta(days=28))
    calendar = ExternalCalendar.objects.create(coach=coach, name="Work", url=httpserver.url_for("/work.ics"))
    serve(httpserver)
    external_calendars_import_all(now=NOW)
    assert stored(calendar) == EXPECTED

    feed = HangingFeed(behaviour)
    try:
        ExternalCalendar.objects.filter(pk=calendar.pk).update(url=feed.url)
        later = NOW + timedelta(minutes=15)
        started = clock.monotonic()
        assert external_calendars_import_all(now=later) == len(EXPECTED)  # the beat job's service
        took = clock.monotonic() - started
    finally:
        feed.stop()

    assert took < 5  # 0.5 s without an answer; 3 × 0.5 s for the whole download
    calendar.refresh_from_db()
    assert calendar.last_error == "The calendar server did not answer in time."
    assert (calendar.last_attempt_at, calendar.last_success_at) == (later, NOW)
    assert stored(calendar) == EXPECTED  # the last good busy times still block slots
