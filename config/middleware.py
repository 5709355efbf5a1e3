"""Middleware of the whole site: input no view can store is refused before any view sees
it, and pages of a signed-in workspace are never kept in a cache."""

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# Characters no text column can hold: NUL (PostgreSQL refuses it in any string) and the
# halves of UTF-16 surrogate pairs (not encodable as UTF-8).
_UNSTORABLE = {chr(0), *map(chr, range(0xD800, 0xE000))}


def unstorable(value: str) -> bool:
    """Whether `value` holds a character that cannot be stored (see _UNSTORABLE)."""
    return not _UNSTORABLE.isdisjoint(value)


def unstorable_message() -> str:
    return _("This value contains a character that is not allowed (a null character or a broken one).")


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _first_unstorable(data) -> str | None:
    """The name of the first parameter of a QueryDict with an unstorable name or value."""
    for key, values in data.lists():
        if unstorable(key) or any(isinstance(value, str) and unstorable(value) for value in values):
            return key if not unstorable(key) else "request"
    return None


class UnstorableInputMiddleware:
    """A NUL byte (or a broken character) in the path, a query parameter or a form field is
    a 400 that names the parameter, never a 500 from the database that was asked for it,
    whichever view reads it. (Nobody types a NUL byte: a page that keeps what was typed is
    not needed here. The API's JSON fields are checked by its schemas.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if unstorable(request.path_info):
            bad = "path"
        else:
            bad = _first_unstorable(request.GET)
            if bad is None and request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
                # The body first: read this way, it stays readable for views that want it
                # rather than the parsed fields (Sprechzeit takes no file uploads).
                request.body  # noqa: B018
                bad = _first_unstorable(request.POST)
        if bad is None:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            body = json.dumps({"errors": {bad: unstorable_message()}}, ensure_ascii=False)
            return HttpResponse(body, status=400, content_type="application/json; charset=utf-8")
        message = unstorable_message() if bad == "path" else f"{unstorable_message()} ({bad})"
        context = {"title": _("This input cannot be used"), "message": message}
        return render(request, "bad_request.html", context, status=400)


# The signed-in workspaces (the coach's, the client's, the account pages, the admin): what
# they show is personal, so neither the browser nor a proxy keeps a copy (the back button
# after signing out, a shared computer).
NO_STORE_PREFIXES = ("/coach/", "/me/", "/accounts/", "/admin/")


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(NO_STORE_PREFIXES):
            response["Cache-Control"] = "private, no-store"
        return response
