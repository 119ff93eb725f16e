"""The registry's sections of the sitemap: its two pages and one entry per listed co-op.

Django's i18n sitemaps build a list of (item, language) pairs from *every* item before they
paginate, which for 100,000 co-ops would load every row on each sitemap request. The co-ops'
sitemap paginates a lazy sequence instead: it counts with one query and reads only the rows
of the page asked for. The site serves a sitemap index (/sitemap.xml) that lists every page.
"""

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Max
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import get_language

from registry.models import Cooperative


class RegistryPagesSitemap(Sitemap):
    """The directory and its statistics, in Korean with English alternates."""

    changefreq = "daily"
    priority = 0.7
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return ["registry:index", "registry:stats"]

    def location(self, item):
        return reverse(item)


class _LanguagePairs:
    """The (co-op, language) pairs of a queryset, read one slice at a time."""

    def __init__(self, queryset, languages: list[str]):
        self.queryset = queryset
        self.languages = languages

    def count(self) -> int:
        return self.queryset.count() * len(self.languages)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("only plain slices are supported")
        per_item = len(self.languages)
        start, stop = index.start or 0, index.stop
        first, last = start // per_item, -(-stop // per_item)
        pairs = [
            (item, language) for item in self.queryset[first:last] for language in self.languages
        ]
        offset = first * per_item
        return pairs[start - offset : stop - offset]


class CooperativeSitemap(Sitemap):
    """Every listed co-op's page, in Korean with English alternates."""

    changefreq = "weekly"
    priority = 0.5
    i18n = True
    alternates = True
    x_default = True
    # URL entries per sitemap page (each co-op has one per language); the index lists the pages.
    limit = 10_000

    def items(self):
        return Cooperative.objects.listed().only("pk", "updated_at").order_by("pk")

    @property
    def paginator(self):
        return self._paginator

    @cached_property
    def _paginator(self):
        return Paginator(_LanguagePairs(self.items(), self._languages()), self.limit)

    def lastmod(self, cooperative):
        return cooperative.updated_at

    def get_latest_lastmod(self):
        return Cooperative.objects.listed().aggregate(latest=Max("updated_at"))["latest"]

    def location(self, cooperative):
        # reverse() once per language, then the id filled in: a sitemap page holds 10,000
        # entries with three alternates each.
        language = get_language()
        pattern = self._patterns.get(language)
        if pattern is None:
            pattern = self._patterns[language] = reverse("registry:detail", args=[0]).replace(
                "/0/", "/{pk}/"
            )
        return pattern.format(pk=cooperative.pk)

    @cached_property
    def _patterns(self) -> dict[str, str]:
        return {}
