"""The dates and instants Sprechzeit accepts from outside (the booking form, the API, query
strings). Python's dates reach from year 1 to 9999, but one step past either end (an offset,
a day added, a month's grid) overflows and would answer 500; and PostgreSQL stores only
offsets below 16 hours. Nothing can be booked or shown that far out, so input outside these
bounds is refused like any other bad value, and an instant is kept in UTC."""

from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def date_in_bounds(value: date) -> bool:
    return EARLIEST <= value <= LATEST


def instant_in_bounds(value: datetime) -> datetime | None:
    """`value` (aware) as a UTC instant, or None when it lies outside the bounds."""
    try:
        instant = value.astimezone(UTC)
    except (OverflowError, ValueError):  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        return None
    return instant if date_in_bounds(instant.date()) else None


def parse_instant(value: str | None) -> datetime | None:
    """An aware datetime from ISO 8601 with offset (a form, the API, a query string), or None.
    A "+" that became a space in a hand-made query string is put back."""
    value = (value or "").strip()
    for candidate in (value, value[:-6] + "+" + value[-5:] if value[-6:-5] == " " else None):
        if not candidate:
            continue
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if parsed.utcoffset() is not None:
            return parsed
    return None


def parse_start(value: str | None) -> datetime | None:
    """A start a page can show: parse_instant's, within the bounds and in UTC, or None."""
    instant = parse_instant(value)
    return instant_in_bounds(instant) if instant else None


def validate_in_bounds(value: date | datetime | None) -> None:
    """A form field validator: a date or an aware date and time within the bounds."""
    if value is None:
        return
    if isinstance(value, datetime):
        ok = instant_in_bounds(value) is not None if value.tzinfo else date_in_bounds(value.date())
    else:
        ok = date_in_bounds(value)
    if not ok:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
            code="out_of_bounds",
        )


def date_parameter(value: str | None, name: str, errors: dict[str, str]) -> date | None:
    """A query parameter's date (YYYY-MM-DD) within the bounds, None when not given; what is
    wrong with it goes into `errors` under `name` (the APIs answer all of them at once)."""
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        errors[name] = _("Give a date as YYYY-MM-DD.")
        return None
    if not date_in_bounds(parsed):
        errors[name] = _("Give a date between %(earliest)s and %(latest)s.") % {
            "earliest": EARLIEST.isoformat(),
            "latest": LATEST.isoformat(),
        }
        return None
    return parsed
