"""One version number for everything cached from the registry (coopcenter.core.versioned).

Cached figures (statistics, the home page headline) and rendered page content are stored
under keys that include the version; any change to the registry sets a new version after its
transaction commits, so stale entries are never read again and simply expire.
"""

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from coopcenter.core.versioned import VersionedCache

T = TypeVar("T")

registry_cache = VersionedCache("registry")
registry_version = registry_cache.version
registry_touch = registry_cache.touch
registry_touch_on_commit = registry_cache.touch_on_commit
# A key under the current registry version for anything cached from the registry (such as
# a page's rendered content), so that every import or edit makes it unreachable.
registry_cache_key = registry_cache.key


def registry_timeout(*, searched: bool) -> int:
    """The life of a cached registry entry. One keyed by a visitor's search text lives only
    REGISTRY_SEARCH_CACHE_SECONDS: anyone can make new ones at will, and they must not fill
    the cache (the set of filter choices is bounded; free text is not)."""
    if searched:
        return settings.REGISTRY_SEARCH_CACHE_SECONDS
    return settings.REGISTRY_CACHE_SECONDS


def registry_cached(
    name: str, params: str, compute: Callable[[], T], *, searched: bool = False
) -> T:
    """compute(), cached under name + params for the current registry version."""
    timeout = registry_timeout(searched=searched)
    return registry_cache.cached(name, params, compute, timeout=timeout)
