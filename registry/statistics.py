"""The statistics of the registry: the figures of the statistics page, stats.json and the home page.

`registry_statistics()` computes every figure of a filtered set of co-ops with a fixed number
of queries, whatever the number of co-ops: one aggregate for the totals, bands, sums and (on
PostgreSQL) medians; one GROUP BY per dimension (district, legal type, membership structure,
industry, registration month); the district names; and on SQLite one ORDER BY/OFFSET query per
median. Its result is plain, language-neutral data (codes, both district names, ISO dates), so
it can be cached and shared by the page and the JSON; `statistics_labelled()` adds the labels
of the current language.

Conventions, stated on the page as well:

- basis "all" counts every registered co-op of the filtered set, whatever its status;
  "operating" only those operating. "registered", "operating" and "by_status" always count the
  whole filtered set, so that operating can be compared with registered.
- shares are percentages of the basis (members and capital: of the co-ops whose value is
  known), rounded half up to one decimal from the exact ratio: 638 of 885 is 72.1.
- a band includes its lower edge and excludes its upper edge ("under 10" is 0 to 9 members);
  `max` is None for the open top band.
- members: mean and median with one decimal; share capital: whole won (rounded half up).
  Both over the co-ops whose value is known; `known` is that N. Null when none is known.
- by_month: registrations per month and cumulative, from 2012-12 (or an earlier month with
  data) through the later of the last month with a registration and the as-of month,
  zero-filled; co-ops without a registration date are left out (their N is `dated`).
- as_of: the latest `data_as_of` of the set, or today when no co-op states one.
"""

from collections.abc import Callable
from datetime import date

from django.db import connections
from django.db.models import Aggregate, Count, FloatField, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from registry.bands import CAPITAL_BANDS, MEMBER_BANDS, Band
from registry.cache import registry_cached
from registry.filters import normalised_filters
from registry.models import (
    ALLOWED_INDUSTRIES,
    Cooperative,
    District,
    LegalType,
    MemberType,
    Status,
)

BASIS_ALL = "all"
BASIS_OPERATING = "operating"
BASES = (BASIS_ALL, BASIS_OPERATING)
BASIS_LABELS = {
    BASIS_ALL: _("All registered co-ops, whatever their status"),
    BASIS_OPERATING: _("Operating co-ops only"),
}
FIRST_MONTH = date(2012, 12, 1)  # the Framework Act on Cooperatives took effect on 2012-12-01
NOT_STATED = _("Not stated")

# Dimensions counted with one GROUP BY each: JSON key, model field, the choices listed.
DIMENSIONS: tuple[tuple[str, str, list[tuple[str, object]]], ...] = (
    ("by_type", "legal_type", list(LegalType.choices)),
    ("by_member_type", "member_type", list(MemberType.choices)),
    ("by_industry", "industry", list(ALLOWED_INDUSTRIES)),
)
STATUS_CHOICES = list(Status.choices)


