"""The public pages of the articles: who sees what in every state at every listing and on the
article page, staff previews, old addresses, archives, share metadata, the figure, query
counts and the cache."""

import datetime
import json
import re
from html import unescape
from unittest import mock
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone, translation

from articles import selectors
from articles.cache import articles_cache
from articles.models import Article, Image, Status
from tests.articles.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    ImageFactory,
    SeriesFactory,
    TagFactory,
    draft,
    interviewee,
    old_address,
    relate,
    scheduled,
    unpublished,
)

pytestmark = pytest.mark.django_db

SEOUL = datetime.timezone(datetime.timedelta(hours=9))
# Fixed times in Seoul, well in the past: March 2025.
REFERENCE_AT = datetime.datetime(2025, 3, 10, 10, 0, tzinfo=SEOUL)
OTHER_AT = datetime.datetime(2025, 3, 12, 10, 0, tzinfo=SEOUL)


def text(response) -> str:
    return unescape(response.content.decode())


def links_to(response, article: Article) -> bool:
    return f'href="{selectors.article_url(article)}"' in response.content.decode()


def url_of(article: Article, language: str = "ko") -> str:
    with translation.override(language):
        return article.get_absolute_url()


def staff(django_user_model, *, allowed: bool, username: str = "editor"):
    user = django_user_model.objects.create_user(username=username, password="x", is_staff=True)
    if allowed:
        user.user_permissions.add(Permission.objects.get(codename="view_article"))
    return user


@pytest.fixture
def editor(django_user_model):
    return staff(django_user_model, allowed=True)


@pytest.fixture
def staff_without_permission(django_user_model):
    return staff(django_user_model, allowed=False, username="counselor")


# --- Visibility per state and user, at every listing and on the page --------------------

STATES = {
    # name: (make the article, visible to readers)
    "draft": (lambda **kw: draft(**kw), False),
    "scheduled-before": (
        lambda **kw: scheduled(timezone.now() + datetime.timedelta(hours=2), **kw),
        False,
    ),
    "scheduled-after": (lambda **kw: scheduled(OTHER_AT, **kw), True),
    "published": (lambda **kw: ArticleFactory(published_at=OTHER_AT, **kw), True),
    "unpublished": (lambda **kw: unpublished(published_at=OTHER_AT, **kw), False),
}
USERS = ["anonymous", "staff-without-permission", "editor"]


@pytest.fixture
def world():
    """A published reference article and what it shares with the article under test."""
    category = CategoryFactory(slug="basic-society", name_ko="기본사회", name_en="Basic Society")
    tag = TagFactory(name="협동조합", slug="협동조합")
    series = SeriesFactory(slug="기본사회-연재", planned_parts=2)
    author = AuthorFactory(slug="kim")
    reference = ArticleFactory(
        title="Reference article",
        slug="reference",
        published_at=REFERENCE_AT,
        category=category,
        series=series,
        series_part=1,
        authors=[author],
        tags=[tag],
        lead_image=ImageFactory(),
    )
    return {
        "category": category,
        "tag": tag,
        "series": series,
        "author": author,
        "reference": reference,
    }


def make_state_article(world, state: str) -> Article:
    make, _visible = STATES[state]
    article = make(
        title=f"The {state} article",
        slug=f"state-{state}",
        category=world["category"],
        series=world["series"],
        series_part=2,
        authors=[world["author"]],
        tags=[world["tag"]],
        lead_image=ImageFactory(),
    )
    relate(world["reference"], article)
    return article


def login(client, user_kind, request):
    if user_kind == "editor":
        client.force_login(request.getfixturevalue("editor"))
    elif user_kind == "staff-without-permission":
        client.force_login(request.getfixturevalue("staff_without_permission"))


@pytest.mark.parametrize("user_kind", USERS)
@pytest.mark.parametrize("state", list(STATES))
def test_every_listing_shows_exactly_the_published_articles(
    client, request, world, state, user_kind
):
    article = make_state_article(world, state)
    _make, visible = STATES[state]
    login(client, user_kind, request)
    listings = [
        "/articles/",
        "/en/articles/",
        "/articles/2025/",
        "/articles/2025/03/",
        "/articles/category/basic-society/",
        "/articles/tags/협동조합/",
        "/articles/series/기본사회-연재/",
        "/articles/authors/kim/",
        "/",
    ]
    for listing in listings:
        response = client.get(listing)
        assert response.status_code == 200, listing
        assert ">Reference article</a>" in text(response), listing
        assert (f">The {state} article</a>" in text(response)) is visible, listing
        assert links_to(response, article) is visible, listing

    # The reference article's related block, series box and next link.
    page = client.get(url_of(world["reference"]))
    assert page.status_code == 200
    body = text(page)
    related = body.split('id="article-related-title"')[1] if visible else body
    assert (f">The {state} article</a>" in related) is visible
    series_box = body.split('id="article-series-title"')[1].split("</section>")[0]
    assert (f">The {state} article</a>" in series_box) is visible
    assert ('rel="next"' in body) is visible
    if not visible:
        assert f"The {state} article" not in body


