"""Every public page passes axe-core's WCAG 2.1 A/AA rules in both languages and at phone and
desktop widths, and the mobile menu works with the language switcher."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.e2e.support import DESKTOP, MOBILE, assert_accessible

# (URL name or literal path, expected status). Features add their public pages here.
PAGES = [
    ("core:home", 200),
    ("core:about", 200),
    ("core:services", 200),
    ("consult:index", 200),
    ("registry:index", 200),
    ("registry:stats", 200),
    ("articles:index", 200),
    ("/no-such-page/", 404),
]
LANGUAGES = ["ko", "en"]


def page_path(target: str, language: str) -> str:
    if target.startswith("/"):
        return target if language == "ko" else f"/{language}{target}"
    with translation.override(language):
        return reverse(target)


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("target", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_page_is_accessible(new_page, target, status, language, width):
    browser_page = new_page(width)
    browser_page.goto(page_path(target, language), status=status)
    assert browser_page.page.locator("html").get_attribute("lang") == language
    assert_accessible(browser_page.page)
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
