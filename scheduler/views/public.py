"""The public booking pages: the coach's page and a type's slot picker with the form."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.views.decorators.http import require_http_methods

from accounts.selectors import booking_form_initial

from .. import phrases, ratelimit
from ..forms.booking import BookingForm, zone_or_default
from ..framing import with_embed
from ..models.common import Channel
from ..outbox.client_lines import change_rule_words
from ..reachability_words import next_free_words, reachability_sentences, weekly_window_words
from ..selectors.coach_reachability import coach_reachability, reply_windows_weekly
from ..selectors.coaches import appointment_type_bookable, appointment_types_bookable, coach_single, coaches
from ..selectors.privacy import user_emails_verified
from ..services.booking import SlotTaken, booking_create
from ..services.booking_links import BookingLinkClosed
from ..services.booking_request import booking_request_parse
from ..timebounds import parse_start
from .embed import booked_url
from .kept_pages import type_page_answer, type_page_keep, type_page_kept
from .link_pages import link_context, link_form_initial, link_picker_limit, link_picker_params
from .shared import add_service_errors, see_other, speak_to_clients_of
from .slot_picker import PICKER_PARTIAL, slot_picker, tz_form, wants_picker_partial


def home(request):
    """With exactly one coach the site is that coach's booking page; coaches are never listed."""
    coach = coach_single()
    if coach is not None:
        return redirect("scheduler:coach", coach_slug=coach.slug)
    return render(request, "scheduler/home.html")


def coach_page(request, coach_slug):
    """The coach's words, how to reach them and when (in the visitor's zone, ?tz= as on
    the type page), and the types to book."""
    coach = get_object_or_404(coaches(), slug=coach_slug)
    speak_to_clients_of(coach)
    types = list(appointment_types_bookable(coach=coach))
    offered = {channel for t in types for channel in t.allowed_channels}
    channels = [
        {"label": label, "note": phrases.channel_privacy_note(coach=coach, channel=value)}
        for value, label in Channel.choices
        if value in offered
    ]
    zone, tz_notice = zone_or_default(request.GET.get("tz"), coach.time_zone)
    now = timezone.now()
    found = coach_reachability(coach=coach, now=now, appointment_types=types)
    # One type: its next free time ends the sentence; several: each says its own.
    single = len(types) == 1
    sentences = reachability_sentences(
        status=found.status,
        next_window=found.next_reply_window,
        has_windows=found.has_windows,
        zone=zone,
        now=now,
        next_free=[found.next_free[types[0].slug]] if single else [],
    )
    type_query = "?" + urlencode({"tz": zone.key}) if "tz" in request.GET and not tz_notice else ""
    return render(
        request,
        "scheduler/coach.html",
        {
            "coach": coach,
            "appointment_types": [
                {
                    "type": t,
                    "approval": phrases.APPROVAL_NOTES.get(t.approval),
                    "next_free": None if single else next_free_words(found.next_free[t.slug], zone),
                    "url": reverse("scheduler:type", args=[coach.slug, t.slug]) + type_query,
                }
                for t in types
            ],
            "channels": channels,
            "no_calls": phrases.NO_CALLS_WITHOUT_APPOINTMENT,
            "reachability": sentences,
            "reply_windows": _reply_window_lines(coach=coach, now=now, zone=zone),
            "reply_windows_intro": phrases.REPLY_WINDOWS_WEEKLY_INTRO % {"zone": zone.key},
            "zone": zone,
            "tz_notice": tz_notice,
            "tz_form": tz_form(zone),
            "detect_tz": "tz" not in request.GET,
        },
    )


def _reply_window_lines(*, coach, now, zone) -> list[dict]:
    """The weekly reply windows in `zone`: per channel set its label (none when every
    window is for every channel) and its days and times."""
    groups = reply_windows_weekly(coach=coach, now=now)
    labelled = any(group.channels for group in groups)
    return [
        {
            "label": (
                get_text_list([phrases.REPLY_WINDOW_CHANNELS[c] for c in group.channels], phrases.LIST_AND)
                if group.channels
                else phrases.ALL_MESSAGES
            )
            if labelled
            else None,
            "times": weekly_window_words(group.times, zone),
        }
        for group in groups
    ]


def _bookable_type(coach_slug: str, type_slug: str):
    """The type with its coach (kept per process while the coach's settings keep their
    version: read it, never change it), the visitor addressed as its coach does."""
    appointment_type = appointment_type_bookable(coach_slug=coach_slug, type_slug=type_slug)
    if appointment_type is None:
        raise Http404("No such appointment type.")
    speak_to_clients_of(appointment_type.coach)
    return appointment_type


def _type_context(appointment_type, zone, picker, *, start=None, **extra) -> dict:
    return {
        "start": start,
        "end": start + appointment_type.duration if start else None,
        "coach": appointment_type.coach,
        "appointment_type": appointment_type,
        "approval_note": phrases.APPROVAL_NOTES.get(appointment_type.approval),
        # The online deadline, said before booking (and for a chosen time inside it).
        "change_rule": change_rule_words(appointment_type, None, timezone.now()),
        "change_rule_for_start": change_rule_words(appointment_type, start, timezone.now()) if start else "",
        "zone": zone,
        "picker": picker,
        "tz_form": tz_form(zone, **({"month": f"{picker['month']:%Y-%m}"} if picker else {})),
        "channel_hint": phrases.CHANNEL_FIELD_HINT,
        **extra,
    }


