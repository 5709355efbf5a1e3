from datetime import time, timedelta

import pytest

from tests.factories import AppointmentTypeFactory, WeeklyHoursFactory
from tests.scheduler.outbox.helpers import ScriptedBackend


@pytest.fixture
def kind(coach):
    """Half-hour appointments on Monday mornings with the coach at coach@example.org."""
    coach.user.email = "coach@example.org"
    coach.user.save()
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(12))
    return AppointmentTypeFactory(coach=coach, duration=timedelta(minutes=30), slot_step=timedelta(minutes=30))


@pytest.fixture
def backends(memory_backends, dispatched):
    """Every channel delivers to memory (or to ScriptedBackend where a test names it); queued
    ids are recorded, not sent: the list of them."""
    ScriptedBackend.script, ScriptedBackend.sent = [], []
    return dispatched