class Median(Aggregate):
    """PostgreSQL's exact median: percentile_cont(0.5), which skips NULLs."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


# --- arithmetic -----------------------------------------------------------------------------


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, exactly (both non-negative, denominator > 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def share(count: int, total: int) -> float:
    """count as a percentage of total with one decimal, rounded half up; 0.0 when total is 0."""
    if not total:
        return 0.0
    return round_half_up(count * 1000, total) / 10


def _midpoint(low: int, high: int, *, money: bool) -> int | float:
    """The mean of the two middle values: whole won (half up) for money, else exact (x or x.5)."""
    return round_half_up(low + high, 2) if money else (low + high) / 2


# --- the computation ------------------------------------------------------------------------


def registry_statistics(*, queryset: QuerySet, basis: str = BASIS_ALL) -> dict:
    """Every figure of the filtered `queryset` on the given basis, as plain data."""
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}")
    vendor = connections[queryset.db].vendor
    on_basis = Q(status=Status.OPERATING) if basis == BASIS_OPERATING else Q()
    base = queryset.operating() if basis == BASIS_OPERATING else queryset
    base = base.order_by()

    def counted(condition: Q | None = None) -> Count:
        combined = on_basis & condition if condition is not None else on_basis
        return Count("pk", filter=combined or None)

    aggregates: dict[str, Aggregate] = {
        "total": counted(),
        "registered": Count("pk"),
        "as_of": Max("data_as_of", filter=on_basis or None),
    }
    for code, _label in STATUS_CHOICES:
        aggregates[f"status_{code}"] = Count("pk", filter=Q(status=code))
    for field, bands in (("members", MEMBER_BANDS), ("capital_krw", CAPITAL_BANDS)):
        aggregates[f"{field}_known"] = counted(Q(**{f"{field}__isnull": False}))
        aggregates[f"{field}_sum"] = Sum(field, filter=on_basis or None)
        for index, band in enumerate(bands):
            aggregates[f"{field}_band{index}"] = counted(band.q(field))
        if vendor == "postgresql":
            aggregates[f"{field}_median"] = Median(field, filter=on_basis or None)
    row = queryset.order_by().aggregate(**aggregates)

    total = row["total"]
    as_of = row["as_of"] or date.today()
    registered = row["registered"]
    data: dict = {
        "as_of": as_of.isoformat(),
        "basis": basis,
        "total": total,
        "registered": registered,
        "operating": row[f"status_{Status.OPERATING}"],
        "by_status": _ranked(
            [{"code": code, "count": row[f"status_{code}"]} for code, _label in STATUS_CHOICES],
            registered,
        ),
    }

    districts = list(District.objects.order_by("code").values_list("code", "name_ko", "name_en"))
    per_district = _group_counts(base, "district") if total else {}
    data["by_district"] = _ranked(
        [
            {"code": code, "name_ko": ko, "name_en": en, "count": per_district.get(code, 0)}
            for code, ko, en in districts
        ],
        total,
    )

    data["members"] = _size_figures(
        row, base, "members", MEMBER_BANDS, "under_10", vendor=vendor, money=False
    )
    data["capital_krw"] = _size_figures(
        row, base, "capital_krw", CAPITAL_BANDS, "under_10m", vendor=vendor, money=True
    )

    for key, field, choices in DIMENSIONS:
        counts = _group_counts(base, field) if total else {}
        rows = [{"code": code, "count": counts.get(code, 0)} for code, _label in choices]
        if counts.get(""):
            rows.append({"code": "", "count": counts[""]})
        data[key] = _ranked(rows, total)

    per_month = _month_counts(base) if total else {}
    data["by_month"] = _month_series(per_month, as_of)
    data["dated"] = sum(per_month.values())
    return data


def _ranked(rows: list[dict], total: int) -> list[dict]:
    """Rows with their share of total, by count descending (stable: ties keep their order)."""
    for row in rows:
        row["share"] = share(row["count"], total)
    return sorted(rows, key=lambda row: -row["count"])


def _group_counts(queryset: QuerySet, field: str) -> dict[str, int]:
    return dict(
        queryset.values(field).annotate(count=Count("pk")).order_by().values_list(field, "count")
    )


def _month_counts(queryset: QuerySet) -> dict[date, int]:
    rows = (
        queryset.filter(registration_date__isnull=False)
        .annotate(month=TruncMonth("registration_date"))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("month", "count")
    )
    return dict(rows)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_series(counts: dict[date, int], as_of: date) -> list[dict]:
    if not counts:
        return []
    month = min(FIRST_MONTH, min(counts))
    last = max(max(counts), as_of.replace(day=1))
    series, cumulative = [], 0
    while month <= last:
        count = counts.get(month, 0)
        cumulative += count
        series.append({"month": f"{month:%Y-%m}", "count": count, "cumulative": cumulative})
        month = _next_month(month)
    return series


def _size_figures(
    row: dict,
    base: QuerySet,
    field: str,
    bands: tuple[Band, ...],
    first_key: str,
    *,
    vendor: str,
    money: bool,
) -> dict:
    known = row[f"{field}_known"]
    band_rows = [
        {
            "key": band.key,
            "min": band.min,
            "max": band.max,
            "count": row[f"{field}_band{index}"],
            "share": share(row[f"{field}_band{index}"], known),
        }
        for index, band in enumerate(bands)
    ]
    mean = median = None
    if known:
        total = int(row[f"{field}_sum"])
        mean = round_half_up(total, known) if money else round_half_up(total * 10, known) / 10
        if vendor == "postgresql":
            # percentile_cont averages the two middle values: a whole number or one half,
            # exact in a double for any realistic value.
            doubled = round(row[f"{field}_median"] * 2)
            median = _midpoint(doubled, 0, money=money)
        else:
            median = _ordered_median(base, field, known, money=money)
    return {
        "known": known,
        first_key: {"count": band_rows[0]["count"], "share": band_rows[0]["share"]},
        "mean": mean,
        "median": median,
        "bands": band_rows,
    }


def _ordered_median(queryset: QuerySet, field: str, known: int, *, money: bool) -> int | float:
    """The exact median of the known values with one ORDER BY ... LIMIT/OFFSET query."""
    start = (known - 1) // 2
    wanted = 1 if known % 2 else 2
    values = list(
        queryset.filter(**{f"{field}__isnull": False})
        .order_by(field)
        .values_list(field, flat=True)[start : start + wanted]
    )
    return _midpoint(values[0], values[-1], money=money)


# --- cached access --------------------------------------------------------------------------


def statistics_cached(
    *, filters: dict[str, object], basis: str, queryset_for: Callable[[], QuerySet]
) -> dict:
    """registry_statistics() of the filtered set, cached per basis and normalised filters until
    the registry changes."""
    return registry_cached(
        "stats",
        f"{basis}:{normalised_filters(filters)}",
        lambda: registry_statistics(queryset=queryset_for(), basis=basis),
        searched=bool(filters.get("q")),
    )


def home_figures() -> dict | None:
    """Headline figures for the home page; None while the registry holds no co-ops."""
    data = statistics_cached(
        filters={}, basis=BASIS_ALL, queryset_for=lambda: Cooperative.objects.listed()
    )
    if not data["total"]:
        return None
    english = _is_english()
    return {
        "total": data["total"],
        "operating": data["operating"],
        "top_districts": [
            {"name": row["name_en"] if english else row["name_ko"], "count": row["count"]}
            for row in data["by_district"][:5]
            if row["count"]
        ],
        "as_of": date.fromisoformat(data["as_of"]),
    }


# --- labels ---------------------------------------------------------------------------------


def _is_english() -> bool:
    return (get_language() or "ko").startswith("en")


def statistics_labelled(data: dict) -> dict:
    """A copy of the figures with the labels of the current language added to every row."""
    english = _is_english()
    labels = {
        "by_status": dict(STATUS_CHOICES),
        **{key: dict(choices) for key, _field, choices in DIMENSIONS},
    }
    result = dict(data)
    for key, names in labels.items():
        result[key] = [
            {**row, "label": str(names.get(row["code"], NOT_STATED))} for row in data[key]
        ]
    result["by_district"] = [
        {**row, "name": row["name_en"] if english else row["name_ko"]}
        for row in data["by_district"]
    ]
    for field, bands in (("members", MEMBER_BANDS), ("capital_krw", CAPITAL_BANDS)):
        band_labels = {band.key: str(band.label) for band in bands}
        result[field] = {
            **data[field],
            "bands": [{**row, "label": band_labels[row["key"]]} for row in data[field]["bands"]],
        }
    return result


def statistics_json(data: dict, *, filters: dict[str, object]) -> dict:
    """The published JSON shape (see the page's notes): labels in the request's language."""
    labelled = statistics_labelled(data)

    def rows(key: str) -> list[dict]:
        return [
            {"code": r["code"], "label": r["label"], "count": r["count"], "share": r["share"]}
            for r in labelled[key]
        ]

    def sizes(field: str, first_key: str) -> dict:
        figures = labelled[field]
        return {
            "known": figures["known"],
            first_key: figures[first_key],
            "mean": figures["mean"],
            "median": figures["median"],
            "bands": [
                {
                    "label": band["label"],
                    "min": band["min"],
                    "max": band["max"],
                    "count": band["count"],
                    "share": band["share"],
                }
                for band in figures["bands"]
            ],
        }

    return {
        "as_of": data["as_of"],
        "basis": data["basis"],
        "filters": {name: filters[name] for name in sorted(filters)},
        "total": data["total"],
        "registered": data["registered"],
        "operating": data["operating"],
        "by_status": rows("by_status"),
        "by_district": [
            {
                "code": r["code"],
                "name_ko": r["name_ko"],
                "name_en": r["name_en"],
                "count": r["count"],
                "share": r["share"],
            }
            for r in data["by_district"]
        ],
        "members": sizes("members", "under_10"),
        "capital_krw": sizes("capital_krw", "under_10m"),
        "by_type": rows("by_type"),
        "by_member_type": rows("by_member_type"),
        "by_industry": rows("by_industry"),
        "by_month": [dict(r) for r in data["by_month"]],
        "dated": data["dated"],
    }
