"""The desk's periodic follow-ups, run by beat through consult.tasks: triage reminders, the
waiting-on-the-citizen reminder and automatic resolution, the day-before reminders of
course sessions and consulting meetings, and the satisfaction survey.

Every function here may run any number of times: each mail's outbox idempotency key names
its case and its window ("case-12:triage-reminder:1:user-3", "case-12:waiting-reminder:
<waiting_since>"), so a run repeated in the same window queues nothing new, and the keys
already queued are looked up in one query per batch before anything is written (a fresh
tracking link is issued only for a mail that will really be sent). Due rows are found
with one indexed query, then handled in batches by primary key.

`now` is the moment a run stands for (the tests move it; beat passes nothing).
"""

import logging
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from coopcenter.outbox.models import OutgoingMail

from . import mails, permissions, workflow
from .deadlines import received_by
from .models import (
    Case,
    CourseSession,
    Enrolment,
    Event,
    Meeting,
    Status,
    Survey,
    Team,
    TeamMembership,
    Track,
)
from .services import TOKEN_BYTES, token_hash, token_issue

logger = logging.getLogger(__name__)

BATCH = 200

# Business days a case may stay `new` before the triage team is reminded, and before the
# assignee and the managers are told. A case past the second gets the escalation only.
TRIAGE_REMINDER_DAYS = 1
TRIAGE_ESCALATION_DAYS = 3

# A citizen who is past these cases' state no longer hears about them.
NO_CITIZEN_MAIL = (Status.SPAM, Status.MERGED)


