"""Writes of the case desk other than workflow changes: intake, tracking links, files."""

import contextlib
import functools
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from coopcenter.core.db import prepared_cursor
from coopcenter.core.memo import process_memo
from coopcenter.core.tasks import enqueue_on_commit

from . import mails, workflow
from .models import (
    AccessToken,
    Attachment,
    Case,
    Message,
    PrivacyNotice,
    ReferenceCounter,
    Status,
    Submission,
    attachment_name,
)
from .uploads import validate_upload

logger = logging.getLogger(__name__)

# What a submission hands to its case, field for field.
INQUIRY_FIELDS = (
    "name",
    "email",
    "phone",
    "district_id",
    "stage",
    "service_wanted",
    "topic",
    "message",
    "language",
)

# 32 random bytes: 256 bits, well over the 128 the tracking link needs.
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """Keyed hash of a tracking token; the database never sees the token itself."""
    return hmac.new(settings.SECRET_KEY.encode(), token.encode(), hashlib.sha256).hexdigest()


def reference_next(*, year: int) -> str:
    """The next reference of the year, e.g. COOP-2026-000123.

    One UPDATE ... RETURNING both takes the year's counter row lock and moves it on, so
    concurrent submissions queue for a moment and never share a number. The caller's
    transaction (the whole submission) holds that lock until it commits, and a failure
    rolls the number back with the case, leaving no gap.
    """
    table = ReferenceCounter._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE year = %s RETURNING last"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        row = cursor.fetchone()
    if row is None:  # the year's first case: create its counter, then take a number
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(year=year, last=0)
        except IntegrityError:
            pass  # another submission created it first
        return reference_next(year=year)
    return f"COOP-{year}-{row[0]:06d}"


def token_issue(*, case: Case) -> tuple[AccessToken, str]:
    """A new tracking link for the case; returns the row and the token for the mail."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = AccessToken.objects.create(case=case, token_hash=token_hash(token))
    return row, token


# Every tracking request starts with this lookup, so it is one plain query written out
# once rather than compiled by the ORM each time (the compiling cost more than the query).
# The citizen's own words and contact details are never shown on those pages and are left
# out; the model defers them.
_LOOKUP_COLUMNS = ", ".join(
    f"c.{field.column}"
    for field in Case._meta.concrete_fields
    if field.name not in {"message", "name", "email", "phone"}
)
_LOOKUP_SQL = (
    f"SELECT t.id AS token_id, t.token_hash AS token_hash, t.created_at AS token_created_at, "  # noqa: S608
    f"{_LOOKUP_COLUMNS} FROM {AccessToken._meta.db_table} t "
    f"JOIN {Case._meta.db_table} c ON c.id = t.case_id "
    f"WHERE t.token_hash = %s AND t.revoked_at IS NULL"
)


def token_lookup(*, reference: str, token: str) -> tuple[Case, AccessToken] | None:
    """The case a tracking URL opens, or None: an unknown reference and a wrong token give
    the same answer. A link of a case merged into another also opens the surviving case."""
    wanted = token_hash(token)
    case = next(iter(Case.objects.raw(_LOOKUP_SQL, [wanted])), None)
    # The row was found by its hash; the digest comparison keeps the check itself free of
    # early exits whatever the lookup strategy becomes.
    if case is None or not hmac.compare_digest(case.token_hash, wanted):
        return None
    row = AccessToken(
        pk=case.token_id, case=case, token_hash=case.token_hash, created_at=case.token_created_at
    )
    for link in merge_chain(case):
        if link.reference == reference:
            return link, row
    return None


def merge_chain(case: Case) -> Iterator[Case]:
    """The case, then each case it was merged into, in turn, as far as the same citizen
    goes: a case merged into another citizen's case ends the chain, so that its links never
    open that case. Chains are short; the bound guards against a cycle."""
    yield case
    for _hop in range(10):
        if case.merged_into_id is None or case.merged_other_citizen:
            return
        case = Case.objects.get(pk=case.merged_into_id)
        yield case


def case_survivor(case: Case) -> Case:
    """The case a merged case lives on in for its citizen: itself when it was never merged,
    and the last case of the chain that was merged into another citizen's (still `merged`,
    see merge_chain)."""
    *_merged, survivor = merge_chain(case)
    return survivor


def _notice_cache_key(day: date) -> str:
    # The day is part of the key: a notice dated ahead takes effect at midnight.
    return f"consult:privacy-notice:{day.isoformat()}"


def privacy_notice_current() -> PrivacyNotice | None:
    """The notice in force today. A version entered ahead of its date is not shown (nor
    consented to) before it takes effect."""
    return _privacy_notice_on(timezone.localdate())


# Every form view and every POST asks for the notice. It is cached in Redis, shared by the
# workers so that they agree on the version, and each worker keeps it a few seconds more.
# A worker still showing the previous version for those seconds after a change is safe:
# the consent is checked against the version the form showed (see consult.views).
@process_memo(ttl=10, maxsize=4)
def _privacy_notice_on(day: date) -> PrivacyNotice | None:
    key = _notice_cache_key(day)
    try:
        notice = cache.get(key)
    except Exception:  # any cache failure: the database has the answer
        notice = None
    if notice is None:
        notices = PrivacyNotice.objects.order_by("-effective_from", "-pk")
        current = notices.filter(effective_from__lte=day).first()
        # Before the first notice's date (a fresh install with a future-dated text) the
        # earliest one is better than none: the form cannot take consent without a text.
        notice = current or notices.reverse().first()
        if notice is not None:
            with contextlib.suppress(Exception):
                cache.set(key, notice, 3600)
    return notice


def privacy_notice_forget() -> None:
    _privacy_notice_on.cache_clear()
    with contextlib.suppress(Exception):
        cache.delete(_notice_cache_key(timezone.localdate()))


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file checked and written to private storage, not yet an Attachment."""

    path: str
    original_name: str
    content_type: str
    size: int


