"""The citizens' personal data (PIPA): removing it when the retention period is over
(art. 21), and the requests a citizen makes about it, handled by a manager: a copy of
everything held on their address (art. 35) and its erasure (art. 36).

What identifies a citizen lives in these places, and nowhere else:

- the case: name, email, phone and the first message;
- the thread: every message body (internal notes too: counselors quote the citizen) and
  the attachments, rows and files;
- the free-text reasons of the case's events;
- the satisfaction survey's comment (its rating stays, for the statistics);
- a consulting engagement's meeting notes: place, summary and agreed next step;
- the outbox: the mails sent to the citizen (address, and the context they are rendered
  from, which holds names and message text) and the staff's mails about the case;
- a waiting inquiry (Submission) that never became a case;
- for a day, the tracking page's rendered copy in the cache.

Enrolments, engagements and checklists hold no personal data beyond the link to the case,
so they stay with the case for the statistics, like its reference, service, dates, status,
rating and the events' codes. What the case still holds in the calendar is given up with
the data, though: places in coming sessions (the seat goes to the next on the waiting
list), coming meetings, the survey not yet answered.
"""

import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import CharField, F, Prefetch, Q, QuerySet, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Concat, JSONObject, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coopcenter.outbox.models import OutgoingMail

from . import workflow
from .education import LIVE_STATUSES, EducationError, enrolment_cancel
from .models import (
    FINAL_STATUSES,
    AccessToken,
    Attachment,
    Case,
    Enrolment,
    Event,
    Meeting,
    Message,
    Status,
    Submission,
    Survey,
    email_normalise,
)

logger = logging.getLogger(__name__)

ANONYMISED_NAME = "(anonymised)"
ANONYMISED_TEXT = "(anonymised: the citizen's data was removed)"


class PrivacyRequest(models.TextChoices):
    """The codes a privacy request leaves in a case's history (Event.Field.PRIVACY)."""

    EXPORTED = "exported", _("copy of the data exported")
    ERASED = "erased", _("data erased on request")


EXPORTED = PrivacyRequest.EXPORTED
ERASED = PrivacyRequest.ERASED
# Cases anonymised per transaction by the nightly run.
BATCH_SIZE = 200


def anonymised_email(case_id: int) -> str:
    # The reserved .invalid domain reaches nobody; the id keeps the value unique per case.
    return f"case-{case_id}@anonymised.invalid"


# The same, written by the database for many cases in one statement.
_ANONYMISED_EMAIL = Concat(
    Value("case-"), Cast("pk", CharField()), Value("@anonymised.invalid"), output_field=CharField()
)
# The outbox rows of an anonymised citizen's mails; the reference left in their context
# still ties each to its case.
ANONYMISED_RECIPIENT = "anonymised@anonymised.invalid"


def _file_storage():
    return Attachment._meta.get_field("file").storage


# --- anonymisation -----------------------------------------------------------------------


def cases_due_for_anonymising(*, now: datetime | None = None, days: int | None = None):
    """Cases over (closed, spam, merged) for longer than CONSULT_RETENTION_DAYS and not yet
    anonymised. A resolved case is not over: close it and its period starts."""
    now = now or timezone.now()
    days = settings.CONSULT_RETENTION_DAYS if days is None else days
    return Case.objects.filter(
        status__in=FINAL_STATUSES,
        closed_at__lt=now - timedelta(days=days),
        anonymised_at__isnull=True,
    ).order_by("closed_at", "pk")


def _consult_mail_keys(case_ids: Sequence[int]) -> dict[str, int]:
    """The idempotency keys consult.mails gives the citizen's mails about these cases, each
    with its case (three queries whatever the number of cases)."""
    keys = {f"consult:ack:{pk}": pk for pk in case_ids}
    tokens = AccessToken.objects.filter(case_id__in=case_ids).values_list("pk", "case_id")
    keys |= {f"consult:link:{pk}": case_id for pk, case_id in tokens}
    replies = Message.objects.filter(case_id__in=case_ids, is_internal=False)
    keys |= {f"consult:reply:{pk}": case_id for pk, case_id in replies.values_list("pk", "case_id")}
    for pk, case_id in Event.objects.filter(case_id__in=case_ids).values_list("pk", "case_id"):
        keys[f"consult:referred:{pk}"] = case_id
        keys[f"consult:resolved:{pk}"] = case_id
    return keys


