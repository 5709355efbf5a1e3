import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from scheduler.models import Coach

from ...services.caldav import SeveralCalendars, caldav_calendar_connect
from ...services.external_calendars import external_calendar_import


class Command(BaseCommand):
    help = (
        "Connect a coach's CalDAV calendar: bookings are written to it and its busy times block the coach's slots. "
        "The server must accept the user name and password first (use an app password). Given the server's address, "
        "its one calendar is connected, or its calendars are listed to choose from. Connecting again replaces "
        "the coach's CalDAV calendar. Without --password the password is asked for (or read from standard input), "
        "which keeps it out of the shell's history. The busy times are read once at once; the exit code is 1 when "
        "that failed (the calendar stays connected and is read again every 15 minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("coach_slug")
        parser.add_argument(
            "--caldav", required=True, metavar="URL", help="the calendar's CalDAV address, or its server's"
        )
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", help="the (app) password; asked for when left out")
        parser.add_argument("--name", default="", help="the calendar's name for the coach (default: the server's)")

    def handle(self, *args, **options):
        coach = Coach.objects.filter(slug=options["coach_slug"]).first()
        if coach is None:
            raise CommandError(f"No coach with the address {options['coach_slug']!r}.")
        password = options["password"]
        if password is None:
            password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        with translation.override("en"):
            try:
                calendar = caldav_calendar_connect(
                    coach=coach,
                    url=options["caldav"],
                    username=options["username"],
                    password=password,
                    name=options["name"],
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            except SeveralCalendars as several:
                listed = "".join(f"\n  “{name}” {address}" for address, name in several.calendars)
                raise CommandError(
                    f"There are {len(several.calendars)} calendars at this address; give one with --caldav:{listed}"
                ) from None
        count = external_calendar_import(calendar=calendar)
        self.stdout.write(f"Connected “{calendar.name}” ({calendar.url}) for {coach.slug}.")
        if calendar.last_error:
            raise CommandError(f"Reading its busy times failed: {calendar.last_error}")
        self.stdout.write(f"Busy times read: {count}.")
