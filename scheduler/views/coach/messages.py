"""The coach's received messages: what people wrote to the coach's Threema ID or WhatsApp
number, to be read in a reply window, with what became of each one's automatic answer;
marking one read and deleting one. Replies about a booking are on the booking's page too."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from ...selectors.inbound import (
    ABOUT_BOOKING,
    ANSWERED_BEFORE,
    AUTOMATIC,
    WITHHELD,
    coach_inbound_message,
    coach_inbound_messages,
    received_message,
)
from ...services.inbound import ANSWERS_PER_HOUR, inbound_message_delete, inbound_message_mark_read
from ..shared import see_other
from . import coach_required

PAGE_SIZE = 50

DELETED = _("The message has been deleted.")
MARKED_READ = _("The message is marked as read.")


def _message(request, message_id: int):
    message = coach_inbound_message(coach=request.coach, message_id=message_id)
    if message is None:
        raise Http404
    return message


def _back(request):
    page = request.POST.get("page", "")
    url = reverse("coach:messages")
    return see_other(f"{url}?page={page}" if page.isdigit() else url)


@coach_required
@require_safe
def message_list(request):
    page = Paginator(coach_inbound_messages(coach=request.coach), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "section": "messages",
        "page": page,
        "rows": [received_message(message) for message in page.object_list],
        "days": request.coach.contact_answer_days,
        "per_hour": ANSWERS_PER_HOUR,
        "reasons": {
            "booking": ABOUT_BOOKING,
            "automatic": AUTOMATIC,
            "answered_before": ANSWERED_BEFORE,
            "withheld": WITHHELD,
        },
    }
    return render(request, "coach/messages/list.html", context)


@coach_required
@require_POST
def message_read(request, message_id):
    inbound_message_mark_read(inbound_message=_message(request, message_id))
    messages.success(request, MARKED_READ)
    return _back(request)


@coach_required
@require_POST
def message_delete(request, message_id):
    inbound_message_delete(inbound_message=_message(request, message_id))
    messages.success(request, DELETED)
    return _back(request)


urlpatterns = [
    path("", message_list, name="messages"),
    path("<int:message_id>/read/", message_read, name="message_read"),
    path("<int:message_id>/delete/", message_delete, name="message_delete"),
]
