from django.core.management.base import BaseCommand, CommandError

from ...services.external_calendars import external_calendars_import_all


def busy_times(count: int) -> str:
    return f"{count} busy time" if count == 1 else f"{count} busy times"


class Command(BaseCommand):
    help = (
        "Read every active calendar of every active coach now (ICS addresses and CalDAV calendars), as the "
        "15-minute schedule does, and print each with its busy times. The exit code is 1 when any calendar could "
        "not be read (it keeps its last busy times, and the coach sees the problem), 0 otherwise."
    )

    def handle(self, *args, **options):
        failed = []

        def done(calendar, count):
            line = f"{calendar.coach.slug}: “{calendar.name}” ({calendar.kind})"
            if calendar.last_error:
                failed.append(calendar)
                self.stderr.write(f"{line}: failed: {calendar.last_error} (keeps {busy_times(count)})")
            else:
                self.stdout.write(f"{line}: {busy_times(count)}")

        total = external_calendars_import_all(done=done)
        self.stdout.write(f"{busy_times(total)} in all.")
        if failed:
            raise CommandError(f"{len(failed)} calendar(s) could not be read.")
