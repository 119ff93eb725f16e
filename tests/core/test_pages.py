"""The site's own pages in both languages, the error pages and the page-level security rules."""

import itertools
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import path

from coopcenter import urls as project_urls

# The home page reads the registry, so every page here may touch the database.
pytestmark = pytest.mark.django_db


def _raise(request, kind):
    if kind == "400":
        raise SuspiciousOperation("malformed")
    if kind == "403":
        raise PermissionDenied
    raise RuntimeError("boom")


# This module doubles as a URLconf: the real site plus one view that fails on demand, so the
# error handlers are exercised through the whole middleware stack, as in production.
urlpatterns = [
    *project_urls.urlpatterns,
    *i18n_patterns(path("fail/<str:kind>/", _raise), prefix_default_language=False),
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

failing_urls = override_settings(ROOT_URLCONF=__name__)


class Page(HTMLParser):
    """The few facts about a page that the tests look at."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html_lang = None
        self.title = ""
        self.headings: list[tuple[int, str]] = []
        self.links: list[dict] = []
        self.scripts: list[dict] = []
        self.stylesheets: list[str] = []
        self.inline_styles = 0
        self.style_blocks = 0
        self._open: list[tuple[str, dict, list[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.inline_styles += 1
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "script":
            self.scripts.append(attrs)
        elif tag == "style":
            self.style_blocks += 1
        elif tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs.get("href", ""))
        if tag in {"title", "a", "h1", "h2", "h3", "h4", "h5", "h6", "script"}:
            self._open.append((tag, attrs, []))

    def handle_data(self, data):
        for _tag, _attrs, text in self._open:
            text.append(data)

    def handle_endtag(self, tag):
        if not self._open or self._open[-1][0] != tag:
            return
        tag, attrs, text = self._open.pop()
        content = " ".join("".join(text).split())
        if tag == "title":
            self.title = content
        elif tag == "a":
            self.links.append({**attrs, "text": content})
        elif tag == "script":
            attrs["body"] = content
        else:
            self.headings.append((int(tag[1]), content))

    @property
    def h1(self) -> list[str]:
        return [text for level, text in self.headings if level == 1]

    def link(self, **wanted) -> dict:
        found = [a for a in self.links if all(a.get(k) == v for k, v in wanted.items())]
        assert len(found) == 1, f"expected one link with {wanted}, found {found}"
        return found[0]


def get_page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response, Page(response.content.decode())


# (Korean path, English path, Korean h1, English h1, nav label in Korean, in English)
PAGES = [
    (
        "/",
        "/en/",
        "협동조합을 알고, 만들고, 운영하는 일을 한곳에서",
        "Learn, found and run a cooperative, all in one place",
        "홈",
        "Home",
    ),
    (
        "/about/",
        "/en/about/",
        "협동조합이란 무엇인가요?",
        "What is a cooperative?",
        "협동조합이란",
        "What is a co-op",
    ),
    ("/services/", "/en/services/", "센터 서비스", "Our services", None, None),
]


@pytest.mark.parametrize(("ko_url", "en_url", "ko_h1", "en_h1", "ko_nav", "en_nav"), PAGES)
def test_page_in_both_languages(client, ko_url, en_url, ko_h1, en_h1, ko_nav, en_nav):
    for url, other_url, lang, other_lang, h1, nav in (
        (ko_url, en_url, "ko", "en", ko_h1, ko_nav),
        (en_url, ko_url, "en", "ko", en_h1, en_nav),
    ):
        response, page = get_page(client, url)
        assert page.html_lang == lang
        assert response["Content-Language"] == lang
        assert page.h1 == [h1]
        # The switcher leads to this same page in the other language and marks the current one.
        switch = page.link(hreflang=other_lang, lang=other_lang)
        assert switch["href"] == other_url
        assert page.link(hreflang=lang, lang=lang)["aria-current"] == "true"
        current = [a for a in page.links if a.get("aria-current") == "page"]
        if nav is None:
            assert current == []  # a page outside the main navigation marks no item
        else:
            assert [(a["href"], a["text"]) for a in current] == [(url, nav)]


def test_english_text_is_not_left_in_korean_pages(client):
    body = client.get("/").content.decode()
    assert "상담 신청하기" in body
    assert "Submit an inquiry" not in body
    assert "Skip to main content" not in body
    assert "본문 바로가기" in body


def test_headings_are_in_order_and_titles_distinct(client):
    titles = set()
    urls = [url for row in PAGES for url in row[:2]]
    urls += ["/consult/", "/registry/", "/articles/", "/en/consult/", "/en/registry/"]
    for url in urls:
        _response, page = get_page(client, url)
        levels = [level for level, _text in page.headings]
        assert levels.count(1) == 1, url
        assert levels[0] == 1, url
        for before, after in itertools.pairwise(levels):
            assert after <= before + 1, f"{url}: h{before} followed by h{after}"
        titles.add(page.title)
    assert len(titles) == len(urls)


def test_home_slots_stay_empty_without_content(client):
    body = client.get("/en/").content.decode()
    assert "Co-ops in Seoul in figures" not in body
    assert "Latest articles" not in body


class FakeArticle:
    def __init__(self, number):
        import datetime

        self.title = f"Interview number {number}"
        self.excerpt = f"Excerpt of interview {number}."
        self.published_at = datetime.datetime(2024, 3, number, 9, tzinfo=datetime.UTC)

    def get_absolute_url(self):
        return f"/articles/interview-{self.title[-1]}/"


def test_home_slots_render_what_the_features_pass(client, monkeypatch):
    import datetime

    import articles.selectors
    import registry.selectors

    figures = {
        "total": 2398,
        "top_districts": [{"name": "Gangnam-gu", "count": 96}, {"name": "Seocho-gu", "count": 1}],
        "as_of": datetime.date(2016, 3, 31),
    }
    monkeypatch.setattr(registry.selectors, "registry_home_figures", lambda: figures)
    monkeypatch.setattr(
        articles.selectors, "article_home_latest", lambda: [FakeArticle(1), FakeArticle(2)]
    )
    body = client.get("/en/").content.decode()
    assert "Co-ops in Seoul in figures" in body
    assert "2,398" in body
    assert "As of March 31, 2016." in body
    assert "Gangnam-gu" in body and "96 co-ops" in body and "1 co-op<" in body
    assert "Latest articles" in body
    assert 'href="/articles/interview-1/">Interview number 1</a>' in body
    assert "Excerpt of interview 2." in body
    assert 'datetime="2024-03-01T' in body

    body = client.get("/").content.decode()
    assert "숫자로 보는 서울의 협동조합" in body
    assert "2016년 3월 31일 기준" in body
    assert "96개" in body


@pytest.mark.parametrize(
    ("url", "lang", "text"),
    [
        ("/no-such-page/", "ko", "페이지를 찾을 수 없습니다"),
        ("/en/no-such-page/", "en", "Page not found"),
    ],
)
def test_unknown_url_gets_the_404_page_in_its_language(client, url, lang, text):
    response, page = get_page(client, url, status=404)
    assert page.html_lang == lang
    assert page.h1 == [text]
    assert any(template.name == "404.html" for template in response.templates)
    # A missing page has no twin in the other language: the switcher offers that home page.
    other_lang, other_home = ("en", "/en/") if lang == "ko" else ("ko", "/")
    assert page.link(hreflang=other_lang, lang=other_lang)["href"] == other_home


@failing_urls
@pytest.mark.parametrize(
    ("kind", "template", "ko_h1", "en_h1"),
    [
        ("400", "400.html", "요청을 처리할 수 없습니다", "We could not understand that request"),
        (
            "403",
            "403.html",
            "이 페이지에 접근할 권한이 없습니다",
            "You do not have access to this page",
        ),
        ("500", "500.html", "시스템에 문제가 생겼습니다", "Something went wrong on our side"),
    ],
)
def test_error_handlers_render_their_page(kind, template, ko_h1, en_h1, settings):
    client = Client(raise_request_exception=False)
    for prefix, lang, h1 in (("", "ko", ko_h1), ("/en", "en", en_h1)):
        response = client.get(f"{prefix}/fail/{kind}/")
        assert response.status_code == int(kind)
        assert template in [t.name for t in response.templates]
        page = Page(response.content.decode())
        assert page.html_lang == lang
        assert page.h1 == [h1]
        assert page.stylesheets == [
            "/static/bootstrap/css/bootstrap.min.css",
            "/static/css/site.css",
        ]
        home = "/" if lang == "ko" else "/en/"
        assert any(a["href"] == home for a in page.links)
    if kind == "500":
        assert f"mailto:{settings.CENTER_EMAIL}" in response.content.decode()


def test_500_page_needs_nothing_but_the_request(rf):
    from django.utils import translation

    from coopcenter.core.views import server_error

    with translation.override("ko"):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "시스템에 문제가 생겼습니다" in response.content.decode()


def test_csrf_failure_gets_the_friendly_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    page = Page(response.content.decode())
    assert page.h1 == ["양식을 보내지 못했습니다"]
    assert "새로 고친 뒤 다시 보내 주세요" in response.content.decode()


def test_csrf_failure_view_in_english(rf):
    from django.utils import translation

    from coopcenter.core.views import csrf_failure

    with translation.override("en"):
        response = csrf_failure(rf.post("/en/"), reason="CSRF token missing.")
    assert response.status_code == 403
    assert "The form could not be sent" in response.content.decode()


ALL_URLS = [url for row in PAGES for url in row[:2]] + [
    "/consult/",
    "/registry/",
    "/articles/",
    "/en/no-such-page/",
]


@pytest.mark.parametrize("url", ALL_URLS)
def test_csp_is_strict_and_pages_keep_to_it(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    page = Page(response.content.decode())
    assert page.inline_styles == 0
    assert page.style_blocks == 0
    assert page.scripts, "Bootstrap's script is loaded"
    for script in page.scripts:
        assert script.get("src"), "no inline script"
        assert "defer" in script
    for src in [s["src"] for s in page.scripts] + page.stylesheets:
        parts = urlsplit(src)
        assert not parts.scheme and not parts.netloc, f"{url} loads {src} from another host"
        assert src.startswith("/static/")
