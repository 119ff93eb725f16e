"""The public pages of the articles: the list, the archives by year and month, category,
tag, series and author pages, and the article page (with a preview for staff).

Thin views: selectors read (always from `Article.objects.published()`), templates show. The
heavy part of each page (the cards, the article) is rendered once per language, address and
page and kept in the cache under the articles' version, which every save changes, and never
past the next scheduled publication, which changes what readers see with no save. Staff
previews are neither cached nor served from the cache.
"""

import datetime
from collections.abc import Callable

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import translate_url
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from articles import selectors
from articles.cache import articles_cache, cached_until_next_publication
from articles.metadata import article_metadata
from articles.models import Article, Author, Category, Series, Tag
from articles.templatetags.articles import article_excerpt, share_rendition

PER_PAGE = 12
# Cached pages are invalidated by every save; this only bounds their life.
CACHE_SECONDS = 3600
PREVIEW_PERMISSION = "articles.view_article"
LIST_CONTENT = "articles/_list_content.html"

Build = Callable[[], dict | HttpResponse]


def can_preview(user) -> bool:
    """Staff who may see articles in any state at their address."""
    return bool(user.is_active and user.is_staff and user.has_perm(PREVIEW_PERMISSION))


def page_number(request: HttpRequest) -> int:
    """The `page` parameter; anything but a page number is a 404, like a page past the end."""
    raw = request.GET.get("page", "1").strip() or "1"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or int(raw) < 1:
        raise Http404("No such page.")
    return int(raw)


def cached_page(request: HttpRequest, name: str, number: int, build: Build) -> dict | HttpResponse:
    """`build()`, cached for this language, address and page under the articles' version and
    until the next scheduled article becomes visible. A response (a redirect) and a 404 are
    never cached."""
    key = articles_cache.key(name, get_language(), request.path, str(number))
    return cached_until_next_publication(
        key, build, timeout=CACHE_SECONDS, keep=lambda page: not isinstance(page, HttpResponse)
    )


def _list_page(request: HttpRequest, queryset, number: int, **context) -> dict:
    """A page of cards from `queryset` (already published() only) with the pagination."""
    paginator = Paginator(selectors.article_cards(queryset), PER_PAGE)
    try:
        page_obj = paginator.page(number)
    except InvalidPage as error:
        raise Http404("No such page.") from error
    content_context = {
        "page_obj": page_obj,
        "articles": list(page_obj.object_list),
        **context,
    }
    return {
        "content": render_to_string(LIST_CONTENT, content_context, request),
        "page_number": number,
        "count": paginator.count,
    }


def _render_list(request: HttpRequest, template: str, name: str, build) -> HttpResponse:
    number = page_number(request)
    page = cached_page(request, name, number, lambda: build(number))
    return render(request, template, {"page": page})


# --- Lists -------------------------------------------------------------------------------


@require_safe
def article_index(request: HttpRequest) -> HttpResponse:
    def build(number: int) -> dict:
        return _list_page(request, Article.objects.published(), number)

    return _render_list(request, "articles/article_list.html", "index", build)


def _archive_year(year: int) -> int:
    if year < 1 or year >= 9999:
        raise Http404("No such year.")
    return year


@require_safe
def article_archive_year(request: HttpRequest, year: int) -> HttpResponse:
    def build(number: int) -> dict:
        queryset = selectors.article_archive(_archive_year(year))
        page = _list_page(request, queryset, number)
        if not page["count"]:
            raise Http404("No articles that year.")
        months = selectors.article_archive_months(year)
        page["months"] = [timezone.localtime(month).date() for month in months]
        page["year"] = year
        return page

    return _render_list(request, "articles/article_archive_year.html", "year", build)


@require_safe
def article_archive_month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    def build(number: int) -> dict:
        if not 1 <= month <= 12:
            raise Http404("No such month.")
        queryset = selectors.article_archive(_archive_year(year), month)
        page = _list_page(request, queryset, number)
        if not page["count"]:
            raise Http404("No articles that month.")
        page["month"] = datetime.date(year, month, 1)
        return page

    return _render_list(request, "articles/article_archive_month.html", "month", build)


@require_safe
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def build(number: int) -> dict:
        category = get_object_or_404(Category, slug=slug)
        language = get_language()
        page = _list_page(request, Article.objects.published().filter(category=category), number)
        description = category.description_en if language == "en" else category.description_ko
        page.update(
            {
                "name": category.name(language),
                "description": description or category.description_ko,
                "category_slug": category.slug,
            }
        )
        return page

    return _render_list(request, "articles/category_detail.html", "category", build)