@pytest.mark.parametrize("user_kind", USERS)
@pytest.mark.parametrize("state", list(STATES))
def test_article_page_for_each_state_and_user(client, request, world, state, user_kind):
    article = make_state_article(world, state)
    _make, visible = STATES[state]
    login(client, user_kind, request)
    response = client.get(url_of(article))
    if visible:
        assert response.status_code == 200
        assert "article-preview-banner" not in text(response)
        assert "X-Robots-Tag" not in response
    elif user_kind == "editor":
        assert response.status_code == 200
        body = text(response)
        assert "article-preview-banner" in body
        assert '<meta name="robots" content="noindex">' in body
        assert response["X-Robots-Tag"] == "noindex"
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control
        assert f"The {state} article" in body
    else:
        assert response.status_code == 404


def test_preview_banner_says_the_state(client, editor):
    client.force_login(editor)
    cases = [
        (draft(slug="a-draft"), "this article is a draft"),
        (scheduled(timezone.now() + datetime.timedelta(days=3), slug="soon"), "is scheduled"),
        (unpublished(slug="gone"), "this article is unpublished"),
    ]
    for article, words in cases:
        body = text(client.get(url_of(article, "en")))
        assert "Preview:" in body and words in body


def test_scheduled_article_appears_on_time_with_no_worker(client):
    soon = timezone.now() + datetime.timedelta(minutes=30)
    article = scheduled(soon, title="Coming soon", slug="coming-soon")
    assert ">Coming soon</a>" not in text(client.get("/articles/"))
    assert client.get(url_of(article)).status_code == 404

    later = soon + datetime.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert ">Coming soon</a>" in text(client.get("/articles/"))
        assert client.get(url_of(article)).status_code == 200


# --- Addresses --------------------------------------------------------------------------


def test_korean_slug_and_month_of_seoul_time(client):
    # 2025-03-31 23:30 in Seoul is still March there (14:30 UTC).
    article = ArticleFactory(
        slug="협동조합의-미래",
        published_at=datetime.datetime(2025, 3, 31, 23, 30, tzinfo=SEOUL),
    )
    assert url_of(article) == "/articles/2025/03/" + quote("협동조합의-미래") + "/"
    assert client.get("/articles/2025/03/협동조합의-미래/").status_code == 200
    assert client.get("/articles/2025/04/협동조합의-미래/").status_code == 404
    assert client.get("/articles/2025/02/협동조합의-미래/").status_code == 404


def test_old_addresses_answer_301_to_the_current_one(client):
    article = ArticleFactory(slug="new-slug", published_at=REFERENCE_AT)
    old_address(article, 2025, 3, "old-slug")
    old_address(article, 2025, 2, "new-slug")  # published in February before a reschedule
    for old in ("/articles/2025/03/old-slug/", "/articles/2025/02/new-slug/"):
        response = client.get(old)
        assert response.status_code == 301
        assert response["Location"] == "/articles/2025/03/new-slug/"
    english = ArticleFactory(slug="english", language="en", published_at=REFERENCE_AT)
    old_address(english, 2025, 3, "english-old")
    response = client.get("/articles/2025/03/english-old/")
    assert response.status_code == 301
    assert response["Location"] == "/en/articles/2025/03/english/"


