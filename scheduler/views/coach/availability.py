"""The coach's availability: weekly hours, reply windows, date overrides, blocked periods
and a preview of what clients can book. Times are entered and shown in the coach's zone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ...forms.coach_availability import (
    REPLY_CHANNEL_LABELS,
    BlockedPeriodForm,
    DateOverrideForm,
    ReplyWindowForm,
    WeeklyHoursFormSet,
)
from ...selectors.coach_availability import (
    appointment_types_of,
    blocked_periods_upcoming,
    date_overrides_upcoming,
    slots_preview,
    weekly_hours_of,
)
from ...selectors.coaches import appointment_types_active
from ...services import coach_availability as availability_services
from ..shared import see_other
from . import coach_required, form_saved


def _render(request, template, context):
    return render(request, f"coach/availability/{template}", {"section": "availability", **context})


@coach_required
@require_http_methods(["GET", "HEAD", "POST"])
def weekly_hours(request):
    coach = request.coach
    types = appointment_types_of(coach=coach)
    initial = [
        {
            "weekday": row.weekday,
            "start": row.start,
            "end": row.end,
            "appointment_types": list(row.appointment_types.all()),
        }
        for row in weekly_hours_of(coach=coach)
    ]
    data = request.POST if request.method == "POST" else None
    formset = WeeklyHoursFormSet(data, initial=initial, prefix="hours", form_kwargs={"appointment_types": types})
    if formset.is_bound and formset.is_valid():
        # The formset checks what the service does, so a valid formset is saved.
        availability_services.weekly_hours_replace(coach=coach, windows=formset.windows())
        messages.success(request, _("Your weekly hours are saved."))
        return see_other(reverse("coach:availability"))
    return _render(request, "weekly_hours.html", {"formset": formset, "has_types": types.exists()})


@coach_required
@require_http_methods(["GET", "HEAD", "POST"])
def reply_windows(request):
    """The coach's reply windows, and a form to add one."""
    coach = request.coach
    form = ReplyWindowForm(request.POST if request.method == "POST" else None, coach=coach)
    if form.is_bound and form_saved(
        form, lambda: availability_services.reply_window_create(coach=coach, **form.window_values())
    ):
        messages.success(request, _("The reply window is saved."))
        return see_other(reverse("coach:availability_replies"))
    rows = [
        {"window": window, "channels": [REPLY_CHANNEL_LABELS[channel] for channel in window.channels]}
        for window in coach.reply_windows.order_by("weekday", "start")
    ]
    return _render(request, "reply_windows.html", {"form": form, "rows": rows})


@coach_required
@require_http_methods(["GET", "HEAD", "POST"])
def reply_window_edit(request, pk):
    window = get_object_or_404(request.coach.reply_windows, pk=pk)
    form = ReplyWindowForm(request.POST if request.method == "POST" else None, coach=request.coach, window=window)
    if form.is_bound and form_saved(
        form, lambda: availability_services.reply_window_update(window=window, **form.window_values())
    ):
        messages.success(request, _("The reply window is saved."))
        return see_other(reverse("coach:availability_replies"))
    return _render(request, "reply_window_form.html", {"form": form, "window": window})


@coach_required
@require_POST
def reply_window_delete(request, pk):
    window = get_object_or_404(request.coach.reply_windows, pk=pk)
    availability_services.reply_window_delete(window=window)
    messages.success(request, _("The reply window is deleted."))
    return see_other(reverse("coach:availability_replies"))


@coach_required
@require_http_methods(["GET", "HEAD", "POST"])
def date_overrides(request):
    coach = request.coach
    form = DateOverrideForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            # A closed day comes without times (the form sees to that).
            availability_services.date_override_create(
                coach=coach, day=data["date"], start=data["start"], end=data["end"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The date is saved."))
            return see_other(reverse("coach:availability_overrides"))
    overrides = date_overrides_upcoming(coach=coach, now=timezone.now())
    return _render(request, "date_overrides.html", {"form": form, "overrides": overrides})


@coach_required
@require_POST
def date_override_delete(request, pk):
    override = get_object_or_404(request.coach.date_overrides, pk=pk)
    availability_services.date_override_delete(override=override)
    messages.success(request, _("The entry is deleted."))
    return see_other(reverse("coach:availability_overrides"))


@coach_required
@require_safe
def blocked_periods(request):
    periods = blocked_periods_upcoming(coach=request.coach, now=timezone.now())
    return _render(request, "blocked_periods.html", {"periods": periods})


def _blocked_period_form(request, period):
    """Add or change a period. Over active bookings the page lists them and asks: the
    second POST carries everything typed, the bookings shown and the coach's decision."""
    coach = request.coach
    form = BlockedPeriodForm(request.POST if request.method == "POST" else None, period=period)
    collisions = []
    if form.is_bound and form.is_valid():
        decision = form.decision()
        try:
            saved = availability_services.blocked_period_save(
                coach=coach,
                period=period,
                **form.period_values(),
                decided=form.decided() if decision else (),
                cancel_bookings=decision == "cancel",
                note=form.cleaned_data["cancel_note"],
            )
        except availability_services.BlockedPeriodCollides as exc:
            collisions = exc.bookings
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The blocked period is saved and the bookings in it are cancelled; your clients are told.")
                if decision == "cancel"
                else _("The blocked period is saved."),
            )
            return see_other(reverse("coach:availability_blocked") + f"#period-{saved.pk}")
    return _render(request, "blocked_period_form.html", {"form": form, "period": period, "collisions": collisions})


@coach_required
@require_http_methods(["GET", "HEAD", "POST"])
def blocked_period_create(request):
    return _blocked_period_form(request, None)


@coach_required
@require_http_methods(["GET", "HEAD", "POST"])
def blocked_period_edit(request, pk):
    return _blocked_period_form(request, get_object_or_404(request.coach.blocked_periods, pk=pk))


@coach_required
@require_POST
def blocked_period_delete(request, pk):
    period = get_object_or_404(request.coach.blocked_periods, pk=pk)
    availability_services.blocked_period_delete(period=period)
    messages.success(request, _("The blocked period is deleted."))
    return see_other(reverse("coach:availability_blocked"))


@coach_required
@require_safe
def preview(request):
    """The next days' bookable slots of one type, from the engine clients are served by."""
    types = list(appointment_types_active(coach=request.coach))  # unlisted ones too: the coach books them
    chosen = next((t for t in types if t.slug == request.GET.get("type")), types[0] if types else None)
    days = slots_preview(appointment_type=chosen, now=timezone.now()) if chosen else []
    return _render(request, "preview.html", {"types": types, "chosen": chosen, "days": days})


urlpatterns = [
    path("", weekly_hours, name="availability"),
    path("replies/", reply_windows, name="availability_replies"),
    path("replies/<int:pk>/", reply_window_edit, name="availability_reply_edit"),
    path("replies/<int:pk>/delete/", reply_window_delete, name="availability_reply_delete"),
    path("dates/", date_overrides, name="availability_overrides"),
    path("dates/<int:pk>/delete/", date_override_delete, name="availability_override_delete"),
    path("blocked/", blocked_periods, name="availability_blocked"),
    path("blocked/new/", blocked_period_create, name="availability_blocked_create"),
    path("blocked/<int:pk>/", blocked_period_edit, name="availability_blocked_edit"),
    path("blocked/<int:pk>/delete/", blocked_period_delete, name="availability_blocked_delete"),
    path("preview/", preview, name="availability_preview"),
]
