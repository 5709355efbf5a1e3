"""Reads of the public pages: the active coaches and the types they offer. The API's
lookup of one bookable type is kept per process while the coaches' settings keep their
version (cache_versions.py)."""

from time import monotonic

from django.db.models import QuerySet

from ..cache_versions import coach_settings_version
from ..models import AppointmentType, Coach


def coaches() -> QuerySet[Coach]:
    return Coach.objects.filter(user__is_active=True)


def coach_single() -> Coach | None:
    """The only coach of this site, or None when there are none or several."""
    found = list(coaches()[:2])
    return found[0] if len(found) == 1 else None


def appointment_types_bookable(*, coach: Coach) -> QuerySet[AppointmentType]:
    return coach.appointment_types.filter(active=True)


# Types the API found, per process: {(coach slug, type slug): (version, expiry, type)}.
# The query (type, coach and user: 40 columns through the ORM) cost a quarter of a
# booking request's CPU. A copy is good while the coaches' settings keep their version
# (cache_versions.py) and for at most BOOKABLE_TYPE_TTL seconds, for writes without signals.
_bookable_types: dict[tuple[str, str], tuple[str, float, AppointmentType]] = {}
BOOKABLE_TYPE_TTL = 60


def appointment_type_bookable(*, coach_slug: str, type_slug: str) -> AppointmentType | None:
    """One bookable type with its coach and the coach's user, in one query or none (then
    the same instance as before: read it, never change it)."""
    key = (coach_slug, type_slug)
    version = coach_settings_version()
    cached = _bookable_types.get(key)
    if cached and cached[0] == version and cached[1] > monotonic():
        return cached[2]
    found = (
        AppointmentType.objects.select_related("coach__user")
        .filter(coach__slug=coach_slug, coach__user__is_active=True, active=True, slug=type_slug)
        .first()
    )
    if found is None:
        _bookable_types.pop(key, None)
    else:
        _bookable_types[key] = (version, monotonic() + BOOKABLE_TYPE_TTL, found)
    return found
