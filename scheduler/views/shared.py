"""Helpers several views share: the visitor's form of address, a service's errors on a
form, and the redirect after a POST."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponseRedirect
from django.utils import translation


def speak_to_clients_of(coach) -> None:
    """Address the visitor as this coach does (Sie or du) for the rest of the request."""
    translation.activate(coach.language_for_clients(translation.get_language()))


def add_service_errors(form, exc: ValidationError) -> None:
    """Put each message of a service's ValidationError at its form field (one complaint per field)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field, field_messages in errors.items():
        target = field if field in form.fields else None
        if target is None or target not in form.errors:
            form.add_error(target, field_messages)


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response
