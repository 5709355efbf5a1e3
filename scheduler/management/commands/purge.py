from django.core.management.base import BaseCommand

from scheduler.services.retention import retention_purge


class Command(BaseCommand):
    help = (
        "Apply the retention rules now (beat does it every day): anonymise bookings and clients past "
        "each coach's retention period, clear the recipients and errors of messages older than 30 days."
    )

    def handle(self, *args, **options):
        report = retention_purge()
        self.stdout.write(
            f"Anonymised {report.bookings} booking(s) and {report.clients} client(s); "
            f"cleared the details of {report.notifications} message(s)."
        )
