"""A citizen answers the satisfaction survey from the link in their mail, in a real browser:
picks a rating with the keyboard-accessible radio buttons, adds a comment, sends it once and
is thanked; the page passes axe-core in both of its states."""

import re

import pytest

from consult import followups, workflow
from consult.models import Status, Survey
from coopcenter.outbox.models import OutgoingMail
from tests.consult.factories import counselor, routed_case
from tests.e2e.support import MOBILE, assert_accessible
from tests.e2e.test_consult_citizen import load_consult_desk
from tests.outbox.links import mail_link

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def survey_path(language: str) -> str:
    """A resolved case's survey link, as its mail gives it (path only)."""
    load_consult_desk()
    staff = counselor("advice", username=f"advisor-{language}")
    case, _ = routed_case("advice", language=language, email=f"survey-{language}@example.org")
    workflow.case_transition(
        case_id=case.pk, status=Status.RESOLVED, actor=workflow.Actor.staff(staff)
    )
    followups.surveys_send()
    url = mail_link(OutgoingMail.objects.get(template="followup_survey"), "survey_url")
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_citizen_answers_the_survey_from_a_phone(new_page, live_server, language):
    path = survey_path(language)
    browser_page = new_page(MOBILE)
    page = browser_page.page
    browser_page.goto(path)
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)

    four = {"ko": re.compile("^4"), "en": "4: Satisfied"}[language]
    page.get_by_role("radio", name=four).check()
    page.locator("#id_comment").fill("친절하고 빠른 답변 감사합니다. / Kind and quick.")
    page.locator("#survey-form [type=submit]").click()
    page.wait_for_url(re.compile(r"/consult/survey/[^/]+/$"))
    heading = {"ko": None, "en": "Thank you for your answer"}[language]
    if heading:
        assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.locator("#survey-form").count() == 0
    assert_accessible(page)
    browser_page.assert_clean()

    survey = Survey.objects.get()
    assert survey.rating == 4
    assert survey.comment == "친절하고 빠른 답변 감사합니다. / Kind and quick."
