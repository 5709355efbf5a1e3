"""`manage.py demo` (scheduler/management/commands/demo.py) and the ways to talk it offers:
`coaching` on the phone, by video, in person at the demo address and the three chat/e-mail
channels; `kennenlernen` the same but in person; the demo coach offers them all."""

import pytest
from django.core.management import call_command

from scheduler.models import AppointmentType, Coach
from scheduler.models.common import Channel

pytestmark = pytest.mark.django_db


def demo_types() -> dict[str, AppointmentType]:
    return {kind.slug: kind for kind in AppointmentType.objects.filter(coach__slug="demo")}


def test_the_demo_offers_video_and_in_person_and_a_second_run_changes_nothing():
    call_command("demo")
    call_command("demo")
    coach = Coach.objects.get(slug="demo")
    assert coach.channels == ["phone", "video", "in_person", "email", "threema", "whatsapp"]
    types = demo_types()
    assert types["coaching"].allowed_channels == ["phone", "video", "in_person", "email", "threema", "whatsapp"]
    assert types["coaching"].location == "Musterstraße 1, 10115 Berlin"
    assert types["kennenlernen"].allowed_channels == ["phone", "video", "email", "threema", "whatsapp"]
    assert types["kennenlernen"].location == ""
    # What the workspace would accept: every channel offered, the address where it is needed.
    coach.full_clean()
    for kind in types.values():
        kind.full_clean()


def test_a_run_restores_the_demos_channels_after_a_change():
    call_command("demo")
    Coach.objects.filter(slug="demo").update(channels=[Channel.EMAIL])
    AppointmentType.objects.filter(coach__slug="demo").update(allowed_channels=[Channel.EMAIL], location="")
    call_command("demo")
    assert Channel.IN_PERSON in Coach.objects.get(slug="demo").channels
    assert demo_types()["coaching"].location == "Musterstraße 1, 10115 Berlin"
    assert Channel.VIDEO in demo_types()["kennenlernen"].allowed_channels
