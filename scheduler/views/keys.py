""" "Find my key": the booking form's second button. It looks the visitor's OpenPGP key up in
their mail provider's Web Key Directory and shows the form again, everything typed kept and
the key filled in (or a message at the field). It books nothing, and booking never looks
anything up: the booking request makes no request of its own to anywhere."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import phrases, ratelimit, wkd
from ..forms.booking import BookingForm, zone_or_default
from ..timebounds import parse_start
from .public import _bookable_type, _type_context
from .slot_picker import slot_picker

# Sent back as typed, never shown again: the CSRF token comes fresh with the page.
NOT_KEPT = ("csrfmiddlewaretoken",)


@require_POST
def key_lookup(request, coach_slug, type_slug):
    appointment_type = _bookable_type(coach_slug, type_slug)
    coach = appointment_type.coach
    zone, _notice = zone_or_default(request.POST.get("tz"), coach.time_zone)
    start = parse_start(request.POST.get("start"))
    typed = {name: value for name, value in request.POST.items() if name not in NOT_KEPT}
    email = typed.get("email", "")

    wait = ratelimit.key_lookup_limited(request, email)
    if wait is not None:
        form = BookingForm(initial=typed, appointment_type=appointment_type)
        context = _type_context(
            appointment_type, zone, None, form=form, start=start, notice=phrases.RATE_LIMITED % {"seconds": wait}
        )
        response = render(request, "scheduler/booking_rate_limited.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response

    try:
        typed["pgp_public_key"] = wkd.wkd_key_find(email=email)
    except ValidationError as exc:
        key_lookup = {"found": False, "message": " ".join(exc.messages)}
    else:
        key_lookup = {
            "found": True,
            "message": _("A key for this address was found and filled in. Please check that it is yours."),
        }
    form = BookingForm(initial=typed, appointment_type=appointment_type)
    picker = slot_picker(appointment_type=appointment_type, zone=zone, params={}, start=start, now=timezone.now())
    picker["choose_in_form"] = False
    context = _type_context(
        appointment_type, zone, picker, form=form, start=start, key_lookup=key_lookup, detect_tz=False
    )
    return render(request, "scheduler/type.html", context)
