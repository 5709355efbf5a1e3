"""`make bench`: measure, then print one table. Figures only; nothing here asserts a time."""

from bench.api import bench_slots_api
from bench.booking import CLIENTS, RACERS, bench_booking
from bench.caldav import TARGET_RATIO as CALDAV_TARGET_RATIO
from bench.caldav import bench_caldav
from bench.ceiling import MONTH, TARGET_RATIO, bench_ceiling
from bench.embedded import bench_embedded
from bench.engine import bench_engine
from bench.feeds import bench_feeds
from bench.latency import BOOKINGS as LATENCY_BOOKINGS
from bench.latency import bench_latency

WIDTHS = (46, 12, 12, 44, 24, 6)
# Every target is a ratio to a figure of the same run, so that it holds on any machine.
ENGINE_TARGET_RATIO = 4  # the engine's median against bench/engine.reference on the same input
BOOKING_TARGET_RATIO = 0.2  # bookings/s against the hello-world view's requests/s
LATENCY_TARGET_FACTOR = 10  # commit -> sent p95 against the hello-world view's p50
MAX_LATENCY_FACTOR = 40  # the slowest request under load against the hello-world view's p50


def row(*cells) -> str:
    return "| " + " | ".join(f"{cell:<{width}}" for cell, width in zip(cells, WIDTHS, strict=True)) + " |"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    engine = bench_engine()
    api = bench_slots_api()
    feeds = bench_feeds()
    booking = bench_booking()
    ceiling = bench_ceiling()
    latency = bench_latency()
    caldav = bench_caldav()
    embedded = bench_embedded()

    lines = [
        row("figure", "median", "p95", "detail", "target", "result"),
        "|" + "|".join("-" * (w + 2) for w in WIDTHS) + "|",
    ]
    engine_ratio = engine["median_ms"] / engine["reference_ms"]
    lines.append(
        row(
            "engine: a month at 15-min step",
            f"{engine['median_ms']:.2f} ms",
            f"{engine['p95_ms']:.2f} ms",
            f"{engine_ratio:.1f}x reference ({engine['reference_ms']:.2f} ms), {engine['slots']} slots",
            f"median <= {ENGINE_TARGET_RATIO}x reference",
            verdict(engine_ratio <= ENGINE_TARGET_RATIO),
        )
    )
    lines.append(
        row(
            "slots API in-process (31 days), computed",
            f"{api['median_ms']:.2f} ms",
            f"{api['p95_ms']:.2f} ms",
            f"{api['queries']} queries, {api['slots']} slots",
            "fixed queries",
            "",
        )
    )
    lines.append(
        row(
            "slots API in-process, answered from the cache",
            f"{api['kept_median_ms']:.2f} ms",
            f"{api['kept_p95_ms']:.2f} ms",
            "the same question again, nothing changed",
            "",
            "",
        )
    )
    lines.append(
        row(
            f"coach feed, {feeds['events']} events, cold",
            f"{feeds['cold_ms']:.0f} ms",
            "-",
            "cold: nothing cached",
            "",
            "",
        )
    )
    ratio = feeds["cold_ms"] / feeds["revalidate_ms"]
    lines.append(
        row(
            "coach feed unchanged: 304",
            f"{feeds['revalidate_ms']:.1f} ms",
            "-",
            f"{ratio:.0f}x faster than cold",
            ">= 20x faster",
            verdict(ratio >= 20),
        )
    )
    lines.append(
        row(
            "import a 2,000-event calendar",
            f"{feeds['import_ms']:.0f} ms",
            "-",
            f"{feeds['imported']} busy intervals stored",
            "",
            "",
        )
    )
    hello_rate = ceiling["hello"]["per_second"] if ceiling else None
    if booking is None or hello_rate is None:
        lines.append(row("booking throughput (PostgreSQL)", "-", "-", "no PostgreSQL reachable", "", "FAIL"))
    else:
        booking_ratio = booking["per_second"] / hello_rate
        ok = booking_ratio >= BOOKING_TARGET_RATIO and booking["errors"] == 0
        lines.append(
            row(
                f"bookings/s, {CLIENTS} clients, distinct slots",
                f"{booking['p50_ms']:.1f} ms",
                f"{booking['p95_ms']:.1f} ms",
                f"{booking['per_second']:.0f}/s = {booking_ratio:.0%} of hello, {booking['bookings']} sent, "
                f"{booking['errors']} errors, {booking['cpu_ms']:.1f} ms CPU",
                f">= {BOOKING_TARGET_RATIO:.0%} of hello, 0 errors",
                verdict(ok),
            )
        )
        lines.append(
            row(
                "one booking's round trips, in one process",
                f"{booking['in_process_cpu_ms']:.1f} ms",
                "-",
                f"{booking['queries']} PostgreSQL statements, {booking['redis_round_trips']} Redis round trips; "
                "CPU without gunicorn",
                "",
                "",
            )
        )
        race = booking["race"]
        ok = race.get(201) == 1 and race.get(409) == RACERS - 1 and len(race) == 2
        lines.append(
            row(
                f"same slot, {RACERS} clients at once",
                "-",
                "-",
                ", ".join(f"{count}x {status}" for status, count in sorted(race.items())),
                f"1x 201, {RACERS - 1}x 409",
                verdict(ok),
            )
        )
    if ceiling is None:
        lines.append(row("slots API / hello-world view", "-", "-", "no PostgreSQL reachable", ">= 50 %", "FAIL"))
    else:
        hello, slots_api = ceiling["hello"], ceiling["slots_api"]
        lines.append(
            row(
                f"hello-world view (ceiling), {ceiling['clients']} clients",
                f"{hello['p50_ms']:.1f} ms",
                f"{hello['p95_ms']:.1f} ms",
                f"{hello['per_second']:.0f}/s, {hello['cpu_ms']:.1f} ms CPU/request, {hello['errors']} errors",
                "",
                "",
            )
        )
        ok = ceiling["ratio"] >= TARGET_RATIO and hello["errors"] == 0 and slots_api["errors"] == 0
        lines.append(
            row(
                f"slots API, a month, {ceiling['clients']} clients",
                f"{slots_api['p50_ms']:.1f} ms",
                f"{slots_api['p95_ms']:.1f} ms",
                f"{slots_api['per_second']:.0f}/s = {ceiling['ratio']:.0%} of hello, "
                f"{slots_api['cpu_ms']:.1f} ms CPU/request",
                f">= {TARGET_RATIO:.0%} of hello",
                verdict(ok),
            )
        )
        type_page = ceiling["type_page"]
        ok = ceiling["type_ratio"] >= TARGET_RATIO and type_page["errors"] == 0
        lines.append(
            row(
                f"type page (HTML: month and day), {ceiling['clients']} clients",
                f"{type_page['p50_ms']:.1f} ms",
                f"{type_page['p95_ms']:.1f} ms",
                f"{type_page['per_second']:.0f}/s = {ceiling['type_ratio']:.0%} of hello, "
                f"{type_page['cpu_ms']:.1f} ms CPU/request",
                f">= {TARGET_RATIO:.0%} of hello",
                verdict(ok),
            )
        )
        # The worst wait of any request under the load (a worker restarting, a pause), against
        # the hello-world view's median of the same run.
        slowest = max(hello["max_ms"], slots_api["max_ms"], type_page["max_ms"])
        limit = MAX_LATENCY_FACTOR * hello["p50_ms"]
        lines.append(
            row(
                "slowest request of the three under load",
                "-",
                f"{slowest:.0f} ms",
                f"max of every request above; limit {limit:.0f} ms",
                f"max <= {MAX_LATENCY_FACTOR}x hello p50",
                verdict(slowest <= limit),
            )
        )
    e_hello, e_slots = embedded["hello"], embedded["slots_api"]
    lines.append(
        row(
            "embedded (SQLite, file cache): hello-world",
            f"{e_hello['p50_ms']:.1f} ms",
            f"{e_hello['p95_ms']:.1f} ms",
            f"{e_hello['per_second']:.0f}/s, {e_hello['errors']} errors",
            "",
            "",
        )
    )
    ok = embedded["ratio"] >= TARGET_RATIO and e_hello["errors"] == 0 and e_slots["errors"] == 0
    lines.append(
        row(
            "embedded: slots API, a month",
            f"{e_slots['p50_ms']:.1f} ms",
            f"{e_slots['p95_ms']:.1f} ms",
            f"{e_slots['per_second']:.0f}/s = {embedded['ratio']:.0%} of its hello",
            f">= {TARGET_RATIO:.0%} of hello",
            verdict(ok),
        )
    )
    e_type = embedded["type_page"]
    ok = embedded["type_ratio"] >= TARGET_RATIO and e_type["errors"] == 0
    lines.append(
        row(
            "embedded: type page (HTML)",
            f"{e_type['p50_ms']:.1f} ms",
            f"{e_type['p95_ms']:.1f} ms",
            f"{e_type['per_second']:.0f}/s = {embedded['type_ratio']:.0%} of its hello",
            f">= {TARGET_RATIO:.0%} of hello",
            verdict(ok),
        )
    )
    if latency is None or ceiling is None:
        lines.append(row("confirmation latency (Redis worker)", "-", "-", "no PostgreSQL reachable", "", "FAIL"))
    else:
        latency_limit = LATENCY_TARGET_FACTOR * ceiling["hello"]["p50_ms"]
        ok = latency["sent"] == LATENCY_BOOKINGS and latency["p95_ms"] <= latency_limit
        lines.append(
            row(
                "commit -> confirmation sent (Redis worker)",
                f"{latency['p50_ms']:.0f} ms",
                f"{latency['p95_ms']:.0f} ms",
                f"{latency['sent']} of {latency['bookings']} sent, one every {latency['pace_ms']:.0f} ms "
                f"(the worker's {latency['worker_per_second']:.0f}/s at half), "
                f"{latency['worker_cpu_ms']:.1f} ms worker CPU a booking; limit {latency_limit:.0f} ms",
                f"p95 <= {LATENCY_TARGET_FACTOR}x hello p50",
                verdict(ok),
            )
        )
    if caldav is None:
        lines.append(row("commit -> event stored in Radicale", "-", "-", "no PostgreSQL reachable", "", "FAIL"))
    else:
        ok = caldav["sent"] == caldav["events"] == caldav["bookings"] and caldav["ratio"] <= CALDAV_TARGET_RATIO
        lines.append(
            row(
                "commit -> event stored in Radicale (CalDAV)",
                f"{caldav['p50_ms']:.0f} ms",
                f"{caldav['p95_ms']:.0f} ms",
                f"{caldav['ratio']:.1f}x bare PUT ({caldav['ceiling_p95_ms']:.0f} ms), "
                f"{caldav['events']}/{caldav['bookings']} events",
                f"p95 <= {CALDAV_TARGET_RATIO}x bare PUT",
                verdict(ok),
            )
        )
    print("\n".join(lines))
    one_booking = (
        f"\none booking: {', '.join(booking['statements'])}; Redis: {', '.join(booking['redis_commands'])}."
        if booking
        else ""
    )
    print(
        "\nengine input: 300 bookings, 50 blocked periods, 500 imported busy intervals, daily/weekly caps."
        f"\nbookings: gunicorn with {booking['workers'] if booking else '-'} sync workers on PostgreSQL, "
        "load generator on loopback in the same machine."
        f"{one_booking}"
        "\nceiling: one gunicorn like the bookings' serves a hello-world view (bench/hello.py) and the slots API;"
        f" a month (Europe/Berlin) of {ceiling['slots'] if ceiling else '-'} slots"
        f" in a month with {MONTH['bookings']} bookings, {MONTH['blocked']} blocked periods,"
        f" {MONTH['busy']} imported busy intervals. Its answer is kept in the cache while nothing changes,"
        " as for visitors of a booking page (selectors/slots_answers.py); computing it costs the in-process row's time."
        "\nCPU/request: the gunicorn workers' own CPU time (the machine may be shared; that is not)."
        "\nconfirmation: the clock starts at the booking's commit; the bookings are paced at half the"
        " throughput the worker showed earlier in the same run (bench/latency.py), so the figure is one"
        " message's latency, not a queue's. Worker CPU: its whole process tree's."
        "\nCalDAV: bookings made one at a time, each written by the Redis worker to a Radicale on loopback;"
        " the ceiling is a bare PUT of a like event to the same server, measured in the same run."
        "\nembedded: the same three figures on `make run`'s defaults (SQLite, the file cache, no Redis)."
        "\nengine reference: sorting the month's busy times and walking its candidate starts once"
        " (bench/engine.reference), on the same input in the same run."
    )


if __name__ == "__main__":
    main()
