"""Handing work to Celery from a request or a service."""

import logging

from django.db import transaction

from .breaker import breaker_for

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> None:
    """Queue `task(*args)` now. A broker that is down only delays the work: the row the task
    reads is already saved, and a beat job picks up what was never queued.

    The publish is bounded (CELERY_BROKER_TRANSPORT_OPTIONS, no publish retry) and goes
    through the broker's circuit breaker: after a failure, publishes are skipped for a
    while instead of each one waiting out the timeout (coopcenter.core.breaker)."""
    conf = task.app.conf
    # Without a broker (eager, the laptop default) the task runs here and there is no server
    # to spare.
    breaker = None if conf.task_always_eager else breaker_for(conf.broker_url)
    if breaker is not None and not breaker.allow():
        logger.info("Broker skipped; %s%r left for beat to re-queue", task.name, args)
        return
    try:
        task.delay(*args)
    except Exception:  # kombu raises many kinds; nothing the caller saved is at risk
        if breaker is not None:
            breaker.failed()
        logger.warning("Broker unavailable; %s%r left for beat to re-queue", task.name, args)
    else:
        if breaker is not None:
            breaker.succeeded()


def enqueue_on_commit(task, *args) -> None:
    """Queue `task(*args)` once the current transaction commits (at once outside one), so
    that the worker finds the rows it is given and no work is queued for a rollback."""
    transaction.on_commit(lambda: enqueue(task, *args))
