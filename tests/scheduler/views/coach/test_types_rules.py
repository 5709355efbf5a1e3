"""The type editor's rules a coach keeps: the online deadline (hours), the limit of open
bookings per client, and whether the type is on the public page."""

from datetime import timedelta

import pytest
from django.urls import reverse

from scheduler.models import AppointmentType
from tests.factories import AppointmentTypeFactory
from tests.scheduler.pages import error_at, input_value, text, type_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_client")]


def test_the_new_type_form_offers_the_rules_with_their_help(coach_client, coach):
    response = coach_client.get(reverse("coach:type_create"))
    shown = text(response)
    assert "Clients may cancel or move online until (hours before)" in shown
    assert "Leave empty to allow it until the appointment begins." in shown
    assert "Open bookings per client" in shown and "You can always book more for a client yourself." in shown
    assert "Show on your public page" in shown
    assert input_value(response, "change_notice") is None and input_value(response, "open_bookings_limit") is None
    assert 'name="listed" aria-describedby="id_listed_helptext" id="id_listed" checked' in response.content.decode()


def test_the_rules_are_saved_in_the_coachs_units(coach_client, coach):
    data = type_data(change_notice="24", open_bookings_limit="2", listed=None)  # the box unticked
    assert coach_client.post(reverse("coach:type_create"), data).status_code == 303
    created = AppointmentType.objects.get(coach=coach, name="Erstgespräch")
    assert created.change_notice == timedelta(hours=24)
    assert created.open_bookings_limit == 2
    assert created.listed is False


def test_empty_rules_are_none_and_a_ticked_box_is_listed(coach_client, coach):
    assert coach_client.post(reverse("coach:type_create"), type_data()).status_code == 303
    created = AppointmentType.objects.get(coach=coach, name="Erstgespräch")
    assert (created.change_notice, created.open_bookings_limit, created.listed) == (None, None, True)


def test_the_edit_form_shows_the_rules_and_keeps_them(coach_client, coach):
    AppointmentTypeFactory(
        coach=coach, slug="coaching", change_notice=timedelta(hours=48), open_bookings_limit=3, listed=False
    )
    response = coach_client.get(reverse("coach:type_edit", args=["coaching"]))
    assert input_value(response, "change_notice") == "48"
    assert input_value(response, "open_bookings_limit") == "3"
    assert 'id="id_listed" checked' not in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"), [("change_notice", "-1"), ("change_notice", "zwei"), ("open_bookings_limit", "0")]
)
def test_bad_rules_are_errors_at_their_field(coach_client, coach, field, value):
    response = coach_client.post(reverse("coach:type_create"), type_data(**{field: value}))
    assert response.status_code == 200
    assert error_at(response, field)
    assert not AppointmentType.objects.filter(coach=coach).exists()
