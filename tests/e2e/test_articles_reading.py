"""Reading the articles in a real browser: the list, an article with its lead picture and
share metadata, and its series link; the JSON-LD data block renders with no Content-Security-
Policy report, nothing is fetched from another host, and axe-core finds nothing serious."""

import datetime
import json

import pytest
from PIL import Image as PILImage

from tests.articles.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    ImageFactory,
    SeriesFactory,
    TagFactory,
    interviewee,
)
from tests.e2e.support import DESKTOP, MOBILE, assert_accessible

SEOUL = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture
def public_media(settings, tmp_path):
    """Renditions are real files in a public root of the test's own."""
    root = tmp_path / "public"
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": "/media/public/"},
        },
    }
    return root


def write_renditions(image, root) -> None:
    for rendition in image.renditions.all():
        path = root / rendition.file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        kind = "WEBP" if rendition.format == "webp" else "JPEG"
        PILImage.new("RGB", (rendition.width, rendition.height), (21, 94, 59)).save(path, kind)


@pytest.fixture
def two_parts(live_server, public_media):
    category = CategoryFactory(slug="basic-society", name_ko="기본사회", name_en="Basic Society")
    series = SeriesFactory(title="기본사회와 사회연대경제", slug="기본사회-연재", planned_parts=2)
    tag = TagFactory(name="협동조합", slug="협동조합")
    author = AuthorFactory(name="김연구", role="연구원")
    parts = []
    for number in (1, 2):
        image = ImageFactory(
            caption=f"{number}부의 사진", credit="센터 사진팀" if number == 1 else ""
        )
        write_renditions(image, public_media)
        article = ArticleFactory(
            title=f"기본사회와 협동조합 {number}부",
            slug=f"기본사회와-협동조합-{number}",
            category=category,
            series=series,
            series_part=number,
            tags=[tag],
            authors=[author],
            lead_image=image,
            editor_note="이 글은 두 편으로 나뉘어 실립니다." if number == 2 else "",
            published_at=datetime.datetime(2025, 3, 10 + number, 9, tzinfo=SEOUL),
        )
        parts.append(article)
    interviewee(parts[1], name="박조합", role="마포 협동조합 이사장")
    return parts


@pytest.mark.e2e
def test_read_an_article_and_follow_its_series_link(new_page, two_parts):
    browser_page = new_page(DESKTOP)
    page = browser_page.page
    browser_page.goto("/articles/")
    page.get_by_role("link", name="기본사회와 협동조합 2부").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "기본사회와 협동조합 2부"

    picture = page.locator(".article-figure img")
    assert picture.get_attribute("loading") is None
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
    data = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
    assert data["@type"] == "Article"
    assert data["datePublished"] == "2025-03-12T09:00:00+09:00"
    assert page.locator("aside.article-editor-note h2").count() == 1

    page.locator(".article-series-box").get_by_role("link", name="기본사회와 협동조합 1부").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "기본사회와 협동조합 1부"
    browser_page.assert_clean()


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("prefix", ["", "/en"], ids=["ko", "en"])
def test_articles_pages_are_accessible(new_page, two_parts, prefix, width):
    paths = [
        "/articles/",
        "/articles/2025/",
        "/articles/2025/03/",
        "/articles/2025/03/기본사회와-협동조합-2/",
        "/articles/category/basic-society/",
        "/articles/tags/협동조합/",
        "/articles/series/기본사회-연재/",
    ]
    browser_page = new_page(width)
    for path in paths:
        browser_page.goto(prefix + path)
        assert_accessible(browser_page.page)
    browser_page.assert_clean()
