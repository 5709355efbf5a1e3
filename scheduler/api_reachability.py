"""GET /api/coaches/<slug>/reachability: when the coach reads and answers, whether they
are away, and the next free time of each type (DESIGN.md has the shape). A router of
the API in api.py, which adds it; its errors are answered by that API's handlers."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from .models.common import time_zone_names
from .selectors.coach_reachability import coach_reachability
from .selectors.coaches import coaches

router = Router(tags=["booking"])


class ReachabilityNowOut(Schema):
    state: str
    until: datetime | None
    note: str | None


class ReplyWindowOut(Schema):
    start: datetime
    end: datetime


class ReachabilityOut(Schema):
    now: ReachabilityNowOut
    next_reply_window: ReplyWindowOut | None
    next_free: dict[str, datetime | None]


class ReachabilityErrorOut(Schema):
    errors: dict[str, str]


class ReachabilityDetailOut(Schema):
    detail: str


@router.get(
    "/coaches/{slug}/reachability",
    response={200: ReachabilityOut, 400: ReachabilityErrorOut, 404: ReachabilityDetailOut, 503: ReachabilityDetailOut},
    summary="When the coach answers, whether they are away, and the next free times",
)
def reachability(request, slug: str, tz: str | None = None):
    """`now.state` is `reply_window` (the coach reads and answers now), `away` (a blocked
    period; `note` is what the coach wrote for clients about it, in the request's language,
    else null) or `outside`; `until` is when that ends (null: not within three months).
    `next_reply_window` is the next one after the current; `next_free` has the first free
    start of each bookable type (null: none within its horizon). Times are ISO 8601 in `tz`
    (default: the coach's zone) with their offset. Nothing here is about any client."""
    coach = get_object_or_404(coaches(), slug=slug)
    if tz is not None and tz not in time_zone_names():
        return Status(400, {"errors": {"tz": _("Unknown time zone; use an IANA name such as Europe/Berlin.")}})
    zone = ZoneInfo(tz) if tz is not None else coach.zone
    found = coach_reachability(coach=coach, now=timezone.now())

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone) if moment is not None else None

    window = found.next_reply_window
    return {
        "now": {"state": found.status.state, "until": local(found.status.until), "note": found.status.note or None},
        "next_reply_window": {"start": local(window.start), "end": local(window.end)} if window else None,
        "next_free": {type_slug: local(start) for type_slug, start in found.next_free.items()},
    }
