"""The intake behind the inquiry form: a POST keeps a submission and queues one run; the run
(consult.tasks.open_waiting_submissions, also beat's) makes each submission a case, once,
and a submission that fails waits and is tried again, never lost."""

from datetime import timedelta
from unittest.mock import patch

import pytest
from django.test import TestCase
from django.utils import timezone

from consult import services, tasks
from consult.models import Case, Submission
from coopcenter.outbox.models import OutgoingMail

from .factories import receive_inquiry

pytestmark = pytest.mark.django_db

# One run per burst is PostgreSQL's: the reference counter counts submissions since the last
# run in the statement that takes the number. On SQLite (a laptop, tasks run at once) every
# submission queues its run, by design (services._submission_insert).
POSTGRES_COUNTS_RUNS = pytest.mark.services("postgres")


@pytest.fixture
def queued():
    """The intake runs queued to the broker (instead of run), in order."""
    with patch.object(tasks.open_waiting_submissions, "delay") as delay:
        yield delay


@POSTGRES_COUNTS_RUNS
def test_a_burst_of_inquiries_queues_one_run_until_it_starts(queued):
    with TestCase.captureOnCommitCallbacks(execute=True):
        for i in range(5):
            receive_inquiry(email=f"c{i}@example.org")
    assert queued.call_count == 1
    assert Submission.objects.count() == 5 and not Case.objects.exists()

    tasks.open_waiting_submissions()  # the worker takes the run: all five become cases
    assert Case.objects.count() == 5 and not Submission.objects.exists()

    with TestCase.captureOnCommitCallbacks(execute=True):
        receive_inquiry(email="later@example.org")
    assert queued.call_count == 2  # the run cleared its mark: the next inquiry queues again


@POSTGRES_COUNTS_RUNS
def test_the_intake_needs_no_cache(queued):
    failing = ConnectionError("cache down")
    down = [
        patch.object(services.cache, name, side_effect=failing)
        for name in ("get", "set", "add", "delete", "incr")
    ]
    with down[0], down[1], down[2], down[3], down[4]:
        with TestCase.captureOnCommitCallbacks(execute=True):
            receive_inquiry()
            receive_inquiry(email="other@example.org")
        assert queued.call_count == 1
        assert tasks.open_waiting_submissions() == 2
    assert Case.objects.count() == 2


@POSTGRES_COUNTS_RUNS
def test_a_run_that_was_lost_is_made_up_by_beats_run(queued):
    """The first inquiry queued a run that never ran (a worker died): the others do not
    queue one, and beat's run opens them all and lets the next inquiry queue again."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        for i in range(3):
            receive_inquiry(email=f"c{i}@example.org")
    assert queued.call_count == 1
    assert tasks.open_waiting_submissions() == 3  # beat
    with TestCase.captureOnCommitCallbacks(execute=True):
        receive_inquiry(email="next@example.org")
    assert queued.call_count == 2


def test_with_the_broker_down_the_inquiry_waits_for_beats_run(queued):
    queued.side_effect = ConnectionError("broker down")
    with TestCase.captureOnCommitCallbacks(execute=True):
        submission = receive_inquiry()
    assert Submission.objects.filter(pk=submission.pk).exists()

    assert tasks.open_waiting_submissions() == 1  # beat's run, once the broker is back
    case = Case.objects.get(reference=submission.reference)
    assert OutgoingMail.objects.filter(idempotency_key=f"consult:ack:{case.pk}").exists()


def test_a_submission_is_opened_once_however_often_it_is_run(queued):
    submission = receive_inquiry()
    first = services.submission_open(submission_id=submission.pk)
    assert first is not None
    assert services.submission_open(submission_id=submission.pk) is None
    assert tasks.open_waiting_submissions() == 0
    assert Case.objects.filter(reference=submission.reference).count() == 1
    assert OutgoingMail.objects.filter(template="consult_acknowledge").count() == 1


def test_a_failing_submission_waits_longer_each_time_and_the_others_go_on(queued, settings):
    settings.CONSULT_INTAKE_RETRY_BACKOFF = 60
    settings.CONSULT_INTAKE_MAX_ATTEMPTS = 2
    broken = receive_inquiry(email="broken@example.org")
    fine = receive_inquiry(email="fine@example.org")
    real_open = services._case_open

    def case_open(**kwargs):
        if kwargs["inquiry"]["email"] == "broken@example.org":
            raise RuntimeError("the triage team's table is locked")
        return real_open(**kwargs)

    with patch.object(services, "_case_open", side_effect=case_open):
        assert tasks.open_waiting_submissions() == 1
        broken.refresh_from_db()
        assert broken.attempts == 1
        assert broken.last_error == "RuntimeError: the triage team's table is locked"
        assert broken.next_attempt_at > timezone.now() + timedelta(seconds=50)
        assert Case.objects.filter(email="fine@example.org").exists()
        assert not Submission.objects.filter(pk=fine.pk).exists()

        assert tasks.open_waiting_submissions() == 0  # not due yet
        Submission.objects.filter(pk=broken.pk).update(next_attempt_at=timezone.now())
        assert tasks.open_waiting_submissions() == 0
        broken.refresh_from_db()
        assert broken.attempts == 2
        assert broken.next_attempt_at > timezone.now() + timedelta(seconds=110)

        # Out of attempts: left to the desk, however long it waits.
        Submission.objects.filter(pk=broken.pk).update(next_attempt_at=timezone.now())
        assert not services.submissions_due().filter(pk=broken.pk).exists()

    # The desk opens it by hand once the cause is fixed.
    case = services.submission_open(submission_id=broken.pk)
    assert case is not None and case.reference == broken.reference
