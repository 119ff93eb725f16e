"""The editorial services: the body's sanitising, excerpt and reading time, revisions,
publication states, old addresses (301s), the translation link and series parts."""

import datetime
from unittest.mock import patch

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri

from articles import markup
from articles.models import Article, Revision, SlugRedirect, Status
from articles.selectors import article_redirect_target
from articles.services import (
    IntervieweeData,
    article_publish,
    article_restore_revision,
    article_save,
    article_unpublish,
)
from tests.articles.factories import AuthorFactory, CategoryFactory, SeriesFactory, TagFactory

pytestmark = pytest.mark.django_db

SEOUL = datetime.timezone(datetime.timedelta(hours=9))


def new_article(**fields) -> Article:
    """An article saved through the service (a draft unless said otherwise)."""
    values = {
        "title": "협동조합의 시간",
        "slug": "협동조합의-시간",
        "language": "ko",
        "body_source": "협동조합은 **함께** 만드는 기업입니다.",
        "category": CategoryFactory(),
    }
    values.update(fields)
    return article_save(article=Article(**values), user=None)


def edit(article: Article, **fields) -> Article:
    article = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(article, name, value)
    return article_save(article=article, user=None)


def published(**fields) -> Article:
    fields.setdefault("published_at", datetime.datetime(2026, 3, 10, 9, 0, tzinfo=SEOUL))
    return new_article(status=Status.PUBLISHED, **fields)


def path_of(year: int, month: int, slug: str) -> str:
    return f"/articles/{year}/{month:02d}/{slug}/"


# --- sanitising --------------------------------------------------------------------------

REMOVED = [
    ("<script>alert(1)</script>", "<script", "alert(1)"),
    ('<img src="/x.png" onerror="alert(1)">', "onerror", "alert"),
    ("[click](javascript:alert(1))", "javascript:", "alert"),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', "avascript", "alert"),
    ("[data](data:text/html;base64,PHNjcmlwdD4=)", "data:", "base64"),
    ('<img src="data:image/png;base64,AAAA" alt="x">', "data:", "base64"),
    ('<iframe src="https://evil.example/embed/1">fallback</iframe>', "<iframe", "evil"),
    ('<iframe src="http://www.youtube.com/embed/1"></iframe>', "<iframe", "youtube"),
    ('<p style="position:fixed" class="btn" id="content">x</p>', "style=", 'id="content"'),
    ('<form action="/x"><input name="a"></form>', "<form", "<input"),
    ("<style>body{display:none}</style>", "<style", "display:none"),
    ('<svg onload="alert(1)"><circle r="1"/></svg>', "<svg", "onload"),
    ('<a href="/x" onclick="steal()">x</a>', "onclick", "steal"),
]


@pytest.mark.parametrize(("source", "gone", "also_gone"), REMOVED)
def test_unsafe_markup_is_removed(source, gone, also_gone):
    html = markup.render_body(source)
    assert gone not in html.lower()
    assert also_gone not in html


KEPT = [
    ("## 소제목", "<h2>소제목</h2>"),
    ("# 큰 제목", "<h2>큰 제목</h2>"),  # the page's h1 is the title
    ("**굵게** *기울임*", "<strong>굵게</strong> <em>기울임</em>"),
    ("[센터](https://example.org/a)", '<a href="https://example.org/a" rel="noopener noreferrer">'),
    ("[메일](mailto:help@example.org)", 'href="mailto:help@example.org"'),
    ("[다른 글](/articles/2026/03/글/)", 'href="/articles/2026/03/글/"'),
    ("> 인용", "<blockquote>"),
    ("- 하나\n- 둘", "<li>하나</li>"),
    ("| 구분 | 수 |\n|:--|--:|\n| 조합 | 3 |", '<td align="right">3</td>'),
    ("본문[^1]\n\n[^1]: 각주.", '<li id="fn:1">'),
    ("본문[^1]\n\n[^1]: 각주.", '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"'),
    (
        '<iframe src="https://www.youtube-nocookie.com/embed/abc" title="영상"></iframe>',
        'src="https://www.youtube-nocookie.com/embed/abc" title="영상"',
    ),
    ('<iframe src="https://player.vimeo.com/video/1" title="v"></iframe>', "player.vimeo.com"),
    ("```\ncode <b>\n```", "<pre><code>code &lt;b&gt;"),
    ("![조합원 회의](https://example.org/a.jpg)", 'alt="조합원 회의"'),
]


