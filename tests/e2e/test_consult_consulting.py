"""Consulting and the managers' reports in a real browser: a counselor starts an engagement from
the case page, ticks its first step and links the case to its registry co-op through the
admin's autocomplete; and axe-core's WCAG 2.1 AA check of the reports page, an engagement page,
the case page's consulting panel and the standard checklists, in both languages and widths."""

import importlib
import re
from datetime import timedelta

import pytest
from django.urls import clear_url_caches
from django.utils import timezone

from consult import consulting, workflow
from consult.models import Case, ChecklistItem, ChecklistTemplateItem, Engagement
from tests.consult.factories import counselor, routed_case
from tests.e2e.support import DESKTOP, MOBILE, assert_accessible
from tests.e2e.test_consult_citizen import load_consult_desk
from tests.e2e.test_consult_desk import PASSWORD, log_in, make_manager
from tests.registry.factories import CooperativeFactory

STEPS = importlib.import_module("consult.migrations.0009_checklist_steps").STEPS

pytestmark = pytest.mark.usefixtures("private_media")


@pytest.fixture
def consulting_desk(live_server):
    """The live server's tests flush the database, the data migrations' rows included: the
    teams, the privacy notice and the standard checklists are loaded again here."""
    load_consult_desk()
    for kind, steps in STEPS.items():
        for position, (label_ko, label_en) in enumerate(steps, start=1):
            ChecklistTemplateItem.objects.get_or_create(
                kind=kind, position=position, defaults={"label_ko": label_ko, "label_en": label_en}
            )
    user = counselor("triage", "consulting", username="desk1")
    user.user_permissions.add(
        *user.user_permissions.model.objects.filter(codename="view_cooperative")
    )
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    case, _ = routed_case("consulting")
    assert case.assignee == user
    coop = CooperativeFactory(name="새날마을협동조합")
    return {"user": user, "case": case, "coop": coop}


def worked_engagement(user) -> Engagement:
    """An engagement with two meetings (one with an outside accountant), two of its five
    steps ticked, and its case linked to a registry co-op; answered and resolved cases for
    the reports."""
    case, _ = routed_case("consulting")
    actor = workflow.Actor.staff(user)
    engagement = consulting.engagement_start(case_id=case.pk, kind="founding", actor=actor)
    now = timezone.now()
    consulting.meeting_add(
        engagement_id=engagement.pk,
        starts_at=now - timedelta(days=3),
        counselor=user,
        place="센터 2층 상담실",
        summary="사업 계획을 정리함.",
        next_step="정관 초안 보내기",
        next_step_due=timezone.localdate() + timedelta(days=7),
        actor=actor,
    )
    consulting.meeting_add(
        engagement_id=engagement.pk,
        starts_at=now - timedelta(days=1),
        expert_name="정하늘",
        expert_field="accounting",
        summary="출자금과 예산 검토.",
        actor=actor,
    )
    for item in engagement.checklist.order_by("position")[:2]:
        consulting.checklist_tick(item_id=item.pk, done=True, actor=actor)
    consulting.case_link_cooperative(
        case_id=case.pk, cooperative_id=CooperativeFactory().pk, actor=actor
    )
    workflow.case_reply(case_id=case.pk, actor=actor, body="답변드립니다.")
    resolved, _ = routed_case("consulting")
    workflow.case_reply(case_id=resolved.pk, actor=actor, body="답변드립니다.")
    workflow.case_transition(case_id=resolved.pk, status="resolved", actor=actor)
    return engagement


@pytest.mark.e2e
def test_a_counselor_starts_an_engagement_ticks_a_step_and_links_the_co_op(
    new_page, consulting_desk, english_admin
):
    browser_page = new_page(DESKTOP)
    page = browser_page.page
    case = consulting_desk["case"]
    log_in(browser_page, "desk1")
    browser_page.goto(f"/admin/consult/case/{case.pk}/change/")

    page.get_by_role("combobox", name="Kind of engagement").select_option(label="Founding a co-op")
    page.get_by_role("button", name="Start the engagement").click()
    engagement = Engagement.objects.get(case=case)
    page.wait_for_url(re.compile(rf"/admin/consult/engagement/{engagement.pk}/change/$"))
    assert "The consulting engagement has started." in page.locator(".messagelist").inner_text()

    page.get_by_role("checkbox", name="Done: Draft the bylaws").check()
    page.locator("input[name=_continue]").click()
    page.wait_for_url(re.compile(rf"/admin/consult/engagement/{engagement.pk}/change/$"))
    first = ChecklistItem.objects.get(engagement=engagement, position=1)
    assert first.done_by == consulting_desk["user"] and first.done_at is not None

    # The registry co-op, found through the admin's autocomplete (select2, no inline code).
    browser_page.goto(f"/admin/consult/case/{case.pk}/change/")
    page.locator(".case-consulting .select2-selection").click()
    page.locator(".select2-search__field").fill("새날마을")
    page.get_by_role("option", name="새날마을협동조합").click()
    page.get_by_role("button", name="Save the link").click()
    page.wait_for_url(re.compile(rf"/admin/consult/case/{case.pk}/change/$"))
    assert Case.objects.get(pk=case.pk).cooperative == consulting_desk["coop"]
    assert "1 of 5 steps done" in page.locator(".case-consulting").inner_text()
    browser_page.assert_clean()


@pytest.mark.e2e
@pytest.mark.parametrize("width", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
@pytest.mark.parametrize("language", ["ko", "en"])
def test_consulting_and_report_pages_are_accessible(
    new_page, consulting_desk, settings, language, width
):
    settings.LANGUAGE_CODE = language
    clear_url_caches()
    try:
        engagement = worked_engagement(consulting_desk["user"])
        counselor_page = new_page(width)
        log_in(counselor_page, "desk1")
        for path in (
            f"/admin/consult/case/{consulting_desk['case'].pk}/change/",  # the start form
            f"/admin/consult/case/{engagement.case_id}/change/",  # the panel, filled in
            f"/admin/consult/engagement/{engagement.pk}/change/",
            "/admin/consult/engagement/",
        ):
            counselor_page.goto(path)
            counselor_page.assert_clean()
            assert_accessible(counselor_page.page)
            counselor_page.csp_errors.clear()
        boss = new_page(width)
        log_in(boss, make_manager().username)
        this_year = timezone.localdate().year
        for path in (
            "/admin/consult/case/reports/",
            f"/admin/consult/case/reports/?year={this_year}&track=consulting",
            "/admin/consult/checklisttemplateitem/",
        ):
            boss.goto(path)
            boss.assert_clean()
            assert_accessible(boss.page)
            boss.csp_errors.clear()
    finally:
        clear_url_caches()
