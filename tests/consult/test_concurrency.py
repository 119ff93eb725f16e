"""Concurrent writes on PostgreSQL: references stay unique and gapless, row locks serialise
two counselors saving the same case (no lost update), and a stale form is refused.

Each thread uses its own database connection and closes it at the end."""

import threading
import time

import pytest
from django.db import connection, transaction

from consult import services, workflow
from consult.models import Case, Event, Status, Submission
from consult.services import privacy_notice_current

from .factories import counselor, routed_case, waiting_submission

pytestmark = [pytest.mark.services("postgres"), pytest.mark.django_db(transaction=True)]

TIMEOUT = 20


def run_threads(*targets) -> list[BaseException]:
    """Run each target in a thread that closes its connection; return what they raised."""
    errors: list[BaseException] = []

    def wrap(target):
        def run():
            try:
                target()
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a thread hung (deadlock?)"
    return errors


def wait_for_lock_waiters(count: int = 1) -> None:
    """Block until `count` other sessions of this database wait on a row lock."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.02)
    raise AssertionError("no session ever waited on the case's row lock")


def test_simultaneous_inquiries_get_distinct_consecutive_references_and_one_case_each():
    """Half through the form's path (a submission, opened by the intake runs its commits
    queue, eagerly here), half made cases at once: one counter, no number twice or missed."""
    n = 8
    notice = privacy_notice_current()
    barrier = threading.Barrier(n)
    references: list[str] = []

    def submit(i):
        def run():
            barrier.wait(TIMEOUT)
            data = {
                "name": f"시민{i}",
                "email": f"c{i}@example.org",
                "stage": "thinking",
                "service_wanted": "unsure",
                "topic": "basics",
                "message": "동시에 보냅니다.",
                "language": "ko",
                "notice": notice,
            }
            if i % 2:
                case, _token = services.case_submit(**data)
                references.append(case.reference)
            else:
                references.append(services.submission_receive(**data).reference)

        return run

    assert run_threads(*(submit(i) for i in range(n))) == []
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in references)
    assert len(set(references)) == n
    assert numbers == list(range(numbers[0], numbers[0] + n))
    # What a run missed while another held the "queued" mark, beat's run opens.
    services.intake_run()
    assert sorted(Case.objects.values_list("reference", flat=True)) == sorted(references)
    assert not Submission.objects.exists()


def test_two_intake_runs_at_once_open_each_submission_once():
    with transaction.atomic():  # committed together, so that both runs see all of them
        for i in range(6):
            waiting_submission(email=f"c{i}@example.org")
    barrier = threading.Barrier(2)
    opened: list[int] = []

    def run():
        barrier.wait(TIMEOUT)
        opened.append(services.intake_run(batch_size=2))

    assert run_threads(run, run) == []
    assert sum(opened) == 6
    assert Case.objects.count() == 6 and not Submission.objects.exists()


def test_two_transactions_on_one_case_lose_no_update():
    boss = counselor(username="boss")
    other = counselor("education", username="other")
    case, _ = routed_case()
    before = Case.objects.get(pk=case.pk)
    events_before = Event.objects.filter(case=case).count()
    first_holds_lock = threading.Event()
    release = threading.Event()

    def set_priority():
        with transaction.atomic():
            workflow.case_set_priority(
                case_id=case.pk, priority="urgent", actor=workflow.Actor.staff(boss)
            )
            first_holds_lock.set()
            assert release.wait(TIMEOUT)

    def assign():
        assert first_holds_lock.wait(TIMEOUT)
        workflow.case_assign(case_id=case.pk, assignee=other, actor=workflow.Actor.staff(boss))

    errors: list[BaseException] = []
    runner = threading.Thread(target=lambda: errors.extend(run_threads(set_priority, assign)))
    runner.start()
    assert first_holds_lock.wait(TIMEOUT)
    wait_for_lock_waiters(1)  # the assignment waits for the priority's transaction
    assert Case.objects.get(pk=case.pk).assignee_id == before.assignee_id
    release.set()
    runner.join(TIMEOUT)
    assert errors == []

    after = Case.objects.get(pk=case.pk)
    assert after.priority == "urgent"
    assert after.assignee == other
    assert after.version == before.version + 2
    new_events = Event.objects.filter(case=case).order_by("pk")[events_before:]
    assert [e.field for e in new_events] == ["priority", "assignee"]


def test_same_expected_version_twice_the_second_is_stale():
    boss = counselor(username="boss")
    other = counselor("education", username="other")
    case, _ = routed_case()
    seen = Case.objects.get(pk=case.pk).version

    workflow.case_set_priority(
        case_id=case.pk, priority="high", actor=workflow.Actor.staff(boss), expected_version=seen
    )
    with pytest.raises(workflow.StaleCase):
        workflow.case_assign(
            case_id=case.pk,
            assignee=other,
            actor=workflow.Actor.staff(boss),
            expected_version=seen,
        )
    assert Case.objects.get(pk=case.pk).assignee != other


def test_two_forms_saved_at_once_with_the_same_version_one_is_stale():
    boss = counselor(username="boss")
    other = counselor("education", username="other")
    case, _ = routed_case()
    seen = Case.objects.get(pk=case.pk).version
    first_holds_lock = threading.Event()
    release = threading.Event()

    def first():
        with transaction.atomic():
            workflow.case_set_priority(
                case_id=case.pk,
                priority="high",
                actor=workflow.Actor.staff(boss),
                expected_version=seen,
            )
            first_holds_lock.set()
            assert release.wait(TIMEOUT)

    def second():
        assert first_holds_lock.wait(TIMEOUT)
        workflow.case_assign(
            case_id=case.pk,
            assignee=other,
            actor=workflow.Actor.staff(boss),
            expected_version=seen,
        )

    errors: list[BaseException] = []
    runner = threading.Thread(target=lambda: errors.extend(run_threads(first, second)))
    runner.start()
    assert first_holds_lock.wait(TIMEOUT)
    wait_for_lock_waiters(1)
    release.set()
    runner.join(TIMEOUT)
    assert [type(e) for e in errors] == [workflow.StaleCase]
    after = Case.objects.get(pk=case.pk)
    assert (after.priority, after.version) == ("high", seen + 1)
    assert after.assignee != other


@pytest.mark.parametrize("attempt", range(5))
def test_opposite_merges_at_once_do_not_deadlock(attempt):
    """A into B and B into A together: one wins, the other is told B (or A) is over."""
    boss = counselor(username="boss")
    # The same citizen's two inquiries (two citizens' cases need a manager's confirmation).
    a, _ = routed_case(email="a@example.org")
    b, _ = routed_case(email="A@example.org")
    barrier = threading.Barrier(2)

    def merge(case, into):
        def run():
            barrier.wait(TIMEOUT)
            workflow.case_merge(
                case_id=case.pk, into_reference=into.reference, actor=workflow.Actor.staff(boss)
            )

        return run

    errors = run_threads(merge(a, b), merge(b, a))
    assert [type(e) for e in errors] == [workflow.WorkflowError]
    statuses = sorted(Case.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True))
    assert statuses == sorted([Status.MERGED, Status.TRIAGED])
