"""Forms. They check only what a form can know (required fields, formats); the rules
of the product are checked by the services. One module per part of the product."""

from .booking import BookingForm, parse_start, time_zone_groups, zone_or_default

__all__ = ["BookingForm", "parse_start", "time_zone_groups", "zone_or_default"]