def _outbox_forget(cases: Sequence[Case], *, gone_emails: Iterable[str]) -> None:
    """Strip the outbox rows about these cases of everything personal.

    A row is about a case when its idempotency key is one consult.mails gives the case's
    mails, when its context names the case's reference (every mail about a case carries
    it), or when it names no case and is addressed to an address that no case kept any
    more uses (`gone_emails`, upper case).
    Mails still pending are deleted (nothing is owed to an erased citizen, and the staff's
    mails about the case would point at an empty page); the others keep their template,
    status and times, and the reference, so that the outbox's history still adds up, while
    the citizen's address, the rest of the context (the mail's text is rendered from it)
    and the last error (which may quote the address) go. One scan of the outbox finds the
    rows of every case at once; the writes then go by primary key.
    """
    gone = sorted(set(gone_emails))
    citizens = {case.email.upper() for case in cases} | set(gone)
    keys = _consult_mail_keys([case.pk for case in cases])
    wanted = Q(idempotency_key__in=keys) | Q(
        context__reference__in=[case.reference for case in cases]
    )
    if gone:
        # Only a mail that names no case: one naming another case is that case's business.
        wanted |= Q(recipient_upper__in=gone) & ~Q(context__has_key="reference")
    rows = list(
        OutgoingMail.objects.annotate(recipient_upper=Upper("recipient"))
        .filter(wanted)
        .values_list("pk", "recipient_upper", "status")
    )
    if not rows:
        return
    mails = OutgoingMail.objects.filter(pk__in=[pk for pk, _to, _status in rows])
    to_citizen = [pk for pk, to, _status in rows if to in citizens]
    mails.filter(pk__in=to_citizen).update(recipient=ANONYMISED_RECIPIENT, last_error="", sealed="")
    mails.filter(context__has_key="reference").update(
        context=JSONObject(reference=KeyTextTransform("reference", "context"))
    )
    mails.exclude(context__has_key="reference").update(context={})
    # Scrubbed first, deleted after: a mail a worker is sending right now is waited for,
    # then found sent, and stays (scrubbed) as the record that it was sent.
    pending = [pk for pk, _to, status in rows if status == OutgoingMail.Status.PENDING]
    OutgoingMail.objects.filter(pk__in=pending, status=OutgoingMail.Status.PENDING).delete()


def _emails_no_longer_held(cases: Sequence[Case]) -> list[str]:
    """The addresses (upper case) of these cases that no other case still holding personal
    data uses, nor any waiting inquiry: every mail to them can go."""
    emails = {case.email.upper() for case in cases}
    ids = [case.pk for case in cases]
    kept = set(
        Case.objects.annotate(email_upper=Upper("email"))
        .filter(email_upper__in=emails, anonymised_at__isnull=True)
        .exclude(pk__in=ids)
        .values_list("email_upper", flat=True)
    )
    kept |= set(
        Submission.objects.annotate(email_upper=Upper("email"))
        .filter(email_upper__in=emails)
        .values_list("email_upper", flat=True)
    )
    return sorted(emails - kept)


def _track_cache_forget(cases: Sequence[Case], now: datetime) -> None:
    """The tracking page keeps a rendered copy of each version of a case (its messages
    included) in the cache for a day. A case changed within that day may still have one:
    drop them. Older copies have expired already; the per-process copies are unreachable,
    since the case's links are revoked, and are pushed out by newer pages."""
    from .views import TRACK_CACHE_SECONDS, track_cache_key

    recent = now - timedelta(seconds=TRACK_CACHE_SECONDS)
    keys = [
        track_cache_key(case, version=version, language=language)
        for case in cases
        if case.updated_at >= recent
        for version in range(1, case.version + 1)
        for language, _name in settings.LANGUAGES
    ]
    if keys:
        with contextlib.suppress(Exception):  # a cache that is down holds nothing
            cache.delete_many(keys)


