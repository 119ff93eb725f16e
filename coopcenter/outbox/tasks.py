"""Thin Celery tasks over the outbox services; every one is safe to run twice."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(bind=True, max_retries=settings.OUTBOX_MAX_ATTEMPTS, ignore_result=True)
def send_mail(self, mail_id: int) -> None:
    outcome = services.mail_send(mail_id=mail_id)
    # Run eagerly (no broker), a retry would loop at once: beat-less laptops just keep the
    # row pending with its next attempt time, and `send_test_mail` shows the error.
    if outcome.retry_in is None or self.request.is_eager:
        return
    # A short wait is Celery's countdown; a long one (hours, in a long mail server outage)
    # is left to beat, which queues the row again once it is due: a countdown longer than
    # the Redis transport's visibility timeout would be delivered twice.
    if outcome.retry_in <= settings.OUTBOX_TASK_COUNTDOWN_MAX:
        raise self.retry(countdown=outcome.retry_in)


@shared_task(ignore_result=True)
def requeue_pending_mail() -> int:
    return services.mail_requeue_pending()
