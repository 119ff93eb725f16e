"""A reader on a phone opens the list of articles, reads the first part of the Basic Society
series, follows the series box to the second part and the translation link to its English
version; another searches in Korean. The pages are the demo's (articles.demo), with their
lead images served from the public storage."""

import re
from urllib.parse import unquote, urlencode

import pytest

from articles import demo
from articles.demo_content import BS_SSE_1, BS_SSE_2
from tests.articles.test_demo import public_media  # noqa: F401 (fixture)
from tests.e2e.support import DESKTOP, MOBILE, assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Small pictures keep the renditions quick; the pages are the same.
IMAGE_SIZE = (640, 360)


@pytest.fixture
def articles_demo(live_server, settings, tmp_path, public_media):  # noqa: F811
    """The demo articles (twelve, Korean and English, with lead images and renditions)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    assert demo.seed(image_size=IMAGE_SIZE) == 12


def assert_fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_reader_follows_the_series_and_the_translation(new_page, articles_demo):
    browser_page = new_page(MOBILE)
    page = browser_page.page
    browser_page.goto("/articles/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator(".article-card").count() == 12
    assert_fits(page, MOBILE)

    page.get_by_role("link", name=BS_SSE_1.ko.title).click()
    page.wait_for_url(re.compile(r"/articles/2026/05/[^/]+/$"))
    assert unquote(page.url).endswith(f"/articles/2026/05/{BS_SSE_1.ko.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == BS_SSE_1.ko.title
    # The lead image: eager, with its alt text, caption and credit.
    figure = page.locator("figure").first
    image = figure.locator("img")
    assert image.get_attribute("alt") == BS_SSE_1.ko.alt
    assert image.get_attribute("loading") != "lazy"
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert BS_SSE_1.ko.caption in figure.inner_text()
    assert "서울시협동조합상담센터" in figure.inner_text()
    assert_fits(page, MOBILE)

    series = page.locator(".article-series-box")
    assert "2" in series.locator(".article-series-position").inner_text()
    series.get_by_role("link", name=BS_SSE_2.ko.title).click()
    page.wait_for_url(re.compile(r"/articles/2026/05/[^/]+/$"))
    assert unquote(page.url).endswith(f"/articles/2026/05/{BS_SSE_2.ko.slug}/")
    assert page.get_by_role("heading", level=1).inner_text() == BS_SSE_2.ko.title

    english = page.locator(".article-translation a")
    assert english.get_attribute("hreflang") == "en"
    english.click()
    page.wait_for_url(re.compile(rf"/en/articles/2026/05/{BS_SSE_2.en.slug}/$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == BS_SSE_2.en.title
    assert_accessible(page)
    assert_fits(page, MOBILE)
    browser_page.assert_clean()


def test_a_reader_searches_in_korean(new_page, articles_demo):
    browser_page = new_page(DESKTOP)
    page = browser_page.page
    browser_page.goto("/articles/search/")
    search = page.locator("form[role=search] input[name=q]")
    search.fill("협동")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/articles/search/\?"))
    assert urlencode({"q": "협동"}) in page.url
    results = page.locator(".search-result")
    assert results.count() >= 4
    assert page.locator(".search-result mark").first.inner_text() == "협동"
    assert_accessible(page)
    browser_page.assert_clean()
