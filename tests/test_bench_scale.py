"""`make bench-scale` (bench/scale.py, bench/scale_data.py) on a few coaches, so that it cannot
rot: the generated rows are what the product reads (its pages answer, the engine offers slots),
and the load's bookings go to times that the generated data leaves free."""

import random
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bench.scale import load_figures, report, work
from bench.scale_data import BOOKINGS_PER_COACH_DEFAULT, CLIENTS_PER_COACH, generate
from scheduler.models import AppointmentType, Booking, Coach
from scheduler.services.booking import booking_create
from scheduler.services.booking_request import BookingRequest


def test_the_mixed_load_books_each_time_once_and_reads_the_rest():
    starts = {}
    items = work(50, 4000, random.Random(1), bookings=starts)

    bookings = [item for item in items if item[0] == "book"]
    assert 0.01 < len(bookings) / len(items) < 0.04
    assert len({(path, start) for _, path, start, _ in bookings}) == len(bookings)
    # The next call goes on where this one stopped: no time is booked twice.
    more = [item for item in work(50, 4000, random.Random(1), bookings=starts) if item[0] == "book"]
    assert not {(path, start) for _, path, start, _ in bookings} & {(path, start) for _, path, start, _ in more}
    assert not [item for item in work(50, 400, random.Random(1)) if item[0] == "book"]
    assert {item[0] for item in items} == {"book", "slots", "type"}
    # Zipf: the first coach is asked far more often than the fiftieth.
    paths = [item[1] for item in items]
    assert sum("/c1/" in p or "/c1?" in p or p.endswith("/c1/bookings") for p in paths) > 5 * sum(
        "/c50/" in p or p.endswith("/c50/bookings") for p in paths
    )


def test_the_report_fails_a_figure_beyond_its_ratio():
    figure = {"requests": 10, "errors": 0, "per_second": 10.0, "p50_ms": 5.0, "p95_ms": 10.0}
    one = {"slots": figure, "type": figure, "book": figure, "hit_rate": 0.95, "lookups": 100, "absent": 3, "stale": 2}
    generated = {"counts": {"coach": 1, "booking": 1, "client": 1, "externalbusy": 1}, "seconds": 1, "bytes": 1}
    constraint = "EXCLUDE USING gist (coach_id WITH =, tstzrange(blocked_start, blocked_end, '[)') WITH &&)"
    notes = [{"label": "exclusion constraint", "sql": "booking_no_overlap", "plan": constraint, "seq_scans": []}]

    assert report(one, one, generated, notes)[1] is True
    slow = {**one, "slots": {**figure, "p95_ms": 16.0}}
    assert report(one, slow, generated, notes)[1] is False
    scanned = [*notes, {"label": "booking", "sql": "", "plan": "Seq Scan on scheduler_booking", "seq_scans": ["x"]}]
    assert report(one, one, generated, scanned)[1] is False
    assert report(one, one, generated, [])[1] is False  # no constraint found


@pytest.mark.postgres
def test_generated_coaches_are_bookable_at_the_loads_times(transactional_db, client):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://…")
    connection.ensure_connection()
    generated = generate(connection.connection, coaches=3, bookings_per_coach=BOOKINGS_PER_COACH_DEFAULT)

    assert generated["counts"]["coach"] == 3
    assert generated["counts"]["booking"] == 3 * BOOKINGS_PER_COACH_DEFAULT
    assert generated["counts"]["client"] == 3 * CLIENTS_PER_COACH
    coach = Coach.objects.get(slug="c2")
    assert Booking.objects.filter(coach=coach, start__gt=timezone.now(), status="confirmed").exists()
    items = work(3, 3000, random.Random(2), bookings={})
    for item in items[:20]:
        if item[0] != "book":
            assert client.get(item[1], HTTP_HOST="127.0.0.1").status_code == 200
    kind = AppointmentType.objects.get(coach=coach, slug="erstgespraech")
    starts = [start for _, path, start, _ in (i for i in items if i[0] == "book") if "/c2/" in path][:3]
    assert starts
    for index, start in enumerate(starts):
        request = BookingRequest(
            start=datetime.fromisoformat(start),
            name="Last",
            email=f"load{index}@bench.example",
            channel="email",
            message="Ich möchte über meinen nächsten Schritt sprechen.",
            language="de",
            time_zone="Europe/Berlin",
            privacy_consent=True,
        )
        assert booking_create(appointment_type=kind, request=request).status == Booking.Status.CONFIRMED
    assert timedelta(0) < datetime.fromisoformat(starts[0]) - timezone.now()


def test_the_figures_split_the_misses_into_none_kept_and_kept_before_a_change():
    results = [("slots", 200, 5.0), ("type", 200, 6.0), ("book", 201, 9.0)]
    rounds = [(results, 1.0, (100, 90, 6)), (results, 1.0, (50, 40, 4))]

    figures = load_figures(rounds)

    assert (figures["lookups"], figures["absent"], figures["stale"]) == (150, 10, 10)
    assert figures["hit_rate"] == pytest.approx(130 / 150)
