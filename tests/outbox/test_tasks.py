from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail as django_mail

from coopcenter.outbox import tasks

from .factories import OutgoingMailFactory

pytestmark = pytest.mark.django_db


def test_task_delivers_by_id_and_is_idempotent():
    mail = OutgoingMailFactory()
    tasks.send_mail.apply(args=[mail.pk])
    tasks.send_mail.apply(args=[mail.pk])
    assert len(django_mail.outbox) == 1


def test_task_for_a_vanished_row_does_nothing():
    tasks.send_mail.apply(args=[987654])
    assert django_mail.outbox == []


def test_worker_task_retries_with_the_backoff_delay():
    mail = OutgoingMailFactory()
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send",
            side_effect=SMTPServerDisconnected("down"),
        ),
        mock.patch.object(tasks.send_mail, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        # Called as a worker would (not eagerly), the task asks Celery for a later retry.
        tasks.send_mail.run(mail.pk)
    retry.assert_called_once()
    assert retry.call_args.kwargs["countdown"] > 0


def test_requeue_task_reports_how_many_it_queued():
    assert tasks.requeue_pending_mail.apply().get() == 0


def test_beat_schedules_the_requeue_task():
    from django.conf import settings

    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks.requeue_pending_mail.name in names
