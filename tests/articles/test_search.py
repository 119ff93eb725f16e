"""The articles' search: what is found (published articles only, Korean inside longer words),
in what order (full text by weight, then substring matches, then the newest), how results are
shown (escaped snippets with <mark>), and that no query, however odd, is an error."""

import datetime
import re

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.cache import articles_cache
from articles.models import Article
from articles.search import (
    RESULTS_PER_PAGE,
    SEARCH_CONFIG,
    Contains,
    article_search,
    clean_query,
    highlight,
    html_to_text,
    parse_query,
    search_vector,
    snippet,
)
from tests.articles.factories import ArticleFactory, draft, scheduled, unpublished

pytestmark = pytest.mark.django_db

SEARCH = "/articles/search/"
SEARCH_EN = "/en/articles/search/"
postgres = pytest.mark.services("postgres")


def found(query: str, **kwargs) -> list[str]:
    return list(article_search(parse_query(query), **kwargs).values_list("title", flat=True))


def result_titles(response) -> list[str]:
    """The titles of the results on a page, tags removed."""
    page = response.content.decode()
    titles = re.findall(r'<h3 class="search-result-title"><a [^>]*>(.*?)</a></h3>', page)
    return [re.sub(r"</?mark>", "", title) for title in titles]


def article(title: str, body: str = "<p>본문</p>", excerpt: str = "요약", **kwargs):
    return ArticleFactory(title=title, excerpt=excerpt, body_html=body, **kwargs)


# --- Reading the query ----------------------------------------------------------------


def test_control_characters_are_dropped_and_spaces_collapsed():
    assert clean_query("  협동\x00조합 \t\n 교육\x1b ") == "협동조합 교육"


@pytest.mark.parametrize(
    ("raw", "groups"),
    [
        ("협동", [(("협동",), ())]),
        ("협동 교육", [(("협동", "교육"), ())]),
        ('"basic income" pilot', [(("basic income", "pilot"), ())]),
        ("협동 -주식회사", [(("협동",), ("주식회사",))]),
        ("협동 or 사회적경제", [(("협동",), ()), (("사회적경제",), ())]),
        ("협동조합은?", [(("협동조합은",), ())]),
        ("-only-exclusions", []),
        ("", []),
        ("&|!:*", [(("&|!:*",), ())]),
    ],
)
def test_a_query_is_read_like_a_search_box(raw, groups):
    assert [tuple(group) for group in parse_query(raw).groups] == groups


def test_only_the_first_words_of_a_long_query_are_used():
    query = parse_query(" ".join(f"w{n}" for n in range(50)))
    assert len(query.groups[0][0]) == 6


# --- Text, snippets and highlighting ---------------------------------------------------


def test_the_plain_text_of_a_body_keeps_words_apart_and_decodes_entities():
    text = html_to_text(
        "<h2>제목</h2><p>AT&amp;T <strong>협동</strong>조합의</p><ul><li>a</li></ul>"
    )
    assert text == "제목 AT&T 협동조합의 a"


def test_highlighting_escapes_the_text_and_marks_every_match():
    marked = highlight("<script>협동</script> 협동조합의 & amp", ("협동", "amp"))
    assert marked == (
        "&lt;script&gt;<mark>협동</mark>&lt;/script&gt; "
        "<mark>협동</mark>조합의 &amp; <mark>amp</mark>"
    )


def test_highlighting_ignores_case():
    assert highlight("Basic INCOME", ("income",)) == "Basic <mark>INCOME</mark>"


def test_a_snippet_is_cut_around_the_first_match_on_spaces():
    text = " ".join(["앞부분"] * 60) + " 협동조합의 가치 " + " ".join(["뒷부분"] * 100)
    cut = snippet(text, ("협동",))
    assert cut.startswith("… 앞부분")
    assert cut.endswith(" …")
    assert "<mark>협동</mark>조합의 가치" in cut
    assert len(re.sub("<[^>]+>", "", cut)) < 260


def test_a_snippet_without_match_is_the_start_of_the_text():
    assert snippet("짧은 글", ("없음",)) == "짧은 글"


# --- What is found (both databases: the substring half) ---------------------------------


def test_a_korean_word_is_found_inside_a_longer_one_in_the_body():
    article("기본사회의 길", body="<p>마을 <strong>협동</strong>조합의 역사</p>")
    article("다른 글", body="<p>관계없는 내용</p>")
    assert found("협동") == ["기본사회의 길"]


@postgres
def test_words_are_found_across_the_tags_of_the_body():
    # PostgreSQL searches the body's plain text (SQLite, its HTML).
    article("기본사회의 길", body="<p>마을 <strong>협동</strong>조합의 역사 AT&amp;T</p>")
    assert found("협동조합의") == ["기본사회의 길"]
    assert found("AT&T") == ["기본사회의 길"]
    assert found("strong") == []


