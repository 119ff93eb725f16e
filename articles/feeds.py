"""The articles' feeds (Django's syndication framework): RSS 2.0 at `/articles/feed/`, Atom at
`/articles/atom/`, and RSS per category and per series.

Each holds the FEED_LENGTH latest of `Article.objects.published()`, Korean and English alike,
in three queries whatever their length (the articles with their category, their authors,
their tags). An item:

- is identified by a tag URI (`tag:<site host>,<date of first publication>:article-<pk>`)
  that changes with neither the slug nor the address of the site's pages, so a feed reader
  never shows an article twice;
- links to the article in its own language's pages (`/articles/...` for Korean,
  `/en/articles/...` for English);
- describes it by its excerpt, escaped as HTML expects (the body is not included: its
  images are served from the site's own addresses and readers come to the page);
- names its authors, its category and tags, its publication and last update times.

A feed is rendered once per address and language and then served from the cache, under the
articles' version (any save makes a new one) and never past the next scheduled publication.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from articles.cache import articles_cache, cached_until_next_publication
from articles.models import Article, ArticleAuthor, Category, Series, Tag
from articles.selectors import article_url

FEED_LENGTH = 20
# Cached feeds are invalidated by every save; this only bounds their life.
FEED_CACHE_SECONDS = 3600


def cached_feed(feed: Feed):
    """The view of `feed`, its responses cached (see the module's docstring). A 404 (an
    unknown category or series) is never cached."""

    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = articles_cache.key("feed", get_language() or "", request.path)

        def build() -> dict:
            rendered = feed(request, *args, **kwargs)
            return {
                "content": rendered.content,
                "content_type": rendered["Content-Type"],
                "last_modified": rendered.get("Last-Modified"),
            }

        entry = cached_until_next_publication(key, build, timeout=FEED_CACHE_SECONDS)
        response = HttpResponse(entry["content"], content_type=entry["content_type"])
        if entry["last_modified"]:
            response["Last-Modified"] = entry["last_modified"]
        return response

    return view


def article_feed_id(article: Article) -> str:
    """The item's permanent id: the site's host, the day the article was first public and
    its primary key (RFC 4151 tag URI)."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    first = article.first_published_at or article.published_at or article.created_at
    return f"tag:{host},{timezone.localdate(first):%Y-%m-%d}:article-{article.pk}"


def feed_articles(queryset=None):
    """The latest published articles, with what an item shows, in three queries."""
    queryset = Article.objects.published() if queryset is None else queryset
    return (
        queryset.select_related("category")
        .defer("body_source", "body_html", "editor_note")
        .prefetch_related(
            Prefetch(
                "articleauthor_set",
                queryset=ArticleAuthor.objects.select_related("author").order_by("position", "pk"),
                to_attr="feed_authors",
            ),
            Prefetch("tags", queryset=Tag.objects.order_by("name"), to_attr="feed_tags"),
        )
        .order_by("-published_at", "-pk")[:FEED_LENGTH]
    )


class LatestArticlesFeed(Feed):
    """RSS 2.0: every published article, newest first."""

    feed_type = Rss201rev2Feed
    item_guid_is_permalink = False

    def title(self, obj=None) -> str:
        return _("Articles · Seoul Co-op Consultation Center")

    def description(self, obj=None) -> str:
        return _(
            "The center's writing on Basic Society policy, the social and solidarity economy "
            "and cooperative education."
        )

    def link(self, obj=None) -> str:
        return reverse("articles:index")

    def feed_url(self, obj=None) -> str:
        return reverse("articles:feed")

    def items(self, obj=None):
        return feed_articles()

    def item_title(self, article: Article) -> str:
        return article.title

    def item_link(self, article: Article) -> str:
        return article_url(article)

    def item_description(self, article: Article) -> str:
        # RSS descriptions and Atom summaries are HTML: the plain-text excerpt is escaped.
        return escape(article.excerpt)

    def item_guid(self, article: Article) -> str:
        return article_feed_id(article)

    def item_pubdate(self, article: Article):
        return article.published_at

    def item_updateddate(self, article: Article):
        return max(article.updated_at, article.published_at)

    def item_author_name(self, article: Article) -> str | None:
        names = [link.author.name for link in article.feed_authors]
        return ", ".join(names) or None

    def item_categories(self, article: Article) -> list[str]:
        language = get_language() or settings.LANGUAGE_CODE
        return [article.category.name(language), *(tag.name for tag in article.feed_tags)]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    """Atom: the same items."""

    feed_type = Atom1Feed

    def subtitle(self, obj=None) -> str:
        return self.description(obj)

    def feed_url(self, obj=None) -> str:
        return reverse("articles:atom")


class CategoryArticlesFeed(LatestArticlesFeed):
    """RSS 2.0: the published articles of one category."""

    def get_object(self, request, slug: str) -> Category:
        return get_object_or_404(Category, slug=slug)

    def title(self, obj: Category) -> str:
        name = obj.name(get_language() or settings.LANGUAGE_CODE)
        return _("%(name)s · Articles · Seoul Co-op Consultation Center") % {"name": name}

    def description(self, obj: Category) -> str:
        language = get_language() or settings.LANGUAGE_CODE
        text = obj.description_en if language == "en" else obj.description_ko
        return text or self.title(obj)

    def link(self, obj: Category) -> str:
        return obj.get_absolute_url()

    def feed_url(self, obj: Category) -> str:
        return reverse("articles:category_feed", args=[obj.slug])

    def items(self, obj: Category):
        return feed_articles(Article.objects.published().filter(category=obj))


class SeriesArticlesFeed(LatestArticlesFeed):
    """RSS 2.0: the published parts of one series (the latest first, like every feed)."""

    def get_object(self, request, slug: str) -> Series:
        return get_object_or_404(Series, slug=slug)

    def title(self, obj: Series) -> str:
        return _("%(title)s · Articles · Seoul Co-op Consultation Center") % {"title": obj.title}

    def description(self, obj: Series) -> str:
        return obj.description or self.title(obj)

    def link(self, obj: Series) -> str:
        return obj.get_absolute_url()

    def feed_url(self, obj: Series) -> str:
        return reverse("articles:series_feed", args=[obj.slug])

    def items(self, obj: Series):
        return feed_articles(Article.objects.published().filter(series=obj))


# The views (cached) that articles/urls.py maps.
latest_rss = cached_feed(LatestArticlesFeed())
latest_atom = cached_feed(LatestArticlesAtomFeed())
category_rss = cached_feed(CategoryArticlesFeed())
series_rss = cached_feed(SeriesArticlesFeed())
