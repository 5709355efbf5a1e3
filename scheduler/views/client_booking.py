"""Pages a client reaches through the private link of a booking: /b/<token>/…"""

import functools
import hmac

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods, require_safe

from .. import ics, phrases, ratelimit
from ..calendar_links import add_to_calendar_links
from ..forms.booking import zone_or_default
from ..models import Booking, Notification
from ..models.common import Channel
from ..outbox.client_lines import change_words, reachable_next
from ..outbox.write import address
from ..places import booking_place
from ..selectors.bookings import bookings_with_details
from ..selectors.client_feeds import client_feed_url_for_viewer
from ..services import booking as booking_services
from ..services.booking_rules import online_change_open
from .errors import too_many_requests_page
from .reschedule import reschedule
from .shared import see_other
from .slot_picker import PICKER_PARTIAL, tz_form, wants_picker_partial


def token_page(view):
    """Pages whose URL holds a booking token. Requests are limited per address, found or not
    (ratelimit.booking_link_limited): over the limit a page to look at answers 429, and a
    form sent finds the seconds to wait in `request.link_limit_wait`, to show itself again
    with what was typed. The token is kept out of referrers, caches and search engines."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        wait = request.link_limit_wait = ratelimit.booking_link_limited(request)
        if wait and request.method != "POST":
            response = too_many_requests_page(request, wait)
        else:
            response = view(request, *args, **kwargs)
        if response.status_code == 429:
            response["Retry-After"] = str(wait)
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapped


def _booking(request, token: str) -> Booking:
    """The booking of the token, its pages in its client's language: the booking's (as the
    coach addresses clients), whatever the browser says, unless the visitor chose another
    with the language switch (its cookie)."""
    booking = get_object_or_404(bookings_with_details(), token=token)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    language = chosen if chosen in dict(settings.LANGUAGES) else booking.language
    translation.activate(booking.coach.language_for_clients(language))
    return booking


def _changeable(booking: Booking, now) -> bool:
    """Whether the client may still cancel or move it here (the type's online deadline)."""
    return booking.is_active and booking.start > now and online_change_open(booking, now)


def _rebook_url(booking: Booking) -> str:
    """Where a client whose booking is over books a new time: the type's page while the
    public page offers it, else the coach's page."""
    appointment_type = booking.appointment_type
    if appointment_type.active and appointment_type.listed:
        return reverse("scheduler:type", args=[booking.coach.slug, appointment_type.slug])
    return reverse("scheduler:coach", args=[booking.coach.slug])


def _confirmation_sent_to(booking: Booking) -> dict:
    """Where the address-confirmation link went: the booking's channel, or e-mail for the others."""
    channel, recipient = address(booking, Notification.Audience.CLIENT)
    return {"confirmation_channel": Channel(channel).label, "confirmation_contact": recipient}


def _calendar_links(request, booking: Booking) -> list:
    """A confirmed booking's add-to-calendar links; the subscription of the client's own feed
    only for its signed-in owner (client_feed_url_for_viewer)."""
    if booking.status != Booking.Status.CONFIRMED:
        return []
    return add_to_calendar_links(booking, feed_url=client_feed_url_for_viewer(user=request.user, booking=booking))


def _booking_page(request, booking: Booking, *, cancel_errors=None, cancel_note="", status=200):
    zone, tz_notice = zone_or_default(request.GET.get("tz"), booking.time_zone)
    channel = Channel(booking.channel)
    # A call, a video call or a meeting has no contact detail to show but the phone number:
    # their messages go by e-mail, which the page says on its own line.
    contact = booking.contact if channel.contact_field or channel == Channel.EMAIL else ""
    now = timezone.now()
    respond_by = booking.respond_by.astimezone(zone) if booking.respond_by else None
    context = {
        "booking": booking,
        "coach": booking.coach,
        "zone": zone,
        "tz_notice": tz_notice,
        "tz_form": tz_form(zone),
        "headline": phrases.BOOKING_STATUS_HEADLINES.get(booking.status, ""),
        "contact": contact,
        "messages_by_email": booking.client.email if channel.is_conversation else "",
        "place": booking_place(booking),
        "jitsi_host": phrases.jitsi_host(),
        "calendar_links": _calendar_links(request, booking),
        **_confirmation_sent_to(booking),
        "duration_minutes": int((booking.end - booking.start).total_seconds() // 60),
        "privacy_note": phrases.channel_privacy_note(coach=booking.coach, channel=booking.channel),
        "coach_contact": booking.coach.contact_revealed_in(booking),
        "encrypted_email": booking.channel == Channel.EMAIL and bool(booking.pgp_public_key),
        "changeable": _changeable(booking, now),
        # Until when it can be changed online, or (once it no longer can) that the coach is
        # to be reached instead: as the messages to the client say it, in the page's zone.
        "change_words": change_words(booking, now, zone),
        "change_closed": booking.is_active and booking.start > now and not online_change_open(booking, now),
        # As every message to the client says it: away, and the next reply window on the
        # booking's channel, here in the page's zone.
        "reachable": reachable_next(booking, now, zone) if booking.is_active else [],
        "rebook_url": "" if booking.is_active else _rebook_url(booking),
        "respond_by_time": f"{respond_by:%H:%M} ({zone.key})" if respond_by else "",
        "cancel_errors": cancel_errors,
        "cancel_note": cancel_note,
    }
    return render(request, "scheduler/booking.html", context, status=status)


@token_page
@require_safe
def booking_detail(request, token):
    return _booking_page(request, _booking(request, token))


@token_page
@require_safe
def booking_ics(request, token):
    booking = _booking(request, token)
    response = HttpResponse(ics.booking_calendar(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sprechzeit.ics"'
    return response


@token_page
@require_http_methods(["GET", "HEAD", "POST"])
def booking_cancel(request, token):
    booking = _booking(request, token)
    if request.method != "POST":
        return redirect("scheduler:booking", token=token)
    note = request.POST.get("note", "")[:2000]
    if wait := request.link_limit_wait:  # the page again, with the note as typed
        message = phrases.TOO_MANY_REQUESTS % {"seconds": wait}
        return _booking_page(request, booking, cancel_errors=[message], cancel_note=note, status=429)
    try:
        booking_services.booking_cancel(booking=booking, note=note)
    except ValidationError as exc:
        return _booking_page(request, booking, cancel_errors=exc.messages, status=400)
    messages.success(request, phrases.CANCELLED)
    return see_other(reverse("scheduler:booking", kwargs={"token": token}))


@token_page
@require_http_methods(["GET", "HEAD", "POST"])
def booking_reschedule(request, token):
    """The same picker for the booking's type, in the client's zone; POST `start` moves the booking."""
    booking = _booking(request, token)
    if request.method != "POST" and booking.is_active and not online_change_open(booking, timezone.now()):
        # Past the type's deadline: the booking's page says how to reach the coach instead.
        return redirect("scheduler:booking", token=token)
    params = request.POST if request.method == "POST" else request.GET
    zone, tz_notice = zone_or_default(params.get("tz"), booking.time_zone)
    rescheduling = reschedule(request, booking, zone=zone, wait=request.link_limit_wait)
    if rescheduling.moved:
        messages.success(request, phrases.RESCHEDULED)
        return see_other(reverse("scheduler:booking", kwargs={"token": token}))
    picker = rescheduling.context["picker"]
    context = {
        **rescheduling.context,
        "coach": booking.coach,
        "tz_notice": tz_notice,
        "tz_form": tz_form(zone, **({"month": f"{picker['month']:%Y-%m}"} if picker else {})),
        "detect_tz": False,
    }
    # static/js/picker.js asks for the picker alone (?partial=picker) to swap it in place.
    template = PICKER_PARTIAL if picker and wants_picker_partial(request) else "scheduler/reschedule.html"
    return render(request, template, context, status=rescheduling.status)


@token_page
@require_http_methods(["GET", "HEAD", "POST"])
def booking_address_confirm(request, token, address_token):
    """The link sent through the client's channel. GET only shows a button: mail scanners and
    link previews open links, and must not confirm a booking for anyone."""
    booking = _booking(request, token)
    if not hmac.compare_digest(booking.address_token.encode(), address_token.encode()):
        raise Http404(phrases.ADDRESS_LINK_INVALID)
    errors, status = [], 200
    if booking.status != Booking.Status.UNCONFIRMED:  # confirmed already (a second click), or over
        return redirect("scheduler:booking", token=token)
    if request.method == "POST":
        if wait := request.link_limit_wait:
            errors, status = [phrases.TOO_MANY_REQUESTS % {"seconds": wait}], 429
        else:
            try:
                booking_services.booking_address_confirm(booking=booking)
            except ValidationError as exc:
                errors, status = exc.messages, 400
            else:
                messages.success(request, phrases.ADDRESS_CONFIRMED)
                return see_other(reverse("scheduler:booking", kwargs={"token": token}))
    zone, _notice = zone_or_default(request.GET.get("tz"), booking.time_zone)
    context = {"booking": booking, "coach": booking.coach, "zone": zone, "errors": errors}
    return render(request, "scheduler/confirm_address.html", context, status=status)
