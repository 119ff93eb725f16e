"""Reads of the articles: the public pages, the home page and other parts of the site.

Everything readers see starts from `Article.objects.published()`. List reads run a fixed number
of queries whatever the number of articles: the category, lead image and series are joined,
the authors and the lead images' renditions are prefetched in one query each.
"""

import datetime

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from articles.models import (
    VISIBLE_STATUSES,
    Article,
    ArticleAuthor,
    Author,
    Rendition,
    SlugRedirect,
    Status,
    Tag,
)

RELATED_LIMIT = 4


def article_url(article: Article) -> str:
    """The article's canonical address: in its own language's pages (`/articles/...` for
    Korean, `/en/articles/...` for English), whatever the language of the page linking to it."""
    with translation.override(article.language):
        return article.get_absolute_url()


def _with_card_relations(queryset):
    """What an article card shows: category, series, authors (in the editor's order) and the
    lead image with its renditions."""
    return queryset.select_related("category", "series", "lead_image").prefetch_related(
        Prefetch(
            "articleauthor_set",
            queryset=ArticleAuthor.objects.select_related("author"),
            to_attr="author_links",
        ),
        Prefetch("lead_image__renditions", queryset=Rendition.objects.order_by("format", "width")),
    )


def article_cards(queryset=None):
    """Published articles, newest first, ready for cards (the body source is not read)."""
    queryset = Article.objects.published() if queryset is None else queryset
    return _with_card_relations(queryset).defer("body_source", "editor_note")


# The home page is the site's busiest: its latest articles are kept as long as the lists.
HOME_CACHE_SECONDS = 3600


def article_home_latest(limit: int = 3) -> list:
    """The latest published articles for the home page (one query, then none while no article
    changes and no scheduled one appears); empty while none are published."""
    from articles.cache import articles_cache, cached_until_next_publication

    def build() -> list:
        return list(
            Article.objects.published()
            .select_related("category")
            .defer("body_source", "body_html", "editor_note")[:limit]
        )

    key = articles_cache.key("home-latest", str(limit))
    return cached_until_next_publication(key, build, timeout=HOME_CACHE_SECONDS)


# --- Archives ----------------------------------------------------------------------------


