"""Thin Celery tasks of the registry; each is safe to run twice."""

import logging

from celery import shared_task

from registry import import_jobs

logger = logging.getLogger(__name__)

IMPORT_RETRIES = 3
IMPORT_RETRY_DELAY = 60


@shared_task(bind=True, ignore_result=True, max_retries=IMPORT_RETRIES)
def run_import_job(self, job_id: int) -> None:
    """Queued by the admin's import page once the job's row commits. A file that cannot be
    imported ends the job with its reason; a passing failure (database, storage) is retried
    a few times, then the job is marked failed (the import is one transaction: nothing was
    written)."""
    try:
        import_jobs.import_job_run(job_id=job_id)
    except Exception as exc:
        # Run eagerly (no broker), a retry would loop at once: fail the job instead.
        if self.request.is_eager or self.request.retries >= self.max_retries:
            logger.exception("Import job %s failed", job_id)
            import_jobs.import_job_fail(job_id=job_id)
            return
        raise self.retry(exc=exc, countdown=IMPORT_RETRY_DELAY) from exc


@shared_task(ignore_result=True)
def requeue_import_jobs() -> int:
    return import_jobs.import_jobs_requeue()
