"""The desk's periodic follow-ups (consult.followups), as tables: who is mailed what, and
when; business days around weekends, holidays and the center's closing days; the waiting
clock; and that a run repeated in the same window sends nothing twice."""

import datetime as dt
import re
from smtplib import SMTPException
from unittest.mock import patch

import pytest
from celery.exceptions import Retry
from django.contrib.auth import get_user_model
from django.core import mail as django_mail
from django.utils import timezone, translation

from consult import followups, mails, tasks, workflow
from consult.models import (
    Case,
    ClosingDay,
    Course,
    CourseSession,
    Engagement,
    Enrolment,
    Event,
    Meeting,
    Status,
    Survey,
)
from consult.services import token_hash, token_lookup
from coopcenter.outbox.models import OutgoingMail
from tests.outbox.links import mail_link

from .factories import StaffFactory, counselor, manager, routed_case, submit_case

pytestmark = pytest.mark.django_db

SEOUL = timezone.get_default_timezone()


def seoul(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SEOUL)


def sent(template: str | None = None) -> list[tuple[str, str]]:
    """(template, recipient) of every outbox row, or of one template's, in order."""
    rows = OutgoingMail.objects.order_by("pk")
    if template:
        rows = rows.filter(template=template)
    return [(row.template, row.recipient) for row in rows]


def new_outbox(before: int) -> list[OutgoingMail]:
    return list(OutgoingMail.objects.order_by("pk")[before:])


# --- triage reminders ------------------------------------------------------------------


@pytest.fixture
def triage_desk():
    """Three triage counselors, one on leave and one whose account is off, and a manager
    in no team; the active one takes every new case (round-robin of one)."""
    on_duty = counselor("triage", username="on-duty")
    counselor("triage", username="on-leave", active=False)
    gone = counselor("triage", username="gone")
    gone.is_active = False
    gone.save()
    boss = manager(username="boss")
    root = get_user_model().objects.create_superuser("root", "root@center.example.org", "pw")
    return {"on_duty": on_duty, "boss": boss, "root": root}


def new_case_received(when: dt.datetime) -> Case:
    case, _token = submit_case(email=f"c{Case.objects.count()}@example.org")
    Case.objects.filter(pk=case.pk).update(created_at=when)
    OutgoingMail.objects.all().delete()  # the acknowledgement and assignment: not ours
    return Case.objects.get(pk=case.pk)


FRI = seoul(2026, 11, 20, 10, 0)
TEAM = ["on-duty@center.example.org"]
ESCALATION = ["on-duty@center.example.org", "boss@center.example.org", "root@center.example.org"]


@pytest.mark.parametrize(
    ("received", "now", "template", "recipients"),
    [
        # Received on Friday: nothing the same day nor over the weekend…
        (FRI, seoul(2026, 11, 20, 18, 0), None, []),
        (FRI, seoul(2026, 11, 22, 12, 0), None, []),
        # …Monday is one business day on: the triage team (active members only).
        (FRI, seoul(2026, 11, 23, 9, 0), "followup_triage_reminder", TEAM),
        (FRI, seoul(2026, 11, 24, 9, 0), "followup_triage_reminder", TEAM),
        # Wednesday, three business days: the assignee and the managers instead.
        (FRI, seoul(2026, 11, 25, 9, 0), "followup_triage_escalation", ESCALATION),
        # Received Friday 2 October 2026: Sat, Sun and the substitute holiday (Mon 5) are
        # skipped, so Tuesday 6 is the first business day…
        (seoul(2026, 10, 2, 15), seoul(2026, 10, 5, 12), None, []),
        (seoul(2026, 10, 2, 15), seoul(2026, 10, 6, 9), "followup_triage_reminder", TEAM),
        # …and Thursday 8 the third (Hangul Day, Fri 9, is a holiday too).
        (seoul(2026, 10, 2, 15), seoul(2026, 10, 7, 9), "followup_triage_reminder", TEAM),
        (seoul(2026, 10, 2, 15), seoul(2026, 10, 8, 9), "followup_triage_escalation", ESCALATION),
    ],
    ids=[
        "same-day",
        "weekend",
        "monday",
        "tuesday",
        "wednesday-escalates",
        "substitute-holiday",
        "tuesday-after-holiday",
        "second-day",
        "third-day-escalates",
    ],
)
def test_triage_reminders_table(triage_desk, received, now, template, recipients):
    case = new_case_received(received)
    assert case.assignee == triage_desk["on_duty"]
    result = followups.triage_reminders_send(now=now)
    rows = list(OutgoingMail.objects.order_by("recipient"))
    assert result.mails == len(rows) == len(recipients)
    assert sorted(row.recipient for row in rows) == sorted(recipients)
    assert {row.template for row in rows} <= {template}
    for row in rows:
        assert row.context["reference"] == case.reference
        assert row.context["admin_url"].endswith(case.get_admin_url())
        assert row.language == "ko"  # staff mails: the desk's language
        assert row.idempotency_key.startswith(f"case-{case.pk}:triage-reminder:")
    # The same window again: nothing new.
    assert followups.triage_reminders_send(now=now).mails == 0
    assert OutgoingMail.objects.count() == len(recipients)


