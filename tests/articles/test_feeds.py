"""The articles' feeds, read by a real feed parser: RSS and Atom of every published article,
per category and per series; ids that survive a slug change; autodiscovery on every page."""

import datetime

import feedparser
import pytest
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri

from articles.cache import articles_cache
from articles.feeds import FEED_LENGTH
from articles.models import Article
from articles.selectors import article_url
from tests.articles.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    SeriesFactory,
    TagFactory,
    draft,
    scheduled,
    unpublished,
)

pytestmark = pytest.mark.django_db


def _ko(text: str) -> str:
    with translation.override("ko"):
        return translation.gettext(text)


RSS_TITLE = {"": _ko("Articles (RSS)"), "/en": "Articles (RSS)"}
ATOM_TITLE = {"": _ko("Articles (Atom)"), "/en": "Articles (Atom)"}
FEEDS = ["/articles/feed/", "/articles/atom/", "/en/articles/feed/", "/en/articles/atom/"]


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, (url, feed.get("bozo_exception"))
    return response, feed


def ids(feed) -> list[str]:
    return [entry.id for entry in feed.entries]


@pytest.mark.parametrize("url", FEEDS)
def test_the_feeds_parse_cleanly_with_every_field(client, url):
    first, second = AuthorFactory(name="김연구"), AuthorFactory(name="이기자")
    article = ArticleFactory(
        title="기본사회와 <협동조합>",
        excerpt="요약 <script>alert(1)</script> & 끝",
        authors=[first, second],
        tags=[TagFactory(name="기본사회")],
    )
    response, feed = parse(client, url)
    expected_type = "rss20" if url.endswith("/feed/") else "atom10"
    assert feed.version == expected_type
    assert response["Content-Type"].startswith(
        "application/rss+xml" if expected_type == "rss20" else "application/atom+xml"
    )
    [entry] = feed.entries
    day = timezone.localdate(article.first_published_at)
    assert entry.id == f"tag:127.0.0.1,{day:%Y-%m-%d}:article-{article.pk}"
    assert entry.title == "기본사회와 <협동조합>"
    assert entry.link == f"http://testserver{iri_to_uri(article_url(article))}"
    assert entry.author == "김연구, 이기자"
    category = article.category.name("en" if url.startswith("/en/") else "ko")
    assert [tag.term for tag in entry.tags] == [category, "기본사회"]
    # The excerpt is text: the reader shows it, it never runs it.
    assert "<script>" not in entry.summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 끝" in entry.summary
    assert entry.published_parsed is not None
    if expected_type == "atom10":  # RSS 2.0 items have no update time
        assert entry.updated_parsed is not None


def test_an_english_article_links_to_the_english_pages(client):
    article = ArticleFactory(language="en", title="Cooperative education")
    _response, feed = parse(client, "/articles/feed/")
    month = timezone.localtime(article.published_at)
    assert feed.entries[0].link == (
        f"http://testserver/en/articles/{month:%Y/%m}/{iri_to_uri(article.slug)}/"
    )


def test_the_feed_speaks_the_language_of_its_address(client):
    category = CategoryFactory(name_ko="사회연대경제", name_en="Social and solidarity economy")
    ArticleFactory(category=category)
    _response, korean = parse(client, "/articles/feed/")
    _response, english = parse(client, "/en/articles/feed/")
    assert korean.feed.language == "ko"
    assert english.feed.language == "en"
    assert english.feed.title == "Articles · Seoul Co-op Consultation Center"
    assert english.feed.link == "http://testserver/en/articles/"
    assert korean.entries[0].tags[0].term == "사회연대경제"
    assert english.entries[0].tags[0].term == "Social and solidarity economy"


@pytest.mark.parametrize("url", FEEDS)
def test_only_published_articles_are_in_a_feed(client, url):
    public = ArticleFactory()
    draft()
    scheduled(timezone.now() + datetime.timedelta(hours=1))
    unpublished()
    _response, feed = parse(client, url)
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver{iri_to_uri(article_url(public))}"
    ]


def test_a_scheduled_article_enters_the_feed_on_time(client, monkeypatch):
    now = timezone.now()
    ArticleFactory(published_at=now - datetime.timedelta(days=1))
    coming = scheduled(now + datetime.timedelta(minutes=5), title="예약")
    _response, feed = parse(client, "/articles/feed/")
    assert len(feed.entries) == 1
    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(minutes=6))
    _response, feed = parse(client, "/articles/feed/")
    assert feed.entries[0].title == coming.title


