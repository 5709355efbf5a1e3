"""`make bench`'s HTTP ceiling (bench/ceiling.py) on a tiny load, so that it cannot rot:
gunicorn with the bench's settings serves the hello-world view and the slots API on the
test database, every request is answered 200, and the week it measures has slots."""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import Resolver404, resolve

from bench.api import populate
from bench.ceiling import MONTH, SLOTS_PATH, measure
from bench.hello import hello
from bench.server import server_env
from tests.helpers import database_url


@pytest.mark.postgres
@pytest.mark.redis
def test_ceiling_measures_hello_world_and_a_week_of_slots_over_http(transactional_db, client, tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs DATABASE_URL=postgres://… and REDIS_URL=redis://…")
    populate(**MONTH)
    env = server_env(database_url(), REDIS_URL=settings.REDIS_URL, VAR_DIR=str(tmp_path / "var"))

    figures = measure(env, hello_requests=40, slots_requests=20, type_requests=20, clients=4, workers=2)

    for name, requests in (("hello", 40), ("slots_api", 20), ("type_page", 20)):
        figure = figures[name]
        assert figure["requests"] == requests
        assert figure["errors"] == 0
        assert 0 < figure["p50_ms"] <= figure["p95_ms"]
        assert figure["per_second"] > 0 and figure["cpu_ms"] >= 0
    assert figures["ratio"] == figures["slots_api"]["per_second"] / figures["hello"]["per_second"]
    assert figures["type_ratio"] == figures["type_page"]["per_second"] / figures["hello"]["per_second"]
    # The week served over HTTP is the one the API answers in this process.
    week = client.get(SLOTS_PATH).json()
    assert figures["slots"] == sum(len(day["slots"]) for day in week["days"]) > 0


def test_only_the_benchs_urlconf_routes_to_the_hello_world_view():
    assert resolve("/bench/hello", urlconf="bench.hello").func is hello
    with pytest.raises(Resolver404):
        resolve("/bench/hello")