def test_a_closing_day_delays_the_triage_reminder(triage_desk):
    case = new_case_received(FRI)
    ClosingDay.objects.create(date=dt.date(2026, 11, 23), reason="Foundation day")
    assert followups.triage_reminders_send(now=seoul(2026, 11, 23, 12)).mails == 0
    followups.triage_reminders_send(now=seoul(2026, 11, 24, 9))
    assert sent() == [("followup_triage_reminder", "on-duty@center.example.org")]
    # Wednesday is only the second business day now; the escalation comes on Thursday.
    assert followups.triage_reminders_send(now=seoul(2026, 11, 25, 9)).mails == 0
    followups.triage_reminders_send(now=seoul(2026, 11, 26, 9))
    assert len(sent("followup_triage_escalation")) == 3
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_a_routed_case_is_not_reminded_and_a_day_later_the_escalation_comes_once(triage_desk):
    waiting = new_case_received(FRI)
    routed = new_case_received(FRI)
    workflow.case_route(
        case_id=routed.pk, track="advice", actor=workflow.Actor.staff(triage_desk["boss"])
    )
    OutgoingMail.objects.all().delete()
    monday, wednesday = seoul(2026, 11, 23, 9), seoul(2026, 11, 25, 9)
    for _run in range(2):
        followups.triage_reminders_send(now=monday)
        followups.triage_reminders_send(now=wednesday)
    keys = sorted(OutgoingMail.objects.values_list("idempotency_key", flat=True))
    assert all(key.startswith(f"case-{waiting.pk}:") for key in keys)
    assert len(keys) == 1 + 3  # the reminder once, the escalation once to each of three


def test_an_unassigned_case_escalates_to_the_managers_only(triage_desk):
    case = new_case_received(FRI)
    workflow.case_assign(
        case_id=case.pk, assignee=None, actor=workflow.Actor.staff(triage_desk["boss"])
    )
    followups.triage_reminders_send(now=seoul(2026, 11, 25, 9))
    assert sorted(recipient for _t, recipient in sent()) == ESCALATION[1:]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_triage_mails_render_in_the_staffs_language(settings, monkeypatch, triage_desk, language):
    monkeypatch.setattr(mails, "_staff_language", lambda user: language)
    case = new_case_received(FRI)
    with django_capture(execute=True):
        followups.triage_reminders_send(now=seoul(2026, 11, 23, 9))
        followups.triage_reminders_send(now=seoul(2026, 11, 25, 9))
    assert len(django_mail.outbox) == 1 + 3
    for message in django_mail.outbox:
        assert case.reference in message.subject
        assert settings.SITE_URL + case.get_admin_url() in message.body
        assert "{{" not in message.body
    expected = {"ko": "영업일", "en": "business day"}[language]
    assert expected in django_mail.outbox[0].body


# --- the waiting clock ----------------------------------------------------------------


def at(moment: dt.datetime):
    """The workflow's clock set to `moment`."""
    return patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def advisor():
    return counselor("advice", username="advisor")