def _file_storage():
    return Attachment._meta.get_field("file").storage


def upload_store(*, upload: UploadedFile, received_at: datetime) -> StoredFile:
    """Check a file by its content and write it where the case's files go."""
    kind = validate_upload(upload)
    name = attachment_name(received_at, f"{uuid.uuid4().hex}.{kind.extension}")
    path = _file_storage().save(name, upload)
    return StoredFile(
        path=path,
        original_name=(upload.name or "file")[-200:],
        content_type=kind.content_type,
        size=upload.size,
    )


def attachment_create(*, case: Case, message: Message | None, stored: StoredFile) -> Attachment:
    attachment = Attachment(
        case=case,
        message=message,
        storage_name=PurePosixPath(stored.path).name,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        file=stored.path,  # already written by upload_store
    )
    attachment.save()
    return attachment


def attachment_store(*, case: Case, message: Message | None, upload: UploadedFile) -> Attachment:
    stored = upload_store(upload=upload, received_at=case.created_at)
    return attachment_create(case=case, message=message, stored=stored)


@contextlib.contextmanager
def _files_stored(files: Sequence[UploadedFile], *, received_at: datetime):
    """Store the uploads of a write that may still fail. If anything raises before the block
    ends (a later file refused, the insert failing), the files stored so far are removed:
    no row would ever point at them."""
    stored: list[StoredFile] = []
    try:
        for upload in files:
            stored.append(upload_store(upload=upload, received_at=received_at))
        yield stored
    except BaseException:
        for item in stored:
            with contextlib.suppress(OSError):
                _file_storage().delete(item.path)
        raise


# --- intake ----------------------------------------------------------------------------


def _case_open(
    *, inquiry: dict, reference: str, notice: PrivacyNotice, received_at, files
) -> tuple[Case, str]:
    """Make a case of an inquiry: its triage counselor, first message, files, tracking link
    and acknowledgement, in the caller's transaction."""
    case = Case(
        reference=reference,
        **inquiry,
        consent_notice=notice,
        consented_at=received_at,
        created_at=received_at,
    )
    workflow.case_open(case=case)
    first = Message.objects.create(
        case=case, author_kind=Message.Author.CITIZEN, body=case.message, created_at=received_at
    )
    for stored in files:
        attachment_create(case=case, message=first, stored=stored)
    _row, token = token_issue(case=case)
    mails.mail_acknowledge(case=case, token=token)
    return case, token


