"""The admin's imports as jobs: run once, progress told while running, files kept only while
needed, lost jobs queued again."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone

from registry import import_jobs, importer
from registry.import_jobs import (
    ImportJobError,
    import_job_confirm,
    import_job_create,
    import_job_run,
    import_jobs_requeue,
)
from registry.models import Cooperative, ImportJob
from tests.registry.test_importer import coop_row, csv_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def queued_preview(data: bytes, *, django_capture_on_commit_callbacks, **options) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=False):
        return import_job_create(
            upload=SimpleUploadedFile("coops.csv", data),
            source=options.get("source", ""),
            skip_invalid=options.get("skip_invalid", False),
            started_by=None,
        )


@pytest.fixture
def queue(django_capture_on_commit_callbacks):
    return lambda data, **options: queued_preview(
        data, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks, **options
    )


def rows(count: int) -> bytes:
    return csv_bytes([coop_row(n) for n in range(1, count + 1)])


def test_a_job_runs_once_however_often_it_is_delivered(queue):
    job = queue(rows(2))
    assert import_job_run(job_id=job.pk).status == "done"
    assert import_job_run(job_id=job.pk) is None  # a second delivery: already done
    job.refresh_from_db()
    assert (job.attempts, job.created, job.rows_total) == (1, 2, 2)


def test_progress_is_written_every_n_rows_with_the_errors_so_far(queue, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 2)
    data = csv_bytes([coop_row(1), coop_row(2, members="-1"), coop_row(3), coop_row(4)])
    job = queue(data, skip_invalid=True)
    seen = []
    save = import_jobs._Progress.__call__

    def spy(self, phase, done, total, errors):
        save(self, phase, done, total, errors)
        row = ImportJob.objects.get(pk=self.job_id)
        seen.append((phase, row.rows_done, row.rows_total, row.errors_count, row.status))

    monkeypatch.setattr(import_jobs._Progress, "__call__", spy)
    # As in a worker, where checking runs outside any transaction (the test runs in one).
    worker = SimpleNamespace(in_atomic_block=False, vendor=connection.vendor)
    monkeypatch.setattr(import_jobs, "connection", worker)
    import_job_run(job_id=job.pk)
    assert seen[:2] == [("checking", 2, 4, 1, "running"), ("checking", 4, 4, 1, "running")]


def test_a_running_job_is_taken_again_only_when_its_worker_is_silent(queue):
    job = queue(rows(1))
    ImportJob.objects.filter(pk=job.pk).update(status="running", heartbeat_at=timezone.now())
    assert import_job_run(job_id=job.pk) is None
    stale = timezone.now() - import_jobs.STALE_AFTER - timedelta(seconds=1)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=stale)
    assert import_job_run(job_id=job.pk).status == "done"


def test_a_passing_failure_gives_the_job_back(queue, monkeypatch):
    job = queue(rows(1))

    def broken(**kwargs):
        raise OSError("disk")

    monkeypatch.setattr(import_jobs, "cooperatives_import", broken)
    with pytest.raises(OSError):
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "queued" and job.file  # the file stays for the retry


def test_the_file_is_kept_for_the_import_and_deleted_after_it(queue):
    preview = import_job_run(job_id=queue(rows(1)).pk)
    assert preview.file and preview.file.storage.exists(preview.file.name)
    name = preview.file.name
    job = import_job_confirm(previewed=preview, skip_invalid=False, started_by=None)
    assert job.file.name == name
    with pytest.raises(ImportJobError):
        import_job_confirm(previewed=preview, skip_invalid=False, started_by=None)
    done = import_job_run(job_id=job.pk)
    assert done.batch_id and Cooperative.objects.count() == 1
    preview.refresh_from_db()
    assert done.file == "" and preview.file == ""
    assert not done.file.storage.exists(name)


def test_the_report_is_bounded(queue, monkeypatch):
    monkeypatch.setattr(import_jobs, "REPORT_ERRORS", 2)
    monkeypatch.setattr(import_jobs, "REPORT_ROWS", 1)
    data = csv_bytes([coop_row(n, members="-1" if n > 3 else 1) for n in range(1, 8)])
    job = import_job_run(job_id=queue(data).pk)
    assert len(job.report["errors"]) == 2 and job.report["more_errors"] == 2
    assert len(job.report["new"]) == 1 and job.report["more_new"] == 2
    assert job.errors_count == 4 and job.rejected == 4


def test_lost_jobs_are_queued_again_and_expired_files_deleted(queue, monkeypatch):
    queued = []
    monkeypatch.setattr(import_jobs, "enqueue", lambda task, *args: queued.append(args))
    lost = queue(rows(1))
    fresh = queue(rows(1))
    expired = import_job_run(job_id=queue(rows(1)).pk)
    now = timezone.now()
    ImportJob.objects.filter(pk=lost.pk).update(created_at=now - timedelta(minutes=5))
    ImportJob.objects.filter(pk=expired.pk).update(finished_at=now - timedelta(hours=2))
    assert import_jobs_requeue() == 1
    assert queued == [(lost.pk,)]
    assert ImportJob.objects.get(pk=expired.pk).file == ""
    assert ImportJob.objects.get(pk=fresh.pk).file


@pytest.mark.django_db(transaction=True)
@pytest.mark.services("postgres")
def test_progress_of_the_writing_phase_is_visible_while_its_transaction_runs(
    private_media, monkeypatch
):
    """The import writes in one transaction; its progress goes through a second connection,
    so another session (the page's poll) sees it before the import commits."""
    monkeypatch.setattr(importer, "INSERT_CHUNK", 2)
    job = import_job_create(
        upload=SimpleUploadedFile("coops.csv", rows(6)),
        source="",
        skip_invalid=False,
        started_by=None,
    )
    preview = ImportJob.objects.get(pk=job.pk)  # previewed at commit (eager Celery)
    assert preview.status == "done"
    with monkeypatch.context() as patched:
        patched.setattr(import_jobs, "enqueue_on_commit", lambda *a: None)
        confirmed = import_job_confirm(previewed=preview, skip_invalid=False, started_by=None)
    observer = connections.create_connection("default")
    seen = []
    bulk_create = Cooperative.objects.bulk_create

    def watched(objs, *args, **kwargs):
        with observer.cursor() as cursor:
            cursor.execute(
                "SELECT phase, rows_done FROM registry_importjob WHERE id = %s", [confirmed.pk]
            )
            seen.append(cursor.fetchone())
            cursor.execute("SELECT count(*) FROM registry_cooperative")
            seen.append(cursor.fetchone())
        return bulk_create(objs, *args, **kwargs)

    monkeypatch.setattr(Cooperative.objects, "bulk_create", watched)
    try:
        assert import_job_run(job_id=confirmed.pk).created == 6
    finally:
        observer.close()
    # Before the third chunk: 4 rows written and told, none committed yet.
    assert seen[-2:] == [("writing", 4), (0,)]