def waiting_case(advisor, since: dt.datetime, **overrides) -> tuple[Case, str]:
    case, token = routed_case("advice", **overrides)
    with at(since):
        workflow.case_reply(
            case_id=case.pk,
            actor=workflow.Actor.staff(advisor),
            body="Could you send your draft bylaws?",
            wait_on_citizen=True,
        )
    return Case.objects.get(pk=case.pk), token


def _leave_by_reply(case_id, actor):
    workflow.case_citizen_reply(case_id=case_id, body="Here they are.")


def _leave_by_resolving(case_id, actor):
    workflow.case_transition(case_id=case_id, status=Status.RESOLVED, actor=actor)


def _leave_by_closing(case_id, actor):
    workflow.case_transition(case_id=case_id, status=Status.CLOSED, actor=actor)


def _leave_by_merging(case_id, actor):
    # A duplicate of the same citizen's (two citizens' cases need a manager's confirmation).
    other, _ = submit_case(email=Case.objects.get(pk=case_id).email)
    workflow.case_merge(case_id=case_id, into_reference=other.reference, actor=actor)


@pytest.mark.parametrize(
    ("since", "until", "leave", "days"),
    [
        (seoul(2026, 11, 16, 10), seoul(2026, 11, 16, 17), _leave_by_reply, 0),  # same day
        (seoul(2026, 11, 16, 10), seoul(2026, 11, 18, 9), _leave_by_reply, 2),  # Mon → Wed
        (seoul(2026, 11, 20, 10), seoul(2026, 11, 23, 9), _leave_by_resolving, 1),  # weekend
        (seoul(2026, 10, 2, 10), seoul(2026, 10, 6, 9), _leave_by_closing, 1),  # holidays
        (seoul(2026, 9, 18, 10), seoul(2026, 9, 28, 9), _leave_by_merging, 4),  # Chuseok
    ],
    ids=["same-day", "two-days", "weekend", "substitute-holiday", "chuseok"],
)
def test_the_waiting_clock_counts_business_days(advisor, since, until, leave, days):
    case, _ = waiting_case(advisor, since)
    assert case.status == Status.WAITING_ON_CITIZEN
    assert case.waiting_since == since
    assert case.waiting_business_days == 0
    with at(until):
        leave(case.pk, workflow.Actor.staff(advisor))
    case.refresh_from_db()
    assert case.status != Status.WAITING_ON_CITIZEN
    assert case.waiting_since is None
    assert case.waiting_business_days == days


def test_waits_add_up_and_closing_days_do_not_count(advisor):
    ClosingDay.objects.create(date=dt.date(2026, 11, 17))
    case, _ = waiting_case(advisor, seoul(2026, 11, 16, 10))
    with at(seoul(2026, 11, 18, 10)):  # Tue 17 is a closing day: Wed only
        _leave_by_reply(case.pk, None)
    with at(seoul(2026, 11, 19, 10)):
        workflow.case_reply(
            case_id=case.pk,
            actor=workflow.Actor.staff(advisor),
            body="One more thing?",
            wait_on_citizen=True,
        )
    with at(seoul(2026, 11, 24, 10)):  # Fri, Mon, Tue
        _leave_by_reply(case.pk, None)
    case.refresh_from_db()
    assert case.waiting_business_days == 1 + 3
    assert case.waiting_since is None


def test_a_status_change_that_does_not_touch_waiting_leaves_the_clock_alone(advisor):
    case, _ = routed_case("advice")
    with at(seoul(2026, 11, 16, 10)):
        workflow.case_transition(
            case_id=case.pk, status=Status.IN_PROGRESS, actor=workflow.Actor.staff(advisor)
        )
    with at(seoul(2026, 11, 20, 10)):
        workflow.case_transition(
            case_id=case.pk, status=Status.RESOLVED, actor=workflow.Actor.staff(advisor)
        )
    case.refresh_from_db()
    assert (case.waiting_since, case.waiting_business_days) == (None, 0)


# --- waiting on the citizen: reminder and automatic resolution --------------------------

SINCE = seoul(2026, 11, 2, 10)


