"""`python manage.py bookinglink <coach-slug> <type-slug>`: print a new single-use booking
link's full URL (SITE_URL + /l/<token>/)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from scheduler.models import Coach

from ...outbox.proposal_texts import booking_link_url
from ...services.booking_links import booking_link_create


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Give the day as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Print a new single-use booking link to one appointment type of a coach (unlisted ones too), "
        "optionally for one client and for the days --from..--until (in the coach's time zone)."
    )

    def add_arguments(self, parser):
        parser.add_argument("coach_slug")
        parser.add_argument("type_slug")
        parser.add_argument("--client-email", help="a client of the coach: their name and address are filled in")
        parser.add_argument("--from", dest="valid_from", help="first bookable day, YYYY-MM-DD")
        parser.add_argument("--until", dest="valid_until", help="last bookable day, YYYY-MM-DD")
        parser.add_argument("--note", default="", help="for whom (only the coach sees it)")

    def handle(self, *args, **options):
        coach = Coach.objects.filter(slug=options["coach_slug"]).first()
        if coach is None:
            raise CommandError(f"No coach with the address {options['coach_slug']!r}.")
        appointment_type = coach.appointment_types.filter(slug=options["type_slug"], active=True).first()
        if appointment_type is None:
            raise CommandError(f"{coach.slug!r} has no active appointment type {options['type_slug']!r}.")
        client = None
        if options["client_email"]:
            client = coach.clients.filter(email=options["client_email"].strip().lower()).first()
            if client is None:
                raise CommandError(f"{coach.slug!r} has no client with the address {options['client_email']!r}.")
        try:
            link = booking_link_create(
                coach=coach,
                appointment_type=appointment_type,
                client=client,
                note=options["note"],
                valid_from=_day(options["valid_from"]),
                valid_until=_day(options["valid_until"]),
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(booking_link_url(link))
