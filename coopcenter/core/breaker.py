"""A circuit breaker for Redis, shared by the cache and the broker publish.

Redis that is stopped but not gone (SIGSTOP, a frozen VM, a full network path) accepts TCP
connections and never answers: every call waits out its socket timeout. A page makes a dozen
cache calls, so a one-second timeout became an 18-second page. After one failure the breaker
*opens*: callers skip Redis at once (a cache miss, a dropped write, a publish left to beat)
for REDIS_BREAKER_COOLDOWN seconds; then it *half-opens* and lets one call through. When
that call succeeds it closes; when it fails it stays open for another cooldown.

The state is per process (a gunicorn or Celery worker). Sharing it would need a store that
is up when Redis is not, and the cost of not sharing is one timeout per process per cooldown:
a few seconds of one request each, against many seconds on every request.

One breaker per Redis server (host and port, not database number): the cache and the broker
on one server fail together, so a timeout of the cache also spares the publish that follows.
"""

import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(self, name: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._clock = clock
        self._lock = threading.Lock()
        # None while closed; else the time from which one trial call may go through.
        self._retry_at: float | None = None

    @property
    def cooldown(self) -> float:
        # Read on every use, so that a changed setting applies without a restart of the test.
        return float(settings.REDIS_BREAKER_COOLDOWN)

    @property
    def is_open(self) -> bool:
        return self._retry_at is not None

    def allow(self) -> bool:
        """Whether a call may go to the server now. While open, the first caller after the
        cooldown is let through as the trial; the next trial is one cooldown later, so a
        trial that neither succeeds nor fails (an unrelated error) cannot leave it stuck."""
        with self._lock:
            if self._retry_at is None:
                return True
            now = self._clock()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.cooldown
            return True

    def succeeded(self) -> None:
        with self._lock:
            if self._retry_at is None:
                return
            self._retry_at = None
        logger.warning("Redis %s answers again: calls resume", self.name)

    def failed(self) -> None:
        with self._lock:
            was_open = self._retry_at is not None
            self._retry_at = self._clock() + self.cooldown
        if not was_open:
            logger.warning(
                "Redis %s did not answer: skipped for %.0f s at a time until it does",
                self.name,
                self.cooldown,
            )

    def reset(self) -> None:
        with self._lock:
            self._retry_at = None


_BREAKERS: dict[str, CircuitBreaker] = {}
_BREAKERS_LOCK = threading.Lock()


def server_of(url: str) -> str:
    """The server a Redis URL names, without its database number or credentials."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def breaker_for(url: str) -> CircuitBreaker:
    """The one breaker of the Redis server `url` names, in this process."""
    server = server_of(url)
    with _BREAKERS_LOCK:
        breaker = _BREAKERS.get(server)
        if breaker is None:
            breaker = _BREAKERS[server] = CircuitBreaker(server)
        return breaker


def breakers_reset() -> None:
    """Close every breaker of this process (the test suite does it before each test)."""
    with _BREAKERS_LOCK:
        for breaker in _BREAKERS.values():
            breaker.reset()
