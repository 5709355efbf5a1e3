"""The slots API against a hello-world Django view, the ceiling: one gunicorn (bench/settings.py:
the product plus /bench/hello) on PostgreSQL + Redis, CLIENTS concurrent clients on loopback
asking in turns for the hello-world view and for a week of slots of bench/api.py's coach in an
ordinary month (MONTH: about two bookings a working day, a few blocked periods, an imported calendar).

Besides the clients' throughput and latency each figure has the CPU time the gunicorn workers
spent per request: the machine is shared, and that does not depend on who else is busy.
"""

import statistics
import subprocess
import sys
from datetime import timedelta

import httpx

from bench.api import MONTH_START
from bench.server import (
    BASE_DIR,
    CLIENTS,
    WORKERS,
    bench_database_url,
    get,
    gunicorn,
    p95,
    run_clients,
    server_env,
    workers_cpu_seconds,
)

HELLO_PATH = "/bench/hello"
# A week, as the booking page's picker asks for one: Monday to Sunday in the middle of the month.
WEEK_START = MONTH_START + timedelta(days=7)
WEEK_END = WEEK_START + timedelta(days=6)
SLOTS_PATH = f"/api/coaches/bench/slots?type=session&start={WEEK_START}&end={WEEK_END}&tz=Europe/Berlin"
# A month of free times, as the issue of the embedded default states its target.
MONTH_PATH = (
    f"/api/coaches/bench/slots?type=session&start={MONTH_START}&end={MONTH_START + timedelta(days=30)}&tz=Europe/Berlin"
)
# The booking page of the same type, its month grid and one day's times (HTML, without JavaScript).
TYPE_PATH = f"/bench/session/?day={WEEK_START + timedelta(days=1)}&tz=Europe/Berlin"
HELLO_REQUESTS = 4000
SLOTS_REQUESTS = 1500
TYPE_REQUESTS = 1000
SECONDS = 60  # for each figure, whatever is left of its requests
ROUNDS = 4
WARM_UP = 5  # requests per client and path before measuring: imports, connections, caches
TARGET_RATIO = 0.5
# Counts for bench/api.py's month: its 300 bookings fill the working hours (2 slots left in
# the week), which the in-process figure wants; a coach's ordinary month leaves about 80.
MONTH = {"bookings": 40, "blocked": 8, "busy": 60}

POPULATE = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from bench.api import populate
populate(**{MONTH!r})
"""


def figure(runs: list[tuple[list[tuple[int, float]], float, float]]) -> dict:
    """One figure from its rounds, each (status and ms per request, elapsed s, workers' CPU s)."""
    results = [result for round_results, _, _ in runs for result in round_results]
    latencies = [ms for _, ms in results]
    return {
        "requests": len(results),
        "errors": sum(status != 200 for status, _ in results),
        "per_second": len(results) / sum(elapsed for _, elapsed, _ in runs),
        "p50_ms": statistics.median(latencies),
        "p95_ms": p95(latencies),
        "max_ms": max(latencies),
        "cpu_ms": sum(cpu for _, _, cpu in runs) * 1000 / len(results),
    }


def measure(
    env: dict[str, str],
    *,
    hello_requests: int = HELLO_REQUESTS,
    slots_requests: int = SLOTS_REQUESTS,
    type_requests: int = TYPE_REQUESTS,
    clients: int = CLIENTS,
    workers: int = WORKERS,
    seconds: float = SECONDS,
    slots_path: str = SLOTS_PATH,
) -> dict:
    """The three figures (hello-world, slots API, type page) from one gunicorn on the database
    of `env`, which holds bench/api.py's coach. They take turns, ROUNDS times, so that a
    neighbour's load on the machine weighs on each."""
    with gunicorn({**env, "DJANGO_SETTINGS_MODULE": "bench.settings"}, workers) as server:
        response = httpx.get(f"http://127.0.0.1:{server.port}{slots_path}", timeout=30)
        response.raise_for_status()
        slots = sum(len(day["slots"]) for day in response.json()["days"])
        paths = ((HELLO_PATH, hello_requests), (slots_path, slots_requests), (TYPE_PATH, type_requests))
        for path, _ in paths:
            run_clients(server.port, [path] * clients * WARM_UP, get, clients=clients, seconds=seconds)
        runs = {path: [] for path, _ in paths}
        for _ in range(ROUNDS):
            for path, requests in paths:
                cpu_before = workers_cpu_seconds(server)
                work = [path] * (requests // ROUNDS)
                results, elapsed = run_clients(server.port, work, get, clients=clients, seconds=seconds / ROUNDS)
                runs[path].append((results, elapsed, workers_cpu_seconds(server) - cpu_before))
    hello, slots_api, type_page = figure(runs[HELLO_PATH]), figure(runs[slots_path]), figure(runs[TYPE_PATH])
    return {
        "hello": hello,
        "slots_api": slots_api,
        "type_page": type_page,
        "ratio": slots_api["per_second"] / hello["per_second"],
        "type_ratio": type_page["per_second"] / hello["per_second"],
        "slots": slots,
        "clients": clients,
        "workers": workers,
    }


def bench_ceiling() -> dict | None:
    """On a fresh bench database; None when no PostgreSQL answers."""
    database_url = bench_database_url()
    if database_url is None:
        return None
    env = server_env(database_url)
    subprocess.run([sys.executable, "-c", POPULATE], cwd=BASE_DIR, env=env, check=True)
    return measure(env, slots_path=MONTH_PATH)


if __name__ == "__main__":
    figures = bench_ceiling()
    if figures is None:
        sys.exit("no PostgreSQL reachable")
    for name in ("hello", "slots_api", "type_page"):
        f = figures[name]
        print(
            f"{name:<10} {f['per_second']:7.0f}/s  p50 {f['p50_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f} ms  "
            f"{f['cpu_ms']:5.2f} ms CPU/request  {f['requests']} requests, {f['errors']} errors"
        )
    print(
        f"ratio {figures['ratio']:.0%} (target >= {TARGET_RATIO:.0%}); {figures['slots']} slots "
        f"{WEEK_START}..{WEEK_END}; {figures['workers']} workers, {figures['clients']} clients"
    )
