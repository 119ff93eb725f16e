"""First-response targets, counted in Korean business days (weekends and public holidays,
substitute holidays included, come from the `holidays` package)."""

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone


@lru_cache(maxsize=16)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=year)


# Asked for every day counted on every inquiry; the calendar of a day never changes.
@lru_cache(maxsize=4096)
def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The business day `days` business days after `start` (a case received on a Friday
    with a one-day target is due on Monday, or later when Monday is a holiday)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day


def first_response_due(*, track: str, received: datetime) -> date:
    days = settings.CONSULT_FIRST_RESPONSE_DAYS.get(track, 2)
    return add_business_days(timezone.localdate(received), days)