@pytest.mark.parametrize(("source", "fragment"), KEPT)
def test_allowed_markup_is_kept(source, fragment):
    assert fragment in markup.render_body(source)


def test_iframe_hosts_come_from_settings(settings):
    settings.ARTICLES_IFRAME_HOSTS = ["video.example.org"]
    kept = markup.render_body('<iframe src="https://video.example.org/v/1"></iframe>')
    gone = markup.render_body('<iframe src="https://www.youtube.com/embed/1"></iframe>')
    assert 'src="https://video.example.org/v/1"' in kept and 'loading="lazy"' in kept
    assert "iframe" not in gone


def test_allowed_iframe_loses_its_content_and_handlers():
    html = markup.render_body(
        '<iframe src="https://www.youtube.com/embed/1" onload="x()"><b>fallback</b></iframe>'
    )
    assert "onload" not in html and "fallback" not in html and "<iframe" in html


def test_save_stores_the_sanitised_body():
    article = new_article(
        body_source='안녕 <script>alert("x")</script><img src=x onerror=alert(1)>'
    )
    assert "<script" not in article.body_html and "onerror" not in article.body_html
    assert Article.objects.get(pk=article.pk).body_html == article.body_html


def test_title_caption_and_credit_are_escaped_on_the_page(client):
    from tests.articles.factories import ImageFactory

    image = ImageFactory(caption="<b>캡션</b>", credit="<i>사진</i>")
    article = published(title='<script>alert("t")</script> 제목', slug="escaped", lead_image=image)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert '<script>alert("t")' not in page
    assert "&lt;script&gt;alert(" in page
    assert "<b>캡션</b>" not in page and "&lt;b&gt;캡션&lt;/b&gt;" in page
    assert "<i>사진</i>" not in page


# --- excerpt and reading time ------------------------------------------------------------


def test_excerpt_is_derived_from_the_body_at_a_word_boundary():
    words = " ".join(f"협동조합{i:03d}" for i in range(60))  # 8 characters and a space each
    article = new_article(body_source=f"## 머리\n\n{words}[^1]\n\n[^1]: 각주는 빠진다.")
    assert article.excerpt.startswith("머리 협동조합000 협동조합001")
    assert article.excerpt.endswith("…")
    assert len(article.excerpt) <= markup.EXCERPT_LENGTH + 1
    assert article.excerpt[:-1] in f"머리 {words}"  # whole words only
    assert "각주" not in article.excerpt and "1" not in article.excerpt.split()[-1][-1:]


def test_short_body_is_the_whole_excerpt_and_a_manual_one_is_kept():
    article = new_article(body_source="짧은 글 &amp; <b>본문</b>.")
    assert article.excerpt == "짧은 글 & 본문."
    manual = new_article(slug="manual", excerpt="  편집자가 쓴 요약  ", body_source="본문")
    assert manual.excerpt == "편집자가 쓴 요약"


def test_derived_excerpt_follows_the_body_until_the_editor_writes_one():
    article = new_article(body_source="첫 본문")
    assert article.excerpt == "첫 본문"
    article = edit(article, body_source="바뀐 본문")
    assert article.excerpt == "바뀐 본문"
    article = edit(article, excerpt="직접 쓴 요약")
    article = edit(article, body_source="또 바뀐 본문")
    assert article.excerpt == "직접 쓴 요약"


@pytest.mark.parametrize(
    ("language", "words", "minutes"),
    [("ko", 1, 1), ("ko", 200, 1), ("ko", 201, 2), ("ko", 1000, 5), ("en", 230, 1), ("en", 231, 2)],
)
def test_reading_minutes(language, words, minutes):
    article = new_article(
        slug=f"words-{language}-{words}", language=language, body_source="말 " * words
    )
    assert article.reading_minutes == minutes


