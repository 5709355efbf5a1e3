"""The coach's feed with 5,000 events (cold build, and a 304 for an unchanged feed) and
importing a 2,000-event calendar from a server on loopback.

`python -m bench.feeds` runs these figures alone."""

import statistics
import threading
import time as clock
from datetime import UTC, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.api import setup_django

EVENTS = 5000
IMPORTED = 2000
# Cold builds measured; the median is reported (the machine may be busy with other work).
COLD_RUNS = 9


def _populate():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from scheduler.models import AppointmentType, Booking, Client, Coach
    from scheduler.models.common import Channel

    user = get_user_model().objects.create_user(email="feedbench@example.org")
    coach = Coach.objects.create(user=user, slug="feedbench", display_name="Feed Bench", time_zone="Europe/Berlin")
    kind = AppointmentType.objects.create(
        coach=coach, slug="talk", name="Talk", duration=timedelta(minutes=30), allowed_channels=list(Channel.values)
    )
    clients = Client.objects.bulk_create(
        Client(coach=coach, email=f"c{i}@example.org", name=f"Client {i}", phone="+491701234567") for i in range(200)
    )
    start = timezone.now() - timedelta(days=170)
    Booking.objects.bulk_create(
        Booking(
            coach=coach,
            appointment_type=kind,
            client=clients[i % len(clients)],
            start=start + timedelta(hours=1.5 * i),
            end=start + timedelta(hours=1.5 * i, minutes=30),
            blocked_start=start + timedelta(hours=1.5 * i),
            blocked_end=start + timedelta(hours=1.5 * i, minutes=30),
            channel=Channel.PHONE,
            message=f"Nachricht {i}: Ich möchte über meinen nächsten Schritt sprechen.",
        )
        for i in range(EVENTS)
    )
    return coach


def _calendar_text(count: int) -> str:
    from datetime import datetime

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]
    base = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    for i in range(count):
        begin = base + timedelta(hours=2 * i)
        lines += [
            "BEGIN:VEVENT",
            f"UID:bench-{i}@example.org",
            f"DTSTAMP:{base:%Y%m%dT%H%M%SZ}",
            f"DTSTART:{begin:%Y%m%dT%H%M%SZ}",
            f"DTEND:{begin + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:Busy {i}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def bench_feeds(repeat: int = 30) -> dict:
    setup_django()
    from django.core.cache import cache
    from django.test import Client as HttpClient
    from django.test.utils import override_settings

    from scheduler.models import ExternalCalendar
    from scheduler.services.external_calendars import external_calendar_import

    coach = _populate()
    http = HttpClient(SERVER_NAME="127.0.0.1")
    url = f"/feeds/{coach.feed_token}/calendar.ics"
    cold = []
    for _ in range(COLD_RUNS):
        cache.clear()  # cold: nothing cached, the feed is read and built
        began = clock.perf_counter()
        response = http.get(url)
        cold.append((clock.perf_counter() - began) * 1000)
    assert response.status_code == 200, response.status_code
    events = response.content.count(b"BEGIN:VEVENT")
    etag = response["ETag"]
    revalidate = []
    for _ in range(repeat):
        began = clock.perf_counter()
        assert http.get(url, headers={"if-none-match": etag}).status_code == 304
        revalidate.append((clock.perf_counter() - began) * 1000)

    body = _calendar_text(IMPORTED).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    calendar = ExternalCalendar.objects.create(
        coach=coach, name="bench", url=f"http://127.0.0.1:{server.server_address[1]}/cal.ics"
    )
    imports, stored = [], 0
    try:
        with override_settings(CALENDAR_IMPORT_ALLOW_PRIVATE=True):
            for _ in range(3):
                ExternalCalendar.objects.filter(pk=calendar.pk).update(etag="", last_modified="")
                calendar.refresh_from_db()
                began = clock.perf_counter()
                stored = external_calendar_import(calendar=calendar)
                imports.append((clock.perf_counter() - began) * 1000)
    finally:
        server.shutdown()
    return {
        "events": events,
        "cold_ms": statistics.median(cold),
        "cold_runs": len(cold),
        "revalidate_ms": statistics.median(revalidate),
        "import_ms": statistics.median(imports),
        "imported": stored,
    }


if __name__ == "__main__":
    print(bench_feeds())
