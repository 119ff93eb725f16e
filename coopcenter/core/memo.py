"""Per-process memos, for values every request reads and that almost never change.

Each gunicorn worker keeps its own copy for a few seconds, so the hottest pages skip a
Redis round trip. Whoever changes such a value clears the memo in its own process; other
processes see the change when their copy expires, which is what `ttl` bounds.
"""

from collections.abc import Callable
from typing import TypeVar

from cachetools.func import ttl_cache

F = TypeVar("F", bound=Callable)

_MEMOS: list = []


def process_memo(*, ttl: float, maxsize: int = 16) -> Callable[[F], F]:
    """Decorate a function of hashable arguments: its results are kept for `ttl` seconds."""

    def decorate(function: F) -> F:
        memo = ttl_cache(maxsize=maxsize, ttl=ttl)(function)
        _MEMOS.append(memo)
        return memo

    return decorate


def process_memos_clear() -> None:
    """Forget every memo of this process (the test suite does it before each test)."""
    for memo in _MEMOS:
        memo.cache_clear()
