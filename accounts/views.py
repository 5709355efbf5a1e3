"""The client's own pages under /me/: their bookings with every coach, their stored
contact details, the export of their data and the deletion of their account."""

import json
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from scheduler import ics
from scheduler.models import Booking, Coach
from scheduler.selectors.privacy import user_bookings, user_data_export, user_emails_verified, user_feed_bookings
from scheduler.services.privacy import client_account_delete
from scheduler.validators import openpgp_key_summary
from scheduler.views.feeds import calendar_response, etag_of

from .forms import ClientProfileForm
from .models import ClientProfile
from .selectors import client_profile_by_feed_token
from .services import client_feed_rotate, client_records_update

# Someone signed out who opens /me/ is a client (coaches have /coach/): their entry is the
# sign-in by a code, not the coach's password form.
client_login_required = login_required(login_url="account_request_login_code")


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@client_login_required
@require_safe
def me(request):
    now = timezone.now()
    bookings = list(user_bookings(user=request.user))
    for booking in bookings:
        booking.zone = ZoneInfo(booking.time_zone)
    profile = ClientProfile.objects.filter(user=request.user).first()
    context = {
        "upcoming": [booking for booking in bookings if booking.end >= now],
        "past": [booking for booking in reversed(bookings) if booking.end < now],
        "emails": user_emails_verified(user=request.user),
        "profile": profile,
        "key": openpgp_key_summary(profile.pgp_public_key if profile else ""),
        "feed_url": _feed_url(request, profile),
    }
    return _private(render(request, "account/me.html", context))


@client_login_required
@require_http_methods(["GET", "HEAD", "POST"])
def me_details(request):
    profile = ClientProfile.objects.filter(user=request.user).first() or ClientProfile(user=request.user)
    form = ClientProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        client_records_update(profile=form.save())
        messages.success(request, _("Your details are saved. They fill in the booking form for you."))
        return redirect("accounts:me")
    return _private(render(request, "account/me_details.html", {"form": form}))


@client_login_required
@require_safe
def me_export_json(request):
    data = json.dumps(user_data_export(user=request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sprechzeit-data.json"'
    return _private(response)


@client_login_required
@require_safe
def me_export_ics(request):
    response = HttpResponse(
        ics.client_calendar(user_bookings(user=request.user)), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="sprechzeit-bookings.ics"'
    return _private(response)


def _feed_url(request, profile: ClientProfile | None) -> str:
    if profile is None:
        return ""
    return request.build_absolute_uri(reverse("accounts:me_feed", kwargs={"token": profile.feed_token}))


@require_safe
def me_feed(request, token):
    """The client's calendar feed, for calendar apps: the token in the address is the key."""
    profile = client_profile_by_feed_token(token)
    if profile is None:
        raise Http404
    bookings = list(user_feed_bookings(user=profile.user, now=timezone.now()))
    # The zone the client chose when they last booked; calendar apps show times in their own anyway.
    zone_name = bookings[-1].time_zone if bookings else "UTC"
    # Each event is in its booking's language (ics.client_event); the calendar's name in the
    # language the client chose for their account, else that of their latest booking: a
    # calendar app's request says nothing about the client's.
    language = profile.language or (ics.client_language(bookings[-1]) if bookings else translation.get_language())
    body = ics.client_feed(bookings=bookings, zone_name=zone_name, language=language)
    last_modified = max((booking.updated_at for booking in bookings), default=None)
    return calendar_response(request, body, etag=etag_of(body), last_modified=last_modified, private=True)


@client_login_required
@require_POST
def me_feed_rotate(request):
    client_feed_rotate(user=request.user)
    messages.success(
        request, _("Your calendar has a new address. Calendar apps subscribed to the old one get nothing more.")
    )
    return redirect(reverse("accounts:me") + "#calendar")


@client_login_required
@require_http_methods(["GET", "HEAD", "POST"])
def me_delete(request):
    user = request.user
    # A coach's login holds their whole calendar: only the operator removes it.
    if user.is_staff or Coach.objects.filter(user=user).exists():
        return _private(render(request, "account/me_delete.html", {"refused": True}, status=403))
    future = user_bookings(user=user).filter(status__in=Booking.ACTIVE_STATUSES, start__gt=timezone.now())
    if request.method == "POST":
        client_account_delete(user=user)
        logout(request)
        messages.success(request, _("Your account is deleted."))
        return redirect("scheduler:home")
    return _private(render(request, "account/me_delete.html", {"future": list(future)}))
