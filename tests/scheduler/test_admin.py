from datetime import datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from scheduler import field_encryption
from scheduler.models import ExternalCalendar
from tests.factories import BlockedPeriodFactory, BookingFactory, CoachFactory
from tests.helpers import BERLIN

pytestmark = pytest.mark.django_db

SCHEDULER_MODELS = [m for m in admin.site._registry if m._meta.app_label == "scheduler"]


def test_every_scheduler_model_has_an_admin():
    names = {m._meta.model_name for m in SCHEDULER_MODELS}
    assert {
        "coach",
        "appointmenttype",
        "weeklyhours",
        "dateoverride",
        "blockedperiod",
        "booking",
        "externalbusy",
        "client",
    } <= names


@pytest.mark.parametrize("model", SCHEDULER_MODELS, ids=lambda m: m._meta.model_name)
def test_admin_pages_render(admin_client, model):
    BookingFactory(start=datetime(2026, 6, 1, 9, tzinfo=BERLIN))
    opts = model._meta
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    # the outbox is written by the services only, received messages by the webhooks
    expected = 403 if opts.model_name in ("notification", "inboundmessage") else 200
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == expected


def test_admin_shows_clean_errors_at_the_form(admin_client):
    period = BlockedPeriodFactory(first_day=datetime(2026, 6, 2).date(), last_day=datetime(2026, 6, 3).date())
    url = reverse("admin:scheduler_blockedperiod_change", args=[period.pk])
    response = admin_client.post(
        url, {"coach": period.coach_id, "title": "Urlaub", "first_day": "2026-06-03", "last_day": "2026-06-01"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["last_day"]


@pytest.mark.parametrize(
    ("action", "status_before", "status_after"),
    [("confirm", "requested", "confirmed"), ("decline", "requested", "declined"), ("cancel", "confirmed", "cancelled")],
)
def test_booking_actions_go_through_the_services(admin_client, action, status_before, status_after):
    from datetime import timedelta

    from django.utils import timezone

    booking = BookingFactory(start=timezone.now() + timedelta(days=3), status=status_before)
    response = admin_client.post(
        reverse("admin:scheduler_booking_changelist"), {"action": action, "_selected_action": [booking.pk]}, follow=True
    )
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == status_after
    assert booking.sequence == 1


def test_confirming_a_confirmed_booking_is_explained(admin_client):
    from datetime import timedelta

    from django.utils import timezone

    booking = BookingFactory(start=timezone.now() + timedelta(days=3))
    response = admin_client.post(
        reverse("admin:scheduler_booking_changelist"),
        {"action": "confirm", "_selected_action": [booking.pk]},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert "Only a request can be confirmed." in response.text


def test_the_admin_never_shows_a_calendar_password(admin_client):
    calendar = ExternalCalendar.objects.create(
        coach=CoachFactory(),
        kind=ExternalCalendar.Kind.CALDAV,
        name="Praxis",
        url="https://dav.example.org/praxis/",
        username="anna",
        password_encrypted=field_encryption.encrypt("app-password-4711"),
    )

    page = admin_client.get(reverse("admin:scheduler_externalcalendar_change", args=[calendar.pk])).content.decode()

    assert "Praxis" in page and "anna" in page
    assert "app-password-4711" not in page and calendar.password_encrypted not in page
    assert 'name="url"' not in page  # the login is changed by connecting again, which checks it
    changelist = admin_client.get(reverse("admin:scheduler_externalcalendar_changelist")).content.decode()
    assert calendar.password_encrypted not in changelist
