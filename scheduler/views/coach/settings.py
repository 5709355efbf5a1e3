"""The coach's settings: profile and policy, ways to talk, calendar feeds, other calendars
(the CalDAV calendar and ICS addresses)."""

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ... import field_encryption
from ...forms.coach_settings import (
    CaldavCalendarForm,
    CoachChannelsForm,
    CoachEmbedForm,
    CoachKeyForm,
    CoachProfileForm,
    ExternalCalendarForm,
)
from ...models import ExternalCalendar
from ...selectors.coach_settings import coach_external_calendars
from ...services.caldav import SeveralCalendars, caldav_calendar_connect, caldav_calendar_disconnect
from ...services.coach import (
    coach_busy_feed_set,
    coach_channels_update,
    coach_embed_origins_set,
    coach_feed_rotate,
    coach_feed_url,
    coach_pgp_key_set,
    coach_profile_update,
)
from ...services.external_calendars import (
    external_calendar_create,
    external_calendar_delete,
    external_calendar_import,
    external_calendar_set_active,
)
from ...validators import openpgp_key_summary
from ..embed import embed_snippets
from ..shared import add_service_errors, see_other
from . import coach_required, form_saved


def _done(request, message: str, part: str):
    """Say what was saved, and go back to that part of the page."""
    messages.success(request, message)
    return see_other(reverse("coach:settings") + "#" + part)


def _caldav_initial(calendar: ExternalCalendar | None) -> dict:
    return {"url": calendar.url, "username": calendar.username} if calendar else {}


def _settings_page(
    request,
    *,
    profile_form=None,
    channels_form=None,
    calendar_form=None,
    key_form=None,
    caldav_form=None,
    embed_form=None,
):
    """The whole page; the part that was just sent comes with its errors, the others fresh."""
    coach = request.coach
    busy_feed_url = None
    if coach.busy_feed_enabled:
        busy_feed_url = django_settings.SITE_URL + reverse("scheduler:busy_feed", kwargs={"coach_slug": coach.slug})
    caldav_calendar = coach_external_calendars(coach=coach, kind=ExternalCalendar.Kind.CALDAV).first()
    context = {
        "section": "settings",
        "profile_form": profile_form or CoachProfileForm(coach=coach),
        "channels_form": channels_form or CoachChannelsForm(coach=coach),
        "calendar_form": calendar_form or ExternalCalendarForm(),
        "key_form": key_form or CoachKeyForm(),
        "stored_key": openpgp_key_summary(coach.pgp_public_key),
        "calendars": coach_external_calendars(coach=coach, kind=ExternalCalendar.Kind.ICS),
        "caldav_calendar": caldav_calendar,
        # Connecting again starts from the address and user name it has (never the password).
        "caldav_form": caldav_form or CaldavCalendarForm(initial=_caldav_initial(caldav_calendar)),
        "caldav_possible": field_encryption.key_available(),
        "feed_url": coach_feed_url(coach=coach),
        "busy_feed_url": busy_feed_url,
        "embed_form": embed_form or CoachEmbedForm(coach=coach),
        "embed_snippets": embed_snippets(coach),
    }
    return render(request, "coach/settings/page.html", context)


@coach_required
def settings_page(request):
    """The page; POST saves the profile part."""
    if request.method != "POST":
        return _settings_page(request)
    form = CoachProfileForm(request.POST, coach=request.coach)
    if form_saved(form, lambda: coach_profile_update(coach=request.coach, **form.cleaned_data)):
        return _done(request, _("Your settings are saved."), "profile")
    return _settings_page(request, profile_form=form)


@coach_required
@require_POST
def channels_update(request):
    form = CoachChannelsForm(request.POST, coach=request.coach)
    if form_saved(form, lambda: coach_channels_update(coach=request.coach, **form.channels_data())):
        return _done(request, _("Your ways to talk are saved."), "channels")
    return _settings_page(request, channels_form=form)


@coach_required
@require_POST
def embed_update(request):
    form = CoachEmbedForm(request.POST, coach=request.coach)
    if form_saved(form, lambda: coach_embed_origins_set(coach=request.coach, **form.cleaned_data)):
        return _done(request, _("The websites that may show your booking pages are saved."), "embed")
    return _settings_page(request, embed_form=form)


@coach_required
@require_POST
def key_set(request):
    form = CoachKeyForm(request.POST)
    if form.is_valid():
        coach_pgp_key_set(coach=request.coach, armored=form.cleaned_data["pgp_public_key"])
        return _done(
            request, _("Your OpenPGP key is saved: e-mails to you with clients' details are encrypted."), "key"
        )
    return _settings_page(request, key_form=form)


@coach_required
@require_POST
def key_remove(request):
    coach_pgp_key_set(coach=request.coach, armored="")
    return _done(request, _("Your OpenPGP key is removed."), "key")