@pytest.mark.parametrize(
    ("days", "templates", "status"),
    [
        (6, [], Status.WAITING_ON_CITIZEN),
        (7, ["followup_waiting_reminder"], Status.WAITING_ON_CITIZEN),
        (13, ["followup_waiting_reminder"], Status.WAITING_ON_CITIZEN),
        # Past 14 days the case resolves itself; a reminder never sent is not sent now.
        (14, ["followup_auto_resolved"], Status.RESOLVED),
        (30, ["followup_auto_resolved"], Status.RESOLVED),
    ],
)
def test_waiting_followups_table(advisor, days, templates, status):
    case, _ = waiting_case(advisor, SINCE)
    before = OutgoingMail.objects.count()
    now = SINCE + dt.timedelta(days=days, minutes=1)
    followups.waiting_followups_run(now=now)
    followups.waiting_followups_run(now=now)  # the same window: nothing more
    rows = new_outbox(before)
    assert [row.template for row in rows] == templates
    assert all(row.recipient == case.email for row in rows)
    case.refresh_from_db()
    assert case.status == status


def test_the_reminder_carries_a_working_link_and_the_date_of_resolution(advisor):
    case, _ = waiting_case(advisor, SINCE, language="en")
    followups.waiting_followups_run(now=SINCE + dt.timedelta(days=7, hours=1))
    row = OutgoingMail.objects.get(template="followup_waiting_reminder")
    assert (
        row.idempotency_key
        == f"case-{case.pk}:waiting-reminder:{SINCE.astimezone(dt.UTC).isoformat()}"
    )
    assert row.language == "en"
    assert row.context["resolve_on"] == "Nov. 16, 2026"
    reference, token = re.search(
        r"/en/consult/track/([^/]+)/([^/]+)/$", mail_link(row, "tracking_url")
    ).groups()
    found = token_lookup(reference=reference, token=token)
    assert found is not None and found[0].pk == case.pk


def test_the_system_resolves_with_one_mail_and_the_citizen_may_reopen(advisor, client, settings):
    case, _ = waiting_case(advisor, SINCE)
    followups.waiting_followups_run(now=SINCE + dt.timedelta(days=7, hours=1))
    with at(SINCE + dt.timedelta(days=14, hours=1)):
        result = followups.waiting_followups_run()
    assert result.changed == 1
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert case.waiting_since is None and case.waiting_business_days == 10
    event = Event.objects.filter(case=case, field="status").last()
    assert (event.old_value, event.new_value, event.actor_kind) == (
        "waiting_on_citizen",
        "resolved",
        "system",
    )
    # One mail about the resolution: the automatic one, not the counselor's as well.
    assert not OutgoingMail.objects.filter(template="consult_resolved").exists()
    row = OutgoingMail.objects.get(template="followup_auto_resolved")
    # Its link opens the case, and a reply reopens it.
    path = mail_link(row, "tracking_url").removeprefix(settings.SITE_URL)
    response = client.post(path, {"body": "Sorry, I was away. Here is the draft."})
    assert response.status_code == 303
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_a_citizen_who_answered_is_neither_reminded_nor_resolved(advisor):
    case, _ = waiting_case(advisor, SINCE)
    with at(SINCE + dt.timedelta(days=3)):
        workflow.case_citizen_reply(case_id=case.pk, body="Here you are.")
    before = OutgoingMail.objects.count()
    followups.waiting_followups_run(now=SINCE + dt.timedelta(days=20))
    assert new_outbox(before) == []
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_a_new_wait_is_a_new_window(advisor):
    case, _ = waiting_case(advisor, SINCE)
    followups.waiting_followups_run(now=SINCE + dt.timedelta(days=8))
    with at(SINCE + dt.timedelta(days=9)):
        workflow.case_citizen_reply(case_id=case.pk, body="Here you are.")
    second = SINCE + dt.timedelta(days=10)
    with at(second):
        workflow.case_reply(
            case_id=case.pk, actor=workflow.Actor.staff(advisor), body="And?", wait_on_citizen=True
        )
    followups.waiting_followups_run(now=second + dt.timedelta(days=7, hours=1))
    followups.waiting_followups_run(now=second + dt.timedelta(days=7, hours=2))
    keys = list(
        OutgoingMail.objects.filter(template="followup_waiting_reminder").values_list(
            "idempotency_key", flat=True
        )
    )
    assert sorted(keys) == sorted(
        [
            f"case-{case.pk}:waiting-reminder:{SINCE.astimezone(dt.UTC).isoformat()}",
            f"case-{case.pk}:waiting-reminder:{second.astimezone(dt.UTC).isoformat()}",
        ]
    )


