"""The bench's settings (bench/settings.py) with a cache that counts kept answers found
current (bench/scale_cache.py), for `make bench-scale`'s gunicorn only."""

from bench.settings import *  # noqa: F403

CACHES["default"]["BACKEND"] = "bench.scale_cache.CountingRedisCache"  # noqa: F405
