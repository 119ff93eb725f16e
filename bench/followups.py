"""The desk's periodic follow-ups (consult.followups) timed over the "100,000 cases" scale.

Each task runs in a transaction that is rolled back once timed: the scale keeps its cases
as seeded (the waiting run would otherwise resolve them, the survey run leave surveys
behind), and no mail is handed to the broker (they are queued after commit only). Every
task must finish in under 60 s at this scale.

The runs stand at the scale's own "now" (a day after its newest case), so that the newest
3 % of cases, the open ones, are days old whatever the date of the run: some `new` cases
are past one and three business days, some waiting cases past seven and fourteen days.
"""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock

from bench.scales import CASE_YEAR, backfill_waiting_since

GOAL_SECONDS = 60.0
SURVEYED = 2_000  # resolved cases given a recent resolution, so the survey run has work
ENROLLED = 40
MEETINGS = 40


def consult_followups() -> str | None:
    from django.db import transaction

    from consult import followups
    from consult.models import Case

    bench_cases = Case.objects.filter(reference__startswith=f"COOP-{CASE_YEAR}-")
    newest = bench_cases.order_by("-created_at").values_list("created_at", flat=True).first()
    if newest is None:
        return None
    backfill_waiting_since()
    now = newest + timedelta(days=1)

    def timed(prepare: Callable[[datetime], str], run: Callable[[datetime], object]) -> str:
        with transaction.atomic():
            prepared = prepare(now)
            started = time.perf_counter()
            result = run(now)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        flag = "" if elapsed < GOAL_SECONDS else f" OVER THE {GOAL_SECONDS:.0f} s GOAL"
        detail = f"{result.mails} mails, {result.changed} changed"
        return f"{elapsed:.2f} s ({detail}{prepared}){flag}"

    lines = [
        f"Follow-ups over {bench_cases.count():,} cases (as of {now:%Y-%m-%d}, rolled back):",
        "  triage reminders: "
        + timed(_nothing, lambda at: followups.triage_reminders_send(now=at)),
        "  waiting follow-ups: "
        + timed(_nothing, lambda at: followups.waiting_followups_run(now=at)),
        "  session and meeting reminders: "
        + timed(_sessions_tomorrow, lambda at: followups.session_reminders_send(now=at)),
        "  surveys: " + timed(_recent_resolutions, lambda at: followups.surveys_send(now=at)),
    ]
    return "\n".join(lines)


def _nothing(now: datetime) -> str:
    return ""


def _recent_resolutions(now: datetime) -> str:
    """The scale's resolved cases carry no history: give some a resolution event within the
    survey's window, as the workflow would have written."""
    from consult.models import Case, Event, Status

    resolved = list(
        Case.objects.filter(reference__startswith=f"COOP-{CASE_YEAR}-", status=Status.RESOLVED)
        .order_by("-pk")
        .values_list("pk", flat=True)[:SURVEYED]
    )
    when = now - timedelta(days=2)
    Event.objects.bulk_create(
        Event(
            case_id=pk,
            actor_kind=Event.Actor.SYSTEM,
            field=Event.Field.STATUS,
            old_value=Status.IN_PROGRESS,
            new_value=Status.RESOLVED,
            created_at=when,
        )
        for pk in resolved
    )
    Case.objects.filter(pk__in=resolved).update(updated_at=when)
    return f"; {len(resolved):,} cases resolved lately"


def _sessions_tomorrow(now: datetime) -> str:
    """A course session tomorrow with confirmed places, and consulting meetings tomorrow."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench.scales import BENCH_COUNSELOR
    from consult.models import Case, Course, CourseSession, Engagement, Enrolment, Meeting, Status

    counselor = get_user_model().objects.get(username=BENCH_COUNSELOR)
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    starts = timezone.make_aware(datetime.combine(tomorrow, clock(14)))
    course, _created = Course.objects.get_or_create(
        slug="bench-founding-basics",
        defaults={"title_ko": "협동조합 설립 기초 (벤치)", "title_en": "Founding basics (bench)"},
    )
    session = CourseSession.objects.create(
        course=course,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        place="센터 교육장",
        capacity=ENROLLED,
        counselor=counselor,
    )
    open_cases = Case.objects.filter(
        reference__startswith=f"COOP-{CASE_YEAR}-", status=Status.IN_PROGRESS
    ).order_by("-pk")
    learners = list(open_cases.filter(track="education").values_list("pk", flat=True)[:ENROLLED])
    Enrolment.objects.bulk_create(
        Enrolment(session=session, case_id=pk, status=Enrolment.Status.CONFIRMED) for pk in learners
    )
    consulted = list(
        open_cases.filter(track="consulting", engagement__isnull=True).values_list("pk", flat=True)[
            :MEETINGS
        ]
    )
    engagements = Engagement.objects.bulk_create(
        Engagement(case_id=pk, kind="founding") for pk in consulted
    )
    Meeting.objects.bulk_create(
        Meeting(engagement=engagement, starts_at=starts, counselor=counselor, place="센터 3층")
        for engagement in engagements
    )
    return f"; {len(learners)} places and {len(engagements)} meetings tomorrow"
