"""What the type page (views/public.py) does differently when it is opened through a booking
link: the picker offers only the link's dates, the form is filled in for the link's client
and sent back to the link's address, and the page says whose link it is. Kept here so that
public.py only passes the link on (and views/links.py, which imports public.py, is not
imported by it)."""

from datetime import datetime, time, timedelta

from django.urls import reverse

from ..selectors.booking_links import booking_link_allows, booking_link_window


def link_url(link, appointment_type=None) -> str:
    """The link's page for `appointment_type`: /l/<token>/ when the link names the type (or
    no type is given), /l/<token>/<type>/ when the client chose it among the coach's."""
    if appointment_type is None or link.appointment_type_id is not None:
        return reverse("scheduler:link", args=[link.token])
    return reverse("scheduler:link_type", args=[link.token, appointment_type.slug])


def link_context(link, appointment_type) -> dict:
    """The type page's context for a link: the link, where the form is sent, where "back" goes."""
    if link is None:
        return {}
    return {
        "link": link,
        "form_action": link_url(link, appointment_type),
        "link_back_url": None if link.appointment_type_id else link_url(link),
    }


def link_form_initial(link) -> dict:
    """A link made for a client fills in their name and address."""
    if link is None or link.client is None:
        return {}
    return {"name": link.client.name, "email": link.client.email, "language": link.client.language}


def link_picker_params(params, link, zone):
    """The picker's parameters: a first visit opens the month the link's dates begin in."""
    if link is None or link.valid_from is None or any(params.get(key) for key in ("month", "day", "start")):
        return params
    first, _end = booking_link_window(link)
    return {**dict(params.items()), "month": f"{first.astimezone(zone):%Y-%m}"}


def link_picker_limit(picker: dict, link) -> dict:
    """The picker with only the days and times within the link's dates (days in the
    visitor's zone that touch them; times that start within them)."""
    first, end = booking_link_window(link) if link is not None else (None, None)
    if first is None and end is None:
        return picker
    zone = picker["zone"]

    def touches(day) -> bool:
        day_start = datetime.combine(day, time(0), tzinfo=zone)
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        return (end is None or day_start < end) and (first is None or day_end > first)

    weeks = [
        [{**cell, "url": cell["url"] if cell["url"] and touches(cell["date"]) else None} for cell in week]
        for week in picker["weeks"]
    ]
    day_slots = [slot for slot in picker["day_slots"] if booking_link_allows(link, slot["start"])]
    return {
        **picker,
        "weeks": weeks,
        "day_slots": day_slots,
        "has_slots": any(cell["url"] for week in weeks for cell in week),
        "start_offered": any(slot["chosen"] for slot in day_slots),
    }
