import os
import shutil
import subprocess
import sys
import uuid

import pytest
from django.core.servers.basehttp import WSGIServer

from tests.helpers import BASE_DIR, database_url, free_port, gpg, stop_processes

# Fixtures of their own modules: a real CalDAV server (tests/radicale.py).
pytest_plugins = ["tests.radicale"]

# The live test server accepts 10 waiting connections; the race tests open 50 at once.
WSGIServer.request_queue_size = 128

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """With REQUIRE_SERVICES set (make test-services, CI), a skipped test fails the run:
    a service test that did not run has not shown anything."""
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("REQUIRE_SERVICES") and skipped:
        terminalreporter.write_line(f"REQUIRE_SERVICES: {len(skipped)} test(s) skipped; failing the run.", red=True)
        config._require_services_failed = True


def pytest_sessionfinish(session, exitstatus):
    if getattr(session.config, "_require_services_failed", False) and exitstatus == 0:
        session.exitstatus = 1


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start real `celery worker` processes on the configured broker and the test
    database; `start_worker(**env)` adds environment variables. All are stopped after."""
    processes = []

    def start(**extra_env):
        env = {**os.environ, "DATABASE_URL": database_url(), **extra_env}
        log_path = tmp_path / f"worker-{len(processes)}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--loglevel=INFO",
                    "--without-mingle",
                    "--without-gossip",
                    "-n",
                    f"test-{uuid.uuid4().hex[:8]}@%h",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process.log_path = log_path
        processes.append(process)
        return process

    yield start
    stop_processes(processes)


@pytest.fixture
def celery_worker_process(start_worker):
    return start_worker()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the Django ORM calls
    # the tests make around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_york_page(browser):
    """A visitor in New York with an American English browser."""
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def english_by_default():
    """Tests read English messages unless they ask for German (requests choose by Accept-Language)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits and cached keys live in the cache: every test starts without them."""
    from django.core.cache import cache

    from scheduler.selectors import coaches

    cache.clear()
    # Each process keeps the coaches' ids by slug; a test's coach may have another id than
    # the previous test's of the same slug.
    coaches._coach_ids.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Hashing strength is not under test here; PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def openpgp_keys(tmp_path_factory):
    """Public keys made by real GnuPG: a usable one (its secret stays in `home` for
    decrypting), one that can only sign, one that expired, one that was revoked."""
    if not shutil.which("gpg"):
        pytest.skip("gpg is not installed (apt-get install gnupg)")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)

    def make(uid, usage="default", expires="never", faked_time=None):
        time_args = [f"--faked-system-time={faked_time}"] if faked_time else []
        gpg(home, *time_args, "--quick-gen-key", uid, "ed25519", "sign" if usage == "sign" else "default", expires)
        fingerprint = next(
            line.split(":")[9]
            for line in gpg(home, "--list-keys", "--with-colons", uid).decode().splitlines()
            if line.startswith("fpr:")
        )
        if usage != "sign":
            gpg(home, *time_args, "--quick-add-key", fingerprint, "cv25519", "encr", expires)
        return fingerprint

    make("Valid Client <valid@example.org>")
    make("Sign Only <sign@example.org>", usage="sign")
    make("Old Client <old@example.org>", expires="2020-06-01", faked_time="20200101T000000")
    revoked = make("Revoked Client <revoked@example.org>")
    revocation = (home / "openpgp-revocs.d" / f"{revoked}.rev").read_text().replace(":-----BEGIN", "-----BEGIN")
    (home / "revocation.asc").write_text(revocation)
    gpg(home, "--import", str(home / "revocation.asc"))
    # A current key whose only encryption subkey expired, and one whose subkey was revoked.
    primary = make("Stale Subkey <stale-subkey@example.org>", usage="sign", faked_time="20200101T000000")
    gpg(home, "--faked-system-time=20200101T000000", "--quick-add-key", primary, "cv25519", "encr", "2020-06-01")
    primary = make("Revoked Subkey <revoked-subkey@example.org>", usage="sign")
    gpg(home, "--quick-add-key", primary, "cv25519", "encr", "never")
    gpg(home, "--command-fd", "0", "--edit-key", primary, input=b"key 1\nrevkey\ny\n0\n\ny\nsave\n")

    def export(uid):
        return gpg(home, "--armor", "--export", uid).decode()

    yield {
        "home": home,
        "valid": export("valid@example.org"),
        "sign_only": export("sign@example.org"),
        "expired": export("old@example.org"),
        "revoked": export("revoked@example.org"),
        "subkey_expired": export("stale-subkey@example.org"),
        "subkey_revoked": export("revoked-subkey@example.org"),
    }
    # gpg started an agent for this home; do not leave it running.
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True)


@pytest.fixture
def coach(db):
    from tests.factories import CoachFactory

    return CoachFactory()


@pytest.fixture
def coach_client(client, coach):
    """A test client logged in as `coach`, for the workspace under /coach/."""
    client.force_login(coach.user)
    return client


@pytest.fixture
def cache_unreachable(settings):
    """The cache is a Redis server that is down."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nobody listens there
        }
    }


@pytest.fixture
def english_client(client):
    """The test client asks for pages in English (without Accept-Language they are German,
    the site's language). Modules of English pages use it for every test:
    `pytestmark = pytest.mark.usefixtures("english_client")`."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


class TaskQueue:
    """Stands in for the broker where scheduler/outbox/queue.py hands notifications to Celery.
    A test switches it while it runs, e.g. from `down()` to `send_at_once()` when "the broker
    is back"."""

    def __init__(self, monkeypatch):
        from scheduler import tasks

        self.monkeypatch = monkeypatch
        self.tasks = tasks
        self.ids = []

    def record(self) -> list:
        """Queued ids (at once and with a countdown) are kept in `ids`, nothing is sent."""
        self.monkeypatch.setattr(self.tasks.send_notifications, "delay", lambda ids: self.ids.extend(ids))
        self.monkeypatch.setattr(
            self.tasks.send_notification, "apply_async", lambda args, countdown=0: self.ids.append(args[0])
        )
        return self.ids

    def send_at_once(self) -> None:
        """A queued task runs at once, in this process, as a worker would."""
        self.monkeypatch.setattr(self.tasks.send_notifications, "delay", lambda ids: self.tasks.send_notifications(ids))

    def down(self) -> None:
        """The broker cannot be reached."""

        def broker_down(ids):
            raise ConnectionError("broker unreachable")

        self.monkeypatch.setattr(self.tasks.send_notifications, "delay", broker_down)


@pytest.fixture
def task_queue(monkeypatch):
    """The broker, replaced: see TaskQueue (use `dispatched` or `send_at_once` for one way
    through a whole test)."""
    return TaskQueue(monkeypatch)


@pytest.fixture
def dispatched(task_queue):
    """The ids of the notifications queued for sending; none is sent."""
    return task_queue.record()


@pytest.fixture
def send_at_once(task_queue):
    """A queued notification task runs at once, in this process, as a worker would."""
    task_queue.send_at_once()
