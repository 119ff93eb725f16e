"""The statistics page in a real browser: accessible in both languages at phone and desktop
widths, within the Content-Security-Policy, and its district map works from the keyboard."""

import re
from datetime import date, timedelta

import pytest

from registry.models import LegalType, MemberType, Status
from tests.e2e.support import DESKTOP, MOBILE, assert_accessible
from tests.registry.factories import CooperativeFactory, district

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODES = ["11680", "11650", "11440", "11560", "11110", "11320", "11500", "11710", "11740"]


@pytest.fixture
def registry():
    statuses = [Status.OPERATING, Status.OPERATING, Status.OPERATING, Status.DISSOLVED]
    member_types = list(MemberType.values)
    for index in range(45):
        CooperativeFactory(
            district=district(CODES[index % len(CODES)] if index % 5 else "11680"),
            members=None if index == 7 else 3 + index * 3,
            capital_krw=index * 2_500_000,
            status=statuses[index % len(statuses)],
            legal_type=LegalType.SOCIAL if index % 6 == 0 else LegalType.GENERAL,
            member_type=member_types[index % len(member_types)],
            industry="GPJQI"[index % 5],
            registration_date=date(2012, 12, 3) + timedelta(days=index * 23),
            data_as_of=date(2016, 3, 31),
        )


@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("/registry/stats/", "ko"),
        ("/en/registry/stats/", "en"),
        ("/en/registry/stats/?basis=operating&legal_type=general", "en"),
    ],
)
def test_statistics_page_is_accessible(new_page, registry, path, language, width):
    browser_page = new_page(width)
    browser_page.goto(path)
    page = browser_page.page
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("svg.stats-chart[role=img]").count() == 8
    assert page.locator("svg.stats-map a").count() == 25
    assert_accessible(page)
    browser_page.assert_clean()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_empty_and_invalid_statistics_are_accessible(new_page, registry, language):
    prefix = "" if language == "ko" else "/en"
    browser_page = new_page(MOBILE)
    browser_page.goto(f"{prefix}/registry/stats/?district=11620")  # nobody in Gwanak-gu
    assert_accessible(browser_page.page)
    browser_page.goto(f"{prefix}/registry/stats/?basis=bogus", status=400)
    assert_accessible(browser_page.page)
    browser_page.assert_clean()


def test_a_map_tile_leads_to_the_list_of_its_district(new_page, registry):
    browser_page = new_page(DESKTOP)
    browser_page.goto("/en/registry/stats/")
    page = browser_page.page
    tile = page.get_by_role("link", name=re.compile(r"^Gangnam-gu: \d+ co-ops"))
    tile.focus()
    assert tile.evaluate("element => element === document.activeElement")
    assert tile.get_attribute("href") == "/en/registry/?district=11680"
    basis = page.get_by_role("link", name="Operating co-ops only")
    basis.click()
    page.wait_for_url(re.compile(r"basis=operating"))
    current = page.locator(".stats-basis a[aria-current=true]")
    assert current.inner_text().strip().endswith("Operating co-ops only")
    browser_page.assert_clean()
