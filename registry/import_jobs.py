"""The admin's imports, run by a worker: a request stores the upload and an ImportJob, the
worker (registry.tasks.run_import_job) runs the importer on it and writes its progress and
report to the row, and the admin's page polls the row.

Why a worker: a 100,000-row file takes longer to check than a web request may last, and a
request that waits holds a web process the whole time. The file lives in the private
storage and is deleted as soon as no job needs it: when a preview found nothing to import,
when its import has run, or when it was not confirmed within IMPORT_CONFIRM_WITHIN.
"""

import logging
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coopcenter.core.tasks import enqueue, enqueue_on_commit
from registry.importer import CooperativeImportError, ImportReport, cooperatives_import
from registry.models import IMPORT_CONFIRM_WITHIN, ImportJob

logger = logging.getLogger(__name__)

# What the report keeps for the page: the first errors and changes, and the counts of all.
REPORT_ERRORS = 500
REPORT_ROWS = 50
# A running job that has told no progress for this long lost its worker: it may be run again
# (the import is one transaction, so a dead worker wrote nothing).
STALE_AFTER = timedelta(minutes=15)
# A queued job not started after this long may have missed the broker: beat queues it again.
REQUEUE_AFTER = timedelta(minutes=1)

__all__ = [
    "IMPORT_CONFIRM_WITHIN",
    "ImportJobError",
    "import_job_confirm",
    "import_job_create",
    "import_job_fail",
    "import_job_run",
    "import_jobs_purge",
    "import_jobs_requeue",
]


class ImportJobError(Exception):
    """A confirmation that cannot be honoured; the message is for the user."""


def _queue(job: ImportJob) -> None:
    from registry.tasks import run_import_job

    enqueue_on_commit(run_import_job, job.pk)


def import_job_create(
    *,
    upload: UploadedFile,
    source: str,
    skip_invalid: bool,
    started_by: AbstractBaseUser | None,
) -> ImportJob:
    """A preview of an uploaded file, queued for the worker. The file is not read here."""
    import_jobs_purge()
    with transaction.atomic():
        job = ImportJob(
            kind=ImportJob.Kind.PREVIEW,
            filename=upload.name[: ImportJob._meta.get_field("filename").max_length],
            source=source,
            skip_invalid=skip_invalid,
            language=translation.get_language() or "",
            started_by=started_by,
        )
        job.file.save(upload.name, upload, save=False)
        job.save()
        _queue(job)
    return job


def import_job_confirm(
    *, previewed: ImportJob, skip_invalid: bool, started_by: AbstractBaseUser | None
) -> ImportJob:
    """The import of a previewed file, as it is (no new upload), queued for the worker."""
    try:
        with transaction.atomic():
            locked = (
                ImportJob.objects.select_for_update(of=("self",))
                .confirmable()
                .filter(pk=previewed.pk)
            )
            preview = locked.first()
            if preview is None:
                raise ImportJobError(
                    _("This preview has expired or was already imported. Upload the file again.")
                )
            job = ImportJob.objects.create(
                kind=ImportJob.Kind.IMPORT,
                file=preview.file.name,
                filename=preview.filename,
                source=preview.source,
                skip_invalid=skip_invalid,
                language=translation.get_language() or "",
                started_by=started_by,
                previewed=preview,
            )
            _queue(job)
    except IntegrityError:  # a second confirmation of the same preview, at the same moment
        raise ImportJobError(
            _("This preview has expired or was already imported. Upload the file again.")
        ) from None
    return job


