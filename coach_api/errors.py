"""The coach's API's 400 answers, made by the JSON API's own handler (scheduler/api.py's
`invalid_request` turns ninja's ValidationError into `{"errors": {field: message}}`)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja.errors import ValidationError


def InvalidParameters(errors: dict[str, str]) -> ValidationError:  # noqa: N802  (raised like a class)
    return ValidationError([{"loc": (field,), "msg": message} for field, message in errors.items()])


def service_errors(exc: DjangoValidationError, field: str = "request") -> dict[str, str]:
    """A service's refusal per field (the fields' names are the API's)."""
    if hasattr(exc, "error_dict"):
        return {
            (field if name == "__all__" else name): " ".join(messages) for name, messages in exc.message_dict.items()
        }
    return {field: " ".join(exc.messages)}
