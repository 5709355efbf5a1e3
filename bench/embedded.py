"""The embedded default (SQLite, no Redis: kept answers in the file cache that every process
shares) against the same run's hello-world view, for a month of free times over HTTP: `make
run` and a small installation should be as fast as PostgreSQL + Redis, a month costing at
most twice one hello-world request. The same figure on PostgreSQL + Redis comes from
bench/ceiling.py with MONTH_PATH."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.ceiling import MONTH_PATH, POPULATE, measure
from bench.server import BASE_DIR

VAR_DIR = Path(os.environ.get("BENCH_VAR_DIR", str(BASE_DIR / "var" / "bench"))) / "embedded"


def embedded_env(var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        "REDIS_URL": "",
    }
    env.pop("DATABASE_URL", None)
    return env


def bench_embedded(var_dir: Path = VAR_DIR, **limits) -> dict:
    """measure() on a fresh SQLite database with the file cache, for a month of slots."""
    shutil.rmtree(var_dir, ignore_errors=True)
    env = embedded_env(var_dir)
    subprocess.run([sys.executable, "-c", POPULATE], cwd=BASE_DIR, env=env, check=True)
    return measure(env, slots_path=MONTH_PATH, **limits)
