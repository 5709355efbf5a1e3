"""The coach's bookings: the list with its filters, one booking with its messages, and
what the coach does with it (confirm or decline a request, cancel, move, send a failed
message, or one that may not have arrived, again, record a late cancellation or a
no-show); beside it, the client's history with the coach. Every write goes through a service;
the client is told by the service."""

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ...forms.coach_bookings import BookingFilterForm, BookingNoteForm, BookingOutcomeForm
from ...models import Booking
from ...outbox import write as outbox_write
from ...selectors.client_history import client_history
from ...selectors.coach_bookings import (
    booking_notifications,
    coach_booking,
    coach_bookings_filtered,
    coach_notification,
)
from ...services import booking as booking_services
from ...services.booking_outcome import booking_outcome_mark, booking_outcomes_open
from ..reschedule import reschedule
from ..shared import see_other
from . import coach_required

PAGE_SIZE = 50

CONFIRMED = _("You confirmed the request of %(client)s; they are told through their channel.")
DECLINED = _("You declined the request of %(client)s; they are told through their channel, and the time is free again.")
CANCELLED = _(
    "You cancelled the booking of %(client)s; they are told through their channel, and the time is free again."
)
RESCHEDULED = _("You moved the booking of %(client)s; they are told the new time through their channel.")
RETRIED = _("The message to %(recipient)s is being sent again.")
RETRIED_CALENDAR = _("The booking is being written to your calendar again.")
NOT_FAILED = _("This message has not failed (any more): there is nothing to send again.")
OUTCOME_MARKED = _("Saved: the booking of %(client)s is marked “%(outcome)s”.")
OUT_OF_DATE = _(
    "This message is out of date — the appointment has changed or is over by now — so it is not sent again."
)


def note_form(booking: Booking, action: str, data=None) -> BookingNoteForm:
    """The note form of a decline or cancel button; ids carry the booking, so several
    forms fit on one page."""
    return BookingNoteForm(data, prefix=action, auto_id=f"id_%s_{booking.uuid}")


def _booking(request, booking_uuid) -> Booking:
    booking = coach_booking(coach=request.coach, booking_uuid=booking_uuid)
    if booking is None:
        raise Http404
    return booking


def _back(request, booking: Booking):
    """After an action: back where it was started (`next`, e.g. the dashboard), else the booking."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("coach:booking", kwargs={"booking_uuid": booking.uuid})
    return see_other(target)


def _act(request, booking: Booking, write, done):
    """Run a service; its refusal (already answered, already begun, …) becomes a message."""
    try:
        write()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done % {"client": booking.client_name})
    return _back(request, booking)


def _outcome_form(booking: Booking, now, data=None) -> BookingOutcomeForm | None:
    """The form to record how the appointment went, or None while it cannot have an outcome."""
    choices = booking_outcomes_open(booking=booking, now=now)
    if not choices:
        return None
    return BookingOutcomeForm(data, choices=choices, initial={"outcome": booking.outcome}, prefix="outcome")


def _detail_page(request, booking: Booking, *, decline_form=None, cancel_form=None, outcome_form=None, status=200):
    now = timezone.now()
    context = {
        "section": "bookings",
        "booking": booking,
        "notifications": booking_notifications(booking=booking, now=now),
        "changeable": booking.is_active and booking.start > now,
        "decline_form": decline_form or note_form(booking, "decline"),
        "cancel_form": cancel_form or note_form(booking, "cancel"),
        "client_zone_differs": booking.time_zone != request.coach.time_zone,
        "outcome_form": outcome_form or _outcome_form(booking, now),
        "history": client_history(coach=request.coach, client=booking.client),
    }
    return render(request, "coach/bookings/detail.html", context, status=status)


@coach_required
@require_safe
def booking_list(request):
    form = BookingFilterForm(request.GET)
    filters = form.filters()
    bookings = coach_bookings_filtered(coach=request.coach, now=timezone.now(), **filters)
    page = Paginator(bookings, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "section": "bookings",
        "form": form,
        "show": filters["show"],
        "channel": filters["channel"],
        "page": page,
        "filter_query": urlencode({key: value for key, value in filters.items() if value}),
    }
    return render(request, "coach/bookings/list.html", context)


@coach_required
@require_safe
def booking_detail(request, booking_uuid):
    return _detail_page(request, _booking(request, booking_uuid))


@coach_required
@require_POST
def booking_confirm(request, booking_uuid):
    booking = _booking(request, booking_uuid)
    return _act(request, booking, lambda: booking_services.booking_confirm(booking=booking), CONFIRMED)


def _act_with_note(request, booking_uuid, action: str, write, done):
    """Decline or cancel, with the coach's note to the client (`write(booking=…, note=…)`);
    a note the form refuses shows the booking again, with the error at that button's form."""
    booking = _booking(request, booking_uuid)
    form = note_form(booking, action, request.POST)
    if not form.is_valid():
        return _detail_page(request, booking, status=400, **{f"{action}_form": form})
    note = form.cleaned_data["note"]
    return _act(request, booking, lambda: write(booking=booking, note=note), done)