@postgres
def test_korean_is_found_anywhere_in_the_body_latin_at_the_start_of_a_word():
    article("서울 소식", body="<p>사회적협동조합 설립과 cooperatives</p>")
    assert found("협동") == ["서울 소식"]  # inside the compound
    assert found("cooper") == ["서울 소식"]  # the start of a word
    assert found("operative") == []  # not inside a Latin word of the body


def test_only_published_articles_are_found():
    article("공개된 협동 글")
    draft(title="초안 협동 글")
    scheduled(timezone.now() + datetime.timedelta(hours=1), title="예약된 협동 글")
    unpublished(title="내린 협동 글")
    assert found("협동") == ["공개된 협동 글"]


def test_a_scheduled_article_is_found_once_its_time_has_come():
    at = timezone.now() + datetime.timedelta(hours=1)
    scheduled(at, title="예약된 협동 글")
    assert found("협동", now=at + datetime.timedelta(seconds=1)) == ["예약된 협동 글"]


def test_every_word_must_appear_and_excluded_words_must_not():
    article("협동조합 교육", body="<p>교육 과정</p>")
    article("협동조합 회계", body="<p>회계 기초</p>")
    assert found("협동 교육") == ["협동조합 교육"]
    assert found("협동 -회계") == ["협동조합 교육"]
    assert sorted(found("교육 or 회계")) == ["협동조합 교육", "협동조합 회계"]


def test_substring_matches_rank_title_then_excerpt_then_body_then_newest():
    now = timezone.now()
    article(
        "본문 글", body="<p>사회연대경제의 미래</p>", published_at=now - datetime.timedelta(hours=1)
    )
    article("요약 글", excerpt="사회연대경제 요약", published_at=now - datetime.timedelta(hours=2))
    article("사회연대경제 제목", published_at=now - datetime.timedelta(hours=3))
    article(
        "최신 본문 글", body="<p>사회연대경제</p>", published_at=now - datetime.timedelta(minutes=1)
    )
    assert found("사회연대", full_text=False) == [
        "사회연대경제 제목",
        "요약 글",
        "최신 본문 글",
        "본문 글",
    ]


def test_the_substring_search_alone_answers_like_sqlite():
    article("Basic income pilot")
    article("Other", body="<p>A universal <em>income</em> floor</p>")
    assert found("INCOME", full_text=False) == ["Basic income pilot", "Other"]


# --- Full text on PostgreSQL -------------------------------------------------------------


@postgres
def test_a_title_match_ranks_above_an_excerpt_match_above_a_body_match():
    now = timezone.now()
    # The body match is the newest, the title match the oldest: the weights decide.
    article("Body", body="<p>Notes on cooperatives today</p>", published_at=now)
    article("Excerpt", excerpt="About cooperatives", published_at=now - datetime.timedelta(days=1))
    article("Cooperatives in Seoul", published_at=now - datetime.timedelta(days=2))
    assert found("cooperatives") == ["Cooperatives in Seoul", "Excerpt", "Body"]


@postgres
def test_full_text_matches_come_before_substring_matches():
    now = timezone.now()
    # "협동" is a whole word of the older body: a full-text match. The newer title only
    # contains it inside "협동조합": a substring match, shown after.
    article("협동조합 소식", published_at=now)
    article("마을 이야기", body="<p>협동 정신</p>", published_at=now - datetime.timedelta(days=3))
    assert found("협동") == ["마을 이야기", "협동조합 소식"]


@postgres
def test_websearch_syntax_is_understood():
    article("Basic income pilot", body="<p>The basic income pilot in Gyeonggi</p>")
    article("Income and basic needs", body="<p>Needs</p>")
    assert found('"basic income"') == ["Basic income pilot"]
    assert found("income -pilot") == ["Income and basic needs"]


@postgres
@pytest.mark.parametrize(
    ("condition", "index"),
    [
        (Q(document=SearchQuery("협동조합", config=SEARCH_CONFIG)), "articles_document"),
        (Q(Contains("title", "협동조합")), "articles_title_trgm"),
        (Q(Contains("excerpt", "협동조합")), "articles_excerpt_trgm"),
        (Q(Contains("body_html", "협동조합")), "articles_body_trgm"),
    ],
)
def test_the_search_conditions_are_served_by_indexes(condition, index):
    # PostgreSQL uses an expression index only for the same expression: the migration's
    # indexes must serve the conditions articles.search builds.
    ArticleFactory.create_batch(3)
    queryset = Article.objects.alias(document=search_vector()).filter(condition)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Bitmap Index Scan on {index}" in plan, plan


# --- The page --------------------------------------------------------------------------