def submission_receive(
    *,
    name: str,
    email: str,
    phone: str = "",
    district_id: str | None = None,
    stage: str,
    service_wanted: str,
    topic: str,
    message: str,
    language: str,
    notice: PrivacyNotice,
    files: Sequence[UploadedFile] = (),
) -> Submission:
    """Keep an inquiry from the form and wake the intake; the citizen's reference is taken
    here. This is all the form's POST writes: one row (and the files), so that it stays
    fast under load and owes nothing to the mail server or the broker."""
    received_at = timezone.now()
    with _files_stored(files, received_at=received_at) as stored:
        values = {
            "name": name,
            "email": email,
            "phone": phone,
            "district_id": district_id or None,
            "stage": stage,
            "service_wanted": service_wanted,
            "topic": topic,
            "message": message,
            "language": language,
            "consent_notice_id": notice.pk,
            "received_at": received_at,
            "next_attempt_at": received_at,
            "files": [asdict(item) for item in stored],
        }
        submission, first = _submission_insert(values, year=timezone.localdate(received_at).year)
    if first:
        from .tasks import open_waiting_submissions

        enqueue_on_commit(open_waiting_submissions)
    return submission


@functools.cache
def _submission_insert_sql() -> str:
    fields = [
        field
        for field in Submission._meta.concrete_fields
        if field.name not in {"id", "reference", "attempts", "last_error"}
    ]
    columns = ", ".join(field.column for field in fields)
    values = ", ".join(f"%({field.attname})s" for field in fields)
    # lpad cuts what is longer than its width: a seven-digit number keeps all its digits.
    number = "lpad(number.last::text, greatest(6, length(number.last::text)), '0')"
    return (
        f"WITH number AS (UPDATE {ReferenceCounter._meta.db_table} "  # noqa: S608
        f"SET last = last + 1, taken_since_run = taken_since_run + 1 "
        f"WHERE year = %(year)s RETURNING last, taken_since_run), "
        f"inserted AS (INSERT INTO {Submission._meta.db_table} "
        f"(reference, attempts, last_error, {columns}) "
        f"SELECT 'COOP-' || %(year)s || '-' || {number}, 0, '', {values} FROM number "
        f"RETURNING id, reference) "
        f"SELECT inserted.id, inserted.reference, number.taken_since_run FROM inserted, number"
    )


