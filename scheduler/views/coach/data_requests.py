"""Clients' data requests (/coach/data-requests/): the coach looks up what they keep about
one e-mail address (counts), downloads it (JSON, ICS) and erases it after a confirmation
step; the list of requests answered before (when, what, how much; never who).

Every step is a POST: the client's address is never in a URL, so no log or browser history
keeps it. A client with an account keeps it: the erasure removes what this coach keeps."""

import json

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from ...forms.client_data_requests import ClientEmailForm, ClientEraseForm
from ...selectors.client_data_requests import client_data_counts, client_data_requests, client_of
from ...services.client_data_requests import client_data_erase, client_data_export
from ..shared import see_other
from . import coach_required

ERASED = _(
    "Erased: %(bookings)s bookings and %(messages)s messages; %(cancelled)s appointments ahead are cancelled "
    "and the client is told."
)
LIST_SIZE = 100
DOWNLOADS = {
    "json": ("application/json; charset=utf-8", "client-data.json"),
    "ics": ("text/calendar; charset=utf-8", "client-bookings.ics"),
}


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _page(request, *, form, found=None, status=200):
    context = {
        "section": "data_requests",
        "form": form,
        "found": found,
        "records": client_data_requests(coach=request.coach)[:LIST_SIZE],
    }
    return _private(render(request, "coach/data_requests/list.html", context, status=status))


def _found(coach, email: str) -> dict:
    """What the page shows about the address: the counts, and whether it has an account."""
    return {
        "email": email,
        "counts": client_data_counts(client=client_of(coach=coach, email=email)),
        "has_account": EmailAddress.objects.filter(email__iexact=email, verified=True).exists(),
    }


def _clients_language(coach) -> str:
    """The note to the client: in the language of the page, as the coach addresses clients
    (du or Sie)."""
    return coach.language_for_clients(translation.get_language() or coach.language)


@coach_required
@require_safe
def data_requests(request):
    return _page(request, form=ClientEmailForm())


@coach_required
@require_POST
def data_request_look(request):
    form = ClientEmailForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    return _page(request, form=form, found=_found(request.coach, form.cleaned_data["email"]))


@coach_required
@require_POST
def data_request_export(request, kind):
    form = ClientEmailForm(request.POST)
    if kind not in DOWNLOADS or not form.is_valid():
        return _page(request, form=form, status=400)
    data, calendar = client_data_export(coach=request.coach, email=form.cleaned_data["email"], now=timezone.now())
    body = json.dumps(data, ensure_ascii=False, indent=2) if kind == "json" else calendar
    content_type, filename = DOWNLOADS[kind]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@coach_required
@require_POST
def data_request_erase(request):
    """From the lookup (no `step`): the confirmation step, with what goes and the note to
    the client. From the confirmation step (`step=erase`, the box ticked): the erasure."""
    email_form = ClientEmailForm(request.POST)
    if not email_form.is_valid():
        return _page(request, form=email_form, status=400)
    email = email_form.cleaned_data["email"]
    confirming = request.POST.get("step") == "erase"
    form = (
        ClientEraseForm(request.POST)
        if confirming
        else ClientEraseForm(initial={"email": email}, language=_clients_language(request.coach))
    )
    if not confirming or not form.is_valid():
        context = {"section": "data_requests", "form": form, "found": _found(request.coach, email)}
        return _private(render(request, "coach/data_requests/erase.html", context, status=400 if confirming else 200))
    record = client_data_erase(coach=request.coach, email=email, now=timezone.now(), note=form.cleaned_data["note"])
    messages.success(
        request, ERASED % {key: record.counts.get(key, 0) for key in ("bookings", "messages", "cancelled")}
    )
    return see_other(reverse("coach:data_requests"))


urlpatterns = [
    path("", data_requests, name="data_requests"),
    path("look/", data_request_look, name="data_request_look"),
    path("export.<str:kind>", data_request_export, name="data_request_export"),
    path("erase/", data_request_erase, name="data_request_erase"),
]
