import pytest
from django.conf import settings
from django.core.cache import caches

from config.cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def cache():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL=redis://… (make test-services)")
    return caches["default"]


def test_the_cache_builds_one_redis_client_per_pool(cache, monkeypatch):
    import redis

    assert isinstance(cache, RedisCache)
    built = []
    init = redis.Redis.__init__
    monkeypatch.setattr(redis.Redis, "__init__", lambda self, *a, **k: built.append(self) or init(self, *a, **k))
    cache.set("sprechzeit-probe", {"ok": 1}, timeout=30)
    assert cache.get("sprechzeit-probe") == {"ok": 1}
    assert cache.add("sprechzeit-counter", 1)
    assert cache.incr("sprechzeit-counter") == 2
    assert cache.get_many(["sprechzeit-probe", "nothing"]) == {"sprechzeit-probe": {"ok": 1}}
    cache.delete("sprechzeit-probe")
    assert cache.get("sprechzeit-probe") is None
    assert len(built) <= 1  # at most the first use of the pool builds one
    assert cache._cache.get_client(write=True) is cache._cache.get_client()
