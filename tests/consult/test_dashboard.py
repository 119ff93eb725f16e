"""The managers' dashboard: open cases per track and status, overdue, new this week (Seoul
time, weeks starting on Monday), in a few queries; for managers only."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consult import workflow
from consult.admin_views import dashboard_figures, week_start
from consult.models import Case
from tests.consult.factories import counselor, manager, routed_case, submit_case
from tests.outbox.factories import OutgoingMailFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_admin")]

DASHBOARD = reverse("admin:consult_case_dashboard")
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def cases(db):
    """Advice: two triaged (one overdue), one in progress, one closed; triage: one new;
    education: one waiting. One advice case arrived last week."""
    counselor("triage", "advice", "education", username="all-rounder")
    system = workflow.Actor.system()
    a1, _ = routed_case("advice")
    a2, _ = routed_case("advice")
    a3, _ = routed_case("advice")
    workflow.case_transition(case_id=a3.pk, status="in_progress", actor=system)
    a4, _ = routed_case("advice")
    workflow.case_transition(case_id=a4.pk, status="closed", actor=system)
    new, _ = submit_case()
    e1, _ = routed_case("education")
    workflow.case_transition(case_id=e1.pk, status="waiting_on_citizen", actor=system)
    Case.objects.filter(pk=a2.pk).update(
        first_response_due=timezone.localdate() - timedelta(days=2)
    )
    Case.objects.filter(pk=a1.pk).update(created_at=week_start() - timedelta(minutes=1))
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "new": new, "e1": e1}


def test_week_starts_on_monday_in_seoul():
    # Sunday 2026-03-01 23:30 UTC is Monday 2026-03-02 08:30 in Seoul.
    sunday_utc = datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC"))
    start = week_start(sunday_utc)
    assert start == datetime(2026, 3, 2, 0, 0, tzinfo=SEOUL)
    # Wednesday in Seoul: back to that Monday, midnight Seoul time.
    wednesday = datetime(2026, 3, 4, 15, 0, tzinfo=SEOUL)
    assert week_start(wednesday) == datetime(2026, 3, 2, tzinfo=SEOUL)
    assert week_start(wednesday).astimezone(ZoneInfo("UTC")) == datetime(
        2026, 3, 1, 15, 0, tzinfo=ZoneInfo("UTC")
    )


def test_figures(cases):
    figures = dashboard_figures()
    rows = {row["track"]: row for row in figures["rows"]}
    assert dict(rows["advice"]["counts"]) == {
        "new": 0,
        "triaged": 2,
        "in_progress": 1,
        "waiting_on_citizen": 0,
    }
    assert rows["advice"]["open"] == 3
    assert rows["advice"]["overdue"] == 1
    assert rows["advice"]["new"] == 3  # a1 arrived last week; the closed a4 counts as new
    assert dict(rows["triage"]["counts"])["new"] == 1
    assert dict(rows["education"]["counts"])["waiting_on_citizen"] == 1
    assert rows["consulting"]["open"] == 0
    totals = figures["totals"]
    assert (totals["open"], totals["overdue"], totals["new"]) == (5, 1, 5)
    assert totals["overdue"] == Case.objects.overdue().count()
    assert dict(totals["counts"])["triaged"] == 2


def test_dashboard_page(client, cases):
    client.force_login(manager())
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    case_queries = [q for q in captured if "consult_case" in q["sql"]]
    assert len(case_queries) == 2  # grouped open counts, new this week
    page = response.content.decode()
    assert '<th scope="col">Triaged</th>' in page
    assert '<th scope="row">Advice</th>' in page
    assert "<caption>Open cases by service and status</caption>" in page
    assert "?view=open&amp;track__exact=advice&amp;status__exact=triaged" in page
    assert response.context["totals"]["overdue"] == 1


def test_the_case_list_links_to_the_dashboard_for_managers_only(client, cases):
    changelist = reverse("admin:consult_case_changelist")
    client.force_login(manager())
    assert DASHBOARD in client.get(changelist).content.decode()
    client.force_login(counselor("advice", username="advice9"))
    assert DASHBOARD not in client.get(changelist).content.decode()
    assert client.get(DASHBOARD).status_code == 403


def test_overdue_uses_the_date_in_seoul(cases):
    due = Case.objects.get(pk=cases["a1"].pk).first_response_due
    figures = dashboard_figures(today=due + timedelta(days=1))
    late = {row["track"]: row["overdue"] for row in figures["rows"]}
    assert late["advice"] >= 2  # a1 is late the day after its due date
    assert dashboard_figures(today=date(2000, 1, 1))["totals"]["overdue"] == 0


def test_the_dashboard_counts_mails_that_failed_for_good(client, cases):
    """A mail the outbox gave up on (an acknowledgement, say) is never silently lost: the
    managers see how many there are, linked to the outbox's list of them."""
    OutgoingMailFactory(status="failed", attempts=16, last_error="SMTP 421")
    OutgoingMailFactory(status="failed", attempts=16, last_error="SMTP 421")
    OutgoingMailFactory()  # pending: still being retried
    client.force_login(manager())
    page = client.get(DASHBOARD).content.decode()
    failed_list = reverse("admin:outbox_outgoingmail_changelist") + "?status__exact=failed"
    assert f'<a href="{failed_list}">2</a>' in page
    assert "Mails that could not be delivered" in page
