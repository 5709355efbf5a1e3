"""The product's Redis cache, counting how often a kept slots answer was found current: the
hit rate of `make bench-scale` (bench/scale_settings.py), and of the misses how many found no
answer at all (a first visit, or one that expired) and how many one made under older versions (a
change since). The counts go to Redis every FLUSH_EVERY lookups (one pipeline), so that the
workers' counts add up and the counting costs next to nothing."""

from config.cache import RedisCache

ANSWER_PREFIXES = ("slots-answer:", "slots-kept:")
FLUSH_EVERY = 20
LOOKUPS_KEY = "bench-scale:lookups"
HITS_KEY = "bench-scale:hits"
ABSENT_KEY = "bench-scale:absent"
COUNTER_KEYS = (LOOKUPS_KEY, HITS_KEY, ABSENT_KEY)


class CountingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._lookups = 0
        self._hits = 0
        self._absent = 0

    def get_many(self, keys, version=None):
        found = super().get_many(keys, version)
        answers = [key for key in keys if key.startswith(ANSWER_PREFIXES)]
        if answers:
            # As slots_answers.slots_answer_cached decides: kept under the versions read with it.
            versions = tuple(found.get(key) for key in keys if key not in answers)
            self._lookups += len(answers)
            self._hits += sum(1 for key in answers if key in found and found[key][0] == versions)
            self._absent += sum(1 for key in answers if key not in found)
            if self._lookups >= FLUSH_EVERY:
                self.counts_flush()
        return found

    def counts_flush(self) -> None:
        pipeline = self._cache.get_client(write=True).pipeline(transaction=False)
        for key, count in zip(COUNTER_KEYS, (self._lookups, self._hits, self._absent), strict=True):
            pipeline.incrby(key, count)
        pipeline.execute()
        self._lookups = self._hits = self._absent = 0