# --- the day before a session or a meeting --------------------------------------------

TODAY = seoul(2026, 11, 23, 9)  # Monday; "tomorrow" is Tuesday 24 in Seoul


def course_session(
    starts_at: dt.datetime, *, counselor_user=None, mode="in_person"
) -> CourseSession:
    course, _ = Course.objects.get_or_create(
        slug="founding-basics",
        defaults={"title_ko": "협동조합 설립 기초", "title_en": "Co-op founding basics"},
    )
    return CourseSession.objects.create(
        course=course,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=3),
        mode=mode,
        place="" if mode == "online" else "Center, room 2",
        online_url="https://meet.example.org/founding" if mode == "online" else "",
        capacity=30,
        counselor=counselor_user,
    )


def enrol(session: CourseSession, status: str, **case_overrides) -> Case:
    case, _ = routed_case(
        "education", email=f"e{Case.objects.count()}@example.org", **case_overrides
    )
    Enrolment.objects.create(session=session, case=case, status=status)
    return case


def test_session_reminders_table():
    teacher = StaffFactory(username="teacher")
    tomorrow = course_session(seoul(2026, 11, 24, 0, 30), counselor_user=teacher)
    late = course_session(seoul(2026, 11, 24, 23, 30), mode="online")
    day_after = course_session(seoul(2026, 11, 25, 0, 30), counselor_user=teacher)
    confirmed = enrol(tomorrow, Enrolment.Status.CONFIRMED, language="en")
    enrol(tomorrow, Enrolment.Status.WAITLISTED)
    enrol(tomorrow, Enrolment.Status.CANCELLED)
    online = enrol(late, Enrolment.Status.CONFIRMED)
    enrol(day_after, Enrolment.Status.CONFIRMED)
    before = OutgoingMail.objects.count()

    followups.session_reminders_send(now=TODAY)
    followups.session_reminders_send(now=TODAY + dt.timedelta(hours=5))  # same day again
    rows = new_outbox(before)
    assert sorted((row.template, row.recipient) for row in rows) == sorted(
        [
            ("followup_session_reminder", confirmed.email),
            ("followup_session_reminder", online.email),
            ("followup_session_reminder_staff", teacher.email),
        ]
    )
    by_recipient = {row.recipient: row for row in rows}
    assert by_recipient[confirmed.email].language == "en"
    assert by_recipient[confirmed.email].context["course"] == "Co-op founding basics"
    assert (
        mail_link(by_recipient[online.email], "online_url") == "https://meet.example.org/founding"
    )
    assert by_recipient[teacher.email].context["participants"] == 1
    # The next day, the next day's session.
    followups.session_reminders_send(now=TODAY + dt.timedelta(days=1))
    assert len(new_outbox(before)) == 3 + 2


def test_a_moved_session_is_reminded_again_for_its_new_day():
    session = course_session(seoul(2026, 11, 24, 14))
    case = enrol(session, Enrolment.Status.CONFIRMED)
    followups.session_reminders_send(now=TODAY)
    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=seoul(2026, 11, 26, 14), ends_at=seoul(2026, 11, 26, 17)
    )
    followups.session_reminders_send(now=TODAY + dt.timedelta(days=2))
    assert sent("followup_session_reminder") == [("followup_session_reminder", case.email)] * 2


