"""`make bench-scale`: Sprechzeit at the scale of a hosted service, on PostgreSQL + Redis.

Two installations, each generated fresh (bench/scale_data.py) and dropped afterwards: one with
a single coach, one with SCALE_COACHES coaches and BOOKINGS_PER_COACH bookings each (a million).
On each, one gunicorn takes the same mixed load from CLIENTS clients: visitors reading a coach's
slots (the API, a month) and type page (HTML, the month and a day's times), and bookings, at a
coach drawn for each request with a Zipf law (ZIPF_S: a few coaches are visited often, most
rarely, as on any hosted service). The targets compare the two installations in the same run:
the p95s and the booking rate within SCALE_FACTOR of the single coach's, and at scale the kept
answers found current in at least TARGET_HIT_RATE of the lookups. EXPLAIN (ANALYZE) of the
engine's inputs and of the booking's queries on the large database ends the report: no
sequential scan of a large table (each query on an index), and the exclusion constraint in
place on its gist index.
"""

import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import psycopg
import redis

from bench.booking import MESSAGE, wait_until_booted
from bench.scale_cache import COUNTER_KEYS
from bench.scale_data import BOOKINGS_PER_COACH_DEFAULT, LOAD_HOURS, TYPE_SLUGS, generate
from bench.server import BASE_DIR, CLIENTS, WORKERS, celery_worker, gunicorn, p95, run_clients, server_env

SCALE_COACHES = 10_000
BOOKINGS_PER_COACH = BOOKINGS_PER_COACH_DEFAULT
REQUESTS = 6000
# Before the first round, reads of the same load until the cache is as a service's that has
# run for hours: about two per coach (at least 2,000). A shorter warm-up measures the first
# visits of a cold cache, which the misses' split ("none kept") shows apart.
WARM_UP_REQUESTS_PER_COACH = 2
WARM_UP_REQUESTS_LEAST = 2000
WARM_UP_SECONDS = 240
SECONDS = 25  # bounds each round's measured requests, whatever is left of them
ROUNDS = 3
VISITOR_SHARE = 0.8  # of the draws; the rest ask the slots API
VISITOR_DAYS = (1, 4)  # days a visitor looks at after the type page
BOOKING_CHANCE = 0.1  # of visitors: about 2 % of the requests are bookings
ZIPF_S = 1.1
SCALE_FACTOR = 1.5
TARGET_HIT_RATE = 0.9
LARGE_TABLE_ROWS = 10_000  # a sequential scan of a table this large is a finding
ZONE = ZoneInfo("Europe/Berlin")
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_SERVER = os.environ.get("BENCH_REDIS_SERVER", "redis://127.0.0.1:6379")


def database_fresh(name: str) -> str:
    with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return SERVER.rsplit("/", 1)[0] + "/" + name


def database_drop(name: str) -> None:
    with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def installation(name: str, coaches: int, redis_db: str) -> tuple[dict[str, str], dict]:
    """A migrated database `name` filled with `coaches` coaches, and an empty Redis database of
    its own; the server's environment and what generating the data took."""
    url = database_fresh(name)
    redis_url = f"{REDIS_SERVER}/{redis_db}"
    redis.Redis.from_url(redis_url).flushdb()
    env = server_env(
        url, REDIS_URL=redis_url, BOOKING_RATE_LIMIT="1000000/m", DJANGO_SETTINGS_MODULE="bench.scale_settings"
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity=0"],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True,
    )
    with psycopg.connect(url) as conn:
        generated = generate(conn, coaches=coaches, bookings_per_coach=BOOKINGS_PER_COACH)
    return env, generated


def free_starts(today: date):
    """The load's booking times at one coach, none taken by the generated data: weekdays
    from three days ahead, LOAD_HOURS and their half hours, off the blocked days (99–110)."""
    for offset in range(3, 175):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5 or 95 <= offset <= 112:
            continue
        for hour in LOAD_HOURS:
            for minute in (0, 30):
                yield datetime.combine(day, time(hour, minute), tzinfo=ZONE).isoformat()


