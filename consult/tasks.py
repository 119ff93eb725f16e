"""Thin Celery tasks over the intake services; every one is safe to run twice."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def open_waiting_submissions() -> int:
    """Queued by the first inquiry since the last run (services.submission_receive), and
    run by beat as the safety net for a run that could not be queued (broker down)."""
    return services.intake_run()
