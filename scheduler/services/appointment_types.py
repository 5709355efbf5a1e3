"""Writes of the coach's appointment types: create, change, (de)activate, reorder."""

import copy
import dataclasses
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..cache_versions import coach_settings_changed
from ..models import AppointmentType, Coach


@dataclass(frozen=True)
class AppointmentTypeData:
    """Everything a coach sets on a type. An empty `slug` is made from the (German) name;
    the English name and description are optional (German is every reader's fallback)."""

    name: str
    slug: str
    description: str
    duration: timedelta
    buffer_before: timedelta
    buffer_after: timedelta
    minimum_notice: timedelta
    horizon: timedelta
    slot_step: timedelta
    daily_cap: int | None
    weekly_cap: int | None
    approval: str
    allowed_channels: list[str]
    reminders: list[int]
    address_confirmation: str = AppointmentType.AddressConfirmation.REQUESTS
    name_en: str = ""
    description_en: str = ""
    answer_lead: timedelta = timedelta(hours=12)
    # Where clients who chose to meet in person come to (required while in_person is allowed).
    location: str = ""
    # The rules a coach keeps (services/booking_rules.py): online changes until this long
    # before (None: until it begins), open future bookings per client, shown publicly.
    change_notice: timedelta | None = None
    open_bookings_limit: int | None = None
    listed: bool = True


def _slug_taken_error() -> ValidationError:
    return ValidationError(_("You already have a type with this address; please choose another one."), code="unique")


def _save(appointment_type: AppointmentType, data: AppointmentTypeData) -> AppointmentType:
    """Check `data` on a copy of `appointment_type` (the caller's instance stays as it was
    when something is wrong) and save it. Raises ValidationError per field."""
    changed = copy.copy(appointment_type)
    for name, value in dataclasses.asdict(data).items():
        setattr(changed, name, value)
    changed.slug = data.slug or slugify(data.name)
    errors = {}
    try:
        # The (coach, slug) constraint is checked below, with a message at the field.
        changed.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
    if not changed.slug:
        errors["slug"] = [_("Give an address made of letters, digits and hyphens, e.g. first-talk.")]
    elif "slug" not in errors:
        others = AppointmentType.objects.filter(coach_id=changed.coach_id, slug=changed.slug)
        if others.exclude(pk=changed.pk).exists():
            errors["slug"] = _slug_taken_error().messages
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            changed.save()
    except IntegrityError as exc:  # the same address saved a moment ago, e.g. by a double submit
        raise ValidationError({"slug": _slug_taken_error()}) from exc
    return changed


def appointment_type_create(*, coach: Coach, data: AppointmentTypeData) -> AppointmentType:
    """A new type, last in the coach's order."""
    last = coach.appointment_types.aggregate(last=Max("order"))["last"]
    return _save(AppointmentType(coach=coach, order=0 if last is None else last + 1), data)


def appointment_type_update(*, appointment_type: AppointmentType, data: AppointmentTypeData) -> AppointmentType:
    return _save(appointment_type, data)


def appointment_type_set_active(*, appointment_type: AppointmentType, active: bool) -> AppointmentType:
    """An inactive type is not offered to clients; its bookings stay as they are."""
    appointment_type.active = active
    appointment_type.save(update_fields=["active"])
    return appointment_type


def appointment_type_move(*, appointment_type: AppointmentType, up: bool) -> None:
    """Swap the type with its neighbour in the coach's order (the order clients see).

    The coach's types are numbered 0, 1, 2, … on the way, so equal numbers (e.g. types
    made elsewhere, all with 0) get a definite order."""
    with transaction.atomic():
        types = list(
            AppointmentType.objects.select_for_update()
            .filter(coach_id=appointment_type.coach_id)
            .order_by("order", "name", "pk")
        )
        index = next(i for i, t in enumerate(types) if t.pk == appointment_type.pk)
        other = index - 1 if up else index + 1
        if 0 <= other < len(types):
            types[index], types[other] = types[other], types[index]
        renumbered = []
        for position, each in enumerate(types):
            if each.order != position:
                each.order = position
                renumbered.append(each)
        AppointmentType.objects.bulk_update(renumbered, ["order"])
        coach_settings_changed(appointment_type.coach_id)  # bulk writes send no signal