def test_meeting_reminders_go_to_the_citizen_and_the_counselor():
    consultant = counselor("consulting", username="consultant")
    case, _ = routed_case("consulting", email="founder@example.org")
    engagement = Engagement.objects.create(case=case, kind="founding")
    Meeting.objects.create(
        engagement=engagement,
        starts_at=seoul(2026, 11, 24, 15),
        counselor=consultant,
        place="Room 3",
    )
    Meeting.objects.create(
        engagement=engagement,
        starts_at=seoul(2026, 11, 24, 17),
        expert_name="Lee Tax",
        expert_field="accounting",
    )
    Meeting.objects.create(
        engagement=engagement, starts_at=seoul(2026, 11, 27, 15), counselor=consultant
    )
    before = OutgoingMail.objects.count()
    for _run in range(2):
        followups.session_reminders_send(now=TODAY)
    rows = new_outbox(before)
    assert sorted((row.template, row.recipient) for row in rows) == sorted(
        [
            ("followup_meeting_reminder", "founder@example.org"),
            ("followup_meeting_reminder", "founder@example.org"),
            ("followup_meeting_reminder_staff", consultant.email),
        ]
    )


# --- satisfaction surveys -------------------------------------------------------------


def resolved_case(advisor, **overrides) -> Case:
    overrides.setdefault("email", f"s{Case.objects.count()}@example.org")
    case, _ = routed_case("advice", **overrides)
    workflow.case_transition(
        case_id=case.pk, status=Status.RESOLVED, actor=workflow.Actor.staff(advisor)
    )
    return Case.objects.get(pk=case.pk)


def survey_token(case: Case) -> str:
    row = OutgoingMail.objects.get(template="followup_survey", recipient=case.email)
    return mail_link(row, "survey_url").rstrip("/").rsplit("/", 1)[1]


def test_a_resolved_case_gets_one_survey_with_a_hashed_expiring_link(advisor, settings):
    settings.CONSULT_SURVEY_DAYS = 30
    case = resolved_case(advisor, language="en")
    now = timezone.now()
    result = followups.surveys_send(now=now)
    assert result.changed == 1
    survey = Survey.objects.get(case=case)
    token = survey_token(case)
    assert survey.token_hash == token_hash(token) and token not in survey.token_hash
    assert survey.expires_at == now + dt.timedelta(days=30)
    row = OutgoingMail.objects.get(template="followup_survey")
    assert row.idempotency_key == f"case-{case.pk}:survey"
    assert mail_link(row, "survey_url").startswith(settings.SITE_URL + "/en/consult/survey/")
    assert followups.surveys_send(now=now).changed == 0
    assert followups.surveys_send(now=now + dt.timedelta(hours=1)).changed == 0
    assert OutgoingMail.objects.filter(template="followup_survey").count() == 1


def test_a_case_resolved_again_after_reopening_gets_no_second_survey(advisor):
    case = resolved_case(advisor)
    followups.surveys_send()
    workflow.case_citizen_reply(case_id=case.pk, body="One more question")
    workflow.case_transition(
        case_id=case.pk, status=Status.RESOLVED, actor=workflow.Actor.staff(advisor)
    )
    followups.surveys_send()
    assert Survey.objects.filter(case=case).count() == 1
    assert OutgoingMail.objects.filter(template="followup_survey").count() == 1


def test_which_cases_get_a_survey(advisor):
    actor = workflow.Actor.staff(advisor)
    wanted = resolved_case(advisor)
    closed_after = resolved_case(advisor)
    workflow.case_transition(case_id=closed_after.pk, status=Status.CLOSED, actor=actor)
    test_case = resolved_case(advisor)
    Case.objects.filter(pk=test_case.pk).update(is_test=True)
    anonymised = resolved_case(advisor)
    Case.objects.filter(pk=anonymised.pk).update(anonymised_at=timezone.now())
    reopened = resolved_case(advisor)
    workflow.case_citizen_reply(case_id=reopened.pk, body="Not quite")
    merged = resolved_case(advisor, email=wanted.email)
    workflow.case_citizen_reply(case_id=merged.pk, body="Duplicate")
    workflow.case_merge(case_id=merged.pk, into_reference=wanted.reference, actor=actor)
    spam, _ = submit_case(email="spam@example.org")
    workflow.case_transition(case_id=spam.pk, status=Status.SPAM, actor=actor)
    closed_unresolved, _ = routed_case("advice", email="plain@example.org")
    workflow.case_transition(case_id=closed_unresolved.pk, status=Status.CLOSED, actor=actor)
    long_ago = resolved_case(advisor)
    Event.objects.filter(case=long_ago, new_value="resolved").update(
        created_at=timezone.now() - dt.timedelta(days=31)
    )

    followups.surveys_send()
    assert set(Survey.objects.values_list("case_id", flat=True)) == {wanted.pk, closed_after.pk}


