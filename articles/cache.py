"""Everything cached from the articles (rendered lists, archives, pages, feeds, search results)
lives under this one version: any save of an article, image, category, tag, author or series
sets a new one, so nothing stale is read again. Staff previews are never cached.

What readers see also changes with no save at all, when a scheduled article's time comes
(`published()` is a query): `cached_until_next_publication` keeps an entry only until then.
"""

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.utils import timezone

from coopcenter.core.versioned import VersionedCache

T = TypeVar("T")

articles_cache = VersionedCache("articles")


def cached_until_next_publication(
    key: str, build: Callable[[], T], *, timeout: int, keep: Callable[[T], bool] | None = None
) -> T:
    """build(), cached under `key` (made with `articles_cache.key`) for at most `timeout`
    seconds and never past the next scheduled publication. `keep(value)` False (a redirect,
    say) leaves the value uncached."""
    from articles.selectors import article_next_publication

    now = timezone.now()
    entry = cache.get(key)
    if entry is not None:
        valid_until, value = entry
        if valid_until is None or now < valid_until:
            return value
    # Read before building: an article that becomes visible while the value is built makes
    # the entry stale at once rather than hiding it.
    valid_until = article_next_publication(now)
    value = build()
    if keep is not None and not keep(value):
        return value
    if valid_until is not None:
        timeout = min(timeout, int((valid_until - now).total_seconds()))
    if timeout > 0:
        cache.set(key, (valid_until, value), timeout)
    return value
