from datetime import datetime, time, timedelta

import pytest
from aiosmtpd.controller import Controller

from scheduler.channels.base import MemoryBackend
from scheduler.models import ReplyWindow
from tests.factories import AppointmentTypeFactory, CoachFactory, WeeklyHoursFactory
from tests.helpers import BERLIN, free_port
from tests.scheduler.outbox.helpers import Sink


@pytest.fixture
def memory_backends(settings):
    """Every channel delivers to memory: the messages sent, in order."""
    MemoryBackend.outbox = []
    settings.CHANNEL_BACKENDS = {
        name: "scheduler.channels.base.MemoryBackend" for name in ("email", "threema", "whatsapp")
    }
    return MemoryBackend.outbox


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that Django's SMTP connection sends to."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Sprechzeit <noreply@sprechzeit.test>"
    yield sink
    controller.stop()


@pytest.fixture
def start(db):
    """10:00 a week ahead (Berlin): a free start of the half-hour type "talk" of the coach at /anna/."""
    coach = CoachFactory(slug="anna", time_zone="Europe/Berlin")
    day = datetime.now(BERLIN).date() + timedelta(days=7)
    WeeklyHoursFactory(coach=coach, weekday=day.weekday(), start=time(9), end=time(12))
    AppointmentTypeFactory(coach=coach, slug="talk", duration=timedelta(minutes=30))
    return datetime.combine(day, time(10), tzinfo=BERLIN)


@pytest.fixture
def answering_coach(db):
    """Anna (Berlin) answers Monday, Wednesday and Friday 08:00–09:00 and is bookable on
    Mondays 09:00–11:00 (no type yet): the reachability tests' coach."""
    coach = CoachFactory(slug="anna", time_zone="Europe/Berlin")
    for weekday in (0, 2, 4):
        ReplyWindow.objects.create(coach=coach, weekday=weekday, start=time(8), end=time(9))
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(11))
    return coach


@pytest.fixture
def slots_answers_kept(settings):
    """Kept slot answers as with Redis; make test's cache is this process's own, which is all
    the tests that ask for this use."""
    settings.SLOTS_ANSWERS_KEPT = True


@pytest.fixture
def anna_coaching(db):
    """Anna's hour-long "coaching", bookable on Mondays 09:00–12:00 Berlin time."""
    coach = CoachFactory(slug="anna", time_zone="Europe/Berlin")
    WeeklyHoursFactory(coach=coach, weekday=0, start=time(9), end=time(12))
    return AppointmentTypeFactory(
        coach=coach, slug="coaching", duration=timedelta(minutes=60), slot_step=timedelta(minutes=60)
    )
