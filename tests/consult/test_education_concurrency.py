"""Enrolments at the same instant on PostgreSQL, each in its own transaction and connection:
the last seats go to exactly as many citizens as there are seats, the others wait in the
order their requests reached the session's row lock, and seats_taken never passes capacity."""

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from consult import education, workflow
from consult.models import CourseSession, Enrolment
from coopcenter.outbox.models import OutgoingMail

from .factories import CourseSessionFactory, education_case
from .test_concurrency import TIMEOUT, run_threads

pytestmark = [pytest.mark.services("postgres"), pytest.mark.django_db(transaction=True)]

E = Enrolment.Status


def test_fifty_requests_for_the_last_ten_seats_give_ten_places_and_an_ordered_waiting_list():
    session = CourseSessionFactory(capacity=30)
    for i in range(20):
        case, _token = education_case(email=f"early{i}@example.org")
        education.enrolment_request(
            session_id=session.pk, case_id=case.pk, actor=workflow.Actor.citizen()
        )
    assert CourseSession.objects.get(pk=session.pk).seats_left == 10
    cases = [education_case(email=f"c{i}@example.org")[0] for i in range(50)]
    barrier = threading.Barrier(len(cases))
    results: list[Enrolment] = []

    def request(case):
        def run():
            barrier.wait(TIMEOUT)
            results.append(
                education.enrolment_request(
                    session_id=session.pk, case_id=case.pk, actor=workflow.Actor.citizen()
                )
            )

        return run

    assert run_threads(*(request(case) for case in cases)) == []
    assert len(results) == 50

    session = CourseSession.objects.get(pk=session.pk)
    assert session.seats_taken == session.capacity == 30
    rush = list(
        Enrolment.objects.filter(case__in=cases).order_by("requested_at", "pk").select_related()
    )
    assert [e.status for e in rush] == [E.CONFIRMED] * 10 + [E.WAITLISTED] * 40
    # Arrival order is the order of the lock: times and keys agree, and positions follow.
    assert [e.pk for e in rush] == sorted(e.pk for e in rush)
    assert [education.waitlist_position(e) for e in rush[10:]] == list(range(1, 41))
    positions = {
        mail.recipient: mail.context["position"]
        for mail in OutgoingMail.objects.filter(template="education_enrolment_waitlisted")
    }
    assert [positions[e.case.email] for e in rush[10:]] == list(range(1, 41))
    assert (
        OutgoingMail.objects.filter(
            template="education_enrolment_confirmed", recipient__startswith="c"
        ).count()
        == 10
    )

    # A cancellation now offers the seat to the first in line, and only to them.
    education.enrolment_cancel(enrolment_id=rush[0].pk, actor=workflow.Actor.citizen())
    assert Enrolment.objects.get(pk=rush[10].pk).status == E.OFFERED
    assert Enrolment.objects.get(pk=rush[11].pk).status == E.WAITLISTED
    assert CourseSession.objects.get(pk=session.pk).seats_taken == 30


def waiters_at_least(count: int) -> None:
    """Block until `count` sessions wait on a lock. Called inside a transaction, where the
    statistics views keep the snapshot of their first read unless it is cleared."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.02)
    raise AssertionError(f"fewer than {count} requests ever waited on the session's lock")


def test_requests_waiting_on_the_lock_are_all_served_one_at_a_time():
    # PostgreSQL does not promise to hand a row lock to its waiters in the order they
    # came, so "arrival" is the moment a request gets the session's lock: the seat goes to
    # the first served, and the waiting list follows the order of service.
    session = CourseSessionFactory(capacity=1)
    cases = [education_case(email=f"q{i}@example.org")[0] for i in range(5)]
    done: list[int] = []
    errors: list[BaseException] = []

    def request(case):
        try:
            enrolment = education.enrolment_request(
                session_id=session.pk, case_id=case.pk, actor=workflow.Actor.citizen()
            )
            done.append(enrolment.case_id)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(case,)) for case in cases]
    with transaction.atomic():
        # The desk holds the session's row: each request queues behind it, one by one.
        CourseSession.objects.select_for_update().get(pk=session.pk)
        for n, thread in enumerate(threads, start=1):
            thread.start()
            waiters_at_least(n)
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive()
    assert errors == []
    queue = list(Enrolment.objects.filter(session=session).order_by("requested_at", "pk"))
    assert sorted(e.case_id for e in queue) == sorted(case.pk for case in cases)
    assert len({e.requested_at for e in queue}) == 5  # served one after the other
    assert [e.status for e in queue] == [E.CONFIRMED] + [E.WAITLISTED] * 4
    assert [education.waitlist_position(e) for e in queue[1:]] == [1, 2, 3, 4]


def test_two_expiry_runs_at_once_pass_each_seat_on_once():
    session = CourseSessionFactory(capacity=2)
    citizen = workflow.Actor.citizen()
    seated = [
        education.enrolment_request(
            session_id=session.pk, case_id=education_case()[0].pk, actor=citizen
        )
        for _ in range(2)
    ]
    waiting = [
        education.enrolment_request(
            session_id=session.pk, case_id=education_case()[0].pk, actor=citizen
        )
        for _ in range(4)
    ]
    for enrolment in seated:
        education.enrolment_cancel(enrolment_id=enrolment.pk, actor=citizen)
    later = timezone.now() + timedelta(hours=settings.CONSULT_SEAT_OFFER_HOURS + 1)
    barrier = threading.Barrier(2)
    expired: list[int] = []

    def run():
        barrier.wait(TIMEOUT)
        expired.append(education.offers_expire(now=later))

    assert run_threads(run, run) == []
    assert sum(expired) == 2
    statuses = [Enrolment.objects.get(pk=e.pk).status for e in waiting]
    assert statuses == [E.EXPIRED, E.EXPIRED, E.OFFERED, E.OFFERED]
    assert CourseSession.objects.get(pk=session.pk).seats_taken == 2
    assert OutgoingMail.objects.filter(template="education_offer_expired").count() == 2
