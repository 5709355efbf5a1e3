"""`make bench`: measure, then print one table. Figures only; nothing here asserts a time."""

from bench.api import bench_slots_api
from bench.booking import CLIENTS, RACERS, bench_booking
from bench.caldav import TARGET_RATIO as CALDAV_TARGET_RATIO
from bench.caldav import bench_caldav
from bench.ceiling import MONTH, TARGET_RATIO, WEEK_END, WEEK_START, bench_ceiling
from bench.engine import bench_engine
from bench.feeds import bench_feeds
from bench.latency import BOOKINGS as LATENCY_BOOKINGS
from bench.latency import bench_latency

WIDTHS = (46, 12, 12, 44, 20, 6)


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

    lines = [
        row("figure", "median", "p95", "detail", "target", "result"),
        "|" + "|".join("-" * (w + 2) for w in WIDTHS) + "|",
    ]
    lines.append(
        row(
            "engine: a month at 15-min step",
            f"{engine['median_ms']:.2f} ms",
            f"{engine['p95_ms']:.2f} ms",
            f"{engine['slots']} slots, {engine['runs']} runs",
            "median <= 5 ms",
            verdict(engine["median_ms"] <= 5),
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
            "<= 300 ms",
            verdict(feeds["cold_ms"] <= 300),
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
    if booking is None:
        lines.append(row("booking throughput (PostgreSQL)", "-", "-", "no PostgreSQL reachable", ">= 100/s", "FAIL"))
    else:
        ok = booking["per_second"] >= 100 and booking["errors"] == 0
        lines.append(
            row(
                f"bookings/s, {CLIENTS} clients, distinct slots",
                f"{booking['p50_ms']:.1f} ms",
                f"{booking['p95_ms']:.1f} ms",
                f"{booking['per_second']:.0f}/s, {booking['bookings']} sent, {booking['errors']} errors, "
                f"{booking['cpu_ms']:.1f} ms CPU",
                ">= 100/s, 0 errors",
                verdict(ok),
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
                f"slots API, a week, {ceiling['clients']} clients",
                f"{slots_api['p50_ms']:.1f} ms",
                f"{slots_api['p95_ms']:.1f} ms",
                f"{slots_api['per_second']:.0f}/s = {ceiling['ratio']:.0%} of hello, "
                f"{slots_api['cpu_ms']:.1f} ms CPU/request",
                f">= {TARGET_RATIO:.0%} of hello",
                verdict(ok),
            )
        )
    if latency is None:
        lines.append(
            row("confirmation latency (Redis worker)", "-", "-", "no PostgreSQL reachable", "p95 <= 1 s", "FAIL")
        )
    else:
        ok = latency["sent"] == LATENCY_BOOKINGS and latency["p95_ms"] <= 1000
        lines.append(
            row(
                "commit -> confirmation sent (Redis worker)",
                f"{latency['p50_ms']:.0f} ms",
                f"{latency['p95_ms']:.0f} ms",
                f"{latency['sent']} of {latency['bookings']} sent",
                "p95 <= 1 s",
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
    print(
        "\nengine input: 300 bookings, 50 blocked periods, 500 imported busy intervals, daily/weekly caps."
        f"\nbookings: gunicorn with {booking['workers'] if booking else '-'} sync workers on PostgreSQL, "
        "load generator on loopback in the same machine."
        "\nceiling: one gunicorn like the bookings' serves a hello-world view (bench/hello.py) and the slots API;"
        f" a week ({WEEK_START}..{WEEK_END}, Europe/Berlin) of {ceiling['slots'] if ceiling else '-'} slots"
        f" in a month with {MONTH['bookings']} bookings, {MONTH['blocked']} blocked periods,"
        f" {MONTH['busy']} imported busy intervals. Its answer is kept in the cache while nothing changes,"
        " as for visitors of a booking page (selectors/slots_answers.py); computing it costs the in-process row's time."
        "\nCPU/request: the gunicorn workers' own CPU time (the machine may be shared; that is not)."
        "\nCalDAV: bookings made one at a time, each written by the Redis worker to a Radicale on loopback;"
        " the ceiling is a bare PUT of a like event to the same server, measured in the same run."
    )


if __name__ == "__main__":
    main()
