"""The managers' reports: every figure per month, per service and per counselor checked against
a desk whose figures are known, the CSV export, the page (managers only, with its charts and
tables, in a pinned number of queries), and test, spam and merged cases left out.

The fixture's cases go through the intake and the workflow, then their dates are set to
chosen days of 2025 (Korean business days checked by hand below), as a desk that worked that
year would have them."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from consult import workflow
from consult.deadlines import first_response_due
from consult.models import Case, ClosingDay, Enrolment, Event, Survey
from consult.reports import period_for, report_figures
from tests.registry.factories import CooperativeFactory

from .factories import CourseSessionFactory, counselor, manager, routed_case, submit_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_admin")]

SEOUL = ZoneInfo("Asia/Seoul")
TODAY = date(2026, 1, 15)
YEAR = period_for(2025)
REPORTS = reverse("admin:consult_case_reports")
REPORTS_CSV = reverse("admin:consult_case_reports_csv")


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL)


def make(
    track: str,
    created: datetime,
    *,
    responded: datetime | None = None,
    resolved: tuple[datetime, ...] = (),
    closed: datetime | None = None,
    waiting: int = 0,
    due: date | None = None,
    **flags,
) -> Case:
    """A case of `track` received at `created`; answered, resolved (once per date, reopened
    in between) and closed at the given times."""
    case, _token = routed_case(track)
    actor = workflow.Actor.staff(case.assignee)
    if responded:
        workflow.case_reply(case_id=case.pk, actor=actor, body="답변드립니다.")
    for index, when in enumerate(resolved):
        if index:
            workflow.case_transition(case_id=case.pk, status="in_progress", actor=actor)
        workflow.case_transition(case_id=case.pk, status="resolved", actor=actor)
        Event.objects.filter(pk=case.events.order_by("-pk").first().pk).update(created_at=when)
    if closed:
        workflow.case_transition(case_id=case.pk, status="closed", actor=actor)
    Case.objects.filter(pk=case.pk).update(
        created_at=created,
        first_responded_at=responded,
        closed_at=closed,
        waiting_business_days=waiting,
        first_response_due=due or first_response_due(track=track, received=created),
        **flags,
    )
    return Case.objects.get(pk=case.pk)


def survey(case: Case, sent: datetime, rating: int | None = None) -> Survey:
    return Survey.objects.create(
        case=case,
        token_hash=f"{case.pk:064d}",
        sent_at=sent,
        expires_at=sent + timedelta(days=14),
        rating=rating,
        answered_at=sent + timedelta(days=1) if rating else None,
    )


def place(session, case: Case, status: str = "confirmed", attendance: str = "") -> Enrolment:
    return Enrolment.objects.create(
        session=session, case=case, status=status, attendance=attendance
    )


@pytest.fixture
def desk(db):
    """One counselor per service (so that each case's assignee is known) and a year of cases.

    Business days (2025): 1 January is New Year's Day; April, September and early December
    have no public holiday on the days used.
    """
    adv = counselor("advice", username="adv")
    con = counselor("consulting", username="con")
    edu = counselor("education", username="edu")
    s1 = CourseSessionFactory(starts_at=at(4, 20, 14), counselor=edu)
    s2 = CourseSessionFactory(starts_at=at(5, 20, 14), counselor=edu)
    founded = CooperativeFactory(registration_date=date(2025, 10, 15))
    old_coop = CooperativeFactory(registration_date=date(2013, 6, 1))

    cases = {
        # Received 2025-01-01 00:10 in Seoul (still 2024 in UTC), answered on the 2nd: 1 day
        # (the 1st is a holiday).
        "K": make("advice", at(1, 1, 0, 10), responded=at(1, 2)),
        # Received in 2024, answered in January 2025: its first response counts in January.
        "X": make("advice", at(12, 31, 23, 30, year=2024), responded=at(1, 2, 9)),
        # Answered on Wed 9 April (2 days); resolved Tue 15 April (6 days) after 2 days
        # waiting on the citizen: 4.
        "A": make("advice", at(4, 7), responded=at(4, 9, 15), resolved=(at(4, 15),), waiting=2),
        # Answered the day received (0); closed on Fri 11 April without being resolved (3).
        "B": make("advice", at(4, 8, 9), responded=at(4, 8, 11), closed=at(4, 11, 16)),
        # Answered Fri 25 April (4), still in progress.
        "C": make("consulting", at(4, 21), responded=at(4, 25)),
        # Answered the next day (1); resolved Mon 8 September, reopened, resolved again
        # Wed 10 September: the last resolution counts (7 business days).
        "D": make("consulting", at(9, 1), responded=at(9, 2), resolved=(at(9, 8), at(9, 10))),
        # Unanswered, due 3 December: overdue.
        "E": make("advice", at(12, 1), due=date(2025, 12, 3)),
        # Answered Mon 14 April (2: the 11th and the 14th).
        "F": make("education", at(4, 10), responded=at(4, 14)),
        # Unanswered, due 15 May: overdue.
        "G": make("education", at(5, 12), due=date(2025, 5, 15)),
    }
    # Left out of every figure: a test case, spam, a duplicate merged into A.
    excluded = {
        "T": make(
            "advice",
            at(4, 7),
            responded=at(4, 8),
            resolved=(at(4, 9),),
            is_test=True,
        ),
    }
    spam, _ = submit_case()
    workflow.case_transition(case_id=spam.pk, status="spam", actor=workflow.Actor.staff(adv))
    Case.objects.filter(pk=spam.pk).update(created_at=at(4, 7))
    merged, _ = routed_case("advice")
    workflow.case_merge(
        case_id=merged.pk, into_reference=cases["A"].reference, actor=workflow.Actor.staff(adv)
    )
    Case.objects.filter(pk=merged.pk).update(created_at=at(4, 7), first_responded_at=at(4, 8))
    excluded.update(spam=spam, merged=merged)

    survey(cases["A"], at(4, 16), rating=4)
    survey(cases["B"], at(4, 12), rating=5)
    survey(cases["D"], at(9, 11))
    survey(excluded["T"], at(4, 10), rating=1)
    survey(spam, at(4, 10), rating=1)

    place(s1, cases["F"], attendance="attended")
    place(s1, cases["G"], status="waitlisted")
    place(s2, cases["F"], attendance="absent")
    place(s2, cases["G"])
    place(s1, excluded["T"], attendance="absent")

    Case.objects.filter(pk__in=[cases["C"].pk, cases["D"].pk, excluded["T"].pk]).update(
        cooperative=founded
    )
    Case.objects.filter(pk=cases["B"].pk).update(cooperative=old_coop)
    return {
        "cases": cases,
        "excluded": excluded,
        "users": {"adv": adv, "con": con, "edu": edu},
        "founded": founded,
    }


def by_key(rows) -> dict:
    return {row.key: row.figures for row in rows}


def figures_of(f) -> dict:
    """Every figure of a row, as the page and the CSV show them."""
    return {
        "new": f.new,
        "resolved": f.resolved,
        "first_response": f.median_first_response,
        "resolution": f.median_resolution,
        "overdue": f.overdue,
        "surveys": (f.surveys_sent, f.surveys_answered),
        "survey_rate": None if f.survey_rate is None else round(f.survey_rate, 1),
        "rating": f.mean_rating,
        "enrolments": (f.enrolled, f.attendance_recorded, f.attended),
        "attendance": None if f.attendance_rate is None else round(f.attendance_rate, 1),
        "coops": f.cooperatives_founded,
    }


EMPTY = {
    "new": 0,
    "resolved": 0,
    "first_response": None,
    "resolution": None,
    "overdue": 0,
    "surveys": (0, 0),
    "survey_rate": None,
    "rating": None,
    "enrolments": (0, 0, 0),
    "attendance": None,
    "coops": 0,
}


def row(**figures) -> dict:
    return {**EMPTY, **figures}


MONTHS = {
    "2025-01": row(new=1, first_response=1),
    "2025-02": row(),
    "2025-03": row(),
    "2025-04": row(
        new=4,
        first_response=2,
        resolved=2,
        resolution=3.5,
        surveys=(2, 2),
        survey_rate=100.0,
        rating=4.5,
        enrolments=(1, 1, 1),
        attendance=100.0,
    ),
    "2025-05": row(new=1, overdue=1, enrolments=(2, 1, 0), attendance=0.0),
    "2025-06": row(),
    "2025-07": row(),
    "2025-08": row(),
    "2025-09": row(
        new=1, first_response=1, resolved=1, resolution=7, surveys=(1, 0), survey_rate=0.0
    ),
    "2025-10": row(coops=1),
    "2025-11": row(),
    "2025-12": row(new=1, overdue=1),
}
ADVICE = row(
    new=4,
    first_response=1,  # K 1, X 1, A 2, B 0
    resolved=2,
    resolution=3.5,  # A 4, B 3
    overdue=1,
    surveys=(2, 2),
    survey_rate=100.0,
    rating=4.5,
)
CONSULTING = row(
    new=2,
    first_response=2.5,  # C 4, D 1
    resolved=1,
    resolution=7,
    surveys=(1, 0),
    survey_rate=0.0,
    coops=1,
)
EDUCATION = row(new=2, first_response=2, overdue=1, enrolments=(3, 2, 1), attendance=50.0)
TOTAL = row(
    new=8,
    first_response=1,  # 0 1 1 1 2 2 4
    resolved=3,
    resolution=4,  # 3 4 7
    overdue=2,
    surveys=(3, 2),
    survey_rate=66.7,
    rating=4.5,
    enrolments=(3, 2, 1),
    attendance=50.0,
    coops=1,
)


# --- the figures ------------------------------------------------------------------------------


def test_per_month(desk):
    report = report_figures(YEAR, today=TODAY)
    assert {key: figures_of(f) for key, f in by_key(report.months).items()} == MONTHS


def test_per_track(desk):
    report = report_figures(YEAR, today=TODAY)
    tracks = {key: figures_of(f) for key, f in by_key(report.tracks).items()}
    assert tracks == {
        "triage": EMPTY,
        "education": EDUCATION,
        "advice": ADVICE,
        "consulting": CONSULTING,
    }


def test_per_counselor(desk):
    report = report_figures(YEAR, today=TODAY)
    assert [r.key for r in report.counselors] == ["adv", "con", "edu"]
    counselors = {key: figures_of(f) for key, f in by_key(report.counselors).items()}
    # Enrolments count under the session's counselor (edu), like the rest of education's.
    assert counselors == {"adv": ADVICE, "con": CONSULTING, "edu": EDUCATION}


def test_total_and_rows_add_up(desk):
    report = report_figures(YEAR, today=TODAY)
    assert figures_of(report.total) == TOTAL
    for rows in (report.months, report.tracks, report.counselors):
        assert sum(r.figures.new for r in rows) == report.total.new
        assert sum(r.figures.resolved for r in rows) == report.total.resolved
        assert sum(r.figures.surveys_sent for r in rows) == report.total.surveys_sent
        assert sum(r.figures.enrolled for r in rows) == report.total.enrolled


def test_one_track(desk):
    report = report_figures(YEAR, track="advice", today=TODAY)
    assert [r.key for r in report.tracks] == ["advice"]
    assert figures_of(report.total) == ADVICE
    assert [r.key for r in report.counselors] == ["adv"]


def test_test_spam_and_merged_cases_are_left_out(desk):
    before = figures_of(report_figures(YEAR, today=TODAY).total)
    assert before == TOTAL
    # Had the test case been a real one, it would have counted everywhere.
    Case.objects.filter(pk=desk["excluded"]["T"].pk).update(is_test=False)
    after = figures_of(report_figures(YEAR, today=TODAY).total)
    assert after["new"] == 9 and after["resolved"] == 4
    assert after["surveys"] == (4, 3) and after["enrolments"] == (4, 3, 1)
    # The spam and the merged case still count nowhere.
    assert Case.objects.reportable().count() == len(desk["cases"]) + 1
    assert desk["excluded"]["spam"] not in Case.objects.reportable()
    assert desk["excluded"]["merged"] not in Case.objects.reportable()


def test_a_case_reopened_and_not_resolved_again_is_not_resolved(desk):
    d = desk["cases"]["D"]
    workflow.case_transition(case_id=d.pk, status="in_progress", actor=workflow.Actor.system())
    report = report_figures(YEAR, today=TODAY)
    assert by_key(report.months)["2025-09"].resolved == 0
    assert report.total.resolved == 2


def test_closing_days_are_not_business_days(desk):
    # The center closed on Thu 10 April: A's resolution takes 3 days, not 4.
    ClosingDay.objects.create(date=date(2025, 4, 10), reason="이전")
    from consult.deadlines import closing_days_forget

    closing_days_forget()
    april = by_key(report_figures(YEAR, today=TODAY).months)["2025-04"]
    assert sorted(april.resolution_days) == [2, 3]  # B 3 - 1, A 5 - 2


def test_overdue_is_a_snapshot_of_today(desk):
    assert report_figures(YEAR, today=date(2025, 5, 16)).total.overdue == 1  # G only
    assert report_figures(YEAR, today=date(2025, 5, 15)).total.overdue == 0


def test_the_last_12_months():
    period = period_for(today=TODAY)
    assert period.months[0] == date(2025, 2, 1) and period.months[-1] == date(2026, 1, 1)
    assert len(period.months) == 12 and period.end == date(2026, 2, 1)
    assert period_for(2024).months[1] == date(2024, 2, 1)
    start, end = period.bounds()
    assert start == datetime(2025, 2, 1, tzinfo=SEOUL) and end == datetime(2026, 2, 1, tzinfo=SEOUL)


def test_another_year_shows_only_its_own_cases(desk):
    report = report_figures(period_for(2024), today=TODAY)
    # X arrived on 31 December 2024 (Seoul time); it was answered in 2025.
    assert figures_of(report.total) == row(new=1)
    assert figures_of(by_key(report.months)["2024-12"]) == row(new=1)
    assert [r.key for r in report.counselors] == ["adv"]
    assert figures_of(report_figures(period_for(2023), today=TODAY).total) == EMPTY


# --- the page ---------------------------------------------------------------------------------

ROLES = ["anonymous", "plain_staff", "team", "other_team", "manager"]


def log_in(client, role: str):
    users = {
        "plain_staff": lambda: get_user_model().objects.create_user(
            "volunteer", password="x", is_staff=True
        ),
        "team": lambda: counselor("advice", username="advice1"),
        "other_team": lambda: counselor("education", username="edu1"),
        "manager": lambda: manager(username="boss"),
    }
    if role != "anonymous":
        client.force_login(users[role]())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", [REPORTS, REPORTS_CSV])
def test_only_managers_see_the_reports(client, role, url):
    log_in(client, role)
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    elif role == "manager":
        assert response.status_code == 200
    else:
        assert response.status_code == 403  # not a case: refused, like the dashboard


def test_the_page_shows_tables_and_charts(client, desk):
    client.force_login(manager(username="boss"))
    response = client.get(REPORTS, {"year": "2025"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<caption id="report-months-caption">Per month</caption>' in page
    assert '<caption id="report-tracks-caption">Per service</caption>' in page
    assert '<caption id="report-counselors-caption">Per counselor</caption>' in page
    assert '<th scope="col">Median resolution (business days)</th>' in page
    assert '<th scope="row">April 2025</th>' in page
    assert '<th scope="row">adv</th>' in page
    assert page.count('<svg class="stats-chart"') == 3
    assert page.count('role="img" aria-labelledby="report-') == 3
    assert '<title id="report-new-title">New cases per month</title>' in page
    assert "8 new cases from 2025." in page
    assert f"{REPORTS_CSV}?year=2025" in page
    assert figures_of(response.context["total"]) == TOTAL


def test_the_page_s_query_count_is_pinned(client, desk, django_assert_num_queries):
    client.force_login(manager(username="boss"))
    client.get(REPORTS, {"year": "2025"})  # warm the per-process memo of closing days
    # Session and user, the user's own and group permissions (is_manager), the seven figure
    # queries and the counselors' names.
    with django_assert_num_queries(12):
        response = client.get(REPORTS, {"year": "2025"})
    assert response.status_code == 200


@pytest.mark.parametrize("query", [{"year": "1999"}, {"year": "soon"}, {"track": "astrology"}])
def test_a_bad_filter_is_a_400_with_a_message(client, query):
    client.force_login(manager(username="boss"))
    for url in (REPORTS, REPORTS_CSV):
        response = client.get(url, query)
        assert response.status_code == 400
        assert "Please correct the errors below." in response.content.decode()


def test_the_dashboard_and_the_case_list_link_to_the_reports(client):
    client.force_login(manager(username="boss"))
    assert REPORTS in client.get(reverse("admin:consult_case_dashboard")).content.decode()
    assert REPORTS in client.get(reverse("admin:consult_case_changelist")).content.decode()
    client.force_login(counselor("advice", username="advice9"))
    assert REPORTS not in client.get(reverse("admin:consult_case_changelist")).content.decode()


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_has_the_same_figures(client, desk):
    client.force_login(manager(username="boss"))
    response = client.get(REPORTS_CSV, {"year": "2025"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "desk-report-2025.csv" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 12 + 4 + 3 + 1
    april = next(r for r in rows if r["dimension"] == "month" and r["key"] == "2025-04")
    assert april["label"] == "April 2025"
    assert (april["new"], april["resolved"]) == ("4", "2")
    assert april["median_first_response_business_days"] == "2.0"
    assert april["median_resolution_business_days"] == "3.5"
    assert (april["survey_response_rate_percent"], april["mean_rating"]) == ("100.0", "4.5")
    assert (april["enrolments_confirmed"], april["attendance_rate_percent"]) == ("1", "100.0")
    consulting = next(r for r in rows if r["dimension"] == "track" and r["key"] == "consulting")
    assert (consulting["label"], consulting["coops_founded"]) == ("Consulting", "1")
    assert consulting["mean_rating"] == ""  # no answer: no mean
    total = rows[-1]
    assert total["dimension"] == "total"
    assert [total[k] for k in ("new", "resolved", "overdue", "surveys_sent", "coops_founded")] == [
        "8",
        "3",
        "2",
        "3",
        "1",
    ]
    assert total["survey_response_rate_percent"] == "66.7"
    assert total["attendance_rate_percent"] == "50.0"
    edu = next(r for r in rows if r["dimension"] == "counselor" and r["key"] == "edu")
    assert (edu["enrolments_confirmed"], edu["attendance_recorded"], edu["attended"]) == (
        "3",
        "2",
        "1",
    )


def test_the_csv_of_one_track(client, desk):
    client.force_login(manager(username="boss"))
    response = client.get(REPORTS_CSV, {"year": "2025", "track": "education"})
    assert "desk-report-2025-education.csv" in response["Content-Disposition"]
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert [r["key"] for r in rows if r["dimension"] == "track"] == ["education"]
    assert rows[-1]["new"] == "2"