def test_the_survey_mail_renders_in_both_languages(advisor):
    for language in ("ko", "en"):
        resolved_case(advisor, language=language)
    django_mail.outbox.clear()
    with django_capture(execute=True):
        followups.surveys_send()
    assert len(django_mail.outbox) == 2
    for message in django_mail.outbox:
        case = Case.objects.get(email=message.to[0])
        url = mail_link(
            OutgoingMail.objects.get(recipient=case.email, template="followup_survey"),
            "survey_url",
        )
        assert url in message.body and url in message.alternatives[0][0]
        assert case.reference in message.subject
        with translation.override(case.language):
            assert {"ko": "서울시협동조합상담센터", "en": "Seoul Co-op"}[
                case.language
            ] in message.body


# --- failing loudly -------------------------------------------------------------------


def test_a_mail_of_an_unregistered_template_fails_the_run_and_writes_nothing(advisor, monkeypatch):
    case = resolved_case(advisor)
    monkeypatch.setattr(mails, "SURVEY", "followup_survey_missing")
    with pytest.raises(ValueError, match="Unknown mail template"):
        followups.surveys_send()
    assert not Survey.objects.filter(case=case).exists()
    # The task does not swallow it either: called directly, the error comes out.
    with pytest.raises(ValueError, match="Unknown mail template"):
        tasks.send_surveys()


def test_a_registered_template_whose_file_is_missing_stops_the_start(monkeypatch):
    from coopcenter.outbox import checks
    from coopcenter.outbox.templates import MAIL_TEMPLATES

    monkeypatch.setattr(checks, "MAIL_TEMPLATES", {*MAIL_TEMPLATES, "followup_nowhere"})
    errors = checks.mail_templates_exist()
    assert {error.id for error in errors} == {"outbox.E001"}
    assert len(errors) == 2 * 3  # both languages, three parts


def test_a_failing_send_is_marked_failed_and_listed_in_the_outbox_admin(advisor, client, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    case = resolved_case(advisor)
    with (
        patch(
            "django.core.mail.EmailMultiAlternatives.send",
            side_effect=SMTPException("relay refused"),
        ),
        django_capture(execute=True),
    ):
        followups.surveys_send()
    row = OutgoingMail.objects.get(template="followup_survey")
    assert row.status == OutgoingMail.Status.FAILED
    assert row.attempts == 1 and "relay refused" in row.last_error
    root = get_user_model().objects.create_superuser("root", "root@center.example.org", "pw")
    client.force_login(root)
    response = client.get("/admin/outbox/outgoingmail/?status__exact=failed")
    body = response.content.decode()
    assert response.status_code == 200
    assert case.email in body and "followup_survey" in body


# --- the tasks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "service"),
    [
        (tasks.send_triage_reminders, "triage_reminders_send"),
        (tasks.run_waiting_followups, "waiting_followups_run"),
        (tasks.send_session_reminders, "session_reminders_send"),
        (tasks.send_surveys, "surveys_send"),
    ],
)
def test_each_task_runs_its_service_and_is_in_beats_schedule(settings, task, service):
    with patch.object(followups, service, return_value=followups.RunResult(mails=3)) as run:
        assert task() == 3
    run.assert_called_once_with()
    assert task.name in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def test_a_failing_run_is_retried_a_few_times_then_raised():
    assert tasks.send_surveys.max_retries == tasks.FOLLOW_UP_RETRIES
    failing = patch.object(followups, "surveys_send", side_effect=RuntimeError("db restarting"))
    with failing, pytest.raises(Retry) as retry:
        tasks.send_surveys.apply(throw=True)
    assert retry.value.when == tasks.FOLLOW_UP_RETRY_DELAY
    # The last retry raises the error itself: the worker logs it as a failure.
    with failing, pytest.raises(RuntimeError, match="db restarting"):
        tasks.send_surveys.apply(retries=tasks.FOLLOW_UP_RETRIES, throw=True)


def django_capture(*, execute: bool):
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=execute)
