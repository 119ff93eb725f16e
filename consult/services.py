"""Writes of the case desk other than workflow changes: intake, tracking links, files."""

import contextlib
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import mails, workflow
from .models import (
    FINAL_STATUSES,
    AccessToken,
    Attachment,
    Case,
    Event,
    Message,
    PrivacyNotice,
    ReferenceCounter,
    Status,
)
from .uploads import validate_upload

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
    """The case, then each case it was merged into, in turn. Chains are short; the bound
    guards against a cycle."""
    yield case
    for _hop in range(10):
        if case.merged_into_id is None:
            return
        case = Case.objects.get(pk=case.merged_into_id)
        yield case


def case_survivor(case: Case) -> Case:
    """The case a merged case lives on in (itself when it was never merged)."""
    *_merged, survivor = merge_chain(case)
    return survivor


def _notice_cache_key() -> str:
    # The day is part of the key: a notice dated ahead takes effect at midnight.
    return f"consult:privacy-notice:{timezone.localdate().isoformat()}"


def privacy_notice_current() -> PrivacyNotice | None:
    """The notice in force today. A version entered ahead of its date is not shown (nor
    consented to) before it takes effect. Every form view asks for it, so it is cached
    (shared by every worker, so that they all show the same version) and dropped whenever
    a notice is saved; without Redis it is read from the database."""
    key = _notice_cache_key()
    try:
        notice = cache.get(key)
    except Exception:  # any cache failure: the database has the answer
        notice = None
    if notice is None:
        notices = PrivacyNotice.objects.order_by("-effective_from", "-pk")
        current = notices.filter(effective_from__lte=timezone.localdate()).first()
        # Before the first notice's date (a fresh install with a future-dated text) the
        # earliest one is better than none: the form cannot take consent without a text.
        notice = current or notices.reverse().first()
        if notice is not None:
            with contextlib.suppress(Exception):
                cache.set(key, notice, 3600)
    return notice


def privacy_notice_forget() -> None:
    with contextlib.suppress(Exception):
        cache.delete(_notice_cache_key())


def attachment_store(*, case: Case, message: Message | None, upload: UploadedFile) -> Attachment:
    kind = validate_upload(upload)
    attachment = Attachment(
        case=case,
        message=message,
        storage_name=f"{uuid.uuid4().hex}.{kind.extension}",
        original_name=(upload.name or "file")[-200:],
        content_type=kind.content_type,
        size=upload.size,
    )
    attachment.file.save(attachment.storage_name, upload, save=False)
    attachment.save()
    return attachment


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
    """Save a citizen's inquiry with its files, assign it to the triage team and queue the
    acknowledgement. Nothing here talks to the mail server or the broker: the mail is an
    outbox row committed with the case, so the case is saved whatever is down."""
    now = timezone.now()
    case = Case(
        reference=reference_next(year=timezone.localdate(now).year),
        name=name,
        email=email,
        phone=phone,
        district=district,
        stage=stage,
        service_wanted=service_wanted,
        topic=topic,
        message=message,
        language=language,
        consent_notice=notice,
        consented_at=now,
        created_at=now,
    )
    workflow.case_open(case=case)
    first = Message.objects.create(
        case=case, author_kind=Message.Author.CITIZEN, body=message, created_at=now
    )
    for upload in files:
        attachment_store(case=case, message=first, upload=upload)
    _row, token = token_issue(case=case)
    mails.mail_acknowledge(case=case, token=token)
    return case, token


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


# --- retention (PIPA art. 21) ---------------------------------------------------------

ANONYMISED_NAME = "(anonymised)"
ANONYMISED_TEXT = "(anonymised: removed after the retention period)"


def anonymised_email(case_id: int) -> str:
    # The reserved .invalid domain reaches nobody; the id keeps the value unique per case.
    return f"case-{case_id}@anonymised.invalid"


def cases_due_for_anonymising(*, now=None, days: int | None = None):
    """Cases over (closed, spam, merged) for longer than CONSULT_RETENTION_DAYS and not yet
    anonymised. A resolved case is not over: close it and its period starts."""
    now = now or timezone.now()
    days = settings.CONSULT_RETENTION_DAYS if days is None else days
    return Case.objects.filter(
        status__in=FINAL_STATUSES,
        closed_at__lt=now - timedelta(days=days),
        anonymised_at__isnull=True,
    ).order_by("closed_at", "pk")


@transaction.atomic
def case_anonymise(*, case_id: int) -> Case:
    """Remove everything that identifies the citizen from one case, keeping what the
    statistics need (reference, track, status, stage, topic, service wanted, district,
    dates, events' codes, the consent record). Irreversible; running it twice is harmless.

    - name, email, phone and the first message become placeholders;
    - every message body becomes a placeholder, internal notes included (counselors quote
      the citizen in them), and so do the free-text reasons of the case's events;
    - attachments are deleted, files first, rows after;
    - tracking links are revoked, so no URL opens the case any more;
    - the outbox rows of mails sent to the citizen about this case lose their recipient
      and their text (the reference stays, so the outbox history still adds up).
    """
    from coopcenter.outbox.models import OutgoingMail

    case = Case.objects.select_for_update().get(pk=case_id)
    if case.anonymised_at is not None:
        return case
    now = timezone.now()
    placeholder_email = anonymised_email(case.pk)

    # The citizen's mails are found by the idempotency keys consult.mails gives them.
    keys = [f"consult:ack:{case.pk}"]
    keys += [f"consult:link:{pk}" for pk in case.tokens.values_list("pk", flat=True)]
    keys += [
        f"consult:reply:{pk}"
        for pk in case.messages.filter(is_internal=False).values_list("pk", flat=True)
    ]
    event_ids = list(case.events.values_list("pk", flat=True))
    keys += [f"consult:referred:{pk}" for pk in event_ids]
    keys += [f"consult:resolved:{pk}" for pk in event_ids]
    OutgoingMail.objects.filter(idempotency_key__in=keys).update(
        recipient=placeholder_email, context={"reference": case.reference}
    )

    for attachment in case.attachments.all():
        attachment.file.delete(save=False)
    case.attachments.all().delete()
    case.messages.update(body=ANONYMISED_TEXT)
    # Events are append-only for every other writer; the reason is free text a counselor
    # typed, so it goes like the rest. Codes, actors and times stay.
    case.events.exclude(reason="").exclude(field=Event.Field.MERGED_INTO).exclude(
        field=Event.Field.STATUS, new_value=Status.MERGED
    ).update(reason=ANONYMISED_TEXT)
    case.tokens.filter(revoked_at__isnull=True).update(revoked_at=now)

    case.name = ANONYMISED_NAME
    case.email = placeholder_email
    case.phone = ""
    case.message = ANONYMISED_TEXT
    case.anonymised_at = now
    case.version += 1
    case.save(
        update_fields=[
            "name",
            "email",
            "phone",
            "message",
            "anonymised_at",
            "version",
            "updated_at",
        ]
    )
    return case