def work(
    coaches: int, requests: int, rng: random.Random, *, bookings: dict | None = None, index_from: int = 0
) -> list[tuple]:
    """The mixed load's requests in order: ("slots"|"type", path) and ("book", path, start, index).

    Most draws (VISITOR_SHARE) are a visitor of the drawn coach: a type page (this month), then
    a few of its days, and with BOOKING_CHANCE a booking; the others a month of slots from the
    API (the coach's own website or tools asking). `bookings`, when given, holds each coach's
    next free times across calls (none are booked without it)."""
    today = datetime.now(ZONE).date()
    month = f"start={today + timedelta(days=1)}&end={today + timedelta(days=30)}&tz=Europe/Berlin"
    cum_weights = list(accumulate(1 / rank**ZIPF_S for rank in range(1, coaches + 1)))
    items = []
    while len(items) < requests:
        (coach,) = rng.choices(range(1, coaches + 1), cum_weights=cum_weights)
        type_slug = rng.choice(TYPE_SLUGS)
        if rng.random() >= VISITOR_SHARE:
            items.append(("slots", f"/api/coaches/c{coach}/slots?type={type_slug}&{month}"))
            continue
        items.append(("type", f"/c{coach}/{type_slug}/?tz=Europe/Berlin"))
        for _ in range(rng.randint(*VISITOR_DAYS)):
            day = today + timedelta(days=rng.randint(1, 14))
            items.append(("type", f"/c{coach}/{type_slug}/?day={day}&tz=Europe/Berlin"))
        if bookings is not None and rng.random() < BOOKING_CHANCE:
            start = next(bookings.setdefault(coach, free_starts(today)))
            items.append(("book", f"/api/coaches/c{coach}/bookings", start, index_from + len(items)))
    return items[:requests]


def send(client: http.client.HTTPConnection, item: tuple) -> tuple[str, int, float]:
    began = clock.perf_counter()
    if item[0] == "book":
        _, path, start, index = item
        body = {
            "type": "erstgespraech",
            "start": start,
            "name": f"Last {index}",
            "email": f"load{index}@bench.example",
            "channel": "email",
            "message": MESSAGE,
            "privacy_consent": True,
        }
        client.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    else:
        client.request("GET", item[1])
    response = client.getresponse()
    response.read()
    return item[0], response.status, (clock.perf_counter() - began) * 1000


def load_round(
    env: dict[str, str], coaches: int, rng: random.Random, starts: dict, *, warm_up: int, requests: int
) -> tuple:
    """One round of the mixed load on a fresh gunicorn: a warm-up of reads (the cache stays
    between rounds: it is Redis), then the measured requests. Their results, the seconds
    they took, and the kept answers' lookups, hits and misses that found nothing."""
    counters = redis.Redis.from_url(env["REDIS_URL"])
    # The worker sends the bookings' messages and computes kept answers again after a change
    # (services/slots_answers_warm.py); its own lookups are not counted (config.settings' cache).
    with celery_worker({**env, "DJANGO_SETTINGS_MODULE": "config.settings"}), gunicorn(env, WORKERS) as server:
        wait_until_booted(server)
        run_clients(server.port, work(coaches, warm_up, rng), send, seconds=WARM_UP_SECONDS)
        counters.delete(*COUNTER_KEYS)
        results, elapsed = run_clients(
            server.port,
            work(coaches, requests, rng, bookings=starts, index_from=rng.randrange(10**9)),
            send,
            seconds=SECONDS,
        )
    return results, elapsed, tuple(int(counters.get(key) or 0) for key in COUNTER_KEYS)


def load_figures(rounds: list[tuple]) -> dict:
    results = [result for round_results, *_ in rounds for result in round_results]
    elapsed = sum(round_elapsed for _, round_elapsed, *_ in rounds)
    lookups, hits, absent = (sum(counts) for counts in zip(*(round_counts for *_, round_counts in rounds), strict=True))
    figures = {
        "elapsed_s": elapsed,
        "hit_rate": hits / lookups if lookups else 0.0,
        "lookups": lookups,
        # Of the misses: found nothing (a first visit, or expired) / found one made before a change.
        "absent": absent,
        "stale": lookups - hits - absent,
    }
    for kind, ok in (("slots", 200), ("type", 200), ("book", 201)):
        latencies = [ms for k, _, ms in results if k == kind]
        figures[kind] = {
            "requests": len(latencies),
            "errors": sum(1 for k, status, _ in results if k == kind and status != ok),
            "per_second": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies),
            "p95_ms": p95(latencies),
        }
    return figures


