"""No capability token reaches a log: every URL that takes one is logged with the token
masked, by gunicorn's access log and by Django's request warnings, plain and JSON."""

import json
import logging
import logging.config
import os
import re
import secrets
import subprocess
import sys
import uuid
from datetime import timedelta

import httpx
import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.utils import timezone
from gunicorn.glogging import SafeAtoms

from config.gunicorn import access_log_format
from config.logging import SECRET_MARK, logging_config
from scheduler.models.common import new_token
from tests.factories import BookingFactory
from tests.helpers import BASE_DIR, PRODUCTION_ENV, database_url, free_port, run_python, stop_processes, wait_for

# A route parameter with one of these in its name is a secret (uidb36, the user's id, is not).
SECRET_PARAMETER = re.compile("token|key|secret|code")
LOG_FORMATS = ("plain", "json")
# Every atom of gunicorn's (glogging.Logger.atoms) that carries the path or a URL.
PATH_ATOMS_FORMAT = "%(r)s %(U)s %(f)s %({raw_uri}e)s %({path_info}e)s %({referer}i)s %({location}o)s"


def parameters_of(pattern):
    """{parameter: converter, or None in a regular expression} of one pattern."""
    converters = getattr(pattern.pattern, "converters", {})
    return {parameter: converters.get(parameter) for parameter in pattern.pattern.regex.groupindex}


def routes(resolver=None, namespaces=()):
    """(view name with its namespaces, parameters) of every URL pattern, included ones too."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            for name, parameters in routes(pattern, inner):
                yield name, parameters_of(pattern) | parameters
        else:
            yield ":".join((*namespaces, pattern.name)) if pattern.name else None, parameters_of(pattern)


def sample(parameter, converter):
    if SECRET_PARAMETER.search(parameter):
        return new_token() if parameter == "token" else secrets.token_hex(16)
    if isinstance(converter, IntConverter):
        return 7
    if isinstance(converter, UUIDConverter):
        return uuid.uuid4()
    return "2s" if parameter == "uidb36" else "anna"


def secret_routes():
    found = [(name, parameters) for name, parameters in routes() if any(map(SECRET_PARAMETER.search, parameters))]
    assert len(found) >= 9  # booking (4), its API (2), both feeds, allauth's reset key: the walk sees them
    return found


def masked(path, secret_values):
    """`path` as it may be logged: every segment holding a secret replaced by the mark."""
    return "/".join(
        SECRET_MARK if any(value in segment for value in secret_values) else segment for segment in path.split("/")
    )


def formatter(log_format):
    """The formatter the configuration gives every handler (console, gunicorn's access)."""
    config = logging_config(log_format=log_format, level="INFO")
    return logging.config.DictConfigurator(config).configure_formatter(config["formatters"][log_format])


def access_record(path, fmt=access_log_format):
    atoms = {"h": "10.0.0.5", "m": "GET", "U": path, "r": f"GET {path} HTTP/1.1", "s": "404", "B": 179, "D": 4321}
    atoms |= {"f": f"https://sprechzeit.example.org{path}", "{raw_uri}e": path, "{path_info}e": path}
    atoms |= {"{referer}i": atoms["f"], "{location}o": f"{path}/"}
    # As gunicorn logs: the format string and the atoms as one mapping.
    return logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, fmt, (SafeAtoms(atoms),), None)


def not_found_record(path):
    entry = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (path,), None)
    entry.request = RequestFactory().get(path)
    entry.status_code = 404
    return entry


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_every_url_with_a_secret_is_logged_masked(log_format):
    for name, parameters in secret_routes():
        assert name, f"a URL with a secret has no name: {parameters}"
        kwargs = {parameter: sample(parameter, converter) for parameter, converter in parameters.items()}
        path = reverse(name, kwargs=kwargs)
        secret_values = [str(value) for parameter, value in kwargs.items() if SECRET_PARAMETER.search(parameter)]
        expected = masked(path, secret_values)
        assert expected != path and SECRET_MARK in expected

        lines = {
            "access": formatter(log_format).format(access_record(path)),
            "every path atom": formatter(log_format).format(access_record(path, PATH_ATOMS_FORMAT)),
            "not found": formatter(log_format).format(not_found_record(path)),
        }
        for kind, line in lines.items():
            for value in secret_values:
                assert value not in line, f"{name} ({kind}, {log_format}): {line}"
            assert expected in line, f"{name} ({kind}, {log_format}): {line}"
        if log_format == "json":
            assert json.loads(lines["access"])["path"] == expected
            assert json.loads(lines["not found"])["message"] == f"Not Found: {expected}"


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_every_other_url_is_logged_as_it_is(log_format):
    """The fixed pages beside the secret ones (/me/feed/rotate/, …) stay readable."""
    checked = 0
    for name, parameters in routes():
        if not name or any(map(SECRET_PARAMETER.search, parameters)):
            continue
        try:
            path = reverse(name, kwargs={parameter: sample(parameter, c) for parameter, c in parameters.items()})
        except NoReverseMatch:  # the admin's app pages take only the installed apps' labels
            continue
        checked += 1
        assert path in formatter(log_format).format(access_record(path)), name
        assert path in formatter(log_format).format(not_found_record(path)), name
    assert checked > 50


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_a_booking_link_in_a_message_is_masked_and_the_rest_kept(log_format):
    """A console channel logs the message it would have sent, link included."""
    token = new_token()
    text = f"Your appointment is confirmed.\nManage it: https://sprechzeit.example.org/b/{token}/?lang=en\nThanks"
    entry = logging.LogRecord("sprechzeit.channels", logging.INFO, __file__, 1, "[%s] to %s: %s\n%s", (), None)
    entry.args = ("whatsapp", "+4915112345678", "Confirmed", text)
    line = formatter(log_format).format(entry)
    assert token not in line
    assert f"https://sprechzeit.example.org/b/{SECRET_MARK}/?lang=en" in line