def test_old_address_of_an_article_readers_cannot_see_is_a_404(client, editor):
    hidden = unpublished(slug="hidden", published_at=REFERENCE_AT)
    old_address(hidden, 2025, 3, "hidden-old")
    assert client.get("/articles/2025/03/hidden-old/").status_code == 404
    client.force_login(editor)
    assert client.get("/articles/2025/03/hidden-old/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/articles/2025/03/no-such-article/",
        "/articles/2025/13/reference/",
        "/articles/2025/00/reference/",
        "/articles/2024/",
        "/articles/2025/04/",
        "/articles/2025/13/",
        "/articles/0000/",
        "/articles/category/no-such-category/",
        "/articles/tags/no-such-tag/",
        "/articles/series/no-such-series/",
        "/articles/authors/no-such-author/",
        "/articles/?page=2",
        "/articles/?page=abc",
        "/articles/?page=0",
        "/articles/?page=99999999999999",
    ],
)
def test_not_found(client, path):
    ArticleFactory(slug="reference", published_at=REFERENCE_AT)
    assert client.get(path).status_code == 404


def test_empty_archive_of_only_hidden_articles_is_a_404(client):
    draft(slug="draft-one", published_at=None)
    unpublished(slug="gone", published_at=REFERENCE_AT)
    scheduled(datetime.datetime(2099, 1, 5, tzinfo=SEOUL), slug="far")
    assert client.get("/articles/2025/03/").status_code == 404
    assert client.get("/articles/2025/").status_code == 404
    assert client.get("/articles/2099/").status_code == 404


def test_tag_series_and_author_pages_without_published_articles_are_404(client):
    tag, series, author = (
        TagFactory(slug="빈-태그"),
        SeriesFactory(slug="빈"),
        AuthorFactory(slug="x"),
    )
    draft(tags=[tag], series=series, series_part=1, authors=[author])
    assert client.get("/articles/tags/빈-태그/").status_code == 404
    assert client.get("/articles/series/빈/").status_code == 404
    assert client.get("/articles/authors/x/").status_code == 404
    CategoryFactory(slug="empty-category")
    assert client.get("/articles/category/empty-category/").status_code == 200


# --- Lists ------------------------------------------------------------------------------


def test_index_newest_first_paginated_with_cards(client):
    for day in range(1, 15):
        ArticleFactory(
            title=f"Day {day:02d}",
            published_at=datetime.datetime(2025, 3, day, 9, tzinfo=SEOUL),
            lead_image=ImageFactory(),
        )
    body = text(client.get("/en/articles/"))
    titles = re.findall(r">(Day \d\d)</a>", body)
    assert titles == [f"Day {day:02d}" for day in range(14, 2, -1)]  # 12 per page
    assert "Page 1 of 2" in body
    assert "4 min read" in body
    assert 'loading="lazy"' in body and "<picture>" in body and "srcset=" in body
    assert "한국어" in body  # the language badge
    second = text(client.get("/en/articles/?page=2"))
    assert re.findall(r">(Day \d\d)</a>", second) == ["Day 02", "Day 01"]


def test_both_languages_list_every_article_linking_to_its_own_language(client):
    korean = ArticleFactory(title="한국어 글", slug="korean", language="ko")
    english = ArticleFactory(title="An English piece", slug="english", language="en")
    for listing in ("/articles/", "/en/articles/"):
        body = client.get(listing).content.decode()
        assert f'href="{url_of(korean, "ko")}"' in body
        assert f'href="{url_of(english, "en")}"' in body
    body = client.get("/articles/").content.decode()
    assert 'lang="en">An English piece</a>' in body


def test_year_archive_lists_its_months(client):
    ArticleFactory(published_at=datetime.datetime(2025, 1, 5, tzinfo=SEOUL))
    ArticleFactory(published_at=datetime.datetime(2025, 3, 5, tzinfo=SEOUL))
    draft_in_may = draft(slug="may-draft")
    Article.objects.filter(pk=draft_in_may.pk).update(
        published_at=datetime.datetime(2025, 5, 5, tzinfo=SEOUL)
    )
    body = client.get("/en/articles/2025/").content.decode()
    assert 'href="/en/articles/2025/01/"' in body
    assert 'href="/en/articles/2025/03/"' in body
    assert "/en/articles/2025/05/" not in body


def test_series_page_lists_parts_in_order(client):
    series = SeriesFactory(slug="sse", planned_parts=3)
    ArticleFactory(title="Second part", series=series, series_part=2, published_at=OTHER_AT)
    ArticleFactory(title="First part", series=series, series_part=1, published_at=REFERENCE_AT)
    body = text(client.get("/en/articles/series/sse/"))
    assert body.index(">First part</a>") < body.index(">Second part</a>")
    assert "Part 1" in body and "2 of 3 parts published" in body


# --- The article page -------------------------------------------------------------------