EXPLAIN_SCRIPT = """
import django, json, sys
django.setup()
from datetime import timedelta
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from scheduler.models import AppointmentType
from scheduler.selectors.slots import availability_inputs
from scheduler.services.booking import booking_create
from scheduler.services.booking_request import BookingRequest

slug, start, large = json.load(sys.stdin)
kind = AppointmentType.objects.select_related("coach").get(coach__slug=slug, slug="erstgespraech")
now = timezone.now()
with CaptureQueriesContext(connection) as inputs_queries:
    availability_inputs(appointment_type=kind, range_start=now, range_end=now + timedelta(days=30), now=now)
request = BookingRequest(start=timezone.datetime.fromisoformat(start), name="Explain", email="explain@bench.example",
    channel="email", message="Ich möchte über meinen nächsten Schritt sprechen.", language="de",
    time_zone="Europe/Berlin", privacy_consent=True)
with transaction.atomic():
    with CaptureQueriesContext(connection) as booking_queries:
        booking_create(appointment_type=kind, request=request)
    transaction.set_rollback(True)
with connection.cursor() as cursor:
    # The constraint that makes an overlap impossible; PostgreSQL checks it on its own gist index.
    cursor.execute(
        "SELECT pg_get_constraintdef(c.oid), i.relname FROM pg_constraint c JOIN pg_class i ON i.oid = c.conindid "
        "WHERE c.conname = 'booking_no_overlap' AND c.contype = 'x'"
    )
    constraint = cursor.fetchone()
notes = []
captured = (("engine inputs", inputs_queries), ("booking", booking_queries))
for label, queries in captured:
    for query in queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            continue
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
        scans = [t for t in large if f"Seq Scan on {t} " in plan + " "]
        notes.append({"label": label, "sql": sql, "plan": plan, "seq_scans": scans})
if constraint is not None:
    notes.append({"label": "exclusion constraint", "sql": constraint[1], "plan": constraint[0], "seq_scans": []})
print(json.dumps(notes))
"""


