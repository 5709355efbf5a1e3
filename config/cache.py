"""Django's Redis cache with one Redis client per connection pool.

Django's RedisCacheClient builds a new redis.Redis for every call, and building one
copies redis-py's table of about 170 response callbacks: more CPU than the GET it
serves. A client is safe to share between threads (its pool hands out the
connections), so one per pool is enough."""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if pool not in self._clients:
            self._clients[pool] = self._client(connection_pool=pool)
        return self._clients[pool]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
