from getpass import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from scheduler.services.coach import coach_create


class Command(BaseCommand):
    help = "Create a coach who can log in at /accounts/login/ (public sign-up is closed)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("slug", help="address of the booking page: /<slug>/")
        parser.add_argument("--name", required=True, help="name shown to clients")
        parser.add_argument("--time-zone", default="Europe/Berlin", help="IANA zone, default Europe/Berlin")
        parser.add_argument("--language", default="de", choices=["de", "en"])
        parser.add_argument("--operator", action="store_true", help="also make them a site administrator")
        parser.add_argument("--password", help="default: asked for interactively")

    def handle(self, *args, **options):
        password = options["password"]
        if password is None:
            password = getpass("Password: ")
            if password != getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            coach = coach_create(
                email=options["email"],
                password=password,
                display_name=options["name"],
                slug=options["slug"],
                time_zone=options["time_zone"],
                language=options["language"],
                operator=options["operator"],
            )
        except ValidationError as exc:
            lines = [f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()]
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(self.style.SUCCESS(f"Coach {coach.display_name} created: /{coach.slug}/"))
