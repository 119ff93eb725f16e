"""Every public page passes axe-core's WCAG 2.1 A/AA rules in both languages and at phone and
desktop widths, and the mobile menu works with the language switcher."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from consult import workflow
from tests.articles.test_demo import public_media  # noqa: F401 (fixture)
from tests.consult.factories import counselor, routed_case
from tests.e2e.support import DESKTOP, MOBILE, assert_accessible
from tests.e2e.test_articles_reader import articles_demo  # noqa: F401 (fixture)
from tests.e2e.test_consult_citizen import load_consult_desk
from tests.outbox.links import mail_link

# (URL name or literal path, expected status). Features add their public pages here.
PAGES = [
    ("core:home", 200),
    ("core:about", 200),
    ("core:services", 200),
    ("consult:index", 200),
    ("consult:new", 200),
    ("consult:received", 200),
    ("consult:find", 200),
    ("consult:find_sent", 200),
    ("registry:index", 200),
    ("registry:stats", 200),
    ("articles:index", 200),
    ("education:calendar", 200),
    ("/no-such-page/", 404),
]
LANGUAGES = ["ko", "en"]


@pytest.fixture
def consult_desk(live_server, settings, tmp_path):
    # The flush after each live-server test removes the privacy notice and the teams.
    settings.MEDIA_ROOT = tmp_path / "media"
    load_consult_desk()


def page_path(target: str, language: str) -> str:
    if target.startswith("/"):
        return target if language == "ko" else f"/{language}{target}"
    with translation.override(language):
        return reverse(target)


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("target", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_page_is_accessible(new_page, target, status, language, width, request):
    if target.startswith("consult:"):
        request.getfixturevalue("consult_desk")
    browser_page = new_page(width)
    browser_page.goto(page_path(target, language), status=status)
    assert browser_page.page.locator("html").get_attribute("lang") == language
    assert_accessible(browser_page.page)
    browser_page.assert_clean()


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_name", ["consult:track", "consult:close"])
def test_tracking_pages_are_accessible(new_page, consult_desk, page_name, language, width):
    staff = counselor("triage", "advice")
    case, token = routed_case("advice", language=language)
    workflow.case_reply(
        case_id=case.pk,
        actor=workflow.Actor.staff(staff),
        body="사업계획서 초안을 보내 주시겠어요? / Could you send a draft business plan?",
        wait_on_citizen=True,
    )
    with translation.override(language):
        path = reverse(page_name, kwargs={"reference": case.reference, "token": token})
    browser_page = new_page(width)
    browser_page.goto(path)
    page = browser_page.page
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    browser_page.assert_clean()


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_of_a_case_merged_into_another_citizens_is_accessible(
    new_page, consult_desk, language, width
):
    from tests.consult.factories import manager

    case, token = routed_case("advice", language=language, email="minji@example.org")
    target, _ = routed_case("advice")
    workflow.case_merge(
        case_id=case.pk,
        into_reference=target.reference,
        actor=workflow.Actor.staff(manager()),
        different_citizen_confirmed=True,
    )
    with translation.override(language):
        path = reverse("consult:track", kwargs={"reference": case.reference, "token": token})
    browser_page = new_page(width)
    browser_page.goto(path)
    page = browser_page.page
    assert page.locator("html").get_attribute("lang") == language
    assert case.reference in page.locator("h1").inner_text()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    browser_page.assert_clean()


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_survey_page_is_accessible(new_page, consult_desk, language, width):
    from consult import followups
    from consult.models import Status
    from coopcenter.outbox.models import OutgoingMail

    staff = counselor("advice")
    case, _token = routed_case("advice", language=language)
    workflow.case_transition(
        case_id=case.pk, status=Status.RESOLVED, actor=workflow.Actor.staff(staff)
    )
    followups.surveys_send()
    url = mail_link(OutgoingMail.objects.get(template="followup_survey"), "survey_url")
    browser_page = new_page(width)
    browser_page.goto(re.sub(r"^https?://[^/]+", "", url))
    page = browser_page.page
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("#survey-form").count() == 1
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    browser_page.assert_clean()


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_name", ["education:calendar", "education:session"])
def test_education_pages_with_sessions_are_accessible(
    new_page, consult_desk, page_name, language, width
):
    from consult import education
    from tests.consult.factories import CourseSessionFactory, education_case

    session = CourseSessionFactory(capacity=1)
    CourseSessionFactory(
        course=session.course, mode="online", place="", online_url="https://meet.example.org/a"
    )
    CourseSessionFactory(course=session.course, is_open=False)
    case, _token = education_case()
    education.enrolment_request(
        session_id=session.pk, case_id=case.pk, actor=workflow.Actor.citizen()
    )
    with translation.override(language):
        path = reverse(
            page_name, **({"args": [session.pk]} if page_name.endswith("session") else {})
        )
    browser_page = new_page(width)
    browser_page.goto(path)
    page = browser_page.page
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator(".education-seats").count() >= 1
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    browser_page.assert_clean()


def article_page_path(kind: str, language: str) -> str:
    """A page of the demo articles in the given language's UI, showing that language's
    articles (the detail page is part 1 of the Basic Society series, with its figure)."""
    from articles.demo_content import BS_SSE_1, SERIES
    from articles.models import Article, Tag

    article = Article.objects.get(slug=BS_SSE_1.text(language).slug)
    tag = Tag.objects.get(name=BS_SSE_1.text(language).tags[0])
    arguments = {
        "index": [],
        "detail": None,
        "year": ["2026"],
        "month": ["2026", "05"],
        "category": [BS_SSE_1.category],
        "tag": [tag.slug],
        "series": [SERIES[("basic-society-sse", language)].slug],
        "author": [BS_SSE_1.authors[0]],
        "search": [],
    }[kind]
    with translation.override(language):
        if kind == "detail":
            return article.get_absolute_url()
        path = reverse(f"articles:{kind}", args=arguments)
    return path + ("?q=%ED%98%91%EB%8F%99" if kind == "search" else "")  # 협동


ARTICLE_PAGES = [
    "index",
    "detail",
    "year",
    "month",
    "category",
    "tag",
    "series",
    "author",
    "search",
]


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ARTICLE_PAGES)
@pytest.mark.usefixtures("articles_demo")
def test_articles_pages_with_articles_are_accessible(new_page, kind, language, width):
    browser_page = new_page(width)
    browser_page.goto(article_page_path(kind, language))
    page = browser_page.page
    assert page.locator("html").get_attribute("lang") == language
    if kind == "detail":
        assert page.locator("figure img").count() == 1
    elif kind == "search":
        assert page.locator(".search-result").count() >= 1
    else:
        assert page.locator(".article-card").count() >= 1
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    browser_page.assert_clean()


@pytest.mark.e2e
def test_mobile_menu_opens_and_switches_to_english(new_page):
    browser_page = new_page(MOBILE)
    page = browser_page.page
    browser_page.goto("/about/")

    toggler = page.get_by_role("button", name="메뉴")
    english = page.get_by_role("link", name="English")
    assert toggler.is_visible()
    assert not english.is_visible()

    toggler.click()
    english.wait_for(state="visible")
    assert toggler.get_attribute("aria-expanded") == "true"

    english.click()
    page.wait_for_url(re.compile(r"/en/about/$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "What is a cooperative?"
    assert page.get_by_role("button", name="Menu").is_visible()
    browser_page.assert_clean()


@pytest.mark.e2e
def test_skip_link_moves_focus_to_the_main_content(new_page):
    browser_page = new_page(DESKTOP)
    page = browser_page.page
    browser_page.goto("/en/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
