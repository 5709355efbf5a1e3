"""The parse step and the one validation of what a client submits (services/booking_request.py)."""

import pytest
from django.core.exceptions import ValidationError

from scheduler.services.booking_request import booking_request_clean, booking_request_parse
from tests.factories import AppointmentTypeFactory


def start_error(kind, value) -> str:
    request = booking_request_parse(data={"start": value}, zone_field="timezone")
    with pytest.raises(ValidationError) as raised:
        booking_request_clean(appointment_type=kind, request=request)
    return raised.value.message_dict["start"][0]


@pytest.mark.django_db
def test_an_unreadable_start_is_told_its_format_and_a_missing_one_is_asked_for():
    kind = AppointmentTypeFactory()
    assert "ISO 8601 with an offset" in start_error(kind, "next tuesday")
    assert "ISO 8601 with an offset" in start_error(kind, "2026-11-24T09:00:00")  # no offset
    assert start_error(kind, "") == "Please choose a time."


@pytest.mark.django_db
def test_form_and_api_data_parse_to_the_same_request():
    form = {"start": "2026-11-24T09:00:00 01:00", "tz": "Europe/Vienna", "privacy_consent": "on", "name": "Eva"}
    api = {"start": "2026-11-24T09:00:00+01:00", "timezone": "Europe/Vienna", "privacy_consent": True, "name": "Eva"}
    assert booking_request_parse(data=form, zone_field="tz") == booking_request_parse(data=api, zone_field="timezone")
