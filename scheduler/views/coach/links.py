"""The coach's booking links (/coach/links/): the list with each link's status (open, used,
withdrawn), for whom, its type and dates; making one; withdrawing one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from ...forms.booking_links import BookingLinkForm
from ...outbox.proposal_texts import booking_link_url
from ...selectors.booking_links import booking_link_status, coach_booking_link, coach_booking_links, proposed_starts
from ...services.booking_links import booking_link_create, booking_link_revoke
from ..shared import see_other
from . import coach_required, form_saved

MADE = _("The link is made. Give it to the client: %(url)s")
WITHDRAWN = _("The link is withdrawn: nobody can book through it any more.")
LIST_SIZE = 200


def _page(request, form, status=200):
    rows = [
        {
            "link": link,
            "status": booking_link_status(link),
            "url": booking_link_url(link),
            "proposed": proposed_starts(link),
            # A proposal's message: whether it reached the client (a failure is shown here only).
            "message": next(iter(link.notifications.all()), None),
        }
        for link in coach_booking_links(coach=request.coach)[:LIST_SIZE]
    ]
    return render(request, "coach/links/list.html", {"section": "links", "rows": rows, "form": form}, status=status)


@coach_required
@require_safe
def link_list(request):
    return _page(request, BookingLinkForm(coach=request.coach))


@coach_required
@require_POST
def link_create(request):
    form = BookingLinkForm(request.POST, coach=request.coach)
    made = []
    if form_saved(form, lambda: made.append(booking_link_create(coach=request.coach, **form.cleaned_data))):
        messages.success(request, MADE % {"url": booking_link_url(made[0])})
        return see_other(reverse("coach:links"))
    return _page(request, form, status=400)


@coach_required
@require_POST
def link_revoke(request, token):
    link = coach_booking_link(coach=request.coach, token=token)
    if link is None:
        raise Http404
    try:
        booking_link_revoke(link=link)
    except ValidationError as exc:  # used already
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, WITHDRAWN)
    return see_other(reverse("coach:links"))


urlpatterns = [
    path("", link_list, name="links"),
    path("new/", link_create, name="link_create"),
    path("<str:token>/withdraw/", link_revoke, name="link_revoke"),
]