def test_the_search_page_without_a_query_shows_the_form_only(client):
    response = client.get(SEARCH_EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="search"' in page
    assert '<label class="form-label article-search-label" for="article-search-q">' in page
    assert "search-results" not in page
    assert '<meta name="robots" content="noindex, follow">' in page


def test_an_empty_or_blank_query_runs_no_search(client, django_assert_num_queries):
    ArticleFactory()
    with django_assert_num_queries(0):
        for url in (f"{SEARCH}?q=", f"{SEARCH}?q=%20%20", f"{SEARCH}?q=%00"):
            assert client.get(url).status_code == 200


def test_results_are_highlighted_in_escaped_snippets(client):
    article(
        "<b>협동</b>의 시대",
        body="<p>&lt;script&gt;alert(1)&lt;/script&gt; 마을 협동조합의 미래</p>",
    )
    response = client.get(SEARCH, {"q": "협동"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "&lt;b&gt;<mark>협동</mark>&lt;/b&gt;의 시대" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 마을 <mark>협동</mark>조합의 미래" in page
    assert "<script>alert" not in page
    assert "<b>협동" not in page


def test_a_result_links_to_the_article_in_its_own_language(client):
    english = article("Cooperative education", language="en", body="<p>Co-op classes</p>")
    response = client.get(SEARCH, {"q": "cooperative"})
    page = response.content.decode()
    assert f'href="/en/articles/{english.published_at:%Y}/' in page
    assert 'hreflang="en"' in page  # a Korean page linking to an English article


def test_the_count_is_announced_in_the_page_language(client):
    article("협동조합 하나")
    article("협동조합 둘")
    page = client.get(SEARCH_EN, {"q": "협동"}).content.decode()
    assert "2 articles found for “협동”" in page


def test_no_result_says_so(client):
    article("협동조합")
    response = client.get(SEARCH_EN, {"q": "zzzz"})
    assert response.status_code == 200
    assert "No published article contains these words" in response.content.decode()


def test_an_overlong_query_is_refused_with_a_message(client, settings):
    settings.ARTICLES_SEARCH_MAX_LENGTH = 200
    article("협동조합")
    response = client.get(SEARCH_EN, {"q": "협" * 201})
    assert response.status_code == 400
    page = response.content.decode()
    assert "A search can be at most 200 characters long; this one has 201." in page
    assert 'aria-invalid="true"' in page
    assert client.get(SEARCH_EN, {"q": "협" * 200}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unclosed phrase',
        "&|!:*",
        "a & b | !c",
        "협동:*",
        "'; DROP TABLE articles_article; --",
        "% _ \\",
        "or or or",
        "- -- ---",
        "😀 협동 🌱",
        "<script>alert(1)</script>",
        "\x00\x01협동",
        "ﷺ \u200b \ufeff",
    ],
)
def test_odd_queries_never_fail(client, query):
    article("협동조합 % _ \\ <script> 😀")
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_results_are_paginated(client):
    for n in range(RESULTS_PER_PAGE + 3):
        article(f"협동 글 {n:02d}", published_at=timezone.now() - datetime.timedelta(hours=n))
    first = client.get(SEARCH_EN, {"q": "협동"})
    assert len(result_titles(first)) == RESULTS_PER_PAGE
    assert "page=2" in first.content.decode()
    second = client.get(SEARCH_EN, {"q": "협동", "page": "2"})
    assert result_titles(second) == [f"협동 글 {n:02d}" for n in range(RESULTS_PER_PAGE, 13)]
    # Past the end is the last page; not a number is the first.
    assert result_titles(client.get(SEARCH_EN, {"q": "협동", "page": "99"})) == result_titles(
        second
    )
    assert result_titles(client.get(SEARCH_EN, {"q": "협동", "page": "x"})) == result_titles(first)


@pytest.mark.parametrize("matches", [2, 15])
def test_a_results_page_runs_a_fixed_number_of_queries(client, matches):
    for n in range(matches):
        article(f"협동 글 {n}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, {"q": "협동"})
    assert response.status_code == 200
    # The next scheduled publication (bounds the cache), the page's rows with their count.
    assert len(queries) == 2, [query["sql"] for query in queries]
    with CaptureQueriesContext(connection) as queries:
        client.get(SEARCH, {"q": "협동"})
    assert len(queries) == 0  # served from the cache


def test_a_save_ends_the_cached_results(client):
    article("협동 하나")
    assert result_titles(client.get(SEARCH, {"q": "협동"})) == ["협동 하나"]
    article("협동 둘", published_at=timezone.now())
    articles_cache.touch()  # what every save does
    assert result_titles(client.get(SEARCH, {"q": "협동"})) == ["협동 둘", "협동 하나"]


def test_cached_results_do_not_hide_a_scheduled_article_past_its_time(client, monkeypatch):
    now = timezone.now()
    article("협동 하나", published_at=now - datetime.timedelta(days=1))
    scheduled(now + datetime.timedelta(minutes=5), title="협동 예약")
    assert result_titles(client.get(SEARCH, {"q": "협동"})) == ["협동 하나"]
    later = now + datetime.timedelta(minutes=6)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert result_titles(client.get(SEARCH, {"q": "협동"})) == ["협동 예약", "협동 하나"]


def test_the_search_box_partial_is_labelled(client):
    page = client.get(SEARCH_EN, {"q": '협동 "조합"'}).content.decode()
    assert 'value="협동 &quot;조합&quot;"' in page
    assert ">Search articles</label>" in page
