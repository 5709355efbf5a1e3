"""The coach's API's 400 answers, made by the JSON API's own handler (scheduler/api.py's
`invalid_request` turns ninja's ValidationError into `{"errors": {field: message}}`)."""

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from ninja.errors import ValidationError

from scheduler import timebounds


def InvalidParameters(errors: dict[str, str]) -> ValidationError:  # noqa: N802  (raised like a class)
    return ValidationError([{"loc": (field,), "msg": message} for field, message in errors.items()])


def service_errors(exc: DjangoValidationError, field: str = "request") -> dict[str, str]:
    """A service's refusal per field (the fields' names are the API's)."""
    if hasattr(exc, "error_dict"):
        return {
            (field if name == "__all__" else name): " ".join(messages) for name, messages in exc.message_dict.items()
        }
    return {field: " ".join(exc.messages)}


def parse_day(value: str, name: str, errors: dict[str, str]) -> date | None:
    """A local date YYYY-MM-DD within the site's bounds, None when not given; a problem goes to `errors`."""
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        errors[name] = _("Give a date as YYYY-MM-DD.")
        return None
    if not timebounds.date_in_bounds(parsed):
        errors[name] = _("Give a date between %(earliest)s and %(latest)s.") % {
            "earliest": timebounds.EARLIEST.isoformat(),
            "latest": timebounds.LATEST.isoformat(),
        }
        return None
    return parsed
