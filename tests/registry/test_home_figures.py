"""The registry's headline figures on the home page."""

from datetime import date

import pytest
from django.utils import translation

from registry.models import Status
from registry.statistics import home_figures
from tests.core.test_pages import Page
from tests.registry.factories import CooperativeFactory, district

pytestmark = pytest.mark.django_db

# Co-ops per district, in the order of the facts sheet (the top five districts of 2013),
# and one more district with fewer.
COUNTS = {"11680": 6, "11650": 5, "11440": 4, "11560": 3, "11110": 2, "11740": 1}


@pytest.fixture
def registry():
    for code, count in COUNTS.items():
        for index in range(count):
            CooperativeFactory(
                district=district(code),
                status=Status.DISSOLVED if index == 1 else Status.OPERATING,
                data_as_of=date(2013, 11, 30),
            )


def test_headline_figures(registry):
    with translation.override("en"):
        figures = home_figures()
    assert figures["total"] == 21
    assert figures["operating"] == 16  # five districts have a dissolved co-op
    assert figures["as_of"] == date(2013, 11, 30)
    assert figures["top_districts"] == [
        {"name": "Gangnam-gu", "count": 6},
        {"name": "Seocho-gu", "count": 5},
        {"name": "Mapo-gu", "count": 4},
        {"name": "Yeongdeungpo-gu", "count": 3},
        {"name": "Jongno-gu", "count": 2},
    ]
    with translation.override("ko"):
        assert home_figures()["top_districts"][0] == {"name": "강남구", "count": 6}


def test_districts_without_co_ops_are_not_listed():
    CooperativeFactory(district=district("11680"))
    with translation.override("ko"):
        figures = home_figures()
    assert figures["top_districts"] == [{"name": "강남구", "count": 1}]


def test_no_figures_while_the_registry_is_empty(client):
    assert home_figures() is None
    assert "Co-ops in Seoul in figures" not in client.get("/en/").content.decode()


def test_home_page_shows_the_figures_and_links_to_the_statistics(client, registry):
    html = client.get("/en/").content.decode()
    words = " ".join(html.split())
    assert "Co-ops in Seoul in figures" in html
    assert '<p class="figures-number">21</p>' in html
    assert "All 21 registered co-ops, whatever their status; 16 of them are operating." in words
    assert "As of Nov. 30, 2013." in words
    assert html.index("Gangnam-gu") < html.index("Seocho-gu") < html.index("Jongno-gu")
    assert "Gangdong-gu" not in html  # sixth
    page = Page(html)
    stats_link = page.link(href="/en/registry/stats/")
    assert stats_link["text"].startswith("See the statistics")
    assert page.link(href="/en/registry/", text="Browse the co-op registry")

    korean = client.get("/").content.decode()
    assert "강남구" in korean
    assert 'href="/registry/stats/"' in korean
    assert "2013년 11월 30일" in korean


def test_the_figures_share_the_statistics_cache(client, registry, django_assert_num_queries):
    assert client.get("/en/registry/stats/").status_code == 200
    with django_assert_num_queries(0):
        home_figures()
    with django_assert_num_queries(0):
        home_figures()