def test_article_page_shows_what_the_article_has(client):
    author = AuthorFactory(name="김연구", role="Researcher")
    article = ArticleFactory(
        title="<b>Title</b> & more",
        body_html="<p>Sanitised <strong>body</strong></p>",
        editor_note="This interview was edited for length.",
        authors=[author],
        lead_image=ImageFactory(),
    )
    interviewee(article, name="박조합", role="Chair, Mapo co-op")
    response = client.get(url_of(article, "en"))
    body = response.content.decode()
    assert "&lt;b&gt;Title&lt;/b&gt; &amp; more" in body  # the title is escaped
    assert "<p>Sanitised <strong>body</strong></p>" in body  # the body is not
    note = body.split('<aside class="article-editor-note"')[1].split("</aside>")[0]
    assert "<h2" in note and "Editor's note" in note
    assert "This interview was edited for length." in note
    assert "박조합" in body and "Chair, Mapo co-op" in body
    assert "김연구" in body and "Researcher" in body


def test_series_box(client):
    series = SeriesFactory(slug="two-parts", planned_parts=2)
    first = ArticleFactory(
        title="Part one", series=series, series_part=1, published_at=REFERENCE_AT
    )
    second = ArticleFactory(title="Part two", series=series, series_part=2, published_at=OTHER_AT)
    body = text(client.get(url_of(second, "en")))
    box = body.split('id="article-series-title"')[1].split("</section>")[0]
    assert "Part 2 of 2" in box
    assert f'href="{url_of(first)}"' in box
    assert '<span aria-current="page" lang="ko">Part two</span>' in box


def test_related_falls_back_to_series_then_tags_then_category(client):
    category = CategoryFactory()
    series = SeriesFactory()
    tags = [TagFactory(), TagFactory()]
    article = ArticleFactory(series=series, series_part=1, tags=tags, category=category)
    same_category = ArticleFactory(title="Same category", category=category)
    one_tag = ArticleFactory(title="One tag", tags=tags[:1])
    two_tags = ArticleFactory(title="Two tags", tags=tags)
    other_part = ArticleFactory(title="Other part", series=series, series_part=2)
    ArticleFactory(title="Unrelated")
    draft(title="Draft with tags", tags=tags, category=category)
    related = selectors.article_related(article)
    assert [a.title for a in related] == ["Other part", "Two tags", "One tag", "Same category"]
    assert article not in related

    # The editor's choice comes first, only what is published, at most four, never itself.
    chosen = [ArticleFactory(title=f"Chosen {n}") for n in range(5)]
    hidden = draft(title="Chosen draft")
    relate(article, hidden, *reversed(chosen))
    assert [a.title for a in selectors.article_related(article)] == [
        "Chosen 4",
        "Chosen 3",
        "Chosen 2",
        "Chosen 1",
    ]
    del same_category, one_tag, two_tags, other_part


def test_previous_and_next_in_time_published_only(client):
    older = ArticleFactory(title="Older", published_at=REFERENCE_AT - datetime.timedelta(days=2))
    unpublished(title="Unpublished between", published_at=REFERENCE_AT - datetime.timedelta(days=1))
    middle = ArticleFactory(title="Middle", published_at=REFERENCE_AT)
    newer = ArticleFactory(title="Newer", published_at=OTHER_AT)
    scheduled(timezone.now() + datetime.timedelta(days=1), title="Future")
    body = client.get(url_of(middle)).content.decode()
    assert f'<a href="{url_of(older)}" rel="prev" lang="ko">Older</a>' in body
    assert f'<a href="{url_of(newer)}" rel="next" lang="ko">Newer</a>' in body
    assert selectors.article_neighbours(newer) == (middle, None)


# --- The figure -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caption", "credit", "expected"),
    [
        ("A caption", "Photo: A photographer", "A caption · Photo: A photographer"),
        ("A caption", "", "A caption"),
        ("", "Photo: A photographer", "Photo: A photographer"),
        ("", "", None),
    ],
)
def test_figure_caption_and_credit_without_stray_separator(client, caption, credit, expected):
    article = ArticleFactory(lead_image=ImageFactory(caption=caption, credit=credit))
    body = text(client.get(url_of(article, "en")))
    figure = body.split('<figure class="article-figure">')[1].split("</figure>")[0]
    if expected is None:
        assert "<figcaption" not in figure
        assert "·" not in figure
        return
    caption_text = re.sub(r"<[^>]+>", "", figure.split("<figcaption")[1].split(">", 1)[1])
    assert " ".join(caption_text.split()) == expected


