from datetime import date, time, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from scheduler.models import AppointmentType, BlockedPeriod, Coach
from scheduler.models.common import Channel
from scheduler.services.coach_availability import (
    BlockedPeriodCollides,
    HoursWindow,
    blocked_period_save,
    reply_window_create,
    reply_window_delete,
    weekly_hours_replace,
)

DEMO_EMAIL = "coach@example.com"
DEMO_PASSWORD = "demo-pass-123"

POLICY = (
    "Ich nehme keine Anrufe ohne vereinbarten Termin an. Buchen Sie hier eine Zeit und schreiben Sie mir "
    "kurz, worum es geht – Anfragen ohne persönlichen Text beantworte ich nicht. Während eines Coachings "
    "und bei mehrtägigen Einsätzen bin ich nicht erreichbar; dafür wissen Sie immer, wann ich es bin."
)

POLICY_EN = (
    "I take no calls without an appointment. Book a time here and tell me briefly what it is about — I do not "
    "answer requests without a personal message. During a coaching session and on multi-day engagements I cannot "
    "be reached; in return, you always know when I can."
)
REPLY_NOTE = "Dringendes bitte als kurzes Gespräch buchen."
REPLY_NOTE_EN = "Urgent matters: please book a short talk."

# Where the demo coach meets clients in person (the type `coaching` offers it).
LOCATION = "Musterstraße 1, 10115 Berlin"
CHATS = [Channel.EMAIL, Channel.THREEMA, Channel.WHATSAPP]

TYPES = [
    {
        "slug": "kennenlernen",
        "name": "Kennenlernen",
        "name_en": "Getting to know each other",
        "description": "Ein erstes Gespräch von 30 Minuten: Wir lernen uns kennen und klären, worum es Ihnen geht.",
        "description_en": "A first talk of 30 minutes: we get to know each other and find out what matters to you.",
        "duration": timedelta(minutes=30),
        "slot_step": timedelta(minutes=15),
        "approval": AppointmentType.Approval.NEW_CLIENTS,
        "allowed_channels": [Channel.PHONE, Channel.VIDEO, *CHATS],
        "location": "",
        "order": 0,
    },
    {
        "slug": "coaching",
        "name": "Coaching",
        "name_en": "Coaching",
        "description": "Eine Coaching-Sitzung von 60 Minuten.",
        "description_en": "A coaching session of 60 minutes.",
        "duration": timedelta(minutes=60),
        "slot_step": timedelta(minutes=30),
        "approval": AppointmentType.Approval.NEVER,
        "allowed_channels": [Channel.PHONE, Channel.VIDEO, Channel.IN_PERSON, *CHATS],
        "location": LOCATION,
        "change_notice": timedelta(hours=24),
        "order": 1,
    },
]

HOURS = [(time(9), time(12)), (time(14), time(17))]
# When the demo coach reads and answers: Mon, Wed, Fri 08:00–09:00 (Europe/Berlin), every channel.
REPLY_WINDOWS = [(weekday, time(8), time(9)) for weekday in (0, 2, 4)]

# The demo's one engagement clients can see: Tuesday to Thursday of the week four weeks
# ahead (far enough not to get in the way of bookings tried out in the next days).
SEMINAR = {
    "title": "Seminar Wien (Kunde: Beispiel GmbH)",  # the coach's own; clients read the note
    "public_note": "Seminar in Wien",
    "public_note_en": "Seminar in Vienna",
}


def seminar_days(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=4)
    return monday + timedelta(days=1), monday + timedelta(days=3)


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
                "policy_en": POLICY_EN,
                "reply_note": REPLY_NOTE,
                "reply_note_en": REPLY_NOTE_EN,
                "busy_feed_enabled": True,
                # Every way to talk, meeting in person included (for `coaching`, at LOCATION).
                "channels": list(Channel.values),
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
        # Replaced, not added to, so a second run leaves the same windows.
        for window in coach.reply_windows.all():
            reply_window_delete(window=window)
        for weekday, start, end in REPLY_WINDOWS:
            reply_window_create(coach=coach, weekday=weekday, start=start, end=end)
        first_day, last_day = seminar_days(timezone.now().astimezone(coach.zone).date())
        seminar = BlockedPeriod.objects.filter(coach=coach, title=SEMINAR["title"]).first()
        values = {"coach": coach, "period": seminar, "first_day": first_day, "last_day": last_day, **SEMINAR}
        try:
            blocked_period_save(**values)
        except BlockedPeriodCollides as exc:
            # Bookings tried out in the demo since the last run: kept, as a coach who chose "keep".
            blocked_period_save(**values, decided=[booking.pk for booking in exc.bookings])
        self.stdout.write(
            self.style.SUCCESS(f"Demo coach ready: /{coach.slug}/ — login {DEMO_EMAIL} / {DEMO_PASSWORD}")
        )
