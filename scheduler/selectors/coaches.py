"""Reads of the public pages: the active coaches and the types they offer. The API's
lookup of one bookable type is kept per process while its coach's settings keep their
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
    """The types the public pages and the API offer: active and listed. An unlisted type is
    bookable only through a booking link (selectors/booking_links.py)."""
    return coach.appointment_types.filter(active=True, listed=True)


def appointment_types_active(*, coach: Coach) -> QuerySet[AppointmentType]:
    """Every active type, listed or not: what a booking link or the coach may book."""
    return coach.appointment_types.filter(active=True)


# Coach ids by slug, per process: {slug: (expiry, id)}. Requests name the coach by slug,
# the versions of what is kept are the coach's (by id). A slug renamed leaves the old
# entry pointing at its coach, whose versions the rename changed, and the lookups by the
# old slug find nothing; only a slug passed on to another coach makes an entry wrong, and
# appointment_type_bookable drops such an entry as soon as it sees it (a kept slots answer
# lives a minute at most anyway). A slug that names no coach is not kept: a coach may take
# it the next moment. At most COACH_IDS_KEPT slugs, so that requests for many coaches
# cannot fill the memory.
_coach_ids: dict[str, tuple[float, int]] = {}
COACH_ID_TTL = 600
COACH_IDS_KEPT = 50_000


def coach_id_for_slug(slug: str) -> int | None:
    """The id of the coach with this slug (active or not), or None."""
    cached = _coach_ids.get(slug)
    if cached and cached[0] > monotonic():
        return cached[1]
    found = Coach.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if found is not None:
        if len(_coach_ids) >= COACH_IDS_KEPT:
            _coach_ids.clear()
        _coach_ids[slug] = (monotonic() + COACH_ID_TTL, found)
    return found


# Types the API found, per process: {(coach slug, type slug): (version, expiry, type)}.
# The query (type, coach and user: 40 columns through the ORM) cost a quarter of a
# booking request's CPU. A copy is good while its coach's settings keep their version
# (cache_versions.py) and for at most BOOKABLE_TYPE_TTL seconds, for writes without signals.
_bookable_types: dict[tuple[str, str], tuple[str, float, AppointmentType]] = {}
BOOKABLE_TYPE_TTL = 60


def appointment_type_bookable(*, coach_slug: str, type_slug: str) -> AppointmentType | None:
    """One bookable type with its coach and the coach's user, in one query or none (then
    the same instance as before: read it, never change it), and one more for the coach's id
    the first time this process is asked about the coach."""
    key = (coach_slug, type_slug)
    coach_id = coach_id_for_slug(coach_slug)
    if coach_id is None:
        return None
    version = coach_settings_version(coach_id)
    cached = _bookable_types.get(key)
    if cached and cached[0] == version and cached[1] > monotonic():
        return cached[2]
    found = (
        AppointmentType.objects.select_related("coach__user")
        .filter(coach__slug=coach_slug, coach__user__is_active=True, active=True, listed=True, slug=type_slug)
        .first()
    )
    if found is not None and found.coach_id != coach_id:  # the slug has passed to another coach
        _coach_ids.pop(coach_slug, None)
        _bookable_types.pop(key, None)
    elif found is None:
        _bookable_types.pop(key, None)
    else:
        _bookable_types[key] = (version, monotonic() + BOOKABLE_TYPE_TTL, found)
    return found
