"""The managers' reports: the desk's figures per month, per service track and per counselor.

Every figure is computed from a handful of queries, each grouped by the same three keys
(month, track, counselor); the rows of the report are sums over those groups, so the months,
the tracks and the counselors always add up to the same total. Medians cannot be summed, so
the durations behind them are fetched (one small row per case) and their medians taken in
Python, which works the same on PostgreSQL and SQLite.

What each figure means (and the month it is counted in, Seoul time):

- new: cases received (`created_at`) that month.
- resolved: cases that are `resolved` or `closed` now, in the month of their resolution: the
  last time the case became `resolved` (its status Event), or, for a case closed without
  ever being resolved, the day it was closed (`closed_at`). A resolved case the citizen
  reopens leaves the figures until it is resolved again; this is the resolution the
  waiting clock (`waiting_business_days`, kept over the case's whole life) belongs to.
- median first response: business days from the day received to the first answer
  (`first_responded_at`), over the cases first answered that month.
- median resolution: business days from the day received to the resolution, minus the
  business days spent waiting on the citizen, over the cases resolved that month.
- overdue: cases received that month that are overdue now (`Case.objects.overdue()`: open,
  not answered, past the first-response date). A snapshot, not a history.
- surveys: satisfaction surveys sent that month; the response rate is answered / sent, the
  mean rating is over the answered ones.
- enrolments: confirmed places in course sessions held that month; attendance is attended /
  confirmed places whose attendance was recorded.
- co-ops founded: distinct registry co-ops linked to a case (`Case.cooperative`), in the
  month of their registration date (else their incorporation date, else the day they entered
  the registry).

Cases are grouped by their track and their assignee as they are now; enrolments by the
counselor in charge of the session. Test cases, spam and merged cases are left out of every
figure (`Case.objects.reportable()`), and so are their surveys and enrolments.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from statistics import median

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from .deadlines import business_days_between
from .models import Case, Enrolment, Event, Status, Survey, Track

# Key of a group: (first day of the month, track code, counselor id or None).
Key = tuple[date, str, int | None]


# --- the period --------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months: the first day of each month covered, in order."""

    months: tuple[date, ...]
    year: int | None = None

    @property
    def start(self) -> date:
        return self.months[0]

    @property
    def end(self) -> date:
        """The first day after the period."""
        return _add_months(self.months[-1], 1)

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes (midnight in the site's time zone)."""
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end, time.min, tzinfo=zone),
        )

    def __contains__(self, day: date) -> bool:
        return self.start <= day < self.end


def period_for(year: int | None = None, today: date | None = None) -> Period:
    """A calendar year, or the last 12 months up to and including the current one."""
    if year is not None:
        return Period(months=tuple(date(year, month, 1) for month in range(1, 13)), year=year)
    first = (today or timezone.localdate()).replace(day=1)
    return Period(months=tuple(_add_months(first, offset) for offset in range(-11, 1)))


