"""First-response targets in Korean business days, and what counts as overdue."""

import datetime
from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from consult import workflow
from consult.deadlines import (
    add_business_days,
    business_days_between,
    first_response_due,
    is_business_day,
)
from consult.models import Case, Status, Track

from .factories import StaffFactory, routed_case, submit_case

# The center's closing days are part of the calendar, and they live in the database.
pytestmark = pytest.mark.django_db

DAYS = {"triage": 1, "education": 3, "advice": 2, "consulting": 5}


@pytest.mark.parametrize(
    ("start", "days", "due", "why"),
    [
        # A plain week: Monday + 2 = Wednesday.
        (date(2026, 11, 16), 2, date(2026, 11, 18), "weekdays only"),
        # Friday + 1 skips the weekend.
        (date(2026, 11, 20), 1, date(2026, 11, 23), "weekend skipped"),
        # Friday 2026-09-18 + 3: Mon 21, Tue 22, Wed 23. Chuseok (Thu 24 to Sat 26) starts
        # the day after, so it does not move this target at all.
        (date(2026, 9, 18), 3, date(2026, 9, 23), "Chuseok starts after the target"),
        # + 4 from the same Friday: the fourth business day would be Thu 24, but Thu 24,
        # Fri 25 (Chuseok) and Sat 26 are holidays and Sun 27 is a Sunday, so Mon 28.
        # Chuseok's Saturday earns no substitute day: for Seollal and Chuseok only an
        # overlap with a Sunday (or another holiday) does, so Mon 28 is a working day.
        (date(2026, 9, 18), 4, date(2026, 9, 28), "Chuseok skipped, no substitute"),
        # National Foundation Day, Sat 2026-10-03, has a substitute holiday on Mon 10-05:
        # Friday 10-02 + 1 skips Sat 3, Sun 4 and Mon 5 and lands on Tue 6.
        (date(2026, 10, 2), 1, date(2026, 10, 6), "substitute holiday for a Saturday"),
        # Independence Movement Day, Sun 2026-03-01, moves to Mon 03-02.
        (date(2026, 2, 27), 1, date(2026, 3, 3), "substitute holiday for a Sunday"),
        # Seollal 2026: Mon 02-16 to Wed 02-18; Friday 02-13 + 2 = Thu 19, Fri 20.
        (date(2026, 2, 13), 2, date(2026, 2, 20), "Seollal"),
        # Across the new year: Wed 2026-12-30 + 2: Thu 31, (Fri 2027-01-01 holiday),
        # Mon 2027-01-04.
        (date(2026, 12, 30), 2, date(2027, 1, 4), "New Year's Day, next year's holidays"),
        # A case received on a Saturday: the first business day after it is Monday.
        (date(2026, 11, 21), 1, date(2026, 11, 23), "received on a weekend"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_add_business_days(start, days, due, why):
    assert add_business_days(start, days) == due, why


@pytest.mark.parametrize(
    "day",
    [date(2026, 9, 24), date(2026, 9, 25), date(2026, 10, 5), date(2026, 3, 2), date(2026, 8, 17)],
)
def test_holidays_and_substitute_holidays_are_not_business_days(day):
    assert not is_business_day(day)


def test_chuseok_saturday_has_no_substitute_monday():
    assert is_business_day(date(2026, 9, 28))


@override_settings(CONSULT_FIRST_RESPONSE_DAYS=DAYS)
@pytest.mark.parametrize("track", list(DAYS))
def test_first_response_due_per_track(track):
    # Monday 2026-11-16, 23:30 in Seoul (14:30 UTC): the Seoul date counts.
    received = datetime.datetime(2026, 11, 16, 14, 30, tzinfo=datetime.UTC)
    expected = {
        "triage": date(2026, 11, 17),
        "education": date(2026, 11, 19),
        "advice": date(2026, 11, 18),
        "consulting": date(2026, 11, 23),
    }[track]
    assert first_response_due(track=track, received=received) == expected


def test_late_evening_utc_counts_as_the_next_seoul_day():
    # 2026-11-20 16:00 UTC is Saturday 01:00 in Seoul: the target counts from Saturday.
    received = datetime.datetime(2026, 11, 20, 16, 0, tzinfo=datetime.UTC)
    with override_settings(CONSULT_FIRST_RESPONSE_DAYS={"triage": 1}):
        assert first_response_due(track="triage", received=received) == date(2026, 11, 23)


@override_settings(CONSULT_FIRST_RESPONSE_DAYS=DAYS)
def test_intake_and_routing_set_the_target_until_the_first_answer():
    case, _ = submit_case()
    received = timezone.localdate(case.created_at)
    assert case.first_response_due == add_business_days(received, DAYS["triage"])
    staff = StaffFactory(username="s")
    case = workflow.case_route(
        case_id=case.pk, track=Track.CONSULTING, actor=workflow.Actor.staff(staff)
    )
    assert case.first_response_due == add_business_days(received, DAYS["consulting"])
    # A referral before any answer moves the target to the new service's…
    case = workflow.case_route(
        case_id=case.pk, track=Track.ADVICE, actor=workflow.Actor.staff(staff), reason="short"
    )
    assert Case.objects.get(pk=case.pk).first_response_due == add_business_days(received, 2)
    # …but once the citizen has had an answer, the target stays as it was.
    workflow.case_reply(case_id=case.pk, actor=workflow.Actor.staff(staff), body="Answer")
    workflow.case_route(
        case_id=case.pk, track=Track.EDUCATION, actor=workflow.Actor.staff(staff), reason="course"
    )
    assert Case.objects.get(pk=case.pk).first_response_due == add_business_days(received, 2)


def test_overdue_is_open_unanswered_and_past_the_target():
    today = timezone.localdate()
    staff = StaffFactory(username="s")

    def case_due(delta: int, **kwargs) -> Case:
        case, _ = routed_case(email=f"c{Case.objects.count()}@example.org")
        Case.objects.filter(pk=case.pk).update(
            first_response_due=today + timedelta(days=delta), **kwargs
        )
        return Case.objects.get(pk=case.pk)

    late = case_due(-1)
    due_today = case_due(0)
    answered = case_due(-3)
    workflow.case_reply(case_id=answered.pk, actor=workflow.Actor.staff(staff), body="Hi")
    resolved = case_due(-3, status=Status.RESOLVED)
    closed = case_due(-3, status=Status.CLOSED, closed_at=timezone.now())
    waiting = case_due(-2, status=Status.WAITING_ON_CITIZEN)

    overdue = set(Case.objects.overdue())
    assert overdue == {late, waiting}
    for case in (late, due_today, answered, resolved, closed, waiting):
        case.refresh_from_db()
        assert case.is_overdue == (case in overdue), case
    # Tomorrow, today's target is late too.
    assert due_today in set(Case.objects.overdue(today=today + timedelta(days=1)))


# --- the center's closing days ------------------------------------------------------------


def test_a_closing_day_counts_as_a_holiday_as_soon_as_it_is_saved():
    from consult.models import ClosingDay

    # Mon 2026-11-23 + 1 is Tuesday 24; once the center closes on the 24th, Wednesday.
    assert add_business_days(date(2026, 11, 23), 1) == date(2026, 11, 24)
    closing = ClosingDay.objects.create(date=date(2026, 11, 24), reason="Foundation day")
    assert not is_business_day(date(2026, 11, 24))
    assert add_business_days(date(2026, 11, 23), 1) == date(2026, 11, 25)
    closing.delete()
    assert is_business_day(date(2026, 11, 24))
    assert add_business_days(date(2026, 11, 23), 1) == date(2026, 11, 24)


def test_closing_days_are_read_once_per_process_while_nothing_changes(
    django_assert_num_queries,
):
    from consult.models import ClosingDay

    ClosingDay.objects.create(date=date(2026, 12, 24), reason="Year-end")
    with django_assert_num_queries(1):
        for day in range(1, 32):
            is_business_day(date(2026, 12, day))
        add_business_days(date(2026, 12, 1), 20)
    assert add_business_days(date(2026, 12, 23), 1) == date(2026, 12, 28)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2026, 11, 16), date(2026, 11, 16), 0),  # same day
        (date(2026, 11, 16), date(2026, 11, 18), 2),  # Mon → Wed
        (date(2026, 11, 20), date(2026, 11, 23), 1),  # Fri → Mon: the weekend is not counted
        (date(2026, 11, 21), date(2026, 11, 22), 0),  # a weekend alone
        (date(2026, 10, 2), date(2026, 10, 6), 1),  # Fri → Tue over a substitute holiday
        (date(2026, 9, 23), date(2026, 9, 28), 1),  # Chuseok
        (date(2026, 11, 18), date(2026, 11, 16), 0),  # backwards: nothing
    ],
)
def test_business_days_between(start, end, days):
    assert business_days_between(start, end) == days