# --- public booking pages ---------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def type_page(request, coach_slug, type_slug):
    """Slot picker in the visitor's zone and, once a time is chosen, the booking form. The
    page without a chosen time, for a visitor without a session, is kept (views/kept_pages.py)."""
    kept = type_page_kept(request, coach_slug=coach_slug, type_slug=type_slug)
    if kept is not None and kept.body is not None:
        return type_page_answer(request, kept)
    return type_page_for(request, _bookable_type(coach_slug, type_slug), kept=kept)


def type_page_for(request, appointment_type, *, link=None, kept=None):
    """The type page of `appointment_type`. Through a booking link (views/links.py) only the
    link's dates are offered, its client's details fill in the form, and the booking spends it.
    `kept`: where this page is kept (type_page_kept), None when it is not."""
    if request.method == "POST":
        return _booking_submit(request, appointment_type, link=link)
    zone, tz_notice = zone_or_default(request.GET.get("tz"), appointment_type.coach.time_zone)
    start = parse_start(request.GET.get("start"))
    now = timezone.now()
    params = link_picker_params(request.GET, link, zone)
    picker = link_picker_limit(
        slot_picker(appointment_type=appointment_type, zone=zone, params=params, start=start, now=now), link
    )
    form = slot_notice = None
    if start and picker["start_offered"]:
        # A signed-in client's stored details fill in the form.
        initial = {
            "start": start.astimezone(zone).isoformat(),
            "tz": zone.key,
            **booking_form_initial(request.user),
            **link_form_initial(link),
        }
        form = BookingForm(initial=initial, appointment_type=appointment_type)
    elif request.GET.get("start"):
        slot_notice = phrases.SLOT_GONE
    context = _type_context(
        appointment_type,
        zone,
        picker,
        form=form,
        start=start,
        tz_notice=tz_notice,
        slot_notice=slot_notice,
        detect_tz="tz" not in request.GET,
        **link_context(link, appointment_type),
    )
    # static/js/picker.js: the picker alone, swapped in place
    response = render(request, PICKER_PARTIAL if wants_picker_partial(request) else "scheduler/type.html", context)
    if form is None and slot_notice is None and link is None:
        type_page_keep(kept, response=response, picker=picker, appointment_type=appointment_type, now=now)
    return response


def _signed_in_with(request, email: str) -> bool:
    """Whether the visitor is signed in with this e-mail address, verified: a proved booker."""
    if not request.user.is_authenticated:
        return False
    return email.strip().lower() in user_emails_verified(user=request.user)


def _booking_submit(request, appointment_type, *, link=None):
    coach = appointment_type.coach
    zone, _notice = zone_or_default(request.POST.get("tz"), coach.time_zone)
    start = parse_start(request.POST.get("start"))  # the time the page shows
    booking_request = booking_request_parse(data=request.POST, zone_field="tz")
    wait = ratelimit.booking_attempt_limited(request, booking_request.email)
    if wait is not None:
        form = BookingForm(initial=request.POST.dict(), appointment_type=appointment_type)
        context = _type_context(
            appointment_type,
            zone,
            None,
            form=form,
            start=start,
            notice=phrases.RATE_LIMITED % {"seconds": wait},
            **link_context(link, appointment_type),
        )
        response = render(request, "scheduler/booking_rate_limited.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response

    form = BookingForm(request.POST, appointment_type=appointment_type)
    status, notice = 200, None
    if not form.is_valid():  # only the honeypot: the booking's rules are booking_create's
        status = 400
    else:
        try:
            booking = booking_create(
                appointment_type=appointment_type,
                request=booking_request,
                address_proved=_signed_in_with(request, booking_request.email),
                link=link,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except SlotTaken:
            status, notice = 409, phrases.SLOT_TAKEN
        except BookingLinkClosed:  # the link's page says it was used or withdrawn
            return see_other(reverse("scheduler:link", args=[link.token]))
        else:
            if getattr(request, "embedded", False):  # /b/<token>/ refuses frames: a framed confirmation
                return see_other(with_embed(request, booked_url(booking)))
            return see_other(reverse("scheduler:booking", kwargs={"token": booking.token}))
    return _booking_form_again(
        request, appointment_type, form, zone=zone, start=start, status=status, notice=notice, link=link
    )


def _booking_form_again(request, appointment_type, form, *, zone, start, status, notice, link=None):
    """The type page with the posted form and its errors. When the time itself is the
    problem, the day's other times are offered inside the form."""
    # The action's query (start, tz, clock: booking_form.html) keeps the clock the visitor chose.
    picker = slot_picker(
        appointment_type=appointment_type, zone=zone, params=request.GET, start=start, now=timezone.now()
    )
    picker = link_picker_limit(picker, link)
    rechoose = status == 409 or "start" in form.errors
    picker["choose_in_form"] = rechoose
    context = _type_context(
        appointment_type,
        zone,
        picker,
        form=form,
        start=start,
        notice=notice,
        detect_tz=False,
        **link_context(link, appointment_type),
    )
    context["start_choices"] = [slot for slot in picker["day_slots"] if slot["start"] != start] if rechoose else None
    return render(request, "scheduler/type.html", context, status=status)
