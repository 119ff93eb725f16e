"""The desk's follow-ups run by the real beat and worker (`python -m coopcenter.stack`): a
resolved case's survey invitation and a session's day-before reminder each reach the SMTP
server exactly once, however many times beat runs their task.

Beat runs the two follow-ups every second here (CONSULT_SURVEYS_SCHEDULE and
CONSULT_SESSION_REMINDERS_SCHEDULE, read by the settings like any deployment's schedule),
so each test sees many runs in the same window. The stack gets a redis-server of its own.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from consult import workflow
from consult.models import Course, CourseSession, Enrolment, Status
from coopcenter.outbox.models import OutgoingMail
from tests.consult.factories import StaffFactory, counselor, routed_case

from .conftest import wait_for

pytestmark = [pytest.mark.services("postgres", "redis-server"), pytest.mark.stack]


def followups_env(env: dict[str, str]) -> dict[str, str]:
    return {
        **env,
        "CONSULT_SURVEYS_SCHEDULE": "1",
        "CONSULT_SESSION_REMINDERS_SCHEDULE": "1",
        # Not under test here: kept out of the way.
        "CONSULT_TRIAGE_REMINDERS_SCHEDULE": "86400",
        "CONSULT_WAITING_FOLLOWUPS_SCHEDULE": "86400",
    }


def runs(stack, task: str) -> int:
    """How many runs of `task` the worker has finished so far."""
    return len(re.findall(rf"Task consult\.tasks\.{task}\[[^\]]+\] succeeded", stack.output()))


def to(inbox, recipient: str, template_subject: str) -> list:
    return [
        received
        for received in inbox.messages()
        if received.recipients == [recipient] and template_subject in received.message["Subject"]
    ]


def test_a_resolved_case_gets_its_survey_once(private_redis, stack_env, start_stack, inbox):
    staff = counselor("advice", username="advisor")
    case, _ = routed_case("advice", language="en", email="survey@example.org")
    # The test process runs its own tasks eagerly: the acknowledgement and the resolution
    # mails go to its local mailbox, not to the stack's SMTP server.
    workflow.case_transition(
        case_id=case.pk, status=Status.RESOLVED, actor=workflow.Actor.staff(staff)
    )
    stack = start_stack(followups_env(stack_env(private_redis.url)))

    assert wait_for(lambda: to(inbox, case.email, "How did we do?"), timeout=60), (
        "no survey invitation reached the SMTP server"
    )
    # Let beat run the survey task a few more times: none may send it again.
    before = runs(stack, "send_surveys")
    assert wait_for(lambda: runs(stack, "send_surveys") >= before + 3, timeout=30)
    assert len(to(inbox, case.email, "How did we do?")) == 1
    row = OutgoingMail.objects.get(template="followup_survey")
    assert row.status == OutgoingMail.Status.SENT and row.attempts == 1
    assert case.reference in to(inbox, case.email, "How did we do?")[0].message["Subject"]


def test_a_session_reminder_arrives_the_day_before_and_once(
    private_redis, stack_env, start_stack, inbox
):
    teacher = StaffFactory(username="teacher")
    case, _ = routed_case("education", language="en", email="learner@example.org")
    course = Course.objects.create(
        slug="founding-basics", title_ko="협동조합 설립 기초", title_en="Co-op founding basics"
    )
    # Noon, two days from today in Seoul: not "tomorrow" yet for the worker.
    today = timezone.localdate()
    starts = timezone.make_aware(datetime.combine(today + timedelta(days=2), time(12)))
    session = CourseSession.objects.create(
        course=course,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        place="Center, room 2",
        capacity=20,
        counselor=teacher,
    )
    Enrolment.objects.create(session=session, case=case, status=Enrolment.Status.CONFIRMED)
    stack = start_stack(followups_env(stack_env(private_redis.url)))

    assert wait_for(lambda: runs(stack, "send_session_reminders") >= 3, timeout=60)
    assert not to(inbox, case.email, "Reminder"), "reminded two days ahead"

    # A day passes. Rather than a clock the product would have to read from a test hook,
    # the session is brought a day nearer: for the task, "the session is tomorrow" depends
    # only on the distance between now and the session's start, so this is the same as the
    # worker's clock moving forward by a day.
    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=starts - timedelta(days=1), ends_at=starts - timedelta(days=1, hours=-3)
    )
    assert wait_for(lambda: to(inbox, case.email, "Reminder"), timeout=60), (
        "no reminder reached the SMTP server the day before"
    )
    assert wait_for(lambda: to(inbox, teacher.email, "내일 교육"), timeout=30)
    before = runs(stack, "send_session_reminders")
    assert wait_for(lambda: runs(stack, "send_session_reminders") >= before + 3, timeout=30)
    assert len(to(inbox, case.email, "Reminder")) == 1
    assert len(to(inbox, teacher.email, "내일 교육")) == 1
    assert "Co-op founding basics" in to(inbox, case.email, "Reminder")[0].message["Subject"]
