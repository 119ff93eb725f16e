"""Everything cached from the articles (rendered lists, archives, pages) lives under this
one version: any save of an article, image, category, tag, author or series sets a new one,
so nothing stale is read again. Staff previews are never cached."""

from coopcenter.core.versioned import VersionedCache

articles_cache = VersionedCache("articles")
