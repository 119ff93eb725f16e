"""The co-op directory in a real browser: search, filter, open a co-op, and axe-core's
WCAG 2.1 AA check of the list and a co-op's page in both languages at both widths."""

import importlib
import re

import pytest

from registry.models import CooperativeChange, District, ImportBatch
from tests.e2e.support import DESKTOP, MOBILE, assert_accessible
from tests.registry.factories import CertificationFactory, CooperativeFactory

# The live server's tests flush the database after each test, the districts of the data
# migration included: each test loads them again.
DISTRICTS = importlib.import_module("registry.migrations.0002_districts").DISTRICTS


@pytest.fixture
def registry(live_server):
    for code, name_ko, name_en in DISTRICTS:
        District.objects.update_or_create(
            code=code, defaults={"name_ko": name_ko, "name_en": name_en}
        )
    dure = CooperativeFactory(
        name="마을두레협동조합",
        main_business="마을 도시락",
        district=District.objects.get(code="11440"),
        legal_type="social",
        contact_consent=True,
        phone="02-123-4567",
        website="https://dure.example",
    )
    CooperativeFactory(
        name="햇살협동조합",
        main_business="두레 밥상 운영",
        district=District.objects.get(code="11680"),
    )
    CooperativeFactory(name="바람협동조합", district=District.objects.get(code="11440"))
    CooperativeFactory.create_batch(3, district=District.objects.get(code="11110"))
    CertificationFactory(cooperative=dure)
    batch = ImportBatch.objects.create(source="서울시 열린데이터광장", filename="coops.csv")
    CooperativeChange.objects.create(
        cooperative=dure, batch=batch, field="members", old_value="10", new_value="12"
    )
    return {"dure": dure}


def results_heading(page) -> str:
    return page.locator("#directory-results-title").inner_text()


def card_names(page) -> list[str]:
    return page.locator(".coop-card-title a").all_inner_texts()


@pytest.mark.e2e
def test_search_filter_and_open_a_co_op(new_page, registry):
    browser_page = new_page(DESKTOP)
    page = browser_page.page
    browser_page.goto("/en/registry/")
    assert results_heading(page) == "6 co-ops"

    page.get_by_label("Search", exact=True).fill("두레")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"q=%EB%91%90%EB%A0%88"))
    assert results_heading(page) == "2 co-ops"
    assert sorted(card_names(page)) == ["마을두레협동조합", "햇살협동조합"]

    page.get_by_label("District").select_option(label="Mapo-gu")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"district=11440"))
    assert results_heading(page) == "1 co-op"
    assert card_names(page) == ["마을두레협동조합"]
    assert page.get_by_label("Search", exact=True).input_value() == "두레"

    # Removing the search keeps the district.
    page.get_by_role("link", name="Remove the filter Search: 두레").click()
    page.wait_for_url(re.compile(r"/en/registry/\?district=11440&sort=name$"))
    assert sorted(card_names(page)) == ["마을두레협동조합", "바람협동조합"]

    page.get_by_role("link", name="마을두레협동조합").click()
    page.wait_for_url(re.compile(rf"/en/registry/{registry['dure'].pk}/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "마을두레협동조합"
    assert page.get_by_text("02-123-4567").is_visible()
    assert page.get_by_text("Import from 서울시 열린데이터광장").is_visible()

    # Back to the list it came from, filters kept.
    page.get_by_role("link", name="Back to the co-op list").click()
    page.wait_for_url(re.compile(r"/en/registry/\?district=11440&sort=name$"))
    assert page.get_by_label("District").input_value() == "11440"
    browser_page.assert_clean()


@pytest.mark.e2e
def test_bad_input_is_explained_on_the_page(new_page, registry):
    browser_page = new_page(MOBILE)
    page = browser_page.page
    browser_page.goto("/en/registry/?legal_type=bogus&page=2", status=400)
    alert = page.get_by_role("alert")
    assert "Legal type: Select a valid choice." in alert.inner_text()
    assert card_names(page) == []
    assert page.get_by_label("Legal type").get_attribute("aria-invalid") == "true"
    browser_page.assert_clean()


PAGES = [
    ("list", lambda coops: "/registry/", 200),
    ("filtered", lambda coops: "/registry/?q=%EB%91%90%EB%A0%88&district=11440&sort=newest", 200),
    ("invalid", lambda coops: "/registry/?year_from=abc", 400),
    ("detail", lambda coops: f"/registry/{coops['dure'].pk}/", 200),
]


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_directory_pages_are_accessible(new_page, registry, name, path, status, language, width):
    browser_page = new_page(width)
    prefix = "" if language == "ko" else f"/{language}"
    browser_page.goto(prefix + path(registry), status=status)
    page = browser_page.page
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    # Nothing is wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    browser_page.assert_clean()


@pytest.mark.e2e
def test_a_phone_shows_cards_one_below_the_other(new_page, registry):
    browser_page = new_page(MOBILE)
    page = browser_page.page
    browser_page.goto("/en/registry/")
    first, second = page.locator(".coop-card").all()[:2]
    one, two = first.bounding_box(), second.bounding_box()
    assert two["y"] >= one["y"] + one["height"]
    assert one["width"] > MOBILE * 0.8
    browser_page.assert_clean()


@pytest.mark.e2e
def test_dates_show_in_the_page_language(new_page, registry):
    browser_page = new_page(DESKTOP)
    page = browser_page.page
    day = registry["dure"].registration_date
    browser_page.goto(f"/registry/{registry['dure'].pk}/")
    assert f"{day.year}년 {day.month}월 {day.day}일" in page.locator("main").inner_text()
    browser_page.assert_clean()