# --- revisions ---------------------------------------------------------------------------


def test_every_save_keeps_the_previous_version_with_its_relations():
    author, other = AuthorFactory(), AuthorFactory()
    tag = TagFactory()
    target = published(slug="target", title="관련 글")
    article = article_save(
        article=Article(
            title="처음",
            slug="first",
            body_source="하나",
            category=CategoryFactory(),
        ),
        user=None,
        authors=[author, other],
        tags=[tag],
        interviewees=[IntervieweeData("박조합", "이사장")],
        related=[target],
    )
    assert not article.revisions.exists()  # nothing came before

    edit(article, title="둘째", body_source="둘")
    edit(article, title="셋째")
    revisions = list(Revision.objects.filter(article=article).order_by("pk"))
    assert [r.data["title"] for r in revisions] == ["처음", "둘째"]
    first = revisions[0].data
    assert first["body_source"] == "하나"
    assert first["authors"] == [author.pk, other.pk]
    assert first["tags"] == [tag.pk]
    assert first["related"] == [target.pk]
    assert first["interviewees"] == [{"name": "박조합", "role": "이사장"}]
    assert first["status"] == Status.DRAFT and first["published_at"] is None


def test_restoring_a_revision_is_a_save_that_keeps_what_it_replaces(django_user_model):
    editor = django_user_model.objects.create_user("editor", is_staff=True)
    author, other = AuthorFactory(), AuthorFactory()
    article = article_save(
        article=Article(title="처음", slug="first", body_source="하나", category=CategoryFactory()),
        user=editor,
        authors=[author],
    )
    article = article_save(
        article=edit_fields(article, title="둘째", body_source="둘"),
        user=editor,
        authors=[other],
    )
    first = article.revisions.get()
    restored = article_restore_revision(revision_id=first.pk, user=editor)
    assert restored.title == "처음" and restored.body_source == "하나"
    assert restored.body_html == "<p>하나</p>"
    assert list(restored.authors.all()) == [author]
    assert restored.revisions.count() == 2
    latest = restored.revisions.order_by("-pk").first()
    assert latest.data["title"] == "둘째" and latest.data["authors"] == [other.pk]
    assert latest.created_by == editor


def edit_fields(article: Article, **fields) -> Article:
    article = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(article, name, value)
    return article


def test_restore_keeps_status_and_publication_time():
    article = published(slug="first", title="처음")
    article = edit(article, title="둘째")
    article_unpublish(article_id=article.pk, user=None)
    restored = article_restore_revision(
        revision_id=article.revisions.order_by("pk").first().pk, user=None
    )
    assert restored.title == "처음"
    assert restored.status == Status.UNPUBLISHED
    assert restored.published_at == article.published_at


# --- publishing --------------------------------------------------------------------------


def test_publish_now_schedule_and_unpublish():
    article = new_article()
    assert article.status == Status.DRAFT and article.first_published_at is None
    article = article_publish(article_id=article.pk, user=None)
    assert article.status == Status.PUBLISHED
    assert article.first_published_at == article.published_at <= timezone.now()
    assert Article.objects.published().filter(pk=article.pk).exists()

    first = article.first_published_at
    article = article_unpublish(article_id=article.pk, user=None)
    assert article.status == Status.UNPUBLISHED
    assert not Article.objects.published().filter(pk=article.pk).exists()
    article = article_publish(article_id=article.pk, user=None)
    assert article.published_at == first  # the same address again
    assert article.first_published_at == first
    assert article.revisions.count() == 3


def test_a_future_time_schedules_and_the_query_shows_it_on_time():
    later = timezone.now() + datetime.timedelta(hours=2)
    article = article_publish(article_id=new_article().pk, at=later, user=None)
    assert article.status == Status.SCHEDULED
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert Article.objects.published(now=later).filter(pk=article.pk).exists()
    # Not yet visible: rescheduling moves the first publication with it.
    article = article_publish(
        article_id=article.pk, at=later + datetime.timedelta(days=1), user=None
    )
    assert article.first_published_at == later + datetime.timedelta(days=1)
    # Unpublished before it was ever shown: it has never been public.
    article = article_unpublish(article_id=article.pk, user=None)
    assert article.first_published_at is None


