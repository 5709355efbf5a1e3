"""`make bench`'s CalDAV figure (bench/caldav.py) on a tiny load, so that it cannot rot: a real
worker writes each booking to a Radicale of its own, every event is stored once, and the
figure is stated against the bare PUT measured beside it."""

import pytest
from django.conf import settings
from django.db import connection

from bench.booking import prepare
from bench.caldav import caldav_env, measure
from tests.helpers import database_url


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
def test_the_caldav_figure_measures_bookings_written_to_radicale(transactional_db, tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs DATABASE_URL=postgres://… and REDIS_URL=redis://…")
    env = caldav_env(database_url(), REDIS_URL=settings.REDIS_URL, VAR_DIR=str(tmp_path / "var"))
    starts = prepare(env)[:3]

    figures = measure(env, starts, puts=5)

    assert figures["bookings"] == figures["sent"] == figures["events"] == 3
    assert 0 < figures["p50_ms"] <= figures["p95_ms"]
    assert 0 < figures["ceiling_p50_ms"] <= figures["ceiling_p95_ms"]
    assert figures["ratio"] == figures["p95_ms"] / figures["ceiling_p95_ms"]