def _give_up_what_cases_hold(case_ids: Sequence[int], now: datetime) -> None:
    """A case whose citizen's data goes gives up what it still holds in the center's
    calendar, in the same transaction: its places in sessions still to come are cancelled
    as a citizen's own cancellation would (education.enrolment_cancel: a freed seat or a
    seat held for an offer goes to the next on the waiting list, who is offered it), minus
    the mail to a citizen who is gone; its meetings still to come are cancelled (no
    reminders); its unanswered survey is withdrawn (the link stops opening). Past sessions
    and meetings stay as history. A few queries per batch, whatever its size, plus one
    cancellation per live place (rare in the nightly run: those cases closed years ago)."""
    live = (
        Enrolment.objects.filter(
            case_id__in=case_ids, status__in=LIVE_STATUSES, session__starts_at__gt=now
        )
        .order_by("session_id", "pk")
        .values_list("pk", flat=True)
    )
    for enrolment_id in list(live):
        try:
            enrolment_cancel(
                enrolment_id=enrolment_id, actor=workflow.Actor.system(), mail_citizen=False
            )
        except EducationError:
            # The session began meanwhile: a place taken stays as history.
            logger.info("Enrolment %s kept: its session has begun", enrolment_id)
    Meeting.objects.filter(
        engagement__case_id__in=case_ids, starts_at__gt=now, cancelled_at__isnull=True
    ).update(cancelled_at=now)
    Survey.objects.filter(
        case_id__in=case_ids, answered_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=now)


def cases_anonymise(*, case_ids: Sequence[int], now: datetime | None = None) -> list[Case]:
    """Remove everything that identifies the citizens of these cases, in one transaction,
    keeping what the statistics need: reference, service (track), status, stage, topic,
    service wanted, district, dates, the events' codes, the consent record, enrolments,
    consulting meetings' dates and experts, checklists and the survey's rating. What the
    cases still hold in the calendar is given up first (_give_up_what_cases_hold).
    Irreversible; a case already anonymised is left as it is, so running it twice is
    harmless. Returns the cases it anonymised.

    Each statement covers every case at once, so a batch of cases costs about as many
    queries as one case; all of them or none are anonymised.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Rows locked in id order: the workflow, a privacy request or a second run wait for
        # this one and then find the case anonymised.
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .filter(pk__in=list(case_ids), anonymised_at__isnull=True)
            .only("pk", "reference", "email", "version", "created_at", "updated_at")
            .order_by("pk")
        )
        if not cases:
            return []
        ids = [case.pk for case in cases]
        # First, before the outbox is cleaned: the seat a case gives up is offered to the
        # next person waiting, whose mail is theirs, not this case's.
        _give_up_what_cases_hold(ids, now)
        _outbox_forget(cases, gone_emails=_emails_no_longer_held(cases))

        # Files first, rows after, inside the transaction: if anything later fails, the
        # rows stay (pointing at files already gone) and the next run finishes the case;
        # files removed only after the commit could outlive a crash with no row to find
        # them by, and the citizen's documents would stay on disk for good.
        storage = _file_storage()
        for name in Attachment.objects.filter(case_id__in=ids).values_list("file", flat=True):
            if name:
                storage.delete(name)
        Attachment.objects.filter(case_id__in=ids).delete()
        Message.objects.filter(case_id__in=ids).update(body=ANONYMISED_TEXT)
        # Events are append-only: Event.save() and Event.delete() refuse, and nothing else
        # in the desk updates them. This queryset update is the one exception, on purpose:
        # a reason is free text a counselor typed ("박민지 called"), i.e. the citizen's data,
        # which the law says must go; the codes, actors and times, the audit trail proper,
        # are not touched. A merge's reason is the surviving case's reference, kept.
        Event.objects.filter(case_id__in=ids).exclude(reason="").exclude(
            field=Event.Field.MERGED_INTO
        ).exclude(field=Event.Field.STATUS, new_value=Status.MERGED).update(reason=ANONYMISED_TEXT)
        AccessToken.objects.filter(case_id__in=ids, revoked_at__isnull=True).update(revoked_at=now)
        # The survey's link stops opening (no token hashes to this value; one survey per
        # case keeps it unique) and its comment goes; the rating stays for the statistics.
        Survey.objects.filter(case_id__in=ids).update(
            comment="", token_hash=Concat(Value("revoked:"), "case_id")
        )
        # The place may be the citizen's own address or a private video link.
        Meeting.objects.filter(engagement__case_id__in=ids).update(
            place="", summary="", next_step=""
        )
        Case.objects.filter(pk__in=ids).update(
            name=ANONYMISED_NAME,
            email=_ANONYMISED_EMAIL,
            phone="",
            message=ANONYMISED_TEXT,
            anonymised_at=now,
            version=F("version") + 1,
            updated_at=now,
        )
        for case in cases:
            case.name, case.email, case.phone = ANONYMISED_NAME, anonymised_email(case.pk), ""
            case.message, case.anonymised_at, case.updated_at = ANONYMISED_TEXT, now, now
            case.version += 1
        _track_cache_forget(cases, now)
    return cases


def case_anonymise(*, case_id: int) -> Case:
    """Anonymise one case (see cases_anonymise); returns it as it is now."""
    cases_anonymise(case_ids=[case_id])
    return Case.objects.get(pk=case_id)


def submissions_expired_delete(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete inquiries that never became a case and have waited longer than the retention
    period (the intake opens one within seconds; one this old was given up on), with their
    files. Returns how many went."""
    now = now or timezone.now()
    days = settings.CONSULT_RETENTION_DAYS if days is None else days
    return _submissions_delete(
        Submission.objects.filter(received_at__lt=now - timedelta(days=days))
    )