@require_safe
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def build(number: int) -> dict:
        tag = get_object_or_404(Tag, slug=slug)
        page = _list_page(request, selectors.tag_articles(tag), number)
        if not page["count"]:
            raise Http404("No published articles with this tag.")
        page["name"] = tag.name
        return page

    return _render_list(request, "articles/tag_detail.html", "tag", build)


@require_safe
def series_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def build(number: int) -> dict:
        series = get_object_or_404(Series, slug=slug)
        queryset = Article.objects.published().filter(series=series).order_by("series_part")
        page = _list_page(request, queryset, number, show_part=True)
        if not page["count"]:
            raise Http404("No published part of this series.")
        page.update(
            {
                "name": series.title,
                "description": series.description,
                "language": series.language,
                "parts": series.planned_parts or page["count"],
                "series_slug": series.slug,
            }
        )
        return page

    return _render_list(request, "articles/series_detail.html", "series", build)


@require_safe
def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def build(number: int) -> dict:
        author = get_object_or_404(Author, slug=slug)
        page = _list_page(request, selectors.author_articles(author), number)
        if not page["count"]:
            raise Http404("No published articles by this author.")
        page.update({"name": author.name, "role": author.role, "bio": author.bio})
        return page

    return _render_list(request, "articles/author_detail.html", "author", build)


# --- One article -------------------------------------------------------------------------


def _address_matches(article: Article, year: int, month: int) -> bool:
    """The year and month of the address are those of the publication in Seoul time (the
    creation time for a draft that has none yet, as its address says)."""
    when = timezone.localtime(article.published_at or article.created_at)
    return (when.year, when.month) == (year, month)


def _old_address(year: int, month: int, slug: str) -> HttpResponse:
    target = selectors.article_redirect_target(year, month, slug)
    if target is None:
        raise Http404("No such article.")
    return HttpResponsePermanentRedirect(target)


def _language_links(request: HttpRequest, article: Article, translation) -> list[dict]:
    """The language switcher: the article in its own language, its translation in the
    other; without a translation, this article in the other language's pages."""
    links = []
    for code in ("ko", "en"):
        if code == article.language:
            url = selectors.article_url(article)
        elif translation is not None and translation.language == code:
            url = selectors.article_url(translation)
        else:
            url = translate_url(request.path, code)
        links.append({"code": code, "url": url})
    return links


def _detail_page(request: HttpRequest, article: Article) -> dict:
    translation = selectors.article_published_translation(article)
    parts = selectors.article_series_parts(article)
    previous, following = selectors.article_neighbours(article)
    description = article_excerpt(article)
    metadata = article_metadata(
        article,
        description=description,
        image=share_rendition(article.lead_image),
        translation=translation,
    )
    series_total = 0
    if article.series_id:
        series_total = max(article.series.planned_parts or 0, len(parts), article.series_part)
    context = {
        "article": article,
        "authors": [link.author for link in article.author_links],
        "interviewees": list(article.interviewees.all()),
        "tags": list(article.tags.all()),
        "series_parts": parts,
        "series_total": series_total,
        "related": selectors.article_related(article),
        "previous": previous,
        "next": following,
        "translation": translation,
        "meta": metadata,
    }
    return {
        "content": render_to_string("articles/_detail_content.html", context, request),
        "head": render_to_string("articles/_detail_head.html", context, request),
        "title": article.title,
        "description": description,
        "language": article.language,
        "alternates": metadata["alternates"],
        "language_links": _language_links(request, article, translation),
    }


@require_safe
def article_detail(request: HttpRequest, year: int, month: int, slug: str) -> HttpResponse:
    if can_preview(request.user):
        return _preview(request, year, month, slug)

    def build() -> dict | HttpResponse:
        article = selectors.article_for_reader(slug)
        if article is None or not _address_matches(article, year, month):
            return _old_address(year, month, slug)
        return _detail_page(request, article)

    page = cached_page(request, "detail", 1, build)
    if isinstance(page, HttpResponse):
        return page
    return _render_detail(request, page)


def _render_detail(request: HttpRequest, page: dict, **context) -> HttpResponse:
    return render(
        request,
        "articles/article_detail.html",
        {"page": page, "language_links": page["language_links"], **context},
    )


def _preview(request: HttpRequest, year: int, month: int, slug: str) -> HttpResponse:
    """The article in any state for staff, fresh from the database: never cached, never
    indexed, with a banner saying what readers see."""
    article = selectors.article_for_preview(slug)
    if article is None or not _address_matches(article, year, month):
        return _old_address(year, month, slug)
    state = selectors.article_preview_state(article)
    response = _render_detail(
        request,
        _detail_page(request, article),
        preview_state=state,
        preview_time=article.published_at,
    )
    patch_cache_control(response, private=True, no_store=True)
    if state:
        response["X-Robots-Tag"] = "noindex"
    return response
