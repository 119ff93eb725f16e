"""One version number for everything cached from the registry.

Cached figures (statistics, the home page headline) are stored under keys that include the
version; any change to the registry sets a new version after its transaction commits, so
stale entries are never read again and simply expire. The version is a timestamp, not a
counter, so a cache that lost the key can never hand out an old version a second time.
"""

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "registry:version"
T = TypeVar("T")


def registry_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        # add() so that two processes starting together agree on one version.
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    return version


def registry_touch() -> None:
    """Invalidate every cached registry figure now."""
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def registry_touch_on_commit() -> None:
    """Invalidate once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(registry_touch)


def registry_cached(name: str, params: str, compute: Callable[[], T]) -> T:
    """compute(), cached under name + params for the current registry version."""
    key = registry_cache_key(name, params)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.REGISTRY_CACHE_SECONDS)
    return value


def registry_cache_key(name: str, *parts: str) -> str:
    """A key under the current registry version for anything cached from the registry (such
    as a page's rendered content), so that every import or edit makes it unreachable."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"registry:{registry_version()}:{name}:{digest}"