def month_bounds(
    year: int, month: int | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of the month (or year) and of the next one, in the site's time zone
    (Asia/Seoul): an article belongs to the month its publication time falls in there."""
    zone = timezone.get_default_timezone()
    if month is None:
        start, end = datetime.datetime(year, 1, 1), datetime.datetime(year + 1, 1, 1)
    else:
        start = datetime.datetime(year, month, 1)
        end = datetime.datetime(year + (month == 12), month % 12 + 1, 1)
    return start.replace(tzinfo=zone), end.replace(tzinfo=zone)


def article_archive(year: int, month: int | None = None):
    """Published articles of a year or month (Seoul time)."""
    start, end = month_bounds(year, month)
    return Article.objects.published().filter(published_at__gte=start, published_at__lt=end)


def article_archive_months(year: int) -> list[datetime.datetime]:
    """The months of a year that have published articles in Seoul time (one query), oldest
    first."""
    start, end = month_bounds(year)
    return list(
        Article.objects.published()
        .filter(published_at__gte=start, published_at__lt=end)
        .datetimes("published_at", "month", tzinfo=timezone.get_default_timezone())
    )


def author_articles(author: Author):
    return Article.objects.published().filter(articleauthor__author=author)


def tag_articles(tag: Tag):
    return Article.objects.published().filter(tags=tag)


# --- One article -------------------------------------------------------------------------


def _with_detail_relations(queryset):
    return queryset.select_related("category", "series", "lead_image").prefetch_related(
        Prefetch(
            "articleauthor_set",
            queryset=ArticleAuthor.objects.select_related("author"),
            to_attr="author_links",
        ),
        "interviewees",
        "tags",
        Prefetch("lead_image__renditions", queryset=Rendition.objects.order_by("format", "width")),
    )


def article_for_reader(slug: str) -> Article | None:
    """The published article with this slug, with what its page shows; None otherwise."""
    return _with_detail_relations(Article.objects.published().filter(slug=slug)).first()


def article_for_preview(slug: str) -> Article | None:
    """The article with this slug in any state, for staff who may preview it."""
    return _with_detail_relations(Article.objects.filter(slug=slug)).first()


def article_is_public(article: Article) -> bool:
    return Article.objects.published().filter(pk=article.pk).exists()


def article_preview_state(article: Article, now: datetime.datetime | None = None) -> str:
    """What a staff preview's banner says: "draft", "scheduled", "unpublished" or "" when
    readers see the article."""
    now = now or timezone.now()
    if article.status == Status.DRAFT:
        return "draft"
    if article.status == Status.UNPUBLISHED:
        return "unpublished"
    if article.published_at is None or article.published_at > now:
        return "scheduled"
    return ""


def article_series_parts(article: Article) -> list[Article]:
    """The published parts of the article's series in order, and the article itself (a staff
    preview shows where the part will stand)."""
    if article.series_id is None:
        return []
    parts = (
        Article.objects.filter(series_id=article.series_id)
        .filter(Q(pk__in=Article.objects.published().values("pk")) | Q(pk=article.pk))
        .only("pk", "title", "slug", "language", "series_part", "published_at", "created_at")
        .order_by("series_part")
    )
    return list(parts)


def article_published_translation(article: Article) -> Article | None:
    """The article's translation, when readers may see it (the link may be set on either
    side)."""
    query = Q(translation_id=article.pk)
    if article.translation_id:
        query |= Q(pk=article.translation_id)
    return (
        Article.objects.published()
        .filter(query)
        .exclude(pk=article.pk)
        .only("pk", "title", "slug", "language", "published_at", "created_at")
        .first()
    )


def article_related(article: Article, limit: int = RELATED_LIMIT) -> list[Article]:
    """At most `limit` published articles related to this one, never itself nor its
    translation: the editor's choice in the editor's order; when none of those is published,
    other parts of the same series first, then articles sharing the most tags, then the same
    category, newest first (one query either way, plus the lead images' renditions)."""
    chosen = list(
        article_cards(
            Article.objects.published()
            .filter(
                pk__in=article.related_links.values("target"),
            )
            .exclude(pk=article.pk)
        )
        .annotate(
            position=Subquery(
                article.related_links.filter(target=OuterRef("pk")).values("position")[:1]
            )
        )
        .order_by("position", "-published_at")[:limit]
    )
    if chosen:
        return chosen

    excluded = [article.pk]
    if article.translation_id:
        excluded.append(article.translation_id)
    tag_ids = [tag.pk for tag in article.tags.all()]  # prefetched
    match = Q(category_id=article.category_id)
    if article.series_id:
        match |= Q(series_id=article.series_id)
    if tag_ids:
        match |= Q(pk__in=Article.tags.through.objects.filter(tag_id__in=tag_ids).values("article"))
    shared_tags = (
        Article.tags.through.objects.filter(article=OuterRef("pk"), tag_id__in=tag_ids)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    fallback = (
        article_cards(
            Article.objects.published()
            .filter(match)
            .exclude(pk__in=excluded)
            .exclude(translation_id=article.pk)
        )
        .annotate(
            same_series=Case(
                When(series_id=article.series_id, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
            if article.series_id
            else Value(0, output_field=IntegerField()),
            shared_tags=Coalesce(Subquery(shared_tags, output_field=IntegerField()), 0)
            if tag_ids
            else Value(0, output_field=IntegerField()),
            same_language=Case(
                When(language=article.language, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("-same_series", "-shared_tags", "-same_language", "-published_at", "-pk")
    )
    return list(fallback[:limit])


def article_neighbours(article: Article) -> tuple[Article | None, Article | None]:
    """The published articles in the same language just before and just after this one in
    time (the order of the lists: publication time, then id)."""
    if article.published_at is None:
        return None, None
    when, pk = article.published_at, article.pk
    same = (
        Article.objects.published()
        .filter(language=article.language)
        .exclude(pk=pk)
        .only("pk", "title", "slug", "language", "published_at", "created_at")
    )
    previous = (
        same.filter(Q(published_at__lt=when) | Q(published_at=when, pk__lt=pk))
        .order_by("-published_at", "-pk")
        .first()
    )
    following = (
        same.filter(Q(published_at__gt=when) | Q(published_at=when, pk__gt=pk))
        .order_by("published_at", "pk")
        .first()
    )
    return previous, following


def article_next_publication(now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When the next scheduled article becomes visible: what readers see changes then with no
    save, so nothing cached from published() may outlive it."""
    now = now or timezone.now()
    return (
        Article.objects.filter(status__in=VISIBLE_STATUSES, published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def article_redirect_target(year: int, month: int, slug: str) -> str | None:
    """The current address of the article that had this address while it was public, when
    readers may see it now; None otherwise."""
    redirect = (
        SlugRedirect.objects.filter(year=year, month=month, slug=slug)
        .filter(article__in=Article.objects.published())
        .select_related("article")
        .only("article__slug", "article__language", "article__published_at", "article__created_at")
        .first()
    )
    return None if redirect is None else article_url(redirect.article)
