"""The registry's sitemaps: its pages, and every co-op in both languages, page by page."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from registry.sitemaps import CooperativeSitemap
from tests.registry.factories import CooperativeFactory

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)


def entries(root) -> dict[str, dict]:
    """loc -> {"lastmod", "alternates": {hreflang: href}}."""
    found = {}
    for url in root.findall("s:url", NS):
        alternates = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)}
        found[url.findtext("s:loc", namespaces=NS)] = {
            "lastmod": url.findtext("s:lastmod", namespaces=NS),
            "alternates": alternates,
        }
    return found


def index(client) -> list[str]:
    return [loc.text for loc in xml(client, "/sitemap.xml").findall("s:sitemap/s:loc", NS)]


def test_the_index_lists_each_section(client):
    assert index(client) == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-registry.xml",
        "http://testserver/sitemap-cooperatives.xml",
        "http://testserver/sitemap-education.xml",
        "http://testserver/sitemap-sessions.xml",
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-article-series.xml",
        "http://testserver/sitemap-article-categories.xml",
        "http://testserver/sitemap-article-tags.xml",
    ]


def test_the_registry_pages_are_listed_in_both_languages(client):
    found = entries(xml(client, "/sitemap-registry.xml"))
    assert set(found) == {
        "http://testserver/registry/",
        "http://testserver/en/registry/",
        "http://testserver/registry/stats/",
        "http://testserver/en/registry/stats/",
    }
    assert found["http://testserver/registry/"]["alternates"] == {
        "ko": "http://testserver/registry/",
        "en": "http://testserver/en/registry/",
        "x-default": "http://testserver/registry/",
    }


def test_every_co_op_is_listed_with_alternates_and_lastmod(client):
    coops = CooperativeFactory.create_batch(3)
    found = entries(xml(client, "/sitemap-cooperatives.xml"))
    expected = set()
    for coop in coops:
        ko, en = (
            f"http://testserver/registry/{coop.pk}/",
            f"http://testserver/en/registry/{coop.pk}/",
        )
        expected |= {ko, en}
        assert found[ko]["alternates"] == {"ko": ko, "en": en, "x-default": ko}
        assert found[en]["lastmod"] == timezone.localdate(coop.updated_at).isoformat()
    assert set(found) == expected


def test_long_lists_are_split_into_pages_that_the_index_names(client, monkeypatch):
    monkeypatch.setattr(CooperativeSitemap, "limit", 4)  # two co-ops per page
    coops = CooperativeFactory.create_batch(5)
    assert index(client)[2:5] == [
        "http://testserver/sitemap-cooperatives.xml",
        "http://testserver/sitemap-cooperatives.xml?p=2",
        "http://testserver/sitemap-cooperatives.xml?p=3",
    ]
    seen = []
    for page in (1, 2, 3):
        found = entries(xml(client, f"/sitemap-cooperatives.xml?p={page}"))
        assert len(found) == (4 if page < 3 else 2)
        seen += list(found)
    assert seen == [
        f"http://testserver{prefix}/registry/{coop.pk}/" for coop in coops for prefix in ("", "/en")
    ]
    assert client.get("/sitemap-cooperatives.xml?p=4").status_code == 404
    assert client.get("/sitemap-cooperatives.xml?p=x").status_code == 404


def test_a_sitemap_page_runs_two_queries_whatever_its_size(client, django_assert_num_queries):
    CooperativeFactory.create_batch(12)
    # The count (for the paginator), then the page's rows.
    with django_assert_num_queries(2):
        assert len(entries(xml(client, "/sitemap-cooperatives.xml"))) == 24
    # The index: the co-ops' latest change and count, the count of listed sessions, and the
    # size and latest change of each articles section (articles, series, categories, tags).
    with django_assert_num_queries(7):
        index(client)


def test_an_empty_registry_has_an_empty_sitemap(client):
    assert entries(xml(client, "/sitemap-cooperatives.xml")) == {}