def _submissions_delete(queryset: QuerySet, *, skip_locked: bool = True) -> int:
    """Delete these waiting inquiries and their files. A row the intake holds is opening as
    a case right now: the nightly run skips it (it is not expired, then), an erasure waits
    for it (and checks afterwards whether it became a case)."""
    deleted = 0
    with transaction.atomic():
        storage = _file_storage()
        rows = queryset.select_for_update(skip_locked=skip_locked).only("pk", "files")
        for submission in rows:
            for item in submission.files:
                with contextlib.suppress(OSError, KeyError, TypeError):
                    storage.delete(item["path"])
            submission.delete()
            deleted += 1
    return deleted


@dataclass
class AnonymiseRun:
    """What a run of the nightly anonymisation did."""

    anonymised: list[str] = field(default_factory=list)  # references
    failed: list[int] = field(default_factory=list)  # case ids, left for the next run
    submissions: int = 0


def expired_cases_anonymise(
    *, now: datetime | None = None, days: int | None = None, batch_size: int = BATCH_SIZE
) -> AnonymiseRun:
    """The nightly run: anonymise every case whose retention period is over, a batch per
    transaction, and delete the inquiries that waited as long.

    A batch that fails is done again case by case, each in its own transaction, so that one
    case that cannot be anonymised (logged, and tried again next night) holds back no other.
    Safe to run twice, or twice at once: each batch locks its rows and skips what is done.
    """
    now = now or timezone.now()
    run = AnonymiseRun()
    due = list(cases_due_for_anonymising(now=now, days=days).values_list("pk", flat=True))
    for start in range(0, len(due), batch_size):
        batch = due[start : start + batch_size]
        try:
            run.anonymised += [c.reference for c in cases_anonymise(case_ids=batch, now=now)]
            continue
        except Exception:
            logger.exception(
                "Anonymising cases %s..%s failed; trying one by one", batch[0], batch[-1]
            )
        for case_id in batch:
            try:
                run.anonymised += [c.reference for c in cases_anonymise(case_ids=[case_id])]
            except Exception:
                logger.exception("Anonymising case %s failed", case_id)
                run.failed.append(case_id)
    run.submissions = submissions_expired_delete(now=now, days=days)
    return run