@coach_required
@require_POST
def feed_rotate(request):
    coach_feed_rotate(coach=request.coach)
    return _done(request, _("Your calendar feed has a new address. The old one no longer works."), "feeds")


@coach_required
@require_POST
def busy_feed_set(request):
    enabled = request.POST.get("enabled") == "1"
    coach_busy_feed_set(coach=request.coach, enabled=enabled)
    if enabled:
        return _done(request, _("Your busy-only calendar is published."), "feeds")
    return _done(request, _("Your busy-only calendar is no longer published."), "feeds")


@coach_required
@require_POST
def calendar_add(request):
    form = ExternalCalendarForm(request.POST)
    if form_saved(form, lambda: external_calendar_create(coach=request.coach, **form.cleaned_data)):
        return _done(request, _("The calendar is added; it is imported within 15 minutes."), "calendars")
    return _settings_page(request, calendar_form=form)


def _own_calendar(request, calendar_id: int, kind: str = ""):
    return get_object_or_404(coach_external_calendars(coach=request.coach, kind=kind), pk=calendar_id)


@coach_required
@require_POST
def caldav_connect(request):
    """Connect the CalDAV calendar (or connect it again), then read it at once."""
    form = CaldavCalendarForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, caldav_form=form)
    try:
        calendar = caldav_calendar_connect(coach=request.coach, **form.connect_data())
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _settings_page(request, caldav_form=form)
    except SeveralCalendars as several:
        form.calendars_offer(several.calendars)
        count = len(several.calendars)
        form.add_error("calendar", _("There are %(count)d calendars at this address: choose one.") % {"count": count})
        return _settings_page(request, caldav_form=form)
    external_calendar_import(calendar=calendar)
    words = {"name": calendar.name, "error": calendar.last_error}
    if calendar.last_error:
        messages.warning(
            request,
            _(
                "“%(name)s” is connected, and your bookings are written to it. "
                "Its busy times could not be read yet: %(error)s"
            )
            % words,
        )
        return see_other(reverse("coach:settings") + "#calendars")
    done = _(
        "“%(name)s” is connected: your bookings are written to it, and times that are busy in it cannot be booked."
    )
    return _done(request, done % words, "calendars")


@coach_required
@require_POST
def calendar_sync(request, calendar_id):
    """Read the calendar now, not only every 15 minutes."""
    calendar = _own_calendar(request, calendar_id)
    count = external_calendar_import(calendar=calendar)
    if calendar.last_error:
        messages.error(
            request,
            _("“%(name)s” could not be read: %(error)s") % {"name": calendar.name, "error": calendar.last_error},
        )
        return see_other(reverse("coach:settings") + "#calendars")
    done = ngettext("“%(name)s” is read: %(count)d busy time.", "“%(name)s” is read: %(count)d busy times.", count) % {
        "name": calendar.name,
        "count": count,
    }
    return _done(request, done, "calendars")


@coach_required
@require_POST
def calendar_active(request, calendar_id):
    # Not for the CalDAV calendar: bookings are written to it for as long as it is connected.
    calendar = _own_calendar(request, calendar_id, kind=ExternalCalendar.Kind.ICS)
    active = request.POST.get("active") == "1"
    external_calendar_set_active(calendar=calendar, active=active)
    if active:
        done = _("“%(name)s” is imported again.")
    else:
        done = _("“%(name)s” is no longer imported; its times no longer block yours.")
    return _done(request, done % {"name": calendar.name}, "calendars")


@coach_required
@require_POST
def calendar_delete(request, calendar_id):
    calendar = _own_calendar(request, calendar_id)
    if calendar.kind == ExternalCalendar.Kind.CALDAV:
        caldav_calendar_disconnect(calendar=calendar)
        done = _("“%(name)s” is disconnected. The bookings already in it stay there; new ones are no longer written.")
        return _done(request, done % {"name": calendar.name}, "calendars")
    external_calendar_delete(calendar=calendar)
    return _done(request, _("“%(name)s” is removed.") % {"name": calendar.name}, "calendars")


urlpatterns = [
    path("", settings_page, name="settings"),
    path("channels/", channels_update, name="settings_channels"),
    path("embed/", embed_update, name="settings_embed"),
    path("key/", key_set, name="settings_key"),
    path("key/remove/", key_remove, name="settings_key_remove"),
    path("feed/rotate/", feed_rotate, name="feed_rotate"),
    path("feed/busy/", busy_feed_set, name="busy_feed_set"),
    path("calendars/", calendar_add, name="calendar_add"),
    path("calendars/caldav/", caldav_connect, name="caldav_connect"),
    path("calendars/<int:calendar_id>/sync/", calendar_sync, name="calendar_sync"),
    path("calendars/<int:calendar_id>/active/", calendar_active, name="calendar_active"),
    path("calendars/<int:calendar_id>/delete/", calendar_delete, name="calendar_delete"),
]
