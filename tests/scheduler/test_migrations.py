"""Migrations that move data: existing rows come out of them as the new code expects."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("scheduler", "0008_booking_privacy_consent_version")]
AFTER = [("scheduler", "0009_truth_and_trust")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def back_to_the_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_bookings_keep_their_clients_details_as_their_own_snapshot():
    apps = migrate(BEFORE)
    User = apps.get_model("accounts", "User")
    Coach = apps.get_model("scheduler", "Coach")
    AppointmentType = apps.get_model("scheduler", "AppointmentType")
    Client = apps.get_model("scheduler", "Client")
    Booking = apps.get_model("scheduler", "Booking")
    Notification = apps.get_model("scheduler", "Notification")
    coach = Coach.objects.create(
        user=User.objects.create(email="anna@example.org"), slug="anna", display_name="Anna", time_zone="Europe/Berlin"
    )
    kind = AppointmentType.objects.create(coach=coach, slug="t", name="T", duration=timedelta(minutes=30))
    client = Client.objects.create(
        coach=coach, email="vera@example.org", name="Vera", threema_id="VICTIM01", phone="+491701111111"
    )
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)
    ids = []
    for hour, channel in enumerate(("threema", "phone")):
        booking = Booking.objects.create(
            coach=coach,
            appointment_type=kind,
            client=client,
            start=start + timedelta(hours=hour),
            end=start + timedelta(hours=hour, minutes=30),
            blocked_start=start + timedelta(hours=hour),
            blocked_end=start + timedelta(hours=hour, minutes=30),
            channel=channel,
            message="…",
        )
        Notification.objects.create(booking=booking, kind="confirmed", channel="email", recipient="x")
        ids.append(booking.pk)

    apps = migrate(AFTER)
    Booking = apps.get_model("scheduler", "Booking")
    threema, phone = (Booking.objects.get(pk=pk) for pk in ids)
    assert (threema.client_name, threema.threema_id, threema.phone) == ("Vera", "VICTIM01", "")
    assert (phone.client_name, phone.phone, phone.threema_id) == ("Vera", "+491701111111", "")
    assert threema.address_token and threema.address_token != phone.address_token
    assert threema.address_confirmed_at is None  # nothing proved them
    uuids = apps.get_model("scheduler", "Notification").objects.values_list("uuid", flat=True)
    assert len(set(uuids)) == 2


def test_a_coachs_answer_time_moves_to_their_types_and_the_free_text_becomes_the_reply_note():
    apps = migrate(AFTER)
    User = apps.get_model("accounts", "User")
    Coach = apps.get_model("scheduler", "Coach")
    AppointmentType = apps.get_model("scheduler", "AppointmentType")
    strict = Coach.objects.create(
        user=User.objects.create(email="anna@example.org"),
        slug="anna",
        display_name="Anna",
        reply_windows="Di und Do 17–18 Uhr",
        answer_requests_before=timedelta(hours=24),
    )
    relaxed = Coach.objects.create(user=User.objects.create(email="ben@example.org"), slug="ben", display_name="Ben")
    for coach in (strict, relaxed):
        AppointmentType.objects.create(coach=coach, slug="t", name="T", duration=timedelta(minutes=30))

    apps = migrate([("scheduler", "0010_reachability")])
    Coach = apps.get_model("scheduler", "Coach")
    AppointmentType = apps.get_model("scheduler", "AppointmentType")
    assert Coach.objects.get(slug="anna").reply_note == "Di und Do 17–18 Uhr"
    assert AppointmentType.objects.get(coach__slug="anna").answer_lead == timedelta(hours=24)
    # Who asked for nothing gets the new default: answered at least 12 hours before.
    assert AppointmentType.objects.get(coach__slug="ben").answer_lead == timedelta(hours=12)
