"""The articles' sections of the sitemap: published articles at their canonical address
(alternates when the translation is published), and the series, categories and tags that
have a published article; each with lastmod, in a fixed number of queries."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone
from django.utils.encoding import iri_to_uri

from articles.selectors import article_url
from tests.articles.factories import (
    ArticleFactory,
    CategoryFactory,
    SeriesFactory,
    TagFactory,
    draft,
    scheduled,
    unpublished,
)

pytestmark = pytest.mark.django_db

HOST = "http://testserver"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return ET.fromstring(response.content)


def entries(root) -> dict[str, dict]:
    """loc -> {"lastmod", "alternates": {hreflang: href}}."""
    return {
        url.findtext("s:loc", namespaces=NS): {
            "lastmod": url.findtext("s:lastmod", namespaces=NS),
            "alternates": {
                link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)
            },
        }
        for url in root.findall("s:url", NS)
    }


def index(client) -> list[str]:
    return [loc.text for loc in xml(client, "/sitemap.xml").findall("s:sitemap/s:loc", NS)]


def url_of(article) -> str:
    return HOST + iri_to_uri(article_url(article))


def day(moment) -> str:
    return timezone.localdate(moment).isoformat()


def test_the_index_lists_the_articles_sections(client):
    assert index(client)[-4:] == [
        f"{HOST}/sitemap-articles.xml",
        f"{HOST}/sitemap-article-series.xml",
        f"{HOST}/sitemap-article-categories.xml",
        f"{HOST}/sitemap-article-tags.xml",
    ]


def test_published_articles_are_listed_at_their_own_language_address(client):
    korean = ArticleFactory()
    english = ArticleFactory(language="en")
    draft()
    scheduled(timezone.now() + datetime.timedelta(hours=1))
    unpublished()
    found = entries(xml(client, "/sitemap-articles.xml"))
    assert set(found) == {url_of(korean), url_of(english)}
    assert "/en/articles/" in url_of(english)
    assert found[url_of(korean)]["lastmod"] == day(korean.updated_at)
    assert found[url_of(korean)]["alternates"] == {}


def test_a_published_translation_is_an_alternate(client):
    english = ArticleFactory(language="en")
    korean = ArticleFactory(translation=english)
    english.translation = korean
    english.save()
    lonely = ArticleFactory(translation=draft(language="en"))
    found = entries(xml(client, "/sitemap-articles.xml"))
    both = {"ko": url_of(korean), "en": url_of(english)}
    assert found[url_of(korean)]["alternates"] == both
    assert found[url_of(english)]["alternates"] == both
    assert found[url_of(lonely)]["alternates"] == {}


def test_series_categories_and_tags_with_a_published_article_are_listed(client):
    now = timezone.now()
    series, empty_series = SeriesFactory(slug="기본사회-연재"), SeriesFactory(slug="준비-중")
    category, empty_category = CategoryFactory(slug="sse"), CategoryFactory(slug="empty")
    tag, draft_tag = TagFactory(slug="협동조합"), TagFactory(slug="초안")
    older = ArticleFactory(category=category, series=series, series_part=1, tags=[tag])
    newer = ArticleFactory(category=category, series=series, series_part=2, tags=[tag])
    type(newer).objects.filter(pk=older.pk).update(updated_at=now - datetime.timedelta(days=3))
    draft(category=empty_category, series=empty_series, series_part=1, tags=[draft_tag])

    found = entries(xml(client, "/sitemap-article-series.xml"))
    assert found == {
        iri_to_uri(f"{HOST}/articles/series/기본사회-연재/"): {
            "lastmod": day(newer.updated_at),
            "alternates": {},
        }
    }
    found = entries(xml(client, "/sitemap-article-categories.xml"))
    korean, english = f"{HOST}/articles/category/sse/", f"{HOST}/en/articles/category/sse/"
    assert set(found) == {korean, english}
    assert found[english]["lastmod"] == day(newer.updated_at)
    assert found[korean]["alternates"] == {"ko": korean, "en": english, "x-default": korean}
    found = entries(xml(client, "/sitemap-article-tags.xml"))
    assert set(found) == {
        iri_to_uri(f"{HOST}/articles/tags/협동조합/"),
        iri_to_uri(f"{HOST}/en/articles/tags/협동조합/"),
    }


def test_an_english_series_is_listed_in_english(client):
    series = SeriesFactory(slug="co-op-education", language="en")
    ArticleFactory(language="en", series=series, series_part=1)
    found = entries(xml(client, "/sitemap-article-series.xml"))
    assert set(found) == {f"{HOST}/en/articles/series/co-op-education/"}


def test_empty_sections_are_empty(client):
    draft()
    for section in ("articles", "article-series", "article-categories", "article-tags"):
        assert entries(xml(client, f"/sitemap-{section}.xml")) == {}


@pytest.mark.parametrize("count", [2, 12])
def test_a_section_runs_two_queries_whatever_its_size(client, django_assert_num_queries, count):
    category = CategoryFactory()
    for _ in range(count):
        series = SeriesFactory()
        ArticleFactory(category=category, series=series, series_part=1, tags=[TagFactory()])
    # Its size and latest change (for the paginator and the index), then the page's rows.
    for section in ("articles", "article-series", "article-categories", "article-tags"):
        with django_assert_num_queries(2):
            assert entries(xml(client, f"/sitemap-{section}.xml"))
