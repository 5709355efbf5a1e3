"""gunicorn on PostgreSQL + Redis and a load generator on loopback, shared by the HTTP
benchmarks. Every request loop is bounded in count and in time."""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time as clock
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
# Sync workers for this machine's two cores, as config/gunicorn.py chooses them (2 × cores + 1).
WORKERS = 5
CLIENTS = 16


# Two benchmarks at once on one machine (a developer's runs of single parts) each name their own.
DATABASE_NAME = os.environ.get("BENCH_DATABASE_NAME", "sprechzeit_bench")


def bench_database_url() -> str | None:
    """A fresh, empty database DATABASE_NAME on the server of BENCH_DATABASE_URL
    (default postgres://postgres@127.0.0.1:5432/test); None when no PostgreSQL answers."""
    server = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    import psycopg

    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DATABASE_NAME}")
    except psycopg.OperationalError:
        return None
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{DATABASE_NAME}"))


def server_env(database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of the bench's Django processes: PostgreSQL, Redis, and as in
    production no per-query debug bookkeeping."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": os.environ.get("BENCH_VAR_DIR", str(BASE_DIR / "var" / "bench")),
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        **overrides,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, deadline: float) -> None:
    while clock.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        clock.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


@contextmanager
def gunicorn(env: dict[str, str], workers: int = WORKERS) -> Iterator[subprocess.Popen]:
    """gunicorn with `workers` sync workers on a free loopback port, up (/healthz answers);
    the process carries the port as `.port`. Stopped on leaving."""
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"),
        ],
        cwd=BASE_DIR,
        env=env,
    )
    server.port = port
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", clock.monotonic() + 60)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def celery_worker(env: dict[str, str], concurrency: int = 1) -> Iterator[subprocess.Popen]:
    """A real Celery worker on the broker of `env` (its REDIS_URL), as production runs one
    beside the web processes; e-mail stays in the worker's memory. Stopped on leaving."""
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={concurrency}"),
            *("--loglevel=ERROR", "--without-mingle", "--without-gossip"),
        ],
        cwd=BASE_DIR,
        env={**env, "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def workers_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time (user + system) spent so far by the gunicorn workers of `server`: on a
    machine shared with other work this says what a request costs, wall time does not."""
    ticks = 0
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that has just exited
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_clients(
    port: int,
    work: Iterable,
    send: Callable[[http.client.HTTPConnection, object], tuple[int, float]],
    *,
    clients: int = CLIENTS,
    seconds: float = 120,
) -> tuple[list[tuple[int, float]], float]:
    """`clients` threads, each on its own connection, take items from `work` and `send` them
    (returning status and milliseconds) until the work is done or `seconds` have passed.
    Returns every (status, ms) and the elapsed seconds. http.client: the load generator
    shares the two cores with the server, so it should cost little."""
    lock = threading.Lock()
    queue = iter(work)
    deadline = clock.monotonic() + seconds

    def client_loop(_):
        results = []
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while clock.monotonic() < deadline:
                with lock:
                    item = next(queue, None)
                if item is None:
                    break
                results.append(send(client, item))
        finally:
            client.close()
        return results

    began = clock.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [result for batch in pool.map(client_loop, range(clients)) for result in batch]
    return results, clock.perf_counter() - began


def get(client: http.client.HTTPConnection, path: str) -> tuple[int, float]:
    """One GET; status and milliseconds."""
    began = clock.perf_counter()
    client.request("GET", path)
    response = client.getresponse()
    response.read()
    return response.status, (clock.perf_counter() - began) * 1000


def latencies_from_script(script: str, given, env: dict[str, str]) -> list[float]:
    """Run `script` in a fresh interpreter with `given` as JSON on its stdin; its last line of
    output is a JSON list of milliseconds, returned sorted."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(given),
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return sorted(json.loads(result.stdout.strip().splitlines()[-1]))


def p95(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[int(0.95 * (len(ordered) - 1))]
