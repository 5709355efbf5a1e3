"""The booking links' public pages, `/l/<token>/`: the booking pages of the types the link
allows (the type page itself, views/public.py, with the link passed on), or the times the
coach proposed to pick from; a used or withdrawn link says so and books nothing."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .. import phrases, ratelimit
from ..forms.booking import zone_or_default
from ..outbox.proposal_texts import client_zone
from ..selectors.booking_links import booking_link_by_token, booking_link_types, proposed_starts
from ..selectors.slots import slots_bookable
from ..services.booking import SlotTaken, booking_create
from ..services.booking_links import BookingLinkClosed, proposal_request
from ..timebounds import parse_start
from .link_pages import link_url
from .public import type_page_for
from .shared import see_other, speak_to_clients_of
from .slot_picker import tz_form


def _link(token: str):
    link = booking_link_by_token(token=token)
    if link is None:
        raise Http404
    speak_to_clients_of(link.coach)
    return link


def _closed(request, link):
    """A used or withdrawn link: nothing is booked, and nothing of the booking it led to is shown."""
    return render(request, "scheduler/link_closed.html", {"link": link, "coach": link.coach}, status=410)


@require_http_methods(["GET", "HEAD", "POST"])
def link_page(request, token):
    link = _link(token)
    if not link.is_open:
        return _closed(request, link)
    if link.proposed_starts:
        return _proposal(request, link)
    types = list(booking_link_types(link=link).select_related("coach"))
    if link.appointment_type_id is not None:
        if not types:  # the coach has switched the type off since
            raise Http404
        return type_page_for(request, types[0], link=link)
    if request.method == "POST":
        return redirect(link_url(link))
    items = [{"type": t, "url": link_url(link, t)} for t in types]
    return render(request, "scheduler/link_types.html", {"link": link, "coach": link.coach, "items": items})


@require_http_methods(["GET", "HEAD", "POST"])
def link_type_page(request, token, type_slug):
    link = _link(token)
    if not link.is_open:
        return _closed(request, link)
    if link.proposed_starts or link.appointment_type_id is not None:
        return redirect(link_url(link))
    appointment_type = get_object_or_404(booking_link_types(link=link).select_related("coach"), slug=type_slug)
    return type_page_for(request, appointment_type, link=link)


def _proposal_times(link, zone, now):
    """Each proposed time in `zone`, and whether the engine still offers it."""
    appointment_type = link.appointment_type
    starts = proposed_starts(link)
    offered = set()
    if starts:
        slots = slots_bookable(
            appointment_type=appointment_type,
            range_start=starts[0],
            range_end=starts[-1] + timedelta(microseconds=1),
            now=now,
        )
        offered = {slot.start for slot in slots}
    items = []
    for start in starts:
        local = start.astimezone(zone)
        end = local + appointment_type.duration
        items.append({"start": local, "end": end, "value": local.isoformat(), "free": start in offered})
    return items


def _proposal(request, link):
    """The proposed times (in the visitor's zone; the client's last one by default): each
    still free is a choice; picking one books it, confirmed, and spends the link."""
    if link.appointment_type is None or not link.appointment_type.active:
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    zone, tz_notice = zone_or_default(params.get("tz"), client_zone(link).key)
    errors, status, chosen = [], 200, None
    if request.method == "POST":
        chosen = parse_start(request.POST.get("start"))
        errors, status = _proposal_pick(request, link, chosen)
        if status == 303:
            return errors  # the redirect to the booking's page
    times = _proposal_times(link, zone, timezone.now())
    context = {
        "link": link,
        "coach": link.coach,
        "appointment_type": link.appointment_type,
        "times": times,
        "any_free": any(item["free"] for item in times),
        "zone": zone,
        "tz_notice": tz_notice,
        "tz_form": tz_form(zone),
        "errors": errors,
        "chosen": chosen,
        "message": request.POST.get("message", "") if request.method == "POST" else "",
        "consent": request.POST.get("privacy_consent") == "on",
        "consent_label": phrases.PRIVACY_CONSENT,
    }
    return render(request, "scheduler/link_proposal.html", context, status=status)


def _proposal_pick(request, link, start):
    """Book the picked time: ([messages], status), or (the redirect, 303)."""
    wait = ratelimit.booking_attempt_limited(request, link.client.email if link.client else "")
    if wait is not None:
        return [phrases.RATE_LIMITED % {"seconds": wait}], 429
    booking_request = proposal_request(
        link=link,
        start=start,
        message=request.POST.get("message", ""),
        privacy_consent=request.POST.get("privacy_consent") == "on",
    )
    try:
        booking = booking_create(appointment_type=link.appointment_type, request=booking_request, link=link)
    except BookingLinkClosed:
        return see_other(reverse("scheduler:link", args=[link.token])), 303
    except SlotTaken:
        return [phrases.SLOT_TAKEN], 409
    except ValidationError as exc:
        return _messages(exc), 400
    return see_other(reverse("scheduler:booking", kwargs={"token": booking.token})), 303


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [message for messages in exc.message_dict.values() for message in messages]
    return list(exc.messages)
