"""The desk's follow-up records in the admin: the closing days (managers keep them,
counselors read them), the surveys (read only, by case visibility) and a case's rating on
its page."""

import datetime as dt

import pytest
from django.urls import reverse

from consult import followups, workflow
from consult.deadlines import is_business_day
from consult.models import ClosingDay, Status, Survey

from .factories import counselor, manager, routed_case

pytestmark = pytest.mark.django_db

CLOSING = "admin:consult_closingday_changelist"


def test_a_manager_adds_a_closing_day_and_deadlines_skip_it(client):
    client.force_login(manager(username="boss"))
    assert client.get(reverse(CLOSING)).status_code == 200
    assert is_business_day(dt.date(2026, 12, 24))
    response = client.post(
        reverse("admin:consult_closingday_add"), {"date": "2026-12-24", "reason": "Year-end"}
    )
    assert response.status_code == 302
    assert ClosingDay.objects.filter(date=dt.date(2026, 12, 24)).exists()
    assert not is_business_day(dt.date(2026, 12, 24))


def test_a_counselor_reads_the_closing_days_but_changes_nothing(client):
    day = ClosingDay.objects.create(date=dt.date(2026, 12, 24), reason="Year-end")
    client.force_login(counselor("advice", username="adv"))
    listing = client.get(reverse(CLOSING))
    assert listing.status_code == 200
    assert "Year-end" in listing.content.decode()
    assert client.get(reverse("admin:consult_closingday_add")).status_code == 403
    response = client.post(
        reverse("admin:consult_closingday_change", args=[day.pk]),
        {"date": "2026-12-25", "reason": "moved"},
    )
    assert response.status_code == 403
    assert client.post(reverse("admin:consult_closingday_delete", args=[day.pk])).status_code == 403
    assert ClosingDay.objects.get(pk=day.pk).date == dt.date(2026, 12, 24)


def answered_survey(track: str, rating: int, comment: str) -> Survey:
    staff = counselor(track, username=f"{track}-lead")
    case, _ = routed_case(track, email=f"{track}@example.org")
    workflow.case_transition(
        case_id=case.pk, status=Status.RESOLVED, actor=workflow.Actor.staff(staff)
    )
    followups.surveys_send()
    survey = Survey.objects.get(case=case)
    followups.survey_answer(survey_id=survey.pk, rating=rating, comment=comment)
    return survey


def test_surveys_are_read_only_and_filtered_by_the_cases_one_may_see(client, english_admin):
    advice = answered_survey("advice", 5, "Very clear answer")
    consulting = answered_survey("consulting", 2, "Too slow")
    client.force_login(counselor("advice", username="adv"))
    listing = client.get(reverse("admin:consult_survey_changelist")).content.decode()
    assert advice.case.reference in listing
    assert consulting.case.reference not in listing
    assert client.get(reverse("admin:consult_survey_add")).status_code == 403
    page = client.get(reverse("admin:consult_survey_change", args=[advice.pk]))
    assert page.status_code == 200 and "Very clear answer" in page.content.decode()
    assert 'name="rating"' not in page.content.decode()
    other = client.get(reverse("admin:consult_survey_change", args=[consulting.pk]))
    assert other.status_code in (302, 404)


def test_the_case_page_shows_the_rating(client, english_admin):
    survey = answered_survey("advice", 4, "Helpful")
    client.force_login(manager(username="boss"))
    page = client.get(reverse("admin:consult_case_change", args=[survey.case_id]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "4 of 5" in body and "Helpful" in body