@coach_required
@require_POST
def booking_decline(request, booking_uuid):
    return _act_with_note(request, booking_uuid, "decline", booking_services.booking_decline, DECLINED)


@coach_required
@require_POST
def booking_cancel(request, booking_uuid):
    cancel = functools.partial(booking_services.booking_cancel, by_coach=True)
    return _act_with_note(request, booking_uuid, "cancel", cancel, CANCELLED)


@coach_required
@require_POST
def booking_outcome(request, booking_uuid):
    """Record how the appointment went (or undo it: as agreed)."""
    booking = _booking(request, booking_uuid)
    now = timezone.now()
    form = _outcome_form(booking, now, request.POST)
    if form is None or not form.is_valid():
        if form is None:
            messages.error(
                request, _("Only an appointment that has begun, or one that was cancelled, can be marked this way.")
            )
        return _detail_page(request, booking, outcome_form=form, status=400)
    outcome = form.cleaned_data["outcome"]
    try:
        booking_outcome_mark(booking=booking, outcome=outcome, now=now)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        label = Booking.Outcome(outcome).label
        messages.success(request, OUTCOME_MARKED % {"client": booking.client_name, "outcome": label})
    return _back(request, booking)


@coach_required
@require_http_methods(["GET", "HEAD", "POST"])
def booking_reschedule(request, booking_uuid):
    """The client's slot picker for the booking's type, in the coach's zone; POST `start` moves it."""
    booking = _booking(request, booking_uuid)
    rescheduling = reschedule(request, booking, zone=request.coach.zone, by_coach=True)
    if rescheduling.moved:
        messages.success(request, RESCHEDULED % {"client": booking.client_name})
        return see_other(reverse("coach:booking", kwargs={"booking_uuid": booking.uuid}))
    context = {"section": "bookings", **rescheduling.context}
    return render(request, "coach/bookings/reschedule.html", context, status=rescheduling.status)


@coach_required
@require_POST
def notification_retry(request, booking_uuid, notification_id):
    notification = coach_notification(
        coach=request.coach, booking_uuid=booking_uuid, notification_id=notification_id, now=timezone.now()
    )
    if notification is None:
        raise Http404
    if notification.can_retry:
        outbox_write.notification_retry(notification=notification)
        if notification.channel == "caldav":
            messages.success(request, RETRIED_CALENDAR)
        else:
            messages.success(request, RETRIED % {"recipient": notification.recipient})
    elif notification.status not in (notification.Status.FAILED, notification.Status.UNKNOWN):
        messages.info(request, NOT_FAILED)
    else:
        messages.error(request, OUT_OF_DATE)
    return _back(request, notification.booking)


urlpatterns = [
    path("bookings/", booking_list, name="bookings"),
    path("bookings/<uuid:booking_uuid>/", booking_detail, name="booking"),
    path("bookings/<uuid:booking_uuid>/confirm/", booking_confirm, name="booking_confirm"),
    path("bookings/<uuid:booking_uuid>/decline/", booking_decline, name="booking_decline"),
    path("bookings/<uuid:booking_uuid>/cancel/", booking_cancel, name="booking_cancel"),
    path("bookings/<uuid:booking_uuid>/reschedule/", booking_reschedule, name="booking_reschedule"),
    path("bookings/<uuid:booking_uuid>/outcome/", booking_outcome, name="booking_outcome"),
    path(
        "bookings/<uuid:booking_uuid>/messages/<int:notification_id>/retry/",
        notification_retry,
        name="notification_retry",
    ),
]
