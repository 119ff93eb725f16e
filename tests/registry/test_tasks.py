"""The registry's Celery tasks: thin, retried with a cap, a job never left running."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from registry import import_jobs, tasks
from registry.models import ImportJob
from tests.registry.test_importer import coop_row, csv_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def job(django_capture_on_commit_callbacks):
    # Asked for in English: the worker tells the job's messages in the asker's language.
    with django_capture_on_commit_callbacks(execute=False), translation.override("en"):
        return import_jobs.import_job_create(
            upload=SimpleUploadedFile("coops.csv", csv_bytes([coop_row()])),
            source="",
            skip_invalid=False,
            started_by=None,
        )


def test_the_task_runs_the_job(job):
    tasks.run_import_job.delay(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created) == ("done", 1)


def test_a_failure_is_retried_then_the_job_is_marked_failed(job, monkeypatch):
    calls = []

    def broken(**kwargs):
        calls.append(kwargs)
        raise OSError("storage down")

    monkeypatch.setattr(import_jobs, "cooperatives_import", broken)
    tasks.run_import_job.apply(args=[job.pk], retries=tasks.IMPORT_RETRIES)
    job.refresh_from_db()
    assert job.status == "failed" and "nothing was written" in job.message
    assert job.file == "" and len(calls) == 1


def test_an_unreadable_file_fails_without_retry(job):
    ImportJob.objects.filter(pk=job.pk).update(file="registry-imports/missing.csv")
    tasks.run_import_job.delay(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "no longer there" in job.message


def test_requeue_task(job, monkeypatch):
    monkeypatch.setattr(import_jobs, "import_jobs_requeue", lambda: 7)
    assert tasks.requeue_import_jobs.delay().get() == 7
