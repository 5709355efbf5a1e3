"""Answers for faults the visitor cannot do anything about but wait."""

import logging

from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.utils.translation import gettext as _

from .. import phrases

logger = logging.getLogger("sprechzeit.database")

# A lost or refused connection, a server shutting down, a locked SQLite file.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable_message() -> str:
    return _(
        "The service is briefly unavailable. If you were sending something, it was not saved; "
        "please try again in a minute."
    )


def database_unavailable_page(request):
    """The 503 page. It reads nothing from the database (no user, no session)."""
    context = {"title": _("Briefly unavailable"), "message": database_unavailable_message()}
    response = render(request, "try_again.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def too_many_requests_page(request, seconds: int):
    """The 429 page of a rate limit, with Retry-After."""
    context = {"title": _("Too many requests"), "message": phrases.TOO_MANY_REQUESTS % {"seconds": seconds}}
    response = render(request, "try_again.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


class DatabaseUnavailableMiddleware:
    """A view that loses its database answers 503 with Retry-After instead of 500. The
    transaction it was in is rolled back, so nothing half-written stays behind. (The
    API answers the same in JSON, see scheduler/api.py.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.warning("database unavailable during %s %s", request.method, request.path, exc_info=exception)
        return database_unavailable_page(request)
