"""Plain helpers the test modules share: the project's directory and time zone, ports, other
processes (Python, GnuPG, the test database's URL), waiting, threads that start together, and
the second factor's current code. Fixtures live in the conftest.py files; nothing here is one."""

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection, connections, models
from django.db.models import Q

BASE_DIR = Path(__file__).resolve().parent.parent
BERLIN = ZoneInfo("Europe/Berlin")


def wall_time(day: date, hhmm: str, zone: ZoneInfo = BERLIN) -> datetime:
    """The moment a clock in `zone` shows `hhmm` ("08:30") on `day`."""
    return datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), tzinfo=zone)


# The environment a production process needs at the least.
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "a-production-secret-key-with-plenty-of-entropy-0123456789abcdef",
    "ALLOWED_HOSTS": "sprechzeit.example.org",
    "SITE_URL": "https://sprechzeit.example.org",
}


def free_port() -> int:
    """A local TCP port nobody listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_processes(processes, timeout=30):
    """Ask every process to stop at once, then wait for each; kill what does not stop."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def database_url() -> str:
    """The URL of the database the tests use (the test database), for other processes."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def wait_for(condition, timeout, what):
    """Poll `condition` until it is true or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def run_python(code, env, tmp_path, *args):
    """Run `code` (or python with `args`) in a fresh interpreter with only `env` set of the
    project's settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "EMAIL_", "DJANGO_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def gpg(home, *args, input=None):
    return subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--yes", "--passphrase", "", "--pinentry-mode", "loopback", *args],
        check=True,
        capture_output=True,
        input=input,
    ).stdout


def run_together(count, attempt):
    """Start `count` attempts at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(count)

    def one(index):
        barrier.wait()
        try:
            return attempt(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def totp_now(secret: str) -> str:
    """The code an authenticator app shows for `secret` now."""
    # Imported here: tests/conftest.py imports this module before Django's apps are ready.
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def rows_naming(*needles: str) -> list[str]:
    """Every row of every table whose text columns contain one of `needles`."""
    found = []
    for model in apps.get_models():
        columns = [f.name for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        if not columns:
            continue
        query = Q()
        for column in columns:
            for needle in needles:
                query |= Q(**{f"{column}__icontains": needle})
        found += [f"{model._meta.label} {row.pk}" for row in model.objects.filter(query)]
    return found