# --- the citizen's requests ----------------------------------------------------------------


def cases_of_email(email: str) -> QuerySet:
    """The cases that hold this address (anonymised ones hold a placeholder, not it)."""
    return Case.objects.filter(email__iexact=email_normalise(email))


def submissions_of_email(email: str) -> QuerySet:
    return Submission.objects.filter(email__iexact=email_normalise(email))


def _record(case_ids: Iterable[int], actor: AbstractBaseUser, action: str) -> None:
    """One event per case saying which request was handled and by whom: never the address
    nor anything that was exported (the history is kept after anonymisation)."""
    Event.objects.bulk_create(
        Event(
            case_id=case_id,
            actor_kind=Event.Actor.STAFF,
            actor=actor,
            field=Event.Field.PRIVACY,
            new_value=action,
        )
        for case_id in case_ids
    )


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _file_entry(attachment: Attachment) -> dict:
    return {
        "name": attachment.original_name,
        "size": attachment.size,
        "type": attachment.content_type,
        "uploaded_at": _when(attachment.uploaded_at),
    }


def _case_entry(case: Case) -> dict:
    files: dict[int | None, list[dict]] = {}
    for attachment in case.attachments.all():
        files.setdefault(attachment.message_id, []).append(_file_entry(attachment))
    entry = {
        "reference": case.reference,
        "received_at": _when(case.created_at),
        "name": case.name,
        "email": case.email,
        "phone": case.phone,
        "district": (
            (case.district.name_en if case.language == "en" else case.district.name_ko)
            if case.district
            else None
        ),
        "stage": case.stage,
        "service_wanted": case.service_wanted,
        "topic": case.topic,
        "language": case.language,
        "message": case.message,
        "service": case.track,
        "status": case.status,
        "closed_at": _when(case.closed_at),
        "consent": {
            "privacy_notice": case.consent_notice.version,
            "consented_at": _when(case.consented_at),
        },
        "messages": [
            {
                "written_at": _when(message.created_at),
                "from": message.author_kind,
                # Internal notes are included: see "Privacy" in consult/README.md.
                "internal_note": message.is_internal,
                "text": message.body,
                "files": files.get(message.pk, []),
            }
            for message in case.messages.all()
        ],
        "other_files": files.get(None, []),
        "enrolments": [
            {
                "course": enrolment.session.course.title(case.language),
                "session_starts_at": _when(enrolment.session.starts_at),
                "status": enrolment.status,
                "attendance": enrolment.attendance,
                "requested_at": _when(enrolment.requested_at),
            }
            for enrolment in case.enrolments.all()
        ],
        "survey": None,
        "consulting": None,
    }
    survey = getattr(case, "survey", None)
    if survey is not None and survey.answered_at is not None:
        entry["survey"] = {
            "rating": survey.rating,
            "comment": survey.comment,
            "answered_at": _when(survey.answered_at),
        }
    engagement = getattr(case, "engagement", None)
    if engagement is not None:
        entry["consulting"] = {
            "kind": engagement.kind,
            "started_at": _when(engagement.started_at),
            "meetings": [
                {
                    "starts_at": _when(meeting.starts_at),
                    "place": meeting.place,
                    "expert_field": meeting.expert_field,
                    "summary": meeting.summary,
                    "next_step": meeting.next_step,
                    "next_step_due": meeting.next_step_due.isoformat()
                    if meeting.next_step_due
                    else None,
                }
                for meeting in engagement.meetings.all()
            ],
        }
    return entry


