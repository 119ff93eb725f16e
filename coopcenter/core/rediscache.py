"""django-redis's cache behind the Redis circuit breaker (coopcenter.core.breaker).

Every call the backend makes to its client goes through the breaker: while it is open the
call is not made and django-redis answers as for a lost connection (IGNORE_EXCEPTIONS: a
read misses, a write is dropped), so a hung Redis costs one socket timeout per process and
cooldown instead of one per call.
"""

from typing import Any

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

from .breaker import CircuitBreaker, breaker_for


class RedisSkipped(Exception):
    """The call was not made: the breaker of its server is open."""


# Client methods that never talk to the server: they neither need the breaker nor prove
# anything about the server (close() with pooled connections does nothing at all).
_LOCAL_METHODS = frozenset({"close", "make_key", "make_pattern", "encode", "decode"})


class _GuardedClient:
    def __init__(self, client: Any, breaker: CircuitBreaker) -> None:
        self._client = client
        self._breaker = breaker

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name in _LOCAL_METHODS or not callable(attribute):
            return attribute
        breaker = self._breaker

        def guarded(*args, **kwargs):
            if not breaker.allow():
                # django-redis turns this into a miss or a no-op, as for a lost connection.
                raise ConnectionInterrupted(connection=None) from RedisSkipped(breaker.name)
            try:
                result = attribute(*args, **kwargs)
            except ConnectionInterrupted:
                breaker.failed()
                raise
            breaker.succeeded()
            return result

        return guarded


class BreakerRedisCache(RedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        first = server[0] if isinstance(server, list | tuple) else server.split(",")[0]
        self.breaker = breaker_for(first)
        self._guarded: _GuardedClient | None = None

    @property
    def client(self) -> Any:
        if self._guarded is None:
            self._guarded = _GuardedClient(super().client, self.breaker)
        return self._guarded