class _Progress:
    """The importer's progress callback: writes the counts to the job's row, each write its
    own transaction, so that the page sees them while the import runs.

    While checking, the worker is outside any transaction and a plain UPDATE commits at once.
    While writing, the import holds its one transaction open; the progress then goes through
    a second connection on PostgreSQL. SQLite (development only) allows one writer at a
    time, so there the writing phase shows its progress when it ends.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.side = None

    def __call__(self, phase: str, done: int, total: int, errors: int) -> None:
        values = {
            "phase": phase,
            "rows_done": done,
            "rows_total": total,
            "errors_count": errors,
            "heartbeat_at": timezone.now(),
        }
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(**values)
        elif connection.vendor == "postgresql":
            self._update_aside(values)

    def _update_aside(self, values: dict) -> None:
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        quote = self.side.ops.quote_name
        columns = ", ".join(f"{quote(name)} = %s" for name in values)
        table = quote(ImportJob._meta.db_table)
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {columns} WHERE id = %s",  # noqa: S608 (names are ours)
                [*values.values(), self.job_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def _claim(job_id: int) -> bool:
    """Take a queued job (or one whose worker died) for this worker; False if another
    worker has it or it has ended, so a task delivered twice runs once."""
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ImportJob.Status.QUEUED)
            | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
        )
        .update(
            status=ImportJob.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            rows_done=0,
        )
    )


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a job (the worker's side); None when there was nothing to run."""
    if not _claim(job_id):
        return None
    job = ImportJob.objects.select_related("started_by").get(pk=job_id)
    progress = _Progress(job.pk)
    try:
        with translation.override(job.language or None):
            try:
                with job.file.open("rb") as stored:
                    data = stored.read()
            except (FileNotFoundError, ValueError):  # ValueError: no file on the row
                return _fail(job, _("The uploaded file is no longer there. Upload it again."))
            try:
                report = cooperatives_import(
                    file=data,
                    filename=job.filename,
                    source=job.source,
                    skip_invalid=job.skip_invalid,
                    dry_run=job.kind == ImportJob.Kind.PREVIEW,
                    started_by=job.started_by,
                    progress=progress,
                )
            except CooperativeImportError as error:
                return _fail(job, str(error))
    except Exception:
        # A passing failure (the database, the storage): give the job back for a retry.
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
        raise
    finally:
        progress.close()
    return _finish(job, report)


def _report_json(report: ImportReport) -> dict:
    return {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "blocked": report.blocked,
        "imported": report.imported,
        "summary": report.summary(),
        "warnings": list(report.warnings),
        "errors": [
            {"line": e.line, "column": e.column, "value": e.value, "reason": e.reason}
            for e in report.errors[:REPORT_ERRORS]
        ],
        "more_errors": max(len(report.errors) - REPORT_ERRORS, 0),
        "updates": [
            {
                "line": row.line,
                "name": row.name,
                "changes": [{"label": c.label, "old": c.old, "new": c.new} for c in row.changes],
            }
            for row in report.updates[:REPORT_ROWS]
        ],
        "more_updates": max(report.updated - REPORT_ROWS, 0),
        "new": [{"line": row.line, "name": row.name} for row in report.new[:REPORT_ROWS]],
        "more_new": max(report.created - REPORT_ROWS, 0),
    }


def _finish(job: ImportJob, report: ImportReport) -> ImportJob:
    job.status = ImportJob.Status.DONE
    job.finished_at = job.heartbeat_at = timezone.now()
    job.rows_total = job.rows_done = report.rows
    job.errors_count = len(report.errors)
    job.created, job.updated = report.created, report.updated
    job.unchanged, job.rejected = report.unchanged, report.rejected
    job.batch_id = report.batch_id
    job.report = _report_json(report)
    # Kept only while it can still be imported: work found and not imported yet.
    keep = bool(report.created or report.updated) and not report.imported
    if not keep:
        _delete_file(job)
    job.save()
    return job


def _fail(job: ImportJob, message: str) -> ImportJob:
    job.status = ImportJob.Status.FAILED
    job.finished_at = job.heartbeat_at = timezone.now()
    job.message = message
    _delete_file(job)
    job.save()
    return job


def import_job_fail(*, job_id: int) -> None:
    """The worker gave up on a job after its retries (the import is one transaction, so
    nothing was written); the reason is told in the language of the one who asked."""
    job = ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).first()
    if job is not None:
        with translation.override(job.language or None):
            message = _("The import failed on the server; nothing was written. Try again.")
        _fail(job, message)


def _delete_file(job: ImportJob) -> None:
    """Delete the job's file, and forget it on every job that shares it (the preview)."""
    name = job.file.name
    if not name:
        return
    job.file.storage.delete(name)
    ImportJob.objects.filter(file=name).exclude(pk=job.pk).update(file="")
    job.file = ""


def import_jobs_purge(*, now=None) -> int:
    """Delete the files of finished previews nobody confirmed in time."""
    now = now or timezone.now()
    expired = ImportJob.objects.filter(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED],
        finished_at__lt=now - IMPORT_CONFIRM_WITHIN,
        follow_up__isnull=True,
    ).exclude(file="")
    count = 0
    for job in expired:
        _delete_file(job)
        job.save(update_fields=["file"])
        count += 1
    return count


def import_jobs_requeue(*, now=None) -> int:
    """Beat's sweep: queue again the jobs whose message never reached a worker (the broker
    was down) or whose worker died; running a job twice is harmless (see _claim)."""
    from registry.tasks import run_import_job

    now = now or timezone.now()
    lost = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED, created_at__lt=now - REQUEUE_AFTER)
        | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    ).values_list("pk", flat=True)
    ids = list(lost)
    for job_id in ids:
        enqueue(run_import_job, job_id)
    import_jobs_purge(now=now)
    return len(ids)
