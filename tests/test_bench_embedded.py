"""`make bench`'s embedded-default figures (bench/embedded.py) on a tiny load, so that they
cannot rot: gunicorn on SQLite with the file cache (no Redis) serves the hello-world view, a
month of slots and the type page, each answered 200, and the month has slots."""

from bench.embedded import bench_embedded


def test_the_embedded_default_serves_hello_world_a_month_of_slots_and_the_type_page(tmp_path):
    figures = bench_embedded(
        tmp_path / "var", hello_requests=40, slots_requests=20, type_requests=20, clients=4, workers=2, seconds=30
    )

    for name, requests in (("hello", 40), ("slots_api", 20), ("type_page", 20)):
        figure = figures[name]
        assert figure["requests"] == requests
        assert figure["errors"] == 0
        assert 0 < figure["p50_ms"] <= figure["p95_ms"] <= figure["max_ms"]
    assert figures["slots"] > 0
    # The answers were kept in the file cache that the gunicorn workers share.
    assert any((tmp_path / "var" / "cache").iterdir())
