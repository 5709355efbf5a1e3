from datetime import time, timedelta

import pytest

from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory


@pytest.fixture
def anna(db):
    """The coach of the public pages' tests, at /anna/, free on Mondays 9–11 (Berlin)."""
    coach = CoachFactory(
        slug="anna",
        display_name="Anna Beispiel",
        time_zone="Europe/Berlin",
        policy="Ich nehme keine Anrufe ohne Termin an.",
        reply_note="Dringendes bitte als kurzes Gespräch buchen.",
        reply_note_en="Urgent matters: please book a short talk.",
        minimum_message_length=30,
        user__email="anna.private@example.org",
    )
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(11))
    return coach


@pytest.fixture
def kind(anna):
    """Anna's half-hour first talk, at /anna/erstgespraech/, on every channel (modules that
    book another type define their own `kind`)."""
    return AppointmentTypeFactory(
        coach=anna,
        slug="erstgespraech",
        name="Erstgespräch",
        description="Wir lernen uns kennen.",
        duration=timedelta(minutes=30),
        slot_step=timedelta(minutes=30),
        horizon=timedelta(days=400),
        allowed_channels=["phone", "email", "threema", "whatsapp"],
    )
