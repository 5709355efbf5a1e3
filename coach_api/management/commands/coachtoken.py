from django.core.management.base import BaseCommand, CommandError

from scheduler.models import Coach

from ...services import coach_token_create


class Command(BaseCommand):
    help = "Make a personal access token for a coach's API (/api/coach/…) and print it; it is shown only now."

    def add_arguments(self, parser):
        parser.add_argument("coach_slug")
        parser.add_argument("--read-only", action="store_true", help="the token may read, not change anything")
        parser.add_argument("--name", default="", help="what the token is for (default: the command line)")

    def handle(self, *args, **options):
        coach = Coach.objects.filter(slug=options["coach_slug"]).first()
        if coach is None:
            raise CommandError(f"No coach with the address {options['coach_slug']!r}.")
        name = options["name"] or ("command line (read only)" if options["read_only"] else "command line")
        _token, secret = coach_token_create(coach=coach, name=name, read_only=options["read_only"])
        self.stdout.write(secret)
