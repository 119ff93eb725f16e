"""A version number per part of the site for everything cached from it.

Cached content (figures, rendered page fragments) is stored under keys that include the
part's version; a change sets a new version (after its transaction commits, and at once), so
stale entries are never read again and simply expire. The version is a timestamp, not a
counter, so a cache that lost the key can never hand out an old version a second time. A
cache that is down costs nothing but speed: reads give version 0 and writes are dropped.
"""

import contextlib
import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


class VersionedCache:
    def __init__(self, name: str) -> None:
        self.name = name
        self.version_key = f"{name}:version"

    def version(self) -> int:
        try:
            version = cache.get(self.version_key)
            if version is None:
                version = time.time_ns()
                # add() so that two processes starting together agree on one version.
                if not cache.add(self.version_key, version, timeout=None):
                    version = cache.get(self.version_key, version)
        except Exception:  # a cache that is down: content is computed from the database
            return 0
        return version

    def touch(self) -> None:
        """Make everything cached so far unreachable, now."""
        with contextlib.suppress(Exception):  # a cache that is down holds nothing stale
            cache.set(self.version_key, time.time_ns(), timeout=None)

    def touch_on_commit(self) -> None:
        """Now, and again once the transaction commits: content computed by another process
        in between, from the data before the commit, is not kept either."""
        self.touch()
        transaction.on_commit(self.touch)

    def key(self, name: str, *parts: str) -> str:
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
        return f"{self.name}:{self.version()}:{name}:{digest}"

    def cached(self, name: str, params: str, compute: Callable[[], T], timeout: int) -> T:
        """compute(), cached under name + params for the current version."""
        key = self.key(name, params)
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, timeout=timeout)
        return value