def _month(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


# --- the figures of one group ------------------------------------------------------------------


@dataclass
class Figures:
    """The figures of one group of cases, and of any sum of groups."""

    new: int = 0
    overdue: int = 0
    first_response_days: list[int] = field(default_factory=list)
    resolution_days: list[int] = field(default_factory=list)
    surveys_sent: int = 0
    surveys_answered: int = 0
    rating_sum: int = 0
    enrolled: int = 0
    attendance_recorded: int = 0
    attended: int = 0
    cooperatives: set[int] = field(default_factory=set)

    def add(self, other: "Figures") -> None:
        self.new += other.new
        self.overdue += other.overdue
        self.first_response_days += other.first_response_days
        self.resolution_days += other.resolution_days
        self.surveys_sent += other.surveys_sent
        self.surveys_answered += other.surveys_answered
        self.rating_sum += other.rating_sum
        self.enrolled += other.enrolled
        self.attendance_recorded += other.attendance_recorded
        self.attended += other.attended
        self.cooperatives |= other.cooperatives

    @property
    def resolved(self) -> int:
        return len(self.resolution_days)

    @property
    def median_first_response(self) -> float | None:
        return median(self.first_response_days) if self.first_response_days else None

    @property
    def median_resolution(self) -> float | None:
        return median(self.resolution_days) if self.resolution_days else None

    @property
    def survey_rate(self) -> float | None:
        """Answered surveys per sent one, in percent."""
        return 100 * self.surveys_answered / self.surveys_sent if self.surveys_sent else None

    @property
    def mean_rating(self) -> float | None:
        return self.rating_sum / self.surveys_answered if self.surveys_answered else None

    @property
    def attendance_rate(self) -> float | None:
        """Attended places per place whose attendance was recorded, in percent."""
        return 100 * self.attended / self.attendance_recorded if self.attendance_recorded else None

    @property
    def cooperatives_founded(self) -> int:
        return len(self.cooperatives)


@dataclass(frozen=True)
class Row:
    key: str  # the month (YYYY-MM), the track code or the counselor's username; "" = none
    figures: Figures
    month: date | None = None
    track: str = ""
    counselor_id: int | None = None
    username: str = ""


@dataclass(frozen=True)
class Report:
    period: Period
    track: str
    months: list[Row]
    tracks: list[Row]
    counselors: list[Row]
    total: Figures


# --- the queries -------------------------------------------------------------------------------


def _last_resolved() -> Subquery:
    """When the case last became resolved (none for a case closed without it)."""
    return Subquery(
        Event.objects.filter(
            case=OuterRef("pk"), field=Event.Field.STATUS, new_value=Status.RESOLVED
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )


def _grouped(queryset: QuerySet, month_field: str, track_field: str, counselor_field: str):
    """The queryset grouped by (month, track, counselor)."""
    zone = timezone.get_current_timezone()
    return (
        queryset.annotate(report_month=TruncMonth(month_field, tzinfo=zone))
        .values("report_month", track_field, counselor_field)
        .order_by()
    )


def report_figures(period: Period, *, track: str = "", today: date | None = None) -> Report:
    """The report of `period`, for one track or (track "") for all of them."""
    today = today or timezone.localdate()
    start, end = period.bounds()
    cases = Case.objects.reportable()
    if track:
        cases = cases.filter(track=track)
    groups: dict[Key, Figures] = defaultdict(Figures)

    # 1. New cases.
    for row in _grouped(
        cases.filter(created_at__gte=start, created_at__lt=end), "created_at", "track", "assignee"
    ).annotate(n=Count("id")):
        groups[_month(row["report_month"]), row["track"], row["assignee"]].new += row["n"]

    # 2. Overdue now, by the month received.
    overdue = cases.overdue(today).filter(created_at__gte=start, created_at__lt=end)
    for row in _grouped(overdue, "created_at", "track", "assignee").annotate(n=Count("id")):
        groups[_month(row["report_month"]), row["track"], row["assignee"]].overdue += row["n"]

    # 3. First responses: the business days of each, in the month answered.
    answered = cases.filter(first_responded_at__gte=start, first_responded_at__lt=end)
    for created, responded, case_track, assignee in answered.values_list(
        "created_at", "first_responded_at", "track", "assignee"
    ):
        days = business_days_between(timezone.localdate(created), timezone.localdate(responded))
        groups[_month(responded), case_track, assignee].first_response_days.append(days)

    # 4. Resolutions: the business days of each, without the time spent waiting on the
    #    citizen, in the month resolved.
    resolved = (
        cases.filter(status__in=[Status.RESOLVED, Status.CLOSED], created_at__lt=end)
        .annotate(resolved_at=Coalesce(_last_resolved(), "closed_at"))
        .filter(resolved_at__gte=start, resolved_at__lt=end)
    )
    for created, resolved_at, waiting, case_track, assignee in resolved.values_list(
        "created_at", "resolved_at", "waiting_business_days", "track", "assignee"
    ):
        span = business_days_between(timezone.localdate(created), timezone.localdate(resolved_at))
        groups[_month(resolved_at), case_track, assignee].resolution_days.append(
            max(span - waiting, 0)
        )

    # 5. Satisfaction surveys, in the month sent.
    surveys = Survey.objects.filter(case__in=cases, sent_at__gte=start, sent_at__lt=end)
    for row in _grouped(surveys, "sent_at", "case__track", "case__assignee").annotate(
        sent=Count("id"),
        answered=Count("id", filter=Q(answered_at__isnull=False)),
        rating_sum=Sum("rating"),
    ):
        figures = groups[_month(row["report_month"]), row["case__track"], row["case__assignee"]]
        figures.surveys_sent += row["sent"]
        figures.surveys_answered += row["answered"]
        figures.rating_sum += row["rating_sum"] or 0

    # 6. Confirmed places and attendance, in the month of the session.
    places = Enrolment.objects.filter(
        case__in=cases,
        status=Enrolment.Status.CONFIRMED,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
    )
    for row in _grouped(places, "session__starts_at", "case__track", "session__counselor").annotate(
        confirmed=Count("id"),
        recorded=Count("id", filter=~Q(attendance=Enrolment.Attendance.UNKNOWN)),
        attended=Count("id", filter=Q(attendance=Enrolment.Attendance.ATTENDED)),
    ):
        figures = groups[_month(row["report_month"]), row["case__track"], row["session__counselor"]]
        figures.enrolled += row["confirmed"]
        figures.attendance_recorded += row["recorded"]
        figures.attended += row["attended"]

    # 7. Co-ops founded with the center's help, in the month they were registered. Few rows:
    #    the date falls back in Python rather than in SQL (a date or a datetime).
    for coop, case_track, assignee, registered, incorporated, entered in cases.filter(
        cooperative__isnull=False
    ).values_list(
        "cooperative",
        "track",
        "assignee",
        "cooperative__registration_date",
        "cooperative__incorporation_date",
        "cooperative__created_at",
    ):
        founded = registered or incorporated or timezone.localdate(entered)
        if founded in period:
            groups[_month(founded), case_track, assignee].cooperatives.add(coop)

    return _report(period, track, groups)


def _sum(groups: Iterable[Figures]) -> Figures:
    total = Figures()
    for figures in groups:
        total.add(figures)
    return total


def _report(period: Period, track: str, groups: dict[Key, Figures]) -> Report:
    by_month: dict[date, list[Figures]] = defaultdict(list)
    by_track: dict[str, list[Figures]] = defaultdict(list)
    by_counselor: dict[int | None, list[Figures]] = defaultdict(list)
    for (month, case_track, counselor), figures in groups.items():
        by_month[month].append(figures)
        by_track[case_track].append(figures)
        by_counselor[counselor].append(figures)
    months = [
        Row(key=f"{month:%Y-%m}", month=month, figures=_sum(by_month.get(month, [])))
        for month in period.months
    ]
    tracks = [
        Row(key=code, track=code, figures=_sum(by_track.get(code, [])))
        for code in ([track] if track else Track.values)
    ]
    ids = [pk for pk in by_counselor if pk is not None]
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    counselors = [
        Row(key=names[pk], counselor_id=pk, username=names[pk], figures=_sum(by_counselor[pk]))
        for pk in sorted(ids, key=lambda pk: names[pk])
    ]
    if None in by_counselor:
        counselors.append(Row(key="", figures=_sum(by_counselor[None])))
    return Report(
        period=period,
        track=track,
        months=months,
        tracks=tracks,
        counselors=counselors,
        total=_sum(groups.values()),
    )
