"""Logs as plain lines (development) or as JSON lines (production, `LOG_FORMAT=json`).

One configuration serves Django, the Celery worker and beat (`settings.LOGGING`) and
gunicorn (`config/gunicorn.py`), so every process of an installation writes the same
format to its standard streams, for journald, Docker or a log shipper to collect.

A JSON line has `time` (UTC), `level`, `logger` and `message`, plus `request_id` (the
proxy's X-Request-ID) where a record knows its request, the HTTP fields of gunicorn's
access log, and `exception`. Nothing else from a record is copied: `extra` data, a
request's headers or cookies never reach the log by accident.

Both formats mask the capability tokens in URL paths (`/b/<token>/`, feed links, the API's
booking, allauth's password reset key): whoever reads the logs must not be able to open a
client's booking or subscribe to a coach's calendar. Unless DEBUG is on (`mask_personal`),
they mask e-mail addresses and phone numbers too: a log names nobody.
"""

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime

LOG_FORMATS = ("plain", "json")
REQUEST_ID_HEADER = "X-Request-ID"
# The atoms of gunicorn's access log (see gunicorn's `access_log_format`) kept as fields.
ACCESS_FIELDS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",
    "s": "status",
    "B": "bytes",
    "D": "duration_us",
    "{x-request-id}i": "request_id",
}
# A client may send any X-Request-ID; a bounded copy is enough to correlate lines.
REQUEST_ID_MAX_LENGTH = 200

# The paths whose next segment is a secret (tests/config/test_log_redaction.py checks this
# against every URL that takes a token: a booking's, a booking link's, a feed's), and the fixed
# pages beside them (/me/feed/rotate/, /accounts/password/reset/key/done/, /coach/links/new/),
# which stay readable.
SECRET_PATH_PREFIXES = ("b", "l", "coach/links", "feeds", "me/feed", "api/bookings", "accounts/password/reset/key")
NOT_SECRET_SEGMENTS = ("rotate", "done", "new")
SECRET_MARK = "<token>"
# A prefix counts right after a host (a referrer, a link in a message) or where a path
# starts: at the beginning, after a space, a quote, "=" (?next=) or another slash (//b/).
# The secret ends where the segment ends; a backslash ends it too (an escaped quote).
SECRET_IN_PATH = re.compile(
    rf"""((?:\w+://[^/\s]+|(?<![^\s"'(=/]))/(?:{"|".join(SECRET_PATH_PREFIXES)})/)"""
    rf"""(?!(?:{"|".join(NOT_SECRET_SEGMENTS)})/)[^/?#\s"'\\]+"""
)

# A booking's address-confirmation link holds a second secret: /b/<token>/confirm/<secret>/.
SECOND_SECRET_IN_PATH = re.compile(rf"""(/{SECRET_MARK}/confirm/)[^/?#\s"'\\]+""")


# Personal details a log line may carry (a recipient, a sender): masked outside development.
EMAIL_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_NUMBER = re.compile(r"(?<![\w+])\+\d[\d ()/-]{5,20}\d")
EMAIL_MARK, PHONE_MARK = "<e-mail>", "<phone>"


def mask_personal(text: str) -> str:
    """`text` with every e-mail address and international phone number replaced by a mark."""
    return PHONE_NUMBER.sub(PHONE_MARK, EMAIL_ADDRESS.sub(EMAIL_MARK, text))


def mask_secret_paths(text: str) -> str:
    """`text` with the secret segment of every path in it replaced by SECRET_MARK."""
    masked = SECRET_IN_PATH.sub(rf"\g<1>{SECRET_MARK}", text)
    return SECOND_SECRET_IN_PATH.sub(rf"\g<1>{SECRET_MARK}", masked)


class PlainFormatter(logging.Formatter):
    """Python's line format, with secret paths masked (and personal details: `mask_personal`)."""

    def __init__(self, *args, mask_personal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.mask_personal = mask_personal

    def format(self, record: logging.LogRecord) -> str:
        text = mask_secret_paths(super().format(record))
        return mask_personal(text) if self.mask_personal else text


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def __init__(self, *args, mask_personal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.mask_personal = mask_personal

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # django.request and django.security records carry the request.
        headers = getattr(getattr(record, "request", None), "headers", None)
        if isinstance(headers, Mapping) and headers.get(REQUEST_ID_HEADER):
            entry["request_id"] = headers[REQUEST_ID_HEADER]
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            for atom, field in ACCESS_FIELDS.items():
                value = record.args[atom]
                if value not in (None, "-"):
                    entry[field] = int(value) if field == "status" else value
        if "request_id" in entry:
            entry["request_id"] = str(entry["request_id"])[:REQUEST_ID_MAX_LENGTH]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # Masked field by field: in the JSON text a newline is "\n", no longer a boundary.
        entry = {key: mask_secret_paths(value) if isinstance(value, str) else value for key, value in entry.items()}
        if self.mask_personal:
            entry = {key: mask_personal(value) if isinstance(value, str) else value for key, value in entry.items()}
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(*, log_format: str, level: str, mask_personal: bool = True) -> dict:
    """The `logging.config.dictConfig` of Django, Celery and (extended) gunicorn.
    `mask_personal`: mask e-mail addresses and phone numbers (settings: unless DEBUG)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {
                "()": "config.logging.PlainFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "mask_personal": mask_personal,
            },
            "json": {"()": "config.logging.JsonFormatter", "mask_personal": mask_personal},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django sets its own logger to INFO; LOG_LEVEL decides for its records too
            # (a 409 for a lost race is a WARNING of django.request).
            "django": {"level": level},
            "django.db.backends": {"level": "WARNING"},
            # httpx logs request URLs at INFO; Threema's key lookup carries the secret in its query.
            "httpx": {"level": "WARNING"},
        },
    }
