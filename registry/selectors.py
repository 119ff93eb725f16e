"""Reads of the registry that other parts of the site use, and the reads of the public directory.

Everything public starts from `Cooperative.objects.listed()`. The directory's expensive reads
(the district choices, the COUNT of a filtered list) go through `registry_cached`, whose
version changes on every import or edit, so a cached figure is never stale. (The directory's
views also keep their rendered pages under that version: see registry.views.directory.)
"""

from dataclasses import dataclass
from datetime import date
from math import ceil

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, OrderBy, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import get_language

from registry.cache import registry_cached
from registry.filters import CooperativeFilterForm, district_choices, normalised_filters
from registry.models import Cooperative, CooperativeChange

# Twenty cards fit a phone screen a few times over and keep the page light.
PAGE_SIZE = 20
# Deep pages cost an OFFSET scan that grows with the page number: with 100,000 co-ops on
# PostgreSQL, 3-6 ms at row 2,000, 11 ms at row 5,000 and 140 ms from row 50,000 on (the
# planner gives up the name index and sorts the whole table). Nobody reads page 3,000 of a
# directory: the list can be paged through its first 100 pages (2,000 co-ops); beyond that
# the page asks to narrow the filters or to download the export, which holds every row.
MAX_PAGES = 100
# The detail page shows the latest changes only; a co-op re-imported every month for years
# would otherwise make the page grow without end.
HISTORY_LIMIT = 50
# History rows of the contact fields are never shown: a co-op that withdrew its consent (or
# never gave it) must not have its phone number published through its history.
PRIVATE_HISTORY_FIELDS = frozenset({"phone", "email", "website", "contact_consent"})
# Sort keys on nullable columns: an unknown value goes last in both directions, on PostgreSQL
# (where NULL sorts first in descending order) as on SQLite.
NULLABLE_SORT_FIELDS = frozenset({"registration_date", "members", "capital_krw"})


def registry_home_figures() -> dict | None:
    """Headline figures for the home page; None while the registry holds no co-ops."""
    from registry.statistics import home_figures

    return home_figures()


# --- The filters ---------------------------------------------------------------------------


def district_choices_cached() -> list[tuple[str, str]]:
    """(code, name in the current language) of the 25 districts, from the cache."""
    return registry_cached("district-choices", get_language() or "ko", district_choices)


def directory_filter_form(data) -> CooperativeFilterForm:
    """The shared filter form bound to a query string, without a query for its districts."""
    return CooperativeFilterForm(data, districts=district_choices_cached())


def directory_ordering(form: CooperativeFilterForm) -> list[OrderBy]:
    terms = []
    for term in form.ordering():
        name = term.lstrip("-")
        descending = term.startswith("-")
        nulls_last = True if name in NULLABLE_SORT_FIELDS else None
        expression = F(name)
        terms.append(
            expression.desc(nulls_last=nulls_last)
            if descending
            else expression.asc(nulls_last=nulls_last)
        )
    return terms


# --- The list --------------------------------------------------------------------------------

# What a card shows: the rows of a page carry nothing else (the long text columns stay behind).
CARD_FIELDS = (
    "name",
    "legal_type",
    "member_type",
    "registration_no",
    "registration_date",
    "status",
    "industry",
    "main_business",
    "members",
    "members_as_of",
    "district__code",
    "district__name_ko",
    "district__name_en",
)


def directory_queryset(form: CooperativeFilterForm) -> QuerySet[Cooperative]:
    """The listed co-ops a valid form selects, in its order (every ordering ends on pk)."""
    queryset = form.apply(Cooperative.objects.listed())
    return queryset.order_by(*directory_ordering(form))


def directory_summary(form: CooperativeFilterForm) -> dict:
    """{"count", "as_of"} of the set a valid form selects, cached per filter set.

    The COUNT is the one part of the list that reads every matching row (a short search
    such as "두레" cannot use the trigram index, so it scans the table); cached under the
    registry version, it is paid once per filter set and import.
    """

    def compute() -> dict:
        return form.apply(Cooperative.objects.listed()).aggregate(
            count=Count("pk"), as_of=Max("data_as_of")
        )

    filters = form.filter_values()
    return registry_cached(
        "directory-summary", normalised_filters(filters), compute, searched=bool(filters.get("q"))
    )