def test_lead_image_picture_is_not_lazy_and_has_sizes(client):
    image = ImageFactory(alt_text="Members voting", caption="The general assembly")
    article = ArticleFactory(lead_image=image)
    body = client.get(url_of(article, "en")).content.decode()
    figure = body.split('<figure class="article-figure">')[1].split("</figure>")[0]
    assert '<source type="image/webp" srcset="/media/public/articles/renditions/' in figure
    assert " 480w, " in figure and " 1600w" in figure
    assert 'sizes="(min-width: 1200px) 1100px, 100vw"' in figure
    assert 'width="960" height="540"' in figure
    assert 'alt="Members voting"' in figure
    assert "lazy" not in figure


def test_decorative_image_has_empty_alt_never_the_caption(client):
    image = ImageFactory(is_decorative=True, alt_text="", caption="Only a caption")
    article = ArticleFactory(lead_image=image)
    body = client.get(url_of(article, "en")).content.decode()
    assert 'alt=""' in body
    assert 'alt="Only a caption"' not in body


def test_image_without_renditions_shows_no_picture(client):
    article = ArticleFactory(lead_image=ImageFactory(renditions=False))
    body = client.get(url_of(article, "en")).content.decode()
    assert "<picture>" not in body and "/media/" not in body.split("</head>")[1]
    assert "og:image" not in body


# --- Share metadata ---------------------------------------------------------------------


def meta(body: str, attribute: str, name: str) -> str:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', body)
    assert found, name
    return unescape(found.group(1))


def test_share_metadata(client, settings):
    settings.SITE_URL = "https://coop.example"
    author = AuthorFactory(name="김연구", slug="kim-yeongu")
    article = ArticleFactory(
        title="기본사회와 협동조합",
        slug="basic-society",
        excerpt="Short summary.",
        authors=[author],
        published_at=datetime.datetime(2025, 3, 10, 1, 0, tzinfo=datetime.UTC),
        lead_image=ImageFactory(),
    )
    Article.objects.filter(pk=article.pk).update(
        updated_at=datetime.datetime(2025, 3, 11, 1, 0, tzinfo=datetime.UTC)
    )
    # Read in the English pages, the canonical address is still the Korean one.
    body = client.get("/en/articles/2025/03/basic-society/").content.decode()
    canonical = "https://coop.example/articles/2025/03/basic-society/"
    assert f'<link rel="canonical" href="{canonical}">' in body
    assert meta(body, "property", "og:type") == "article"
    assert meta(body, "property", "og:url") == canonical
    assert meta(body, "property", "og:title") == "기본사회와 협동조합"
    assert meta(body, "property", "og:description") == "Short summary."
    assert meta(body, "property", "og:locale") == "ko_KR"
    og_image = meta(body, "property", "og:image")
    assert og_image.startswith("https://coop.example/media/public/articles/renditions/")
    assert og_image.endswith("-1600.jpg")
    assert meta(body, "property", "og:image:width") == "1600"
    assert meta(body, "property", "og:image:height") == "900"
    assert meta(body, "property", "article:published_time") == "2025-03-10T10:00:00+09:00"
    assert meta(body, "name", "twitter:card") == "summary_large_image"
    assert meta(body, "name", "twitter:title") == "기본사회와 협동조합"
    assert meta(body, "name", "twitter:image") == og_image

    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    data = json.loads(found.group(1))
    assert data["@type"] == "Article"
    assert data["headline"] == "기본사회와 협동조합"
    assert data["datePublished"] == "2025-03-10T10:00:00+09:00"
    assert data["dateModified"] == "2025-03-11T10:00:00+09:00"
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "김연구",
            "url": "https://coop.example/articles/authors/kim-yeongu/",
        }
    ]
    assert data["publisher"]["@type"] == "Organization" and data["publisher"]["name"]
    assert data["image"]["url"] == og_image and data["image"]["width"] == 1600
    assert data["mainEntityOfPage"]["@id"] == canonical


