"""The real parts are there when the service suite runs (make test-services)."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection


@pytest.fixture
def on_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://…")


@pytest.fixture
def on_redis():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL=redis://…")


@pytest.mark.postgres
def test_migrations_install_btree_gist(on_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'")
        assert cursor.fetchone() == (1,)


@pytest.mark.postgres
def test_btree_gist_exclusion_rejects_overlap_and_accepts_back_to_back(on_postgres):
    """The building block of the booking constraint works on this server."""
    from django.db import IntegrityError, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE span_probe (coach int, span tstzrange,"
            " EXCLUDE USING gist (coach WITH =, span WITH &&))"
        )
        cursor.execute("INSERT INTO span_probe VALUES (1, tstzrange('2026-01-05 09:00Z', '2026-01-05 10:00Z', '[)'))")
        cursor.execute("INSERT INTO span_probe VALUES (1, tstzrange('2026-01-05 10:00Z', '2026-01-05 11:00Z', '[)'))")
        cursor.execute("INSERT INTO span_probe VALUES (2, tstzrange('2026-01-05 09:00Z', '2026-01-05 10:00Z', '[)'))")
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(
                "INSERT INTO span_probe VALUES (1, tstzrange('2026-01-05 09:30Z', '2026-01-05 10:30Z', '[)'))"
            )


@pytest.mark.redis
def test_redis_is_broker_and_cache(on_redis):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    cache = caches["default"]
    assert type(cache).__name__ == "RedisCache"
    cache.set("sprechzeit-probe", {"ok": 1}, timeout=30)
    assert cache.get("sprechzeit-probe") == {"ok": 1}