@dataclass(frozen=True)
class RunResult:
    """What a run did: the mails it queued, and for the waiting run the cases it resolved
    (for the surveys, the surveys it created)."""

    mails: int = 0
    changed: int = 0


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _local_midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _batches(ids: list[int], size: int = BATCH) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _queued(keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    if not keys:
        return set()
    return set(
        OutgoingMail.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )


def _mailable(users: Iterable) -> list:
    return [user for user in users if user.email]


# --- who is told -----------------------------------------------------------------------


def triage_team_members() -> list:
    """The active members of the triage team (active staff accounts, not on leave)."""
    team = Team.objects.filter(track=Track.TRIAGE).first()
    if team is None:
        return []
    memberships = TeamMembership.objects.filter(
        team=team, is_active=True, user__is_active=True, user__is_staff=True
    ).select_related("user")
    return _mailable(membership.user for membership in memberships.order_by("user_id"))


def desk_managers() -> list:
    """Active managers with an address (consult.permissions.managers)."""
    return _mailable(permissions.managers())


# --- triage reminders ------------------------------------------------------------------


def triage_reminders_send(*, now: datetime | None = None) -> RunResult:
    """Cases still `new` after TRIAGE_REMINDER_DAYS business days: a reminder to each
    active member of the triage team. After TRIAGE_ESCALATION_DAYS: the assignee (if any)
    and the managers instead. Business days skip weekends, Korean public holidays and
    the center's closing days."""
    now = _now(now)
    today = timezone.localdate(now)
    # Received on or before these days: one indexed query on (status, …) each.
    escalate_before = _local_midnight(received_by(today, TRIAGE_ESCALATION_DAYS) + timedelta(1))
    remind_before = _local_midnight(received_by(today, TRIAGE_REMINDER_DAYS) + timedelta(1))
    due = list(
        Case.objects.filter(
            status=Status.NEW, created_at__lt=remind_before, anonymised_at__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not due:
        return RunResult()
    team = triage_team_members()
    managers = desk_managers()
    queued = 0
    for batch in _batches(due):
        with transaction.atomic():
            # Read again in the transaction: a case routed since the ids were taken is
            # no longer reminded.
            cases = list(
                Case.objects.filter(pk__in=batch, status=Status.NEW)
                .select_related("assignee")
                .only("pk", "reference", "created_at", "assignee__email", "assignee__id")
                .order_by("pk")
            )
            plan = []
            for case in cases:
                if case.created_at < escalate_before:
                    days, escalation = TRIAGE_ESCALATION_DAYS, True
                    people = list(managers)
                    if case.assignee is not None and case.assignee.email:
                        people.insert(0, case.assignee)
                else:
                    days, escalation = TRIAGE_REMINDER_DAYS, False
                    people = team
                seen = set()
                for user in people:
                    if user.pk in seen:
                        continue
                    seen.add(user.pk)
                    key = mails.triage_reminder_key(case_id=case.pk, days=days, user_id=user.pk)
                    plan.append((key, case, user, days, escalation))
            already = _queued(key for key, *_rest in plan)
            for key, case, user, days, escalation in plan:
                if key in already:
                    continue
                mails.mail_triage_reminder(case=case, user=user, days=days, escalation=escalation)
                queued += 1
    return RunResult(mails=queued)


# --- waiting on the citizen ------------------------------------------------------------


def waiting_followups_run(*, now: datetime | None = None) -> RunResult:
    """Cases waiting on the citizen: after CONSULT_WAITING_REMINDER_DAYS one reminder with a
    fresh tracking link; after CONSULT_WAITING_RESOLVE_DAYS the case is resolved by the
    system (consult.workflow.case_resolve_unanswered, which tells the citizen how to
    reopen it). A new wait is a new window: it gets its own reminder."""
    now = _now(now)
    remind_after = timedelta(days=settings.CONSULT_WAITING_REMINDER_DAYS)
    resolve_after = timedelta(days=settings.CONSULT_WAITING_RESOLVE_DAYS)
    rows = list(
        Case.objects.filter(
            status=Status.WAITING_ON_CITIZEN,
            waiting_since__isnull=False,
            waiting_since__lte=now - remind_after,
            # Erased on the citizen's request: nobody is left to remind.
            anonymised_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", "waiting_since")
    )
    to_resolve = [(pk, since) for pk, since in rows if since <= now - resolve_after]
    to_remind = [(pk, since) for pk, since in rows if since > now - resolve_after]

    resolved = 0
    for case_id, since in to_resolve:
        if workflow.case_resolve_unanswered(case_id=case_id, waiting_since=since) is not None:
            resolved += 1

    reminded = 0
    for start in range(0, len(to_remind), BATCH):
        batch = to_remind[start : start + BATCH]
        keys = {
            mails.waiting_reminder_key(case_id=pk, waiting_since=since): pk for pk, since in batch
        }
        for key in keys.keys() - _queued(keys):
            reminded += _waiting_remind(case_id=keys[key], key=key, now=now)
    return RunResult(mails=reminded + resolved, changed=resolved)


@transaction.atomic
def _waiting_remind(*, case_id: int, key: str, now: datetime) -> int:
    # The row lock makes two runs at once take turns, and the second one sees the first's
    # mail; a case another worker holds is left for the next run.
    case = (
        Case.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=case_id, status=Status.WAITING_ON_CITIZEN, anonymised_at__isnull=True)
        .first()
    )
    if case is None or case.waiting_since is None:
        return 0
    if mails.waiting_reminder_key(case_id=case.pk, waiting_since=case.waiting_since) != key:
        return 0  # a new wait started since the run looked
    if OutgoingMail.objects.filter(idempotency_key=key).exists():
        return 0
    resolve_on = timezone.localdate(
        case.waiting_since + timedelta(days=settings.CONSULT_WAITING_RESOLVE_DAYS)
    )
    _row, token = token_issue(case=case)
    mails.mail_waiting_reminder(case=case, token=token, resolve_on=resolve_on)
    return 1


# --- the day before a session or a meeting --------------------------------------------


def _tomorrow(now: datetime) -> tuple[datetime, datetime]:
    """Tomorrow in Seoul, as [start, end)."""
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    return _local_midnight(tomorrow), _local_midnight(tomorrow + timedelta(days=1))


def session_reminders_send(*, now: datetime | None = None) -> RunResult:
    """The day before (Seoul time): each confirmed participant of tomorrow's course sessions
    and the session's counselor; each consulting meeting's citizen and counselor."""
    start, end = _tomorrow(_now(now))
    queued = 0

    sessions = list(
        CourseSession.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("course", "counselor")
        .order_by("pk")
    )
    for session in sessions:
        enrolments = list(
            Enrolment.objects.filter(session=session, status=Enrolment.Status.CONFIRMED)
            .exclude(case__status__in=NO_CITIZEN_MAIL)
            .filter(case__anonymised_at__isnull=True)
            .select_related("case")
            .order_by("pk")
        )
        day = timezone.localdate(session.starts_at)
        for chunk in _batches(enrolments):
            with transaction.atomic():
                keys = {
                    mails.session_reminder_key(
                        case_id=enrolment.case_id, session_id=session.pk, day=day
                    ): enrolment
                    for enrolment in chunk
                }
                for key in keys.keys() - _queued(keys):
                    mails.mail_session_reminder(case=keys[key].case, session=session)
                    queued += 1
        counselor = session.counselor
        if counselor is not None and counselor.email and enrolments:
            key = mails.session_staff_reminder_key(
                session_id=session.pk, day=day, user_id=counselor.pk
            )
            if not _queued([key]):
                mails.mail_session_reminder_staff(
                    session=session, user=counselor, participants=len(enrolments)
                )
                queued += 1

    meetings = list(
        Meeting.objects.filter(starts_at__gte=start, starts_at__lt=end, cancelled_at__isnull=True)
        .select_related("engagement__case", "counselor")
        .order_by("pk")
    )
    for chunk in _batches(meetings):
        with transaction.atomic():
            plan = {}
            for meeting in chunk:
                case = meeting.engagement.case
                day = timezone.localdate(meeting.starts_at)
                if case.status not in NO_CITIZEN_MAIL and case.anonymised_at is None:
                    key = mails.meeting_reminder_key(
                        case_id=case.pk, meeting_id=meeting.pk, day=day
                    )
                    plan[key] = (meeting, None)
                counselor = meeting.counselor
                if counselor is not None and counselor.email:
                    key = mails.meeting_reminder_key(
                        case_id=case.pk, meeting_id=meeting.pk, day=day, user_id=counselor.pk
                    )
                    plan[key] = (meeting, counselor)
            for key in plan.keys() - _queued(plan):
                meeting, user = plan[key]
                if user is None:
                    mails.mail_meeting_reminder(case=meeting.engagement.case, meeting=meeting)
                else:
                    mails.mail_meeting_reminder_staff(
                        case=meeting.engagement.case, meeting=meeting, user=user
                    )
                queued += 1
    return RunResult(mails=queued)


# --- satisfaction surveys --------------------------------------------------------------


def cases_due_for_survey(*, now: datetime | None = None) -> QuerySet:
    """Cases that were resolved within the last CONSULT_SURVEY_DAYS and have no survey yet:
    not test cases, not anonymised, and still resolved or closed since (a case reopened
    waits for its next resolution). Spam and merged cases never qualify. A case resolved
    longer ago than a survey would live is not asked any more."""
    now = _now(now)
    since = now - timedelta(days=settings.CONSULT_SURVEY_DAYS)
    resolved_recently = Event.objects.filter(
        case=OuterRef("pk"),
        field=Event.Field.STATUS,
        new_value=Status.RESOLVED,
        created_at__gte=since,
    )
    return (
        Case.objects.filter(
            status__in=(Status.RESOLVED, Status.CLOSED),
            is_test=False,
            anonymised_at__isnull=True,
            # updated_at moves with every save, the resolution's too: a cheap first cut
            # before the event lookup.
            updated_at__gte=since,
        )
        .filter(~Exists(Survey.objects.filter(case=OuterRef("pk"))))
        .filter(Exists(resolved_recently))
    )


def survey_token_issue(*, case: Case, now: datetime) -> tuple[Survey, str]:
    """A survey for the case with a new private link; only the link's hash is stored, as
    for tracking links."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    survey = Survey.objects.create(
        case=case,
        token_hash=token_hash(token),
        sent_at=now,
        expires_at=now + timedelta(days=settings.CONSULT_SURVEY_DAYS),
    )
    return survey, token


def surveys_send(*, now: datetime | None = None) -> RunResult:
    """One survey per resolved case, ever: created with its link and mailed in one
    transaction per case. The survey row (one per case, a database constraint) is what
    makes a second run, or a second resolution after a reopening, send nothing."""
    now = _now(now)
    due = list(cases_due_for_survey(now=now).order_by("pk").values_list("pk", flat=True))
    created = 0
    for case_id in due:
        created += _survey_send(case_id=case_id, now=now)
    return RunResult(mails=created, changed=created)


@transaction.atomic
def _survey_send(*, case_id: int, now: datetime) -> int:
    case = (
        Case.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=case_id, is_test=False, anonymised_at__isnull=True)
        .exclude(status__in=NO_CITIZEN_MAIL)
        .first()
    )
    if case is None or Survey.objects.filter(case=case).exists():
        return 0
    survey, token = survey_token_issue(case=case, now=now)
    mails.mail_survey(case=case, token=token, expires_at=survey.expires_at)
    return 1


class SurveyError(Exception):
    """A survey answer the desk refuses; the message is fit to show to the citizen."""


class SurveyAnswered(SurveyError):
    pass


class SurveyExpired(SurveyError):
    pass


def survey_lookup(*, token: str) -> Survey | None:
    """The survey a link opens, or None (a wrong token, or a case whose data was erased).
    One query; the case comes along for the page's reference and language."""
    return (
        Survey.objects.filter(
            token_hash=token_hash(token),
            case__anonymised_at__isnull=True,
            withdrawn_at__isnull=True,
        )
        .select_related("case")
        .only(
            "pk",
            "sent_at",
            "expires_at",
            "rating",
            "answered_at",
            "case__id",
            "case__reference",
            "case__language",
        )
        .first()
    )


def survey_is_expired(survey: Survey, *, now: datetime | None = None) -> bool:
    return survey.answered_at is None and _now(now) >= survey.expires_at


@transaction.atomic
def survey_answer(
    *, survey_id: int, rating: int, comment: str = "", now: datetime | None = None
) -> Survey:
    """Record the citizen's answer, once: under the row lock, a second answer (a double
    click, a second tab) is refused, and so is an answer after the link expired."""
    from django.utils.translation import gettext as _

    now = _now(now)
    survey = Survey.objects.select_for_update().get(pk=survey_id)
    if survey.answered_at is not None:
        raise SurveyAnswered(_("You have already answered this survey; we keep your first answer."))
    # Withdrawn (the citizen's data erased) while the page was open: as good as expired.
    if now >= survey.expires_at or survey.withdrawn_at is not None:
        raise SurveyExpired(_("This survey link has expired."))
    if rating not in range(1, 6):
        raise SurveyError(_("Choose a rating from 1 to 5."))
    survey.rating = rating
    survey.comment = comment.strip()
    survey.answered_at = now
    survey.save(update_fields=["rating", "comment", "answered_at"])
    return survey