def citizen_data_export(*, email: str, actor: AbstractBaseUser) -> dict | None:
    """Everything held on this address, as plain data for the file the manager hands to
    the citizen (PIPA art. 35): each case with its messages, the names and sizes of its
    files, enrolments, survey answer and consulting meetings, and any inquiry still waiting
    for intake. None when nothing is held. Each case's history records the export.

    A fixed number of queries, whatever the number of cases."""
    email = email_normalise(email)
    cases = list(
        cases_of_email(email)
        .select_related("consent_notice", "district", "survey", "engagement")
        .prefetch_related(
            "messages",
            "attachments",
            Prefetch("enrolments", Enrolment.objects.select_related("session__course")),
            "engagement__meetings",
        )
        .order_by("created_at", "pk")
    )
    waiting = list(submissions_of_email(email).order_by("received_at", "pk"))
    if not cases and not waiting:
        return None
    data = {
        "format": "coopcenter-privacy-export/1",
        "exported_at": _when(timezone.now()),
        "email": email,
        "cases": [_case_entry(case) for case in cases],
        "waiting_inquiries": [
            {
                "reference": submission.reference,
                "received_at": _when(submission.received_at),
                "name": submission.name,
                "email": submission.email,
                "phone": submission.phone,
                "message": submission.message,
                "files": [
                    {"name": item.get("original_name"), "size": item.get("size")}
                    for item in submission.files
                ],
            }
            for submission in waiting
        ],
    }
    with transaction.atomic():
        _record([case.pk for case in cases], actor, EXPORTED)
    return data


@dataclass(frozen=True)
class Held:
    """What is held on an address: what the erasure's confirmation shows."""

    cases: int
    open_cases: int
    waiting: int

    @property
    def nothing(self) -> bool:
        return not (self.cases or self.waiting)


def citizen_data_held(*, email: str) -> Held:
    cases = cases_of_email(email)
    return Held(
        cases=cases.count(),
        open_cases=cases.exclude(status__in=FINAL_STATUSES).count(),
        waiting=submissions_of_email(email).count(),
    )


def _end_for_erasure(case_id: int, actor: workflow.Actor) -> None:
    """A case erased on request is over: it leaves the counselors' queues and takes no more
    replies, reminders or surveys. The status changes through the workflow, like any other.

    A case with a path to `closed` in TRANSITIONS is closed. A `new` case has none: it is
    still in triage, and the table and the constraint consult_case_routed_before_work keep
    a closed case out of triage (routing it first would assign it and mail a counselor
    about a case that is gone). Its one final status is `spam`, which also keeps it out of
    the reports and the surveys; the "erased" event next to it says why.
    """
    case = Case.objects.only("status", "track").get(pk=case_id)
    if case.status in FINAL_STATUSES:
        return
    if workflow.is_allowed("status", case.status, Status.CLOSED):
        workflow.case_transition(case_id=case_id, status=Status.CLOSED, actor=actor)
    else:
        workflow.case_transition(case_id=case_id, status=Status.SPAM, actor=actor)


class CasesChanged(Exception):
    """The cases of an address changed between the confirmation and the erasure."""

    def __init__(self, count: int):
        super().__init__(count)
        self.count = count


def citizen_data_erase(
    *, email: str, actor: AbstractBaseUser, expected_cases: int | None = None
) -> int:
    """Erase everything held on this address at the citizen's request (PIPA art. 36), in
    one transaction: every case of it ends (see _end_for_erasure) and is anonymised like a
    case whose retention period is over, its history records the erasure, the inquiries
    still waiting for intake are deleted with their files, and so is every outbox row
    addressed to it. Returns the number of cases erased.

    `expected_cases` is the number the manager confirmed: if it changed meanwhile (a new
    inquiry came in), nothing is done and CasesChanged is raised."""
    email = email_normalise(email)
    staff = workflow.Actor.staff(actor)
    with transaction.atomic():
        # Locked before they are counted: nothing changes between the check and the erasure.
        ids = list(
            cases_of_email(email)
            .select_for_update(of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if expected_cases is not None and len(ids) != expected_cases:
            raise CasesChanged(len(ids))
        for case_id in ids:
            _end_for_erasure(case_id, staff)
        _record(ids, actor, ERASED)
        _submissions_delete(submissions_of_email(email), skip_locked=False)
        # An inquiry the intake was opening as we waited for it is a case now: start again.
        if cases_of_email(email).count() != len(ids):
            raise CasesChanged(cases_of_email(email).count())
        cases_anonymise(case_ids=ids)
        OutgoingMail.objects.filter(recipient__iexact=email).delete()
    return len(ids)