def test_published_with_a_time_ahead_is_scheduled_and_a_scheduled_one_needs_a_time():
    article = new_article(
        status=Status.PUBLISHED, published_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert article.status == Status.SCHEDULED
    with pytest.raises(ValidationError) as error:
        new_article(slug="no-time", status=Status.SCHEDULED)
    assert "published_at" in error.value.message_dict


def test_saving_touches_the_articles_cache_on_commit():
    with (
        patch("articles.services.articles_cache") as cache,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        new_article()
    cache.touch_on_commit.assert_called_once()


# --- old addresses -----------------------------------------------------------------------


def test_slug_change_of_a_published_article_answers_301(client):
    article = published(slug="old-slug")
    edit(article, slug="new-slug")
    response = client.get(path_of(2026, 3, "old-slug"))
    assert response.status_code == 301
    assert response["Location"] == path_of(2026, 3, "new-slug")
    assert client.get(path_of(2026, 3, "new-slug")).status_code == 200


def test_korean_slug_change_answers_301(client):
    article = published(slug="기본사회-1부")
    edit(article, slug="기본사회와-협동조합-1부")
    response = client.get(path_of(2026, 3, "기본사회-1부"))
    assert response.status_code == 301
    assert response["Location"] == iri_to_uri(path_of(2026, 3, "기본사회와-협동조합-1부"))
    assert article_redirect_target(2026, 3, "기본사회-1부") == iri_to_uri(
        path_of(2026, 3, "기본사회와-협동조합-1부")
    )


def test_chain_a_b_c_collapses(client):
    article = published(slug="a")
    edit(article, slug="b")
    edit(article, slug="c")
    for old in ("a", "b"):
        response = client.get(path_of(2026, 3, old))
        assert response.status_code == 301
        assert response["Location"] == path_of(2026, 3, "c")
    assert set(SlugRedirect.objects.values_list("slug", flat=True)) == {"a", "b"}


def test_taking_back_an_old_slug_leaves_no_loop(client):
    article = published(slug="a")
    edit(article, slug="b")
    edit(article, slug="a")
    assert list(SlugRedirect.objects.values_list("slug", flat=True)) == ["b"]
    assert client.get(path_of(2026, 3, "a")).status_code == 200
    response = client.get(path_of(2026, 3, "b"))
    assert response.status_code == 301 and response["Location"] == path_of(2026, 3, "a")
    assert article_redirect_target(2026, 3, "a") is None


def test_a_slug_that_was_never_public_leaves_no_redirect():
    article = new_article(slug="draft-1", published_at=timezone.now())
    edit(article, slug="draft-2")
    later = timezone.now() + datetime.timedelta(days=3)
    scheduled = article_publish(article_id=article.pk, at=later, user=None)
    edit(scheduled, slug="draft-3")  # scheduled, not shown yet
    assert not SlugRedirect.objects.exists()


def test_an_unpublished_article_keeps_its_public_old_address_but_not_later_ones():
    article = published(slug="shown")
    article_unpublish(article_id=article.pk, user=None)
    edit(article, slug="hidden-1")
    edit(article, slug="hidden-2")
    assert list(SlugRedirect.objects.values_list("slug", flat=True)) == ["shown"]
    # Readers get the redirect only once the article is published again.
    assert article_redirect_target(2026, 3, "shown") is None
    article_publish(article_id=article.pk, user=None)
    assert article_redirect_target(2026, 3, "shown") == path_of(2026, 3, "hidden-2")


def test_a_new_publication_month_answers_301_from_the_old_month(client):
    article = published(slug="moved")
    edit(article, published_at=datetime.datetime(2026, 4, 2, 9, 0, tzinfo=SEOUL))
    response = client.get(path_of(2026, 3, "moved"))
    assert response.status_code == 301
    assert response["Location"] == path_of(2026, 4, "moved")


def test_the_month_is_the_seoul_month():
    # 2026-03-31 20:00 UTC is already April 1st in Seoul.
    article = published(
        slug="late", published_at=datetime.datetime(2026, 3, 31, 20, 0, tzinfo=datetime.UTC)
    )
    edit(article, slug="later")
    assert SlugRedirect.objects.get().month == 4


def test_an_english_article_redirects_within_its_own_pages(client):
    article = published(slug="coop-time", language="en")
    edit(article, slug="co-op-time")
    response = client.get("/en" + path_of(2026, 3, "coop-time"))
    assert response.status_code == 301
    assert response["Location"] == "/en" + path_of(2026, 3, "co-op-time")


def test_another_article_taking_an_old_address_removes_it():
    first = published(slug="shared")
    edit(first, slug="first-renamed")
    second = published(slug="shared", title="둘째 글")
    assert not SlugRedirect.objects.exists()
    assert article_redirect_target(2026, 3, "shared") is None
    with translation.override("ko"):
        assert second.get_absolute_url() == path_of(2026, 3, "shared")


def test_redirect_target_is_none_for_unknown_or_hidden_articles():
    assert article_redirect_target(2026, 3, "nothing") is None


# --- translation -------------------------------------------------------------------------


def test_translation_link_is_symmetric_and_frees_old_partners():
    ko = new_article(slug="ko-1", language="ko")
    en = new_article(slug="en-1", language="en", translation=ko)
    ko.refresh_from_db()
    assert ko.translation == en and en.translation == ko

    en2 = new_article(slug="en-2", language="en")
    ko = edit(ko, translation=en2)
    en.refresh_from_db()
    en2.refresh_from_db()
    assert ko.translation == en2 and en2.translation == ko
    assert en.translation is None

    # The new partner's former partner is freed too.
    ko2 = new_article(slug="ko-2", language="ko", translation=en2)
    ko.refresh_from_db()
    en2.refresh_from_db()
    assert en2.translation == ko2 and ko.translation is None

    edit(ko2, translation=None)
    en2.refresh_from_db()
    assert en2.translation is None


def test_translation_must_be_another_article_in_the_other_language():
    ko = new_article(slug="ko-1")
    other_ko = new_article(slug="ko-2")
    with pytest.raises(ValidationError) as error:
        edit(ko, translation=other_ko)
    assert "translation" in error.value.message_dict
    with pytest.raises(ValidationError):
        edit(ko, translation_id=ko.pk)


# --- series and related ------------------------------------------------------------------


def test_series_parts_are_unique_and_within_the_plan():
    series = SeriesFactory(planned_parts=2)
    new_article(slug="part-1", series=series, series_part=1)
    with pytest.raises(ValidationError) as error:
        new_article(slug="part-1-again", series=series, series_part=1)
    assert "series_part" in error.value.message_dict
    with pytest.raises(ValidationError):
        new_article(slug="part-3", series=series, series_part=3)
    with pytest.raises(ValidationError):
        new_article(slug="no-part", series=series)
    with pytest.raises(ValidationError):
        new_article(slug="no-series", series_part=1)
    second = new_article(slug="part-2", series=series, series_part=2)
    assert edit(second, title="2부 고침").series_part == 2  # keeping its own part is fine


def test_related_articles_never_itself_nor_twice_nor_too_many():
    article = new_article(slug="main")
    others = [new_article(slug=f"other-{i}") for i in range(7)]
    with pytest.raises(ValidationError):
        article_save(article=article, user=None, related=[article])
    with pytest.raises(ValidationError):
        article_save(article=article, user=None, related=[others[0], others[0]])
    with pytest.raises(ValidationError):
        article_save(article=article, user=None, related=others)
    article_save(article=article, user=None, related=[others[2], others[0]])
    assert list(
        article.related_links.order_by("position").values_list("target__slug", flat=True)
    ) == ["other-2", "other-0"]
