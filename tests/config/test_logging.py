"""Log records as JSON lines: the fields, nothing else, and Celery keeps the format."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.test import RequestFactory

from config.logging import SECRET_MARK, JsonFormatter, logging_config
from scheduler.models.common import new_token
from tests.helpers import BASE_DIR, PRODUCTION_ENV


def record(name="sprechzeit.outbox", level=logging.INFO, msg="sent %s", args=(7,), **attributes):
    entry = logging.LogRecord(name, level, __file__, 1, msg, args, None)
    entry.__dict__.update(attributes)
    return entry


def test_a_record_is_one_json_line_with_time_level_logger_and_message():
    line = JsonFormatter().format(record(msg="first line\nsecond line %s"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry.keys() == {"time", "level", "logger", "message"}
    assert entry["level"] == "INFO" and entry["logger"] == "sprechzeit.outbox"
    assert entry["message"] == "first line\nsecond line 7"
    assert entry["time"].endswith("+00:00")


def test_extra_attributes_and_request_headers_stay_out():
    request = RequestFactory().get(
        "/api/bookings/x",
        headers={"X-Request-ID": "req-42", "Authorization": "Bearer top-secret", "Cookie": "sessionid=also-secret"},
    )
    line = JsonFormatter().format(
        record(name="django.request", level=logging.WARNING, request=request, password="hunter2", token="abc")
    )
    entry = json.loads(line)
    assert entry["request_id"] == "req-42"
    for secret in ("top-secret", "also-secret", "hunter2", "abc"):
        assert secret not in line


def test_an_exception_is_part_of_its_line():
    try:
        raise ValueError("broken")
    except ValueError:
        entry = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    parsed = json.loads(JsonFormatter().format(entry))
    assert parsed["message"] == "failed"
    assert "ValueError: broken" in parsed["exception"]


def test_gunicorn_access_atoms_become_fields():
    atoms = {"h": "10.0.0.5", "m": "POST", "U": "/api/coaches/anna/bookings", "s": "201", "B": 512, "D": 48123}
    atoms |= {"{x-request-id}i": "req-7", "q": "secret=1", "{cookie}i": "sessionid=s"}
    entry = record(name="gunicorn.access", msg='%(h)s "%(m)s %(U)s" %(s)s', args=())
    entry.args = atoms  # as gunicorn logs: the format string and the atoms as a mapping
    parsed = json.loads(JsonFormatter().format(entry))
    assert parsed["message"] == '10.0.0.5 "POST /api/coaches/anna/bookings" 201'
    assert parsed["status"] == 201 and parsed["method"] == "POST" and parsed["duration_us"] == 48123
    assert parsed["request_id"] == "req-7"
    assert "secret=1" not in json.dumps(parsed) and "sessionid" not in json.dumps(parsed)


def test_log_format_is_plain_or_json():
    assert logging_config(log_format="json", level="INFO")["handlers"]["console"]["formatter"] == "json"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")


# What a Celery worker does at start (after Django's setup), then one log line.
CELERY_LOGS = """
import django, logging
django.setup()
from config.celery import app
app.log.setup(loglevel="INFO")
logging.getLogger("celery.worker").info("ready")
"""


def run_python(code, env, tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "DJANGO_", "LOG_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(tmp_path / "var"), **env})
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip().splitlines()


@pytest.mark.parametrize(
    ("env", "json_lines"),
    [
        ({}, False),
        (PRODUCTION_ENV, True),
        ({"LOG_FORMAT": "json"}, True),
        ({**PRODUCTION_ENV, "LOG_FORMAT": "plain"}, False),
    ],
    ids=["development", "production", "json", "production-plain"],
)
def test_celery_logs_in_the_configured_format(env, json_lines, tmp_path):
    """Plain in development, JSON in production, LOG_FORMAT decides; Celery does not
    replace the configuration with its own."""
    (line,) = run_python(CELERY_LOGS, env, tmp_path)
    if json_lines:
        assert json.loads(line) | {"time": None} == {
            "time": None,
            "level": "INFO",
            "logger": "celery.worker",
            "message": "ready",
        }
    else:
        assert line.endswith(" INFO celery.worker ready")


# A request that loses a race for a slot: Django logs its 409 as a WARNING of django.request.
CONFLICT = """
import django, logging
django.setup()
logging.getLogger("django.request").warning("Conflict: /api/coaches/anna/bookings")
logging.getLogger("sprechzeit.outbox").error("sending failed")
"""


@pytest.mark.parametrize(("level", "lines"), [("INFO", 2), ("WARNING", 2), ("ERROR", 1)])
def test_log_level_decides_for_djangos_records_too(level, lines, tmp_path):
    logged = run_python(CONFLICT, {"LOG_LEVEL": level}, tmp_path)
    assert len(logged) == lines
    assert logged[-1].endswith(" ERROR sprechzeit.outbox sending failed")


def test_python_warnings_are_log_lines_too(tmp_path):
    code = "import django, warnings\ndjango.setup()\nwarnings.warn('careful', UserWarning)\n"
    (line,) = run_python(code, {"LOG_FORMAT": "json"}, tmp_path)
    entry = json.loads(line)
    assert entry["logger"] == "py.warnings" and entry["level"] == "WARNING"
    assert "UserWarning: careful" in entry["message"]


# Django's request warnings and runserver's request lines, through the configuration Django applies.
REQUEST_LINES = """
import django, logging
django.setup()
logging.getLogger("django.request").warning("Not Found: %s", "/b/{token}/cancel/")
logging.getLogger("django.server").info('"%s" %s %s', "GET /feeds/{token}/calendar.ics HTTP/1.1", 200, 512)
"""


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_tokens_in_request_paths_are_masked(log_format, tmp_path):
    token = new_token()
    logged = run_python(REQUEST_LINES.format(token=token), {"LOG_FORMAT": log_format}, tmp_path)
    assert len(logged) == 2 and token not in "\n".join(logged)
    messages = [json.loads(line)["message"] for line in logged] if log_format == "json" else logged
    assert messages[0].endswith(f"Not Found: /b/{SECRET_MARK}/cancel/")
    assert messages[1].endswith(f'"GET /feeds/{SECRET_MARK}/calendar.ics HTTP/1.1" 200 512')
