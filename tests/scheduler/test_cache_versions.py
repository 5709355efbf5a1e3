"""Writes that send no signal (bulk writes) change the cache versions themselves
(scheduler/cache_versions.py); the receivers' part is in test_receivers.py."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from scheduler.cache_versions import availability_version, coach_settings_version
from scheduler.models import Booking, Client
from scheduler.services.appointment_types import appointment_type_move
from scheduler.services.coach_availability import HoursWindow, weekly_hours_replace
from scheduler.services.privacy import bookings_anonymise, clients_anonymise
from tests.factories import AppointmentTypeFactory, BookingFactory

pytestmark = pytest.mark.django_db


def test_reordering_types_changes_the_coach_settings_version(coach):
    first = AppointmentTypeFactory(coach=coach, order=0)
    AppointmentTypeFactory(coach=coach, order=1)
    before = coach_settings_version(coach.pk)
    appointment_type_move(appointment_type=first, up=False)
    assert coach_settings_version(coach.pk) != before


def test_replacing_weekly_hours_changes_the_availability_version(coach):
    before = availability_version(coach.pk)
    weekly_hours_replace(coach=coach, windows=[HoursWindow(weekday=0, start=time(9), end=time(12))])
    assert availability_version(coach.pk) != before


@pytest.mark.parametrize("anonymise", ["bookings", "clients"])
def test_anonymising_changes_the_availability_version_of_that_coach_only(coach, anonymise):
    booking = BookingFactory(
        appointment_type__coach=coach, start=timezone.now() - timedelta(days=3), phone="+491701234567"
    )
    other = BookingFactory(start=timezone.now() - timedelta(days=3), phone="+491701234568").coach
    before, other_before = availability_version(coach.pk), availability_version(other.pk)
    if anonymise == "bookings":
        bookings_anonymise(bookings=Booking.objects.filter(pk=booking.pk), now=timezone.now())
    else:
        clients_anonymise(clients=Client.objects.filter(pk=booking.client_id), now=timezone.now())
    assert availability_version(coach.pk) != before
    assert availability_version(other.pk) == other_before


def test_a_change_in_a_transaction_is_seen_by_it_at_once_and_by_the_cache_after_commit(
    coach, django_capture_on_commit_callbacks
):
    from django.core.cache import cache
    from django.db import transaction

    from scheduler.cache_versions import availability_changed, availability_version_keys

    key = availability_version_keys(coach.pk)[1]
    before = availability_version(coach.pk)
    stored = cache.get(key)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            availability_changed(coach.pk)
            inside = availability_version(coach.pk)
            assert inside != before
            assert cache.get(key) == stored  # other processes still read the rows of before
    assert availability_version(coach.pk) == inside  # the version it saw is the one written
    assert cache.get(key) != stored


def test_a_rolled_back_savepoint_takes_its_version_change_back(coach):
    from django.db import transaction

    from scheduler.cache_versions import availability_changed

    before = availability_version(coach.pk)
    try:
        with transaction.atomic():
            availability_changed(coach.pk)
            assert availability_version(coach.pk) != before
            raise RuntimeError
    except RuntimeError:
        pass
    assert availability_version(coach.pk) == before