def test_json_ld_cannot_close_its_script_element(client):
    article = ArticleFactory(title="</script><script>alert(1)</script>", excerpt="a < b & c")
    body = client.get(url_of(article)).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S).group(1)
    assert "<" not in block and ">" not in block
    assert json.loads(block)["headline"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in body


def test_translation_link_and_hreflang(client, settings):
    settings.SITE_URL = "https://coop.example"
    korean = ArticleFactory(slug="ko-piece", language="ko", published_at=REFERENCE_AT)
    english = ArticleFactory(
        slug="en-piece", language="en", published_at=REFERENCE_AT, translation=korean
    )
    body = client.get(url_of(korean)).content.decode()
    assert (
        '<link rel="alternate" hreflang="ko" href="https://coop.example/articles/2025/03/ko-piece/">'
        in body
    )
    assert (
        '<link rel="alternate" hreflang="en" '
        'href="https://coop.example/en/articles/2025/03/en-piece/">' in body
    )
    assert 'href="/en/articles/2025/03/en-piece/" hreflang="en" lang="en">' in body
    assert meta(body, "property", "og:locale:alternate") == "en_US"
    # The language switcher goes to the translation.
    assert 'href="/en/articles/2025/03/en-piece/" lang="en" hreflang="en"' in body
    back = client.get(url_of(english, "en")).content.decode()
    assert 'href="/articles/2025/03/ko-piece/" hreflang="ko" lang="ko">' in back

    # A translation readers cannot see is not linked.
    Article.objects.filter(pk=english.pk).update(status=Status.UNPUBLISHED)
    cache.clear()
    body = client.get(url_of(korean)).content.decode()
    assert "en-piece" not in body


# --- Query counts -----------------------------------------------------------------------


def make_articles(count: int, **kwargs) -> list[Article]:
    category = kwargs.pop("category", None) or CategoryFactory(slug="counted")
    tag = TagFactory(slug="counted-tag")
    series = SeriesFactory(slug="counted-series", planned_parts=None)
    author = AuthorFactory(slug="counted-author")
    return [
        ArticleFactory(
            category=category,
            tags=[tag],
            series=series,
            series_part=n + 1,
            authors=[author, AuthorFactory()],
            lead_image=ImageFactory(),
            published_at=REFERENCE_AT + datetime.timedelta(hours=n),
        )
        for n in range(count)
    ]


LIST_QUERIES = [
    # The next scheduled publication, the count, the page, its authors, its renditions.
    ("/articles/", 5),
    ("/en/articles/", 5),
    ("/articles/2025/", 6),  # + the months of the year
    ("/articles/2025/03/", 5),
    ("/articles/category/counted/", 6),  # + the category
    ("/articles/tags/counted-tag/", 6),
    ("/articles/series/counted-series/", 6),
    ("/articles/authors/counted-author/", 6),
]


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.parametrize(("path", "queries"), LIST_QUERIES)
def test_list_pages_run_a_fixed_number_of_queries(
    client, django_assert_num_queries, path, queries, count
):
    make_articles(count)
    cache.clear()
    with django_assert_num_queries(queries):
        assert client.get(path).status_code == 200
    # Then from the cache, with no query.
    with django_assert_num_queries(0):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("count", [2, 20])
def test_article_page_and_home_run_a_fixed_number_of_queries(
    client, django_assert_num_queries, count
):
    articles = make_articles(count)
    article = articles[len(articles) // 2]
    cache.clear()
    # Next publication, article, authors, interviewees, tags, renditions, translation, series
    # parts, related (editor's choice, fallback, their authors and renditions), previous, next.
    with django_assert_num_queries(14):
        assert client.get(url_of(article)).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url_of(article)).status_code == 200
    # The home page's latest articles: the next publication and the list, then the cache.
    with django_assert_num_queries(2):
        assert selectors.article_home_latest()
    with django_assert_num_queries(0):
        assert selectors.article_home_latest()


# --- Home page --------------------------------------------------------------------------


def test_home_page_shows_the_latest_published(client):
    ArticleFactory(title="Older piece", published_at=REFERENCE_AT)
    latest = ArticleFactory(title="Latest piece", published_at=OTHER_AT)
    draft(title="A draft piece")
    body = text(client.get("/en/"))
    assert "Latest articles" in body
    assert f'<a href="{url_of(latest)}" lang="ko">Latest piece</a>' in body
    assert "A draft piece" not in body
    assert [a.title for a in selectors.article_home_latest()] == ["Latest piece", "Older piece"]


def test_the_cached_home_page_follows_saves_and_the_schedule(client):
    ArticleFactory(title="First piece", published_at=REFERENCE_AT)
    assert "First piece" in text(client.get("/en/"))  # now cached
    ArticleFactory(title="Second piece", published_at=OTHER_AT)
    assert "Second piece" in text(client.get("/en/"))
    soon = timezone.now() + datetime.timedelta(minutes=5)
    scheduled(soon, title="Scheduled piece")
    assert "Scheduled piece" not in text(client.get("/en/"))
    with mock.patch("django.utils.timezone.now", return_value=soon + datetime.timedelta(seconds=1)):
        assert "Scheduled piece" in text(client.get("/en/"))


# --- The cache --------------------------------------------------------------------------


def test_saving_an_article_invalidates_the_cached_pages(client):
    article = ArticleFactory(title="First title", published_at=REFERENCE_AT)
    assert ">First title</a>" in text(client.get("/articles/"))
    assert "First title" in text(client.get(url_of(article)))

    article.title = "Second title"
    article.save()
    assert ">Second title</a>" in text(client.get("/articles/"))
    assert "Second title" in text(client.get(url_of(article)))


def test_admin_edit_of_an_image_or_category_invalidates(client):
    category = CategoryFactory(name_en="Old section")
    article = ArticleFactory(category=category, lead_image=ImageFactory(caption="Old caption"))
    assert "Old caption" in text(client.get(url_of(article, "en")))
    assert "Old section" in text(client.get("/en/articles/"))

    image = Image.objects.get(pk=article.lead_image_id)
    image.caption = "New caption"
    image.save()
    category.name_en = "New section"
    category.save()
    assert "New caption" in text(client.get(url_of(article, "en")))
    assert "New section" in text(client.get("/en/articles/"))


def test_an_update_without_signal_is_served_from_the_cache(client):
    """The converse, to show the pages really come from the cache."""
    article = ArticleFactory(title="Cached title")
    client.get("/articles/")
    Article.objects.filter(pk=article.pk).update(title="Silent title")
    assert ">Cached title</a>" in text(client.get("/articles/"))


def test_cache_never_outlives_the_next_scheduled_publication(client):
    now = timezone.now()
    ArticleFactory(title="Already out", published_at=now - datetime.timedelta(days=1))
    soon = now + datetime.timedelta(minutes=10)
    scheduled(soon, title="Out in ten minutes")

    # Cached before the time: not shown early, even a minute before.
    assert ">Out in ten minutes</a>" not in text(client.get("/articles/"))
    with mock.patch("django.utils.timezone.now", return_value=soon - datetime.timedelta(minutes=1)):
        assert ">Out in ten minutes</a>" not in text(client.get("/articles/"))
    # On time, the cached list is not used any more.
    with mock.patch("django.utils.timezone.now", return_value=soon + datetime.timedelta(seconds=1)):
        assert ">Out in ten minutes</a>" in text(client.get("/articles/"))
        assert ">Out in ten minutes</a>" in text(client.get("/"))


def test_cache_timeout_is_capped_at_the_next_publication(client):
    soon = timezone.now() + datetime.timedelta(seconds=90)
    scheduled(soon, title="Soon")
    ArticleFactory()
    with mock.patch("articles.cache.cache.set", wraps=cache.set) as cache_set:
        client.get("/articles/")
    (_key, (valid_until, _page), timeout), _kwargs = cache_set.call_args
    assert valid_until == soon
    assert 0 < timeout <= 90


def test_previews_are_never_cached_nor_served_from_the_cache(client, editor):
    article = ArticleFactory(title="Public title", slug="public")
    # An editor's request does not fill the cache...
    client.force_login(editor)
    assert "Public title" in text(client.get(url_of(article)))
    client.logout()
    Article.objects.filter(pk=article.pk).update(title="Changed silently")
    assert "Changed silently" in text(client.get(url_of(article)))
    # ...nor reads it: the editor sees the database, readers the cached page.
    Article.objects.filter(pk=article.pk).update(title="Changed again")
    assert "Changed silently" in text(client.get(url_of(article)))
    client.force_login(editor)
    assert "Changed again" in text(client.get(url_of(article)))

    # A draft's preview is never cached either.
    hidden = draft(title="Draft title", slug="hidden-draft")
    with mock.patch("articles.cache.cache.set") as cache_set:
        response = client.get(url_of(hidden))
    assert response.status_code == 200
    cache_set.assert_not_called()
    client.logout()
    assert client.get(url_of(hidden)).status_code == 404


def test_migrating_a_new_release_invalidates_the_cached_pages():
    before = articles_cache.version()
    call_command("migrate", interactive=False, verbosity=0)
    assert articles_cache.version() != before
