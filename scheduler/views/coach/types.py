"""The coach's appointment types: list, create, edit, (de)activate, reorder."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ...forms.appointment_types import AppointmentTypeForm
from ...phrases import CHANNEL_LABELS_FOR_COACH
from ...selectors.coach_settings import coach_appointment_types
from ...services.appointment_types import (
    appointment_type_create,
    appointment_type_move,
    appointment_type_set_active,
    appointment_type_update,
)
from ..shared import see_other
from . import coach_required, form_saved


def _own_type(request, type_slug: str):
    return get_object_or_404(coach_appointment_types(coach=request.coach), slug=type_slug)


@coach_required
def type_list(request):
    types = list(coach_appointment_types(coach=request.coach))
    rows = [
        {
            "type": t,
            "channels": [CHANNEL_LABELS_FOR_COACH[c] for c in t.allowed_channels if c in CHANNEL_LABELS_FOR_COACH],
            "first": i == 0,
            "last": i == len(types) - 1,
        }
        for i, t in enumerate(types)
    ]
    return render(request, "coach/types/list.html", {"section": "types", "rows": rows})


def _form_page(request, form, appointment_type=None, status=200):
    context = {"section": "types", "form": form, "appointment_type": appointment_type}
    return render(request, "coach/types/form.html", context, status=status)


def _saved(request, form):
    # The name as typed is the name saved (the service only fills in an empty slug).
    messages.success(request, _("“%(name)s” is saved.") % {"name": form.cleaned_data["name"]})
    return see_other(reverse("coach:types"))


@coach_required
def type_create(request):
    form = AppointmentTypeForm(request.POST if request.method == "POST" else None, coach=request.coach)
    if form_saved(form, lambda: appointment_type_create(coach=request.coach, data=form.type_data())):
        return _saved(request, form)
    return _form_page(request, form)


@coach_required
def type_edit(request, type_slug):
    appointment_type = _own_type(request, type_slug)
    form = AppointmentTypeForm(
        request.POST if request.method == "POST" else None, coach=request.coach, instance=appointment_type
    )
    if form_saved(form, lambda: appointment_type_update(appointment_type=appointment_type, data=form.type_data())):
        return _saved(request, form)
    return _form_page(request, form, appointment_type)


@coach_required
@require_POST
def type_active(request, type_slug):
    appointment_type = _own_type(request, type_slug)
    active = request.POST.get("active") == "1"
    appointment_type_set_active(appointment_type=appointment_type, active=active)
    if active:
        done = _("“%(name)s” can be booked again.")
    else:
        done = _("“%(name)s” is no longer offered; its bookings stay as they are.")
    messages.success(request, done % {"name": appointment_type.name})
    return see_other(reverse("coach:types"))


@coach_required
@require_POST
def type_move(request, type_slug):
    appointment_type = _own_type(request, type_slug)
    appointment_type_move(appointment_type=appointment_type, up=request.POST.get("direction") == "up")
    return see_other(reverse("coach:types") + f"#type-{appointment_type.slug}")


urlpatterns = [
    path("", type_list, name="types"),
    path("new/", type_create, name="type_create"),
    path("<slug:type_slug>/", type_edit, name="type_edit"),
    path("<slug:type_slug>/active/", type_active, name="type_active"),
    path("<slug:type_slug>/move/", type_move, name="type_move"),
]
