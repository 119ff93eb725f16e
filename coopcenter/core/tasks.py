"""Handing work to Celery from a request or a service."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> None:
    """Queue `task(*args)` now. A broker that is down only delays the work: the row the task
    reads is already saved, and a beat job picks up what was never queued."""
    try:
        task.delay(*args)
    except Exception:  # kombu raises many kinds; nothing the caller saved is at risk
        logger.warning("Broker unavailable; %s%r left for beat to re-queue", task.name, args)


def enqueue_on_commit(task, *args) -> None:
    """Queue `task(*args)` once the current transaction commits (at once outside one), so
    that the worker finds the rows it is given and no work is queued for a rollback."""
    transaction.on_commit(lambda: enqueue(task, *args))
