"""A real CalDAV server for the tests: Radicale (PyPI), started as its own process on a
free loopback port, its storage in the test's temporary folder, with htpasswd logins in
"plain" encryption so a wrong password is refused as a real server refuses it.

`radicale` (the fixture) is running, with one user and an empty calendar of the test's
own at `calendar_url`; `stop()` and `start()` take it down and bring it back on the same
port with the same storage (the outbox's retries are tested across that). One server
serves the whole session (starting one takes a second); a test that stopped it finds it
started again for the next."""

import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port, stop_processes

USERNAME = "coach"
PASSWORD = "app-password-1"

CONFIG = """\
[server]
hosts = 127.0.0.1:{port}
[auth]
type = htpasswd
htpasswd_filename = {htpasswd}
htpasswd_encryption = plain
# A wrong password is answered at once (the default waits a second).
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = {storage}
[logging]
level = warning
"""

MKCALENDAR = b"""<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>Sprechzeit test</D:displayname></D:prop></D:set>
</C:mkcalendar>"""


class Radicale:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.calendar_url = ""  # each test's own (calendar_new)
        self.logins_reset()
        self.config = folder / "config"
        self.config.write_text(CONFIG.format(port=self.port, htpasswd=folder / "htpasswd", storage=folder / "storage"))
        self.process: subprocess.Popen | None = None

    @property
    def auth(self) -> tuple[str, str]:
        return (self.username, self.password)

    def start(self) -> None:
        """Start the server and wait until it answers (at most 20 s)."""
        log = open(self.folder / "radicale.log", "ab")  # the process keeps its own handle
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(self.config)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/.web/", timeout=1)
                return
            except httpx.TransportError:
                if self.process.poll() is not None:
                    raise RuntimeError((self.folder / "radicale.log").read_text()) from None
                time.sleep(0.05)
        raise RuntimeError("Radicale did not start")

    def stop(self) -> None:
        if self.process is not None:
            stop_processes([self.process])
            self.process = None

    def logins_reset(self) -> None:
        """The one user with its password, whatever a test changed (Radicale reads the file anew)."""
        self.username, self.password = USERNAME, PASSWORD
        (self.folder / "htpasswd").write_text(f"{USERNAME}:{PASSWORD}\n")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def calendar_new(self) -> None:
        """An empty calendar of its own, at `calendar_url` from now on."""
        self.calendar_url = f"{self.url}/{USERNAME}/calendar-{uuid.uuid4().hex[:12]}/"
        response = httpx.request("MKCALENDAR", self.calendar_url, content=MKCALENDAR, auth=self.auth, timeout=10)
        response.raise_for_status()

    def events(self) -> list[str]:
        """The calendar's events as the server stores them (one text per .ics resource),
        read back with the caldav library, as another CalDAV client would."""
        import caldav

        with caldav.DAVClient(url=self.calendar_url, username=self.username, password=self.password) as client:
            calendar = client.calendar(url=self.calendar_url)
            return [event.data for event in calendar.events()]


@pytest.fixture(scope="session")
def radicale_server(tmp_path_factory):
    server = Radicale(tmp_path_factory.mktemp("radicale"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def radicale(radicale_server, settings):
    """The running Radicale with an empty calendar of this test; the app may reach it on loopback."""
    settings.CALENDAR_IMPORT_ALLOW_PRIVATE = True
    if not radicale_server.running:
        radicale_server.start()
    radicale_server.logins_reset()
    radicale_server.calendar_new()
    yield radicale_server
    if not radicale_server.running:
        radicale_server.start()