@pytest.mark.parametrize("days", [1, 2, 3, 5])
@pytest.mark.parametrize(
    "start", [date(2026, 9, 18), date(2026, 10, 2), date(2026, 11, 20), date(2026, 12, 30)]
)
def test_business_days_between_inverts_add_business_days(start, days):
    assert business_days_between(start, add_business_days(start, days)) == days


@pytest.mark.parametrize(
    ("today", "days", "received_by_day"),
    [
        # Wed 2026-11-25: a case from Tuesday or before is one business day old…
        (date(2026, 11, 25), 1, date(2026, 11, 24)),
        # …from the weekend before or earlier, three (Monday is the first day counted for
        # a case of Friday as for one of Sunday).
        (date(2026, 11, 25), 3, date(2026, 11, 22)),
        # Mon 2026-11-23: the weekend counts for nothing, so Friday (and the weekend).
        (date(2026, 11, 23), 1, date(2026, 11, 22)),
        # Tue 2026-10-06, after the substitute holiday: Friday 2 October.
        (date(2026, 10, 6), 1, date(2026, 10, 5)),
    ],
)
def test_received_by(today, days, received_by_day):
    from consult.deadlines import received_by

    assert received_by(today, days) == received_by_day
    assert add_business_days(received_by_day, days) <= today
    assert add_business_days(received_by_day + timedelta(days=1), days) > today
