"""A citizen's inquiry in a real browser, on a phone: fill in the form, send it, see the
reference, open the private link from the acknowledgement mail, reply with a PDF and see the
reply and its file; every page passes axe-core's WCAG 2.1 AA check in Korean and English."""

import importlib
import re
from urllib.parse import urlsplit

import pytest

from consult.models import Case, PrivacyNotice, Team, Track
from coopcenter.outbox.models import OutgoingMail
from tests.e2e.support import DESKTOP, MOBILE, assert_accessible
from tests.outbox.links import mail_link

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The live server's tests flush the database after each test, the data migration's notice
# and teams included: each test loads them again.
_MIGRATION = importlib.import_module("consult.migrations.0002_teams_and_privacy_notice")

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def load_consult_desk() -> None:
    """The rows of the case desk's data migration: the teams and the privacy notice."""
    for track in Track.values:
        Team.objects.get_or_create(track=track)
    PrivacyNotice.objects.get_or_create(
        version="2026-01",
        defaults={
            "text_ko": _MIGRATION.NOTICE_KO,
            "text_en": _MIGRATION.NOTICE_EN,
            "effective_from": "2026-01-01",
        },
    )


@pytest.fixture
def consult_desk(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_consult_desk()


def fill_inquiry(page, message: str) -> None:
    # By id: the labels are checked by axe; the ids do not change with the language.
    page.locator("#id_name").fill("김하나")
    page.locator("#id_email").fill("hana@example.org")
    page.locator("#id_phone").fill("010-1234-5678")
    page.locator("#id_stage_1").check()
    page.locator("#id_service_wanted_3").check()
    page.locator("#id_topic").select_option("founding")
    page.locator("#id_message").fill(message)
    page.locator("#id_consent").check()


def assert_fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_citizen_asks_follows_and_replies_from_a_phone(
    new_page, consult_desk, mailoutbox, language
):
    prefix = "" if language == "ko" else "/en"
    browser_page = new_page(MOBILE)
    page = browser_page.page

    browser_page.goto(f"{prefix}/consult/new/")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator(".consult-notice-text").inner_text().strip()
    assert_accessible(page)
    assert_fits(page, MOBILE)

    fill_inquiry(page, "마을 도시락 협동조합을 만들고 싶습니다. 무엇부터 준비해야 하나요?")
    page.locator("#case-form [type=submit]").click()
    page.wait_for_url(re.compile(r"/consult/new/received/$"))

    case = Case.objects.get()
    assert case.language == language
    assert page.locator("#case-reference").inner_text() == case.reference
    assert_accessible(page)
    assert_fits(page, MOBILE)

    # The acknowledgement went out (Celery runs eagerly in the live server's thread).
    ack = OutgoingMail.objects.get(template="consult_acknowledge")
    tracking_url = mail_link(ack, "tracking_url")
    sent = [m for m in mailoutbox if m.to == ["hana@example.org"]]
    assert sent and tracking_url in sent[0].body
    path = urlsplit(tracking_url).path
    assert path.startswith(f"{prefix}/consult/track/{case.reference}/")

    browser_page.goto(path)
    assert page.get_by_role("heading", level=1).inner_text().endswith(case.reference)
    assert "마을 도시락 협동조합" in page.locator(".consult-thread").inner_text()
    assert_accessible(page)
    assert_fits(page, MOBILE)

    page.locator("#id_body").fill("사업계획서 초안을 첨부합니다.")
    page.locator("#id_attachments").set_input_files(
        [{"name": "사업계획서.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.locator("#reply-form [type=submit]").click()
    page.wait_for_load_state()
    page.locator(".messages .alert-success").wait_for()

    thread = page.locator(".consult-thread")
    assert "사업계획서 초안을 첨부합니다." in thread.inner_text()
    link = thread.get_by_role("link", name="사업계획서.pdf")
    assert link.is_visible()
    assert case.attachments.get().original_name == "사업계획서.pdf"
    assert_accessible(page)
    assert_fits(page, MOBILE)
    browser_page.assert_clean()


@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_form_with_errors_is_accessible(new_page, consult_desk, language, width):
    prefix = "" if language == "ko" else "/en"
    browser_page = new_page(width)
    page = browser_page.page
    browser_page.goto(f"{prefix}/consult/new/")
    page.locator("#id_email").fill("not an address")
    page.locator("#case-form [type=submit]").click()
    page.locator(".consult-error-summary").wait_for()
    assert page.locator("#id_email").get_attribute("aria-invalid") == "true"
    assert "id_email_error" in page.locator("#id_email").get_attribute("aria-describedby")
    # The summary's links lead to the fields.
    page.locator('.consult-error-summary a[href="#id_name"]').click()
    assert page.evaluate("document.activeElement.id") == "id_name"
    assert Case.objects.count() == 0
    assert_accessible(page)
    assert_fits(page, width)
    browser_page.assert_clean()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_find_my_case_answers_in_the_browser(new_page, consult_desk, language):
    prefix = "" if language == "ko" else "/en"
    browser_page = new_page(MOBILE)
    page = browser_page.page
    browser_page.goto(f"{prefix}/consult/find/")
    assert_accessible(page)
    page.locator("#id_reference").fill("COOP-2026-000001")
    page.locator("#id_email").fill("hana@example.org")
    page.locator("#find-form [type=submit]").click()
    page.wait_for_url(re.compile(r"/consult/find/sent/$"))
    assert_accessible(page)
    assert_fits(page, MOBILE)
    browser_page.assert_clean()


def test_the_submit_button_sends_the_form_once(new_page, consult_desk):
    browser_page = new_page(DESKTOP)
    page = browser_page.page
    browser_page.goto("/en/consult/new/")
    fill_inquiry(page, "Double click test")
    page.locator("#case-form [type=submit]").dblclick()
    page.wait_for_url(re.compile(r"/consult/new/received/$"))
    assert Case.objects.count() == 1
    browser_page.assert_clean()
