"""Business days of the center: weekends, Korean public holidays (substitute holidays
included, from the `holidays` package) and the center's own closing days (`ClosingDay`,
entered in the admin) are not business days. First-response targets, reminders and the
waiting clock all count with these functions."""

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

from coopcenter.core.memo import process_memo


@lru_cache(maxsize=16)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=year)


# Asked for every day counted on every inquiry; the public calendar of a day never changes,
# so this part is kept for the life of the process.
@lru_cache(maxsize=4096)
def _is_working_weekday(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


# The closing days do change (a manager adds one in the admin), so they are read once per
# process for a short while only: a save or delete clears this process's copy at once
# (consult.apps), and other processes see the change within the TTL. A few dozen rows.
@process_memo(ttl=30, maxsize=1)
def closing_days() -> frozenset[date]:
    from .models import ClosingDay

    return frozenset(ClosingDay.objects.values_list("date", flat=True))


def closing_days_forget() -> None:
    closing_days.cache_clear()


def is_business_day(day: date) -> bool:
    return _is_working_weekday(day) and day not in closing_days()


def add_business_days(start: date, days: int) -> date:
    """The business day `days` business days after `start` (a case received on a Friday
    with a one-day target is due on Monday, or later when Monday is a holiday)."""
    closed = closing_days()
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if _is_working_weekday(day) and day not in closed:
            remaining -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """The business days after `start` up to and including `end` (0 when end <= start):
    the inverse of add_business_days, so business_days_between(d, add_business_days(d, n))
    is n."""
    closed = closing_days()
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if _is_working_weekday(day) and day not in closed:
            count += 1
    return count


def received_by(today: date, days: int) -> date:
    """The last day a case may have been received on to be `days` business days old
    today: add_business_days(that day, days) <= today < add_business_days(next day, days)."""
    day = today
    while add_business_days(day, days) > today:
        day -= timedelta(days=1)
    return day


def first_response_due(*, track: str, received: datetime) -> date:
    days = settings.CONSULT_FIRST_RESPONSE_DAYS.get(track, 2)
    return add_business_days(timezone.localdate(received), days)
