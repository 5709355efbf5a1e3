from django.core.management.base import BaseCommand, CommandError

from ...services.caldav import caldav_passwords_reencrypt


class Command(BaseCommand):
    help = (
        "Encrypt every stored calendar password again with the first key of FIELD_ENCRYPTION_KEY. Put the new key "
        "first and keep the old one second, run this, then remove the old key (README: Key rotation). Calendars "
        "whose password no key opens are listed and the exit code is 1: their coaches must connect them again."
    )

    def handle(self, *args, **options):
        done, unreadable = caldav_passwords_reencrypt()
        self.stdout.write(f"{done} password(s) encrypted with the first key.")
        for calendar in unreadable:
            self.stderr.write(f"{calendar.coach.slug}: “{calendar.name}”: no key opens its password.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} password(s) could not be read; those calendars must be connected again."
            )