@pytest.mark.parametrize("url", ["/articles/feed/", "/articles/atom/"])
def test_a_feed_holds_the_latest_twenty_newest_first(client, url):
    now = timezone.now()
    articles = [ArticleFactory(published_at=now - datetime.timedelta(hours=n)) for n in range(25)]
    _response, feed = parse(client, url)
    assert len(feed.entries) == FEED_LENGTH == 20
    assert [entry.title for entry in feed.entries] == [a.title for a in articles[:20]]


def test_item_ids_survive_a_slug_change(client):
    article = ArticleFactory(slug="옛-주소")
    _response, before = parse(client, "/articles/atom/")
    Article.objects.filter(pk=article.pk).update(
        slug="새-주소", updated_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    articles_cache.touch()  # what every save does
    _response, after = parse(client, "/articles/atom/")
    assert ids(after) == ids(before)
    assert before.entries[0].link != after.entries[0].link
    assert after.entries[0].link.endswith(iri_to_uri("/새-주소/"))


def test_rss_guids_are_not_permalinks(client):
    ArticleFactory()
    response = client.get("/articles/feed/")
    assert b'<guid isPermaLink="false">tag:' in response.content


def test_a_category_feed_holds_its_published_articles_only(client):
    category = CategoryFactory(slug="basic-society", name_en="Basic Society")
    inside = ArticleFactory(category=category)
    draft(category=category)
    ArticleFactory()  # another category
    _response, feed = parse(client, "/en/articles/category/basic-society/feed/")
    assert [entry.title for entry in feed.entries] == [inside.title]
    assert feed.feed.title == "Basic Society · Articles · Seoul Co-op Consultation Center"
    assert feed.feed.link == "http://testserver/en/articles/category/basic-society/"
    assert client.get("/articles/category/no-such-thing/feed/").status_code == 404


def test_a_series_feed_holds_its_published_parts_only(client):
    series = SeriesFactory(slug="기본사회-연재", title="기본사회 연재")
    first = ArticleFactory(series=series, series_part=1)
    scheduled(timezone.now() + datetime.timedelta(days=1), series=series, series_part=2)
    ArticleFactory()
    _response, feed = parse(client, "/articles/series/기본사회-연재/feed/")
    assert [entry.title for entry in feed.entries] == [first.title]
    assert feed.feed.title.startswith("기본사회 연재")
    assert client.get("/articles/series/no-such-thing/feed/").status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_a_feed_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    for _ in range(count):
        ArticleFactory(tags=[TagFactory()])
    # The next scheduled publication (bounds the cache), the articles with their category,
    # their authors, their tags; then the cache answers.
    with django_assert_num_queries(4):
        assert client.get("/articles/feed/").status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/articles/feed/").status_code == 200
    category = Article.objects.first().category
    # The category first.
    with django_assert_num_queries(5):
        assert client.get(f"/articles/category/{category.slug}/feed/").status_code == 200


# --- Autodiscovery -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/en/", "/articles/", "/registry/", "/articles/search/"])
def test_every_page_announces_the_feeds(client, url):
    page = client.get(url).content.decode()
    prefix = "/en" if url.startswith("/en/") else ""
    head = page[: page.index("</head>")]
    assert (
        f'<link rel="alternate" type="application/rss+xml" title="{RSS_TITLE[prefix]}" '
        f'href="{prefix}/articles/feed/">' in head
    )
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="{ATOM_TITLE[prefix]}" '
        f'href="{prefix}/articles/atom/">' in head
    )


def test_a_category_page_announces_its_own_feed(client):
    category = CategoryFactory(slug="sse")
    ArticleFactory(category=category)
    page = client.get("/en/articles/category/sse/").content.decode()
    assert 'href="/en/articles/category/sse/feed/"' in page
    assert 'title="Articles in this category (RSS)"' in page


def test_a_series_page_announces_its_own_feed(client):
    series = SeriesFactory(slug="연재")
    ArticleFactory(series=series, series_part=1)
    response = client.get("/articles/series/연재/")
    assert response.status_code == 200
    assert 'href="/articles/series/%EC%97%B0%EC%9E%AC/feed/"' in response.content.decode()


def test_a_cached_feed_keeps_its_headers_and_ends_with_a_save(client):
    ArticleFactory(title="첫 글")
    first = client.get("/articles/feed/")
    again = client.get("/articles/feed/")
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Last-Modified"] == first["Last-Modified"]
    ArticleFactory(title="둘째 글", published_at=timezone.now())
    articles_cache.touch()  # what every save does
    _response, feed = parse(client, "/articles/feed/")
    assert [entry.title for entry in feed.entries] == ["둘째 글", "첫 글"]


def test_an_unknown_category_feed_is_never_cached(client):
    assert client.get("/articles/category/later/feed/").status_code == 404
    CategoryFactory(slug="later")
    assert client.get("/articles/category/later/feed/").status_code == 200