def _submission_insert(values: dict, *, year: int) -> tuple[Submission, bool]:
    """Insert a submission with the next reference of the year; also says whether it is the
    first since the intake last started a run, which is then the one to queue a run.

    On PostgreSQL one statement takes the number, counts the submission and writes the row,
    in its own transaction: one round trip, and the counter's row lock is held for that
    statement only. That lock is also what makes the count exact: the run resets it under
    the same lock before it looks for submissions (intake_run), so a submission is either
    committed before the reset, and seen by the run, or counted after it, and queues the
    next run. Elsewhere (SQLite on a laptop, where the run is done at once) reference_next
    and the insert share a transaction and every submission queues its run. Either way a
    failed insert gives its number back, so references stay gapless."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            reference = reference_next(year=year)
            return Submission.objects.create(reference=reference, **values), True
    with prepared_cursor() as cursor:
        cursor.execute(
            _submission_insert_sql(), {**values, "year": year, "files": Jsonb(values["files"])}
        )
        row = cursor.fetchone()
    if row is None:  # the year's first inquiry: create its counter, then take a number
        with contextlib.suppress(IntegrityError), transaction.atomic():
            ReferenceCounter.objects.create(year=year, last=0)
        return _submission_insert(values, year=year)
    pk, reference, taken_since_run = row
    return Submission(pk=pk, reference=reference, **values), taken_since_run == 1


def submissions_due(*, now: datetime | None = None):
    """Submissions waiting for intake whose next attempt has come; those that failed
    CONSULT_INTAKE_MAX_ATTEMPTS times wait for the desk."""
    return Submission.objects.filter(
        next_attempt_at__lte=now or timezone.now(),
        attempts__lt=settings.CONSULT_INTAKE_MAX_ATTEMPTS,
    )


def submission_open(*, submission_id: int) -> Case | None:
    """Make a case of a waiting submission and delete it, in one transaction; None when it
    is gone (already opened) or being opened by another worker. A failure is counted on
    the row, which is tried again later, each time a little later."""
    try:
        with transaction.atomic():
            submission = (
                Submission.objects.select_for_update(skip_locked=True)
                .filter(pk=submission_id)
                .first()
            )
            if submission is None:
                return None
            case, _token = _case_open(
                inquiry={field: getattr(submission, field) for field in INQUIRY_FIELDS},
                reference=submission.reference,
                notice=submission.consent_notice,
                received_at=submission.received_at,
                files=[StoredFile(**item) for item in submission.files],
            )
            submission.delete()
            return case
    except Exception as error:
        _submission_count_failure(submission_id=submission_id, error=error)
        raise


def _submission_count_failure(*, submission_id: int, error: Exception) -> None:
    """Count a failed attempt and push the next one back, a little more each time.

    The delay is computed here, not in SQL: `now + interval * F(...)` has no portable
    form (SQLite stored an integer that read back as None, so a failing submission was
    retried on every run). The row lock keeps two workers from counting the same try."""
    backoff = timedelta(seconds=settings.CONSULT_INTAKE_RETRY_BACKOFF)
    with transaction.atomic():
        attempts = (
            Submission.objects.select_for_update()
            .filter(pk=submission_id)
            .values_list("attempts", flat=True)
            .first()
        )
        if attempts is None:
            return
        Submission.objects.filter(pk=submission_id).update(
            attempts=attempts + 1,
            last_error=f"{type(error).__name__}: {error}"[:500],
            next_attempt_at=timezone.now() + backoff * (attempts + 1),
        )


def intake_run(*, batch_size: int = 100) -> int:
    """Open every submission that is due; returns how many became cases. One that fails is
    logged and counted on its row, and the others go on."""
    # Under the counter's row lock: from here on, a new submission queues the next run.
    ReferenceCounter.objects.filter(taken_since_run__gt=0).update(taken_since_run=0)
    opened = 0
    after = 0
    while True:
        # By key, each row once per run: rows another worker holds are not waited for.
        due = submissions_due().filter(pk__gt=after).order_by("pk")
        batch = list(due.values_list("pk", flat=True)[:batch_size])
        for submission_id in batch:
            try:
                opened += submission_open(submission_id=submission_id) is not None
            except Exception:
                logger.exception("Intake of submission %s failed", submission_id)
        if len(batch) < batch_size:
            return opened
        after = batch[-1]


@transaction.atomic
def case_submit(
    *,
    name: str,
    email: str,
    phone: str = "",
    district=None,
    stage: str,
    service_wanted: str,
    topic: str,
    message: str,
    language: str,
    notice: PrivacyNotice,
    files: Sequence[UploadedFile] = (),
) -> tuple[Case, str]:
    """An inquiry made a case at once, in one transaction, for callers that need the case
    itself (demo data, the benchmark's fixtures). The form goes through submission_receive.
    Nothing here talks to the mail server or the broker: the acknowledgement is an outbox
    row committed with the case."""
    received_at = timezone.now()
    with _files_stored(files, received_at=received_at) as stored:
        return _case_open(
            inquiry={
                "name": name,
                "email": email,
                "phone": phone,
                "district": district,
                "stage": stage,
                "service_wanted": service_wanted,
                "topic": topic,
                "message": message,
                "language": language,
            },
            reference=reference_next(year=timezone.localdate(received_at).year),
            notice=notice,
            received_at=received_at,
            files=stored,
        )


@transaction.atomic
def case_send_link(*, reference: str, email: str) -> bool:
    """/consult/find/: when reference and email match a case (not spam, not anonymised),
    mail a fresh tracking link to the case it lives on in. The caller answers the same
    whatever this returns.

    A link to a case that is over still opens it (read only); as when it closed, only the
    newest link of such a case keeps working."""
    case = (
        Case.objects.filter(
            reference=reference.strip().upper(),
            email__iexact=email.strip(),
            anonymised_at__isnull=True,
        )
        .exclude(status=Status.SPAM)
        .first()
    )
    if case is None:
        return False
    case = case_survivor(case)
    if case.status == Status.SPAM or case.anonymised_at is not None:
        return False
    row, token = token_issue(case=case)
    if case.is_final:
        case.tokens.filter(revoked_at__isnull=True).exclude(pk=row.pk).update(
            revoked_at=timezone.now()
        )
    mails.mail_link(case=case, token=token, token_id=row.pk)
    return True
