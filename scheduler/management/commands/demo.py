from datetime import time, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from scheduler.models import AppointmentType, Coach
from scheduler.models.common import Channel
from scheduler.services.coach_availability import HoursWindow, weekly_hours_replace

DEMO_EMAIL = "coach@example.com"
DEMO_PASSWORD = "demo-pass-123"

POLICY = (
    "Ich nehme keine Anrufe ohne vereinbarten Termin an. Buchen Sie hier eine Zeit und schreiben Sie mir "
    "kurz, worum es geht – Anfragen ohne persönlichen Text beantworte ich nicht. Während eines Coachings "
    "und bei mehrtägigen Einsätzen bin ich nicht erreichbar; dafür wissen Sie immer, wann ich es bin."
)

TYPES = [
    {
        "slug": "kennenlernen",
        "name": "Kennenlernen",
        "description": "Ein erstes Gespräch von 30 Minuten: Wir lernen uns kennen und klären, worum es Ihnen geht.",
        "duration": timedelta(minutes=30),
        "slot_step": timedelta(minutes=15),
        "approval": AppointmentType.Approval.NEW_CLIENTS,
        "order": 0,
    },
    {
        "slug": "coaching",
        "name": "Coaching",
        "description": "Eine Coaching-Sitzung von 60 Minuten.",
        "duration": timedelta(minutes=60),
        "slot_step": timedelta(minutes=30),
        "approval": AppointmentType.Approval.NEVER,
        "order": 1,
    },
]

HOURS = [(time(9), time(12)), (time(14), time(17))]


class Command(BaseCommand):
    help = "Create or refresh the demo coach (idempotent): coach@example.com / demo-pass-123 at /demo/."

    @transaction.atomic
    def handle(self, *args, **options):
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(email=DEMO_EMAIL, defaults={"first_name": "Demo"})
        # The demo coach runs this single-coach site, so they may use the admin too.
        user.is_staff = user.is_superuser = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True})
        coach, _ = Coach.objects.update_or_create(
            user=user,
            defaults={
                "slug": "demo",
                "display_name": "Demo Coach",
                "time_zone": "Europe/Berlin",
                "language": "de",
                "address_form": Coach.AddressForm.FORMAL,
                "policy": POLICY,
                "busy_feed_enabled": True,
            },
        )
        for values in TYPES:
            AppointmentType.objects.update_or_create(
                coach=coach,
                slug=values["slug"],
                defaults={
                    **values,
                    "minimum_notice": timedelta(hours=2),
                    "horizon": timedelta(days=180),
                    "allowed_channels": list(Channel.values),
                    "active": True,
                },
            )
        # The service's bulk write changes the availability version, as no signal would.
        weekly_hours_replace(
            coach=coach,
            windows=[
                HoursWindow(weekday=weekday, start=start, end=end) for weekday in range(5) for start, end in HOURS
            ],
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo coach ready: /{coach.slug}/ — login {DEMO_EMAIL} / {DEMO_PASSWORD}")
        )
