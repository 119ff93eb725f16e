"""Thin Celery tasks over the intake services; every one is safe to run twice."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def open_waiting_submissions() -> int:
    """Queued by the inquiry form's POST (see services.intake_wake) and run by beat as a
    safety net for a run that was never queued because the broker was down."""
    return services.intake_run()
