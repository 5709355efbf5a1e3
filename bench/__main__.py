"""`make bench`: measure, print one table. Figures only; nothing here asserts a time."""

from bench.api import bench_slots_api
from bench.engine import bench_engine


def row(name, median, p95, extra, target, ok):
    verdict = "" if ok is None else ("PASS" if ok else "FAIL")
    return f"| {name:<44} | {median:>10} | {p95:>10} | {extra:<22} | {target:<16} | {verdict:<4} |"


def main() -> None:
    engine = bench_engine()
    api = bench_slots_api()
    print(row("figure", "median", "p95", "detail", "target", None).replace("|     |", "| result |"))
    print("|" + "|".join("-" * width for width in (46, 12, 12, 24, 18, 6)) + "|")
    print(row(
        "engine: 31 days, 15-min step (Europe/Berlin)", f"{engine['median_ms']:.2f} ms", f"{engine['p95_ms']:.2f} ms",
        f"{engine['slots']} slots, {engine['runs']} runs", "median <= 5 ms", engine["median_ms"] <= 5,
    ))
    print(row(
        "slots API in-process, 31 days", f"{api['median_ms']:.2f} ms", f"{api['p95_ms']:.2f} ms",
        f"{api['queries']} queries, {api['slots']} slots", "fixed queries", None,
    ))
    print("\nengine input: 300 bookings, 50 blocked periods, 500 imported busy intervals, daily/weekly caps.")


if __name__ == "__main__":
    main()
