"""The counselors' desk in a real browser: a counselor logs in, opens a new case from their
open cases, routes it, replies and resolves it; and axe-core's WCAG 2.1 AA check of the
case list and the case page."""

import importlib
import re
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches

from consult import workflow
from consult.models import CannedReply, Case, PrivacyNotice, Team
from coopcenter.outbox.models import OutgoingMail
from tests.consult.factories import (
    counselor,
    manager,
    routed_case,
    submit_case,
    waiting_submission,
)
from tests.e2e.support import DESKTOP, MOBILE, assert_accessible

PASSWORD = "pw-2026-desk"
TEAMS_AND_NOTICE = importlib.import_module("consult.migrations.0002_teams_and_privacy_notice")

pytestmark = pytest.mark.usefixtures("private_media")


@pytest.fixture
def desk(live_server):
    """The live server's tests flush the database, the data migration's teams and privacy
    notice included: they are loaded again here."""
    for track in ("triage", "education", "advice", "consulting"):
        Team.objects.get_or_create(track=track)
    if not PrivacyNotice.objects.exists():
        PrivacyNotice.objects.create(
            version="2026-01",
            text_ko=TEAMS_AND_NOTICE.NOTICE_KO,
            text_en=TEAMS_AND_NOTICE.NOTICE_EN,
            effective_from="2026-01-01",
        )
    user = counselor("triage", "advice", username="desk1")
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    case, _token = submit_case(name="김하나", email="hana@example.org")
    assert case.assignee == user
    return {"user": user, "case": case}


def log_in(browser_page, username: str):
    page = browser_page.page
    browser_page.goto("/admin/login/?next=/admin/consult/case/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/admin/consult/case/")


def worked_case(user) -> Case:
    """A routed case with a file, an internal note, a reply and a canned reply to pick."""
    upload = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    case, _token = routed_case("advice", by=user, files=[upload])
    actor = workflow.Actor.staff(user)
    workflow.case_note(case_id=case.pk, actor=actor, body="내부 메모")
    workflow.case_reply(case_id=case.pk, actor=actor, body="답변드립니다.")
    CannedReply.objects.get_or_create(
        track="advice", language="ko", title="첫 안내", defaults={"body": "{name}님, 안녕하세요."}
    )
    return case


def make_manager():
    user = manager(username="boss")
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def status_shown(page) -> str:
    return page.locator(".field-status .readonly").inner_text().strip()


@pytest.mark.e2e
def test_a_counselor_routes_replies_and_resolves(new_page, desk, english_admin):
    browser_page = new_page(DESKTOP)
    page = browser_page.page
    case = desk["case"]
    log_in(browser_page, "desk1")

    # "My open cases" is the list's default view.
    assert page.get_by_role("link", name="My open cases").count() == 1
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(re.compile(rf"/admin/consult/case/{case.pk}/change/$"))
    assert page.get_by_role("heading", level=1).inner_text() == f"Case {case.reference}"
    assert status_shown(page) == "New"

    # Route it out of triage to advice.
    page.get_by_role("combobox", name="Service").select_option(label="Advice")
    page.get_by_role("button", name="Route", exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/consult/case/{case.pk}/change/$"))
    assert "The case went to Advice." in page.locator(".messagelist").inner_text()
    assert status_shown(page) == "Triaged"

    # Reply to the citizen.
    page.get_by_role("textbox", name="Reply to the citizen").fill("안녕하세요, 안내드립니다.")
    page.get_by_role("button", name="Send the reply").click()
    page.wait_for_url(re.compile(rf"/admin/consult/case/{case.pk}/change/$"))
    assert status_shown(page) == "In progress"
    assert page.get_by_text("안녕하세요, 안내드립니다.").is_visible()

    # Resolve it.
    page.get_by_role("button", name="Resolved", exact=True).click()
    page.wait_for_url(re.compile(rf"/admin/consult/case/{case.pk}/change/$"))
    assert "The case is now “Resolved”." in page.locator(".messagelist").inner_text()
    assert status_shown(page) == "Resolved"

    case = Case.objects.get(pk=case.pk)
    assert (case.track, case.status) == ("advice", "resolved")
    assert OutgoingMail.objects.filter(template="consult_reply", recipient=case.email).exists()
    assert case.events.filter(actor=desk["user"]).count() >= 3
    browser_page.assert_clean()


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", ["ko", "en"])
def test_desk_pages_are_accessible(new_page, desk, settings, language, width):
    settings.LANGUAGE_CODE = language
    clear_url_caches()
    try:
        browser_page = new_page(width)
        log_in(browser_page, "desk1")
        page = browser_page.page
        # The page's own CSP check comes before axe's: axe-core re-reads the admin's
        # forms.css (which @imports widgets.css) by injecting <style> elements, which the
        # CSP blocks; that is axe's doing, not the page's.
        browser_page.assert_clean()
        assert_accessible(page)  # the case list
        browser_page.csp_errors.clear()
        for case in (desk["case"], worked_case(desk["user"])):
            browser_page.goto(f"/admin/consult/case/{case.pk}/change/")
            browser_page.assert_clean()
            assert_accessible(page)  # a new case; a case with a reply form and history
            browser_page.csp_errors.clear()
        boss = new_page(width)
        log_in(boss, make_manager().username)
        boss.goto("/admin/consult/case/dashboard/")
        boss.assert_clean()
        assert_accessible(boss.page)
        waiting = waiting_submission()
        listing = "/admin/consult/submission/"
        for path in (listing, f"{listing}{waiting.pk}/change/"):
            boss.goto(path)
            boss.assert_clean()
            assert_accessible(boss.page)  # what waits for intake: the list and one of them
            boss.csp_errors.clear()
    finally:
        clear_url_caches()