def explain(env: dict[str, str], coaches: int) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of the queries behind a month of slots and a booking (rolled
    back) at a coach in the middle, and the exclusion constraint's definition and index."""
    url = env["DATABASE_URL"]
    with psycopg.connect(url) as conn:
        large = [
            name
            for (name,) in conn.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %s", (LARGE_TABLE_ROWS,)
            )
        ]
    coach = coaches // 2
    start = next(free_starts(datetime.now(ZONE).date()))
    result = subprocess.run(
        [sys.executable, "-c", EXPLAIN_SCRIPT],
        input=json.dumps([f"c{coach}", start, large]),
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def progress(text: str) -> None:
    print(f"bench-scale: {text}", file=sys.stderr, flush=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(one: dict, scale: dict, generated: dict, notes: list[dict]) -> tuple[list[str], bool]:
    """The table, each target a ratio to the single coach's figure of the same run."""
    lines = [f"| {'figure':<44} | {'one coach':<22} | {'10,000 coaches':<22} | {'target':<30} | result |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in (44, 22, 22, 30, 6)) + "|")
    checks = []

    def add(name, one_text, scale_text, target, ok):
        checks.append(ok)
        lines.append(f"| {name:<44} | {one_text:<22} | {scale_text:<22} | {target:<30} | {verdict(ok):<6} |")

    for kind, name in (("slots", "slots API (a month), p95"), ("type", "type page (HTML, month + day), p95")):
        ratio = scale[kind]["p95_ms"] / one[kind]["p95_ms"]
        add(
            name,
            f"{one[kind]['p95_ms']:.1f} ms (p50 {one[kind]['p50_ms']:.1f})",
            f"{scale[kind]['p95_ms']:.1f} ms (p50 {scale[kind]['p50_ms']:.1f})",
            f"<= {SCALE_FACTOR}x one coach ({ratio:.2f}x)",
            ratio <= SCALE_FACTOR and not scale[kind]["errors"],
        )
    ratio = one["book"]["per_second"] / scale["book"]["per_second"]
    add(
        "bookings/s in the mix",
        f"{one['book']['per_second']:.1f}/s ({one['book']['requests']})",
        f"{scale['book']['per_second']:.1f}/s ({scale['book']['requests']})",
        f">= one coach / {SCALE_FACTOR} ({1 / ratio:.2f}x)",
        ratio <= SCALE_FACTOR and not scale["book"]["errors"],
    )
    add(
        "kept answers found current",
        f"{one['hit_rate']:.1%} of {one['lookups']} ({one['absent']}+{one['stale']})",
        f"{scale['hit_rate']:.1%} of {scale['lookups']} ({scale['absent']}+{scale['stale']})",
        f">= {TARGET_HIT_RATE:.0%} at scale",
        scale["hit_rate"] >= TARGET_HIT_RATE,
    )
    seq_scans = sorted({table for note in notes for table in note["seq_scans"]})
    add(
        "queries of the engine and the booking",
        "-",
        f"{len(notes)} plans",
        "no sequential scan of a large table",
        not seq_scans,
    )
    constraint = [note for note in notes if note["label"] == "exclusion constraint"]
    add(
        "the exclusion constraint on bookings",
        "-",
        f"gist index {constraint[0]['sql']}" if constraint else "missing",
        "booking_no_overlap in place",
        bool(constraint) and constraint[0]["plan"].startswith("EXCLUDE USING gist"),
    )
    counts = generated["counts"]
    lines.append("")
    lines.append(
        f"Generated {counts['coach']:,} coaches, {counts['booking']:,} bookings, {counts['client']:,} clients and "
        f"{counts['externalbusy']:,} imported busy times in {generated['seconds']:.0f} s; the database is "
        f"{generated['bytes'] / 2**20:,.0f} MiB. {CLIENTS} clients, {WORKERS} gunicorn workers; the mix: "
        f"visitors (a type page, {VISITOR_DAYS[0]}-{VISITOR_DAYS[1]} of its days, {BOOKING_CHANCE:.0%} of them book) "
        f"and slots API requests, each at a coach drawn by Zipf (s = {ZIPF_S})."
        " The misses in brackets: none kept (a first visit or expired) + one kept before a change."
    )
    if seq_scans:
        lines.append(f"Sequential scans of large tables: {', '.join(seq_scans)}")
    return lines, all(checks)


def main() -> int:
    began = clock.monotonic()
    installations = (("sprechzeit_scale_one", 1, "8"), ("sprechzeit_scale", SCALE_COACHES, "9"))
    try:
        envs, generated = {}, {}
        for name, coaches, redis_db in installations:
            envs[name], generated[name] = installation(name, coaches, redis_db)
            progress(f"{name}: {coaches:,} coaches generated in {generated[name]['seconds']:.0f} s")
        # Rounds in turn on the two, so that whatever else the machine does weighs on both.
        rounds = {name: [] for name, _, _ in installations}
        rngs = {name: random.Random(20261202) for name, _, _ in installations}
        starts = {name: {} for name, _, _ in installations}  # the times booked stay booked
        for number in range(ROUNDS):
            for name, coaches, _ in installations:
                warm_up = (
                    max(WARM_UP_REQUESTS_LEAST, WARM_UP_REQUESTS_PER_COACH * coaches)
                    if number == 0
                    else WORKERS * CLIENTS
                )
                rounds[name].append(
                    load_round(
                        envs[name], coaches, rngs[name], starts[name], warm_up=warm_up, requests=REQUESTS // ROUNDS
                    )
                )
                progress(f"round {number + 1} of {ROUNDS} on {coaches:,} coaches done")
        one, scale = (load_figures(rounds[name]) for name, _, _ in installations)
        notes = explain(envs["sprechzeit_scale"], SCALE_COACHES)
    finally:
        for name, _, redis_db in installations:
            database_drop(name)
            redis.Redis.from_url(f"{REDIS_SERVER}/{redis_db}").flushdb()
    lines, ok = report(one, scale, generated["sprechzeit_scale"], notes)
    notes_path = BASE_DIR / "var" / "bench" / "scale-explain.txt"
    notes_path.parent.mkdir(parents=True, exist_ok=True)
    notes_path.write_text(
        "\n\n".join(f"-- {note['label']}\n{note['sql']}\n{note['plan']}" for note in notes) + "\n", encoding="utf-8"
    )
    print("\n".join(lines))
    print(f"The plans: {notes_path.relative_to(BASE_DIR)}. The run took {clock.monotonic() - began:.0f} s.")
    print("\n".join(f"-- {note['label']}: {note['plan'].splitlines()[0]}" for note in notes))
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1:  # a smaller run while working on it: python -m bench.scale COACHES
        SCALE_COACHES = int(sys.argv[1])
    sys.exit(main())