@pytest.mark.parametrize(
    ("log_format", "access_format"),
    [("json", None), ("plain", f'"{PATH_ATOMS_FORMAT}" %(s)s')],
    ids=["project-format-json", "every-path-atom-plain"],
)
def test_gunicorn_logs_no_token(log_format, access_format, transactional_db, tmp_path):
    """A real gunicorn answers a booking page, an unknown token and a redirect to a booking
    page (its Location holds the token), with the token as referrer too: no token in its output."""
    booking = BookingFactory(start=timezone.now() + timedelta(days=3))
    unknown = new_token()
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    options = ("--access-logformat", access_format) if access_format else ()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LOG_", "EMAIL_"))}
    env |= {"DATABASE_URL": database_url(), "VAR_DIR": str(tmp_path / "var"), "LOG_FORMAT": log_format}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", *options),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "config.wsgi"),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"

    def answering():
        if process.poll() is not None:
            pytest.fail("gunicorn exited:\n" + log_path.read_text())
        try:
            return httpx.get(base_url + "/healthz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(answering, timeout=30, what="gunicorn")
        headers = {"Accept-Language": "en", "Referer": f"https://sprechzeit.example.org/b/{booking.token}/"}
        statuses = [
            httpx.get(base_url + path, headers=headers, timeout=10).status_code
            for path in (f"/b/{booking.token}/", f"/b/{unknown}/", f"/b/{booking.token}")
        ]
    finally:
        stop_processes([process])

    assert statuses == [200, 404, 301]
    output = log_path.read_text()
    assert booking.token not in output and unknown not in output, output
    # The lines are there, with the rest of the path.
    assert output.count(f"/b/{SECRET_MARK}/") >= 3, output
    assert f"Not Found: /b/{SECRET_MARK}/" in output, output


# --- logs name nobody outside development ----------------------------------------------------

PERSONAL_LINE = "e-mail <abc@mail.example> sent to eva.muster+termine@example.org; call +49 170 1234567 (ECHOECHO)"


def formatted(log_format: str, mask: bool, text: str) -> str:
    config = logging_config(log_format=log_format, level="INFO", mask_personal=mask)
    logging.config.dictConfig(config | {"disable_existing_loggers": False})
    formatter = logging.getLogger().handlers[0].formatter
    return formatter.format(logging.LogRecord("sprechzeit.channels", logging.INFO, __file__, 1, text, None, None))


@pytest.mark.parametrize("log_format", LOG_FORMATS)
def test_addresses_and_phone_numbers_are_masked_unless_asked(log_format, settings):
    try:
        line = formatted(log_format, True, PERSONAL_LINE)
        assert "eva.muster" not in line and "example.org" not in line and "1234567" not in line
        assert "<e-mail>" in line and "<phone>" in line
        assert "<phone>" in formatted(log_format, True, "to +491701234567")
        # Development keeps them: a developer reads their own test messages.
        assert "eva.muster+termine@example.org" in formatted(log_format, False, PERSONAL_LINE)
    finally:
        logging.config.dictConfig(settings.LOGGING)


def test_production_masks_and_development_does_not(tmp_path):
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([f.get('mask_personal') for f in settings.LOGGING['formatters'].values()]))"
    )
    production = run_python(code, PRODUCTION_ENV, tmp_path)
    assert production.returncode == 0, production.stderr
    assert json.loads(production.stdout) == [True, True]
    development = run_python(code, {}, tmp_path)
    assert json.loads(development.stdout) == [False, False]


@pytest.mark.parametrize("channel", ["threema", "whatsapp"])
def test_console_channels_log_no_recipient_and_no_text_unless_debug(settings, caplog, channel):
    """Without credentials a channel writes its messages to the log: in production (DEBUG
    off) that log said to whom and what."""
    from django.utils.module_loading import import_string

    from scheduler.channels.base import Message

    backend = import_string(f"scheduler.channels.{channel}.ConsoleBackend")()
    message = Message(
        recipient="ECHOECHO" if channel == "threema" else "+491701234567", text="Mein Burnout", reference="7"
    )
    settings.DEBUG = False
    with caplog.at_level(logging.INFO, logger="sprechzeit.channels"):
        backend.send(message)
    assert message.recipient not in caplog.text and "Burnout" not in caplog.text
    assert "message 7" in caplog.text
    caplog.clear()
    settings.DEBUG = True
    with caplog.at_level(logging.INFO, logger="sprechzeit.channels"):
        backend.send(message)
    assert message.recipient in caplog.text and "Burnout" in caplog.text
