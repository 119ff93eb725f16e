"""The articles' sections of the sitemap, all from `Article.objects.published()`:

- `articles`: every published article at its canonical address, in its own language's pages,
  with `lastmod` (its last save) and, when its translation is published too, both addresses as
  alternates;
- `article-categories`, `article-tags`: the pages of the categories and tags that have a
  published article, in Korean with English alternates (their names are translated or
  language-free); `article-series`: each series with a published part, in the series'
  language. Their `lastmod` is the last save of their published articles.

Each section answers the sitemap index with one query (its size and latest change together),
and a page of it with two (that same query for the paginator, then the page's rows).
"""

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import translation
from django.utils.functional import cached_property

from articles.models import Article, Category, Series, Tag
from articles.selectors import article_url


class _CountedItems:
    """The items of a section whose length is known already: the paginator does not count
    them again, and they are read only when a page is sliced (never by the index)."""

    def __init__(self, read, count: int):
        self.read = read
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self.read()[index]


class _SummarisedSitemap(Sitemap):
    """A section whose size and latest change are read together, once per request."""

    def summary(self) -> dict:
        """{"count": number of items, "latest": their latest change or None}."""
        raise NotImplementedError

    @cached_property
    def _summary(self) -> dict:
        summary = self.summary()
        if self.i18n:  # one entry per item and language
            summary["count"] *= len(self._languages())
        return summary

    def get_latest_lastmod(self):
        return self._summary["latest"]

    @property
    def paginator(self):
        return self._paginator

    @cached_property
    def _paginator(self):
        return Paginator(_CountedItems(self._items, self._summary["count"]), self.limit)

    def lastmod(self, item):
        return item.lastmod


class ArticleSitemap(_SummarisedSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        translation_public = Article.objects.published().filter(pk=OuterRef("translation_id"))
        return (
            Article.objects.published()
            .select_related("translation")
            .only(
                "pk",
                "slug",
                "language",
                "published_at",
                "created_at",
                "updated_at",
                "translation__slug",
                "translation__language",
                "translation__published_at",
                "translation__created_at",
            )
            .annotate(translation_public=Exists(translation_public))
            .order_by("-published_at", "-pk")
        )

    def summary(self) -> dict:
        return Article.objects.published().aggregate(count=Count("pk"), latest=Max("updated_at"))

    def location(self, article: Article) -> str:
        return article_url(article)

    def lastmod(self, article: Article):
        return article.updated_at

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        origin = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        for url in urls:
            article = url["item"]
            if article.translation_id and article.translation_public:
                url["alternates"] = [
                    {"lang_code": article.language, "location": url["location"]},
                    {
                        "lang_code": article.translation.language,
                        "location": origin + article_url(article.translation),
                    },
                ]
        return urls


def _latest_change(relation: str) -> Subquery:
    """The last save of a published article whose `relation` is the outer row."""
    return Subquery(
        Article.objects.published()
        .filter(**{relation: OuterRef("pk")})
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )


class CategorySitemap(_SummarisedSitemap):
    changefreq = "daily"
    priority = 0.5
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return (
            Category.objects.annotate(lastmod=_latest_change("category"))
            .filter(lastmod__isnull=False)
            .only("pk", "slug")
            .order_by("position", "slug")
        )

    def summary(self) -> dict:
        return Article.objects.published().aggregate(
            count=Count("category", distinct=True), latest=Max("updated_at")
        )

    def location(self, category: Category) -> str:
        return reverse("articles:category", args=[category.slug])


class TagSitemap(_SummarisedSitemap):
    changefreq = "daily"
    priority = 0.4
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return (
            Tag.objects.annotate(lastmod=_latest_change("tags"))
            .filter(lastmod__isnull=False)
            .only("pk", "slug")
            .order_by("slug")
        )

    def summary(self) -> dict:
        return Article.objects.published().aggregate(
            count=Count("tags", distinct=True),
            latest=Max("updated_at", filter=Q(tags__isnull=False)),
        )

    def location(self, tag: Tag) -> str:
        return reverse("articles:tag", args=[tag.slug])


class SeriesSitemap(_SummarisedSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return (
            Series.objects.annotate(lastmod=_latest_change("series"))
            .filter(lastmod__isnull=False)
            .only("pk", "slug", "language")
            .order_by("slug")
        )

    def summary(self) -> dict:
        return Article.objects.published().aggregate(
            count=Count("series", distinct=True),
            latest=Max("updated_at", filter=Q(series__isnull=False)),
        )

    def location(self, series: Series) -> str:
        with translation.override(series.language):
            return series.get_absolute_url()
