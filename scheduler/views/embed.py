"""Embedding on the coach's website: /embed.js, and the confirmation a framed booking ends on.

/b/<token>/ refuses every frame (it holds the booking's capability), so a booking made inside
a frame ends on a page of the coach's public path instead: it says what happens next, that the
link was sent, and opens the booking's own page in a new tab.
"""

import json
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from .. import phrases
from ..forms.booking import zone_or_default
from ..models import Booking
from ..outbox.client_lines import change_words
from ..selectors.bookings import bookings_with_details
from ..selectors.coaches import appointment_types_bookable, coaches
from ..services.booking_rules import online_change_open
from .shared import speak_to_clients_of

BOOKED_SALT = "scheduler.views.embed.booked"
# The confirmation shows the booking's link; its own address works for this long only.
BOOKED_MAX_AGE = 60 * 60
EMBED_JS_MAX_AGE = 60 * 60


# The few words embed.js shows on the coach's website, in each of our languages: it picks
# them by its data-lang or the host page's language.
EMBED_TEXTS = {
    "book": _("Book an appointment"),
    "close": _("Close"),
    "title": _("Booking page"),
}


@cache
def _embed_js_source() -> bytes:
    with open(finders.find("js/embed.js"), encoding="utf-8") as handle:
        source = handle.read()
    words = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            words[code] = {key: str(text) for key, text in EMBED_TEXTS.items()}
    return source.replace("/*TEXTS*/ {}", json.dumps(words, ensure_ascii=False), 1).encode()


@require_safe
def embed_js(request):
    """The script coaches put on their website. At a fixed address (not under /static/, whose
    names change with each release in production), cached for an hour."""
    response = HttpResponse(_embed_js_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={EMBED_JS_MAX_AGE}"
    return response


def embed_snippets(coach) -> list[dict]:
    """The script tags the coach copies into their website: the whole booking page and each
    listed type, inline and as a popup button."""
    source = f"{settings.SITE_URL}/embed.js"
    targets = [(None, coach.display_name)] + [(t.slug, t.local_name) for t in appointment_types_bookable(coach=coach)]
    label = escape(_("Book an appointment"))
    snippets = []
    for type_slug, name in targets:
        data = f'data-coach="{coach.slug}"' + (f' data-type="{type_slug}"' if type_slug else "")
        snippets.append(
            {
                "name": name,
                "key": type_slug or "all",
                "inline": f'<script src="{source}" {data} data-mode="inline" defer></script>',
                "popup": f'<script src="{source}" {data} data-mode="popup" data-label="{label}" defer></script>',
            }
        )
    return snippets


def booked_reference(booking: Booking) -> str:
    # The uuid, not the pk: a signed value is readable (base64), and public URLs carry no
    # sequential ids.
    return signing.dumps(str(booking.uuid), salt=BOOKED_SALT)


def booked_url(booking: Booking) -> str:
    path = reverse("scheduler:type_booked", args=[booking.coach.slug, booking.appointment_type.slug])
    return f"{path}?ref={booked_reference(booking)}"


@require_safe
def booked(request, coach_slug, type_slug):
    """The framed confirmation of the booking just made (`?ref=` signed, for an hour)."""
    try:
        booking_uuid = signing.loads(request.GET.get("ref", ""), salt=BOOKED_SALT, max_age=BOOKED_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    booking = get_object_or_404(
        bookings_with_details(),
        uuid=booking_uuid,
        coach__in=coaches(),
        coach__slug=coach_slug,
        appointment_type__slug=type_slug,
    )
    speak_to_clients_of(booking.coach)
    zone, _notice = zone_or_default(booking.time_zone, booking.coach.time_zone)
    now = timezone.now()
    context = {
        "booking": booking,
        "coach": booking.coach,
        "appointment_type": booking.appointment_type,
        "zone": zone,
        "headline": phrases.BOOKING_STATUS_HEADLINES.get(booking.status, ""),
        # What the booking's page allows, said as true as there (the type's online deadline).
        "change_words": change_words(booking, now, zone),
        "changeable": booking.is_active and online_change_open(booking, now),
        # Opened in a new tab: our own origin, whatever SITE_URL says.
        "booking_url": reverse("scheduler:booking", kwargs={"token": booking.token}),
    }
    response = render(request, "scheduler/embed_booked.html", context)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