class DirectoryPaginator(Paginator):
    """A paginator whose count is given (from the cache) and whose pages stop at max_pages."""

    def __init__(self, object_list, per_page: int, *, count: int, max_pages: int):
        super().__init__(object_list, per_page)
        self._given_count = count
        self.max_pages = max_pages

    @cached_property
    def count(self) -> int:
        return self._given_count

    @cached_property
    def all_pages(self) -> int:
        """The pages the whole set would need."""
        return max(1, ceil(self.count / self.per_page))

    @cached_property
    def num_pages(self) -> int:
        return min(self.all_pages, self.max_pages)

    @property
    def capped(self) -> bool:
        return self.all_pages > self.max_pages


def directory_paginator(form: CooperativeFilterForm) -> tuple[DirectoryPaginator, date | None]:
    summary = directory_summary(form)
    rows = directory_queryset(form).select_related("district").only(*CARD_FIELDS)
    paginator = DirectoryPaginator(rows, PAGE_SIZE, count=summary["count"], max_pages=MAX_PAGES)
    return paginator, summary["as_of"]


# --- The detail page -----------------------------------------------------------------------


def cooperative_detail(pk: int) -> Cooperative | None:
    """A listed co-op with its district (one query), or None. Its certifications are read
    by the page itself (`cooperative.certifications.all`), only when it is not cached."""
    try:
        return Cooperative.objects.listed().select_related("district").get(pk=pk)
    except Cooperative.DoesNotExist:
        return None


@dataclass(frozen=True)
class HistoryEntry:
    changed_at: object
    field: str
    label: str
    old_value: str
    new_value: str
    batch: object  # ImportBatch or None
    by_staff: bool


def _value_label(field_name: str, value: str, districts: dict[str, str]) -> str:
    if not value:
        return ""
    if field_name == "district_id":
        return districts.get(value, value)
    try:
        field = Cooperative._meta.get_field(field_name)
    except FieldDoesNotExist:
        return value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value


def cooperative_history(
    cooperative: Cooperative, *, limit: int = HISTORY_LIMIT
) -> tuple[list[HistoryEntry], bool]:
    """The latest public history entries of a co-op (one query) and whether older ones exist."""
    rows = list(
        CooperativeChange.objects.filter(cooperative=cooperative)
        .exclude(field__in=PRIVATE_HISTORY_FIELDS)
        .select_related("batch")
        .order_by("-changed_at", "-pk")[: limit + 1]
    )
    districts = dict(district_choices_cached())
    entries = []
    for change in rows[:limit]:
        try:
            label = Cooperative._meta.get_field(change.field).verbose_name
        except FieldDoesNotExist:  # a field that no longer exists: keep its stored name
            label = change.field
        entries.append(
            HistoryEntry(
                changed_at=change.changed_at,
                field=change.field,
                label=str(label),
                old_value=_value_label(change.field, change.old_value, districts),
                new_value=_value_label(change.field, change.new_value, districts),
                batch=change.batch,
                by_staff=change.batch_id is None and change.changed_by_id is not None,
            )
        )
    return entries, len(rows) > limit


class CooperativeHistory:
    """A co-op's latest public history, read on first use: a page served from the cache never
    reads it."""

    def __init__(self, cooperative: Cooperative, *, limit: int = HISTORY_LIMIT):
        self.cooperative = cooperative
        self.limit = limit

    @cached_property
    def _read(self) -> tuple[list[HistoryEntry], bool]:
        return cooperative_history(self.cooperative, limit=self.limit)

    @property
    def entries(self) -> list[HistoryEntry]:
        return self._read[0]

    @property
    def more(self) -> bool:
        """Whether older entries exist than those shown."""
        return self._read[1]
