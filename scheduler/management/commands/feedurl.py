from django.core.management.base import BaseCommand, CommandError

from scheduler.models import Coach

from ...services.coach import coach_feed_rotate, coach_feed_url


class Command(BaseCommand):
    help = "Print a coach's private calendar feed URL (--rotate makes a new one; the old one stops working)."

    def add_arguments(self, parser):
        parser.add_argument("coach_slug")
        parser.add_argument("--rotate", action="store_true", help="make a new URL and revoke the old one")

    def handle(self, *args, **options):
        coach = Coach.objects.filter(slug=options["coach_slug"]).first()
        if coach is None:
            raise CommandError(f"No coach with the address {options['coach_slug']!r}.")
        if options["rotate"]:
            coach = coach_feed_rotate(coach=coach)
        self.stdout.write(coach_feed_url(coach=coach))
