"""The nightly anonymisation (consult.tasks.anonymise_expired_cases), timed over the
"100,000 cases" scale as a worker runs it.

The scale's cases have no thread (they are made in bulk), and none has been closed for
three years. So a slice of the closed ones is given what a real case has, the citizen's
message, a reply, an internal note, a tracking link, two events with reasons, the
acknowledgement and reply mails and, for one in twenty, a file, and is closed long enough
ago; then the task runs over the whole table. Afterwards the slice is put back as the
scale seeded it (a run interrupted halfway is put back by the next one), so every run
measures the same thing and the scale keeps its 100,000 cases as they were.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import CharField, F, IntegerField, Value
from django.db.models.functions import Cast, Concat, Substr
from django.utils import timezone

from bench.scales import BENCH_COUNSELOR, CASE_YEAR, bench_staff

SLICE = 10_000
FILE_EVERY = 20
KEY_PREFIX = "bench-anonymise:"
SEEDED_MESSAGE = "협동조합 설립 절차가 궁금합니다."  # bench.scales.seed_cases


def _bench_cases():
    from consult.models import Case

    return Case.objects.filter(reference__startswith=f"COOP-{CASE_YEAR}-")


def _prepare(now) -> list[int]:
    """Give a slice of closed cases a thread and a closing date past the retention period."""
    from django.contrib.auth import get_user_model

    from consult.models import AccessToken, Attachment, Case, Event, Message, Status
    from consult.services import upload_store
    from coopcenter.outbox.models import OutgoingMail

    bench_staff()
    staff = get_user_model().objects.get(username=BENCH_COUNSELOR)
    cases = list(
        _bench_cases()
        .filter(status=Status.CLOSED, anonymised_at__isnull=True)
        .order_by("pk")
        .only("pk", "reference", "name", "email", "message", "created_at")[:SLICE]
    )
    closed_at = now - timedelta(days=settings.CONSULT_RETENTION_DAYS + 30)
    with transaction.atomic():
        messages = []
        for case in cases:
            received = case.created_at
            messages += [
                Message(case=case, author_kind="citizen", body=case.message, created_at=received),
                Message(
                    case=case,
                    author_kind="staff",
                    author=staff,
                    body=f"{case.name}님, 설립 교육을 안내해 드립니다.",
                    created_at=received + timedelta(days=1),
                ),
                Message(
                    case=case,
                    author_kind="staff",
                    author=staff,
                    is_internal=True,
                    body=f"{case.name}님과 통화함",
                    created_at=received + timedelta(days=1),
                ),
            ]
        Message.objects.bulk_create(messages, batch_size=5_000)
        AccessToken.objects.bulk_create(
            (AccessToken(case=case, token_hash=f"{KEY_PREFIX}{case.pk}") for case in cases),
            batch_size=5_000,
        )
        Event.objects.bulk_create(
            (
                Event(
                    case=case,
                    actor_kind="staff",
                    actor=staff,
                    field=field,
                    old_value=old,
                    new_value=new,
                    reason=f"{case.name}님 요청",
                )
                for case in cases
                for field, old, new in (
                    ("track", "triage", "advice"),
                    ("status", "resolved", "closed"),
                )
            ),
            batch_size=5_000,
        )
        replies = {
            m.case_id: m.pk for m in messages if m.author_kind == "staff" and not m.is_internal
        }
        OutgoingMail.objects.bulk_create(
            (
                OutgoingMail(
                    recipient=case.email,
                    template=template,
                    language="ko",
                    context={"reference": case.reference, "name": case.name, "body": "…"},
                    idempotency_key=key,
                    status=OutgoingMail.Status.SENT,
                    sent_at=case.created_at,
                )
                for case in cases
                for template, key in (
                    ("consult_acknowledge", f"consult:ack:{case.pk}"),
                    ("consult_reply", f"consult:reply:{replies[case.pk]}"),
                )
            ),
            batch_size=5_000,
        )
        first = {m.case_id: m for m in messages if m.author_kind == "citizen"}
        for case in cases[::FILE_EVERY]:
            upload = ContentFile(b"%PDF-1.4 bench", name="plan.pdf")
            upload.content_type = "application/pdf"
            stored = upload_store(upload=upload, received_at=case.created_at)
            Attachment.objects.create(
                case=case,
                message=first[case.pk],
                storage_name=stored.path.rsplit("/", 1)[-1],
                original_name=f"{case.name}-설립계획.pdf",
                content_type=stored.content_type,
                size=stored.size,
                file=stored.path,
            )
        Case.objects.filter(pk__in=[case.pk for case in cases]).update(closed_at=closed_at)
    return [case.pk for case in cases]


def restore() -> int:
    """Put every anonymised case of the scale back as seeded, and remove the threads this
    module gave them. Events are append-only in the portal, so in the bench's own database
    they are deleted with SQL."""
    from consult.models import AccessToken, Attachment, Event, Message
    from coopcenter.outbox.models import OutgoingMail

    ids = list(_bench_cases().filter(anonymised_at__isnull=False).values_list("pk", flat=True))
    ids += list(
        AccessToken.objects.filter(token_hash__startswith=KEY_PREFIX).values_list(
            "case_id", flat=True
        )
    )
    ids = sorted(set(ids))
    if not ids:
        return 0
    number = Cast(Substr("reference", 11), IntegerField()) - 1  # COOP-2025-000001 is case 0
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(ids), 5_000):
            chunk = ids[start : start + 5_000]
            keys = [f"consult:ack:{pk}" for pk in chunk]
            keys += [
                f"consult:reply:{pk}"
                for pk in Message.objects.filter(case_id__in=chunk).values_list("pk", flat=True)
            ]
            OutgoingMail.objects.filter(idempotency_key__in=keys).delete()
            for attachment in Attachment.objects.filter(case_id__in=chunk):
                attachment.file.delete(save=False)
            Attachment.objects.filter(case_id__in=chunk).delete()
            Message.objects.filter(case_id__in=chunk).delete()
            AccessToken.objects.filter(case_id__in=chunk).delete()
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"DELETE FROM {Event._meta.db_table} WHERE case_id IN ({marks})",  # noqa: S608
                chunk,
            )
            _bench_cases().filter(pk__in=chunk).update(
                name=Concat(Value("시민"), Cast(number, CharField())),
                email=Concat(
                    Value("citizen"), Cast(number, CharField()), Value("@bench.example.org")
                ),
                phone="",
                message=SEEDED_MESSAGE,
                anonymised_at=None,
                version=1,
            )
            _bench_cases().filter(pk__in=chunk, status="closed").update(
                closed_at=F("created_at") + timedelta(days=5)
            )
    return len(ids)


def consult_anonymise() -> str | None:
    """Time the nightly task over the whole table with a slice due, then once more with
    nothing due (the cost of the nightly scan alone)."""
    from consult.tasks import anonymise_expired_cases

    restore()
    total = _bench_cases().count()
    due = _prepare(timezone.now())
    try:
        started = time.perf_counter()
        anonymised = anonymise_expired_cases()
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        again = anonymise_expired_cases()
        idle = time.perf_counter() - started
    finally:
        restore()
    return (
        f"Nightly anonymisation (in-process, as the worker runs it) over {total:,} cases: "
        f"{anonymised:,} of {len(due):,} due anonymised in {elapsed:.1f} s "
        f"({1000 * elapsed / max(anonymised, 1):.1f} ms each, with their messages, events, "
        f"links, mails and {len(due[::FILE_EVERY])} files); the next night's run, nothing "
        f"due, {idle:.2f} s ({again} anonymised)"
    )
