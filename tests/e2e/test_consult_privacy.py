"""The managers' privacy requests in a real browser: a manager asks to erase an address's
data, confirms, and the case is anonymised; axe-core's WCAG 2.1 AA check of the form and the
confirmation page, in Korean and English, on a desktop and a phone."""

import pytest
from django.urls import clear_url_caches

from consult.models import Case
from tests.e2e import test_consult_desk
from tests.e2e.support import DESKTOP, MOBILE, assert_accessible
from tests.e2e.test_consult_desk import log_in, make_manager

# The desk's fixture (teams, privacy notice, a counselor and hana@example.org's new case).
desk = test_consult_desk.desk

pytestmark = pytest.mark.usefixtures("private_media")


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_manager_erases_an_address_after_confirming(new_page, desk, settings, language, width):
    settings.LANGUAGE_CODE = language
    clear_url_caches()
    try:
        case = desk["case"]  # hana@example.org's new case
        browser_page = new_page(width)
        log_in(browser_page, make_manager().username)
        page = browser_page.page
        browser_page.goto("/admin/consult/case/dashboard/")
        page.locator("a[href='/admin/consult/case/privacy/']").click()
        page.wait_for_url("**/admin/consult/case/privacy/")
        browser_page.assert_clean()
        assert_accessible(page)  # the form
        browser_page.csp_errors.clear()

        page.locator("#id_email").fill("  HANA@example.org ")
        page.locator("input[name=kind][value=erase]").check()
        page.locator("input[type=submit]").click()
        page.wait_for_selector(".case-privacy-held")
        browser_page.assert_clean()
        assert_accessible(page)  # the confirmation: nothing erased yet
        browser_page.csp_errors.clear()
        assert Case.objects.get(pk=case.pk).anonymised_at is None

        page.locator("form input[type=submit]").last.click()
        page.wait_for_selector(".messagelist .success")
        case.refresh_from_db()
        assert case.anonymised_at is not None and case.status == "spam"
        browser_page.assert_clean()
    finally:
        clear_url_caches()
