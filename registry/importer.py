"""The registry importer: a CSV or .xlsx file in, co-ops created or updated, a report out.

The steps are: read the file (registry.importing.reading), map its headers (.columns), read
every row (.rows), match the rows with the co-ops already registered, then write. By default
an import is all or nothing: one invalid row and nothing is written. With skip_invalid the
valid rows are imported and the others reported. A dry run does everything but write.

Rows match on the registration number when they have one, else on name and district; a
co-op registered without a number is also found by name and district when the file now
gives its number. Only the columns the file has are compared; an unchanged row is not
written at all, so importing the same file twice changes nothing the second time.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import BinaryIO, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.cache import registry_touch_on_commit
from registry.importing.columns import map_headers
from registry.importing.reading import CooperativeImportError, read_table
from registry.importing.rows import ParsedRow, RowError, parse_rows
from registry.importing.values import Districts
from registry.models import Cooperative, CooperativeChange, ImportBatch
from registry.services import cooperative_changes, cooperative_snapshot

__all__ = [
    "CooperativeImportError",
    "FieldChange",
    "ImportReport",
    "RowChange",
    "RowError",
    "cooperatives_import",
]

T = TypeVar("T")
Progress = Callable[[str, int, int, int], None]  # (phase, rows done, rows in all, errors so far)

CHECKING = "checking"
WRITING = "writing"
PROGRESS_EVERY = 1000
# Rows per query: lookups (IN lists), inserts and updates. Large enough that the number of
# queries does not grow with small files, small enough for PostgreSQL's parameter limit.
LOOKUP_CHUNK = 2000
INSERT_CHUNK = 1000
UPDATE_CHUNK = 500
NEW_SAMPLE = 100  # new co-ops listed in the report
# Serialises imports on PostgreSQL (any constant the site uses for nothing else).
IMPORT_LOCK_KEY = 0x52454749  # "REGI"
# History field of a co-op created by an import (see _write).
CREATED_FIELD = "created"


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class RowChange:
    """A row that creates a co-op (no changes listed) or updates one."""

    line: int
    name: str
    changes: tuple[FieldChange, ...] = ()


@dataclass
class ImportReport:
    filename: str
    source: str
    dry_run: bool
    skip_invalid: bool
    rows: int = 0  # data rows in the file
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0  # rows with at least one error
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    updates: list[RowChange] = field(default_factory=list)
    new: list[RowChange] = field(default_factory=list)  # the first NEW_SAMPLE
    batch_id: int | None = None

    @property
    def blocked(self) -> bool:
        """Rows were rejected and skipping them was not asked for: nothing is imported."""
        return bool(self.rejected) and not self.skip_invalid

    @property
    def imported(self) -> bool:
        return self.batch_id is not None

    def summary(self) -> str:
        return _(
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(rejected)d rejected"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def cooperatives_import(
    *,
    file: BinaryIO | bytes,
    filename: str,
    source: str = "",
    skip_invalid: bool = False,
    dry_run: bool = False,
    started_by: AbstractBaseUser | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check a file and, unless it is a dry run or a row is invalid, import it.

    Raises CooperativeImportError when the file as a whole cannot be read (encoding, format,
    missing required column) or the import could not be written; row problems are reported.
    """
    started_at = timezone.now()
    filename = PurePath(filename).name
    source = " ".join(source.split()) or filename
    if len(source) > ImportBatch._meta.get_field("source").max_length:
        raise CooperativeImportError(_("The source name is too long (at most 200 characters)."))
    data = file if isinstance(file, bytes) else file.read()
    table = read_table(data, filename=filename)
    columns = map_headers(table.headers)
    report = ImportReport(
        filename=filename, source=source, dry_run=dry_run, skip_invalid=skip_invalid
    )
    report.rows = len(table.records)
    report.warnings.extend(columns.warnings)
    if not table.records:
        report.warnings.append(_("The file has a header but no rows."))

    rows: list[ParsedRow] = []
    errors: list[RowError] = []

    def checked(done: int) -> None:
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == report.rows):
            progress(CHECKING, done, report.rows, len(errors))

    for row, row_errors in parse_rows(
        table.records,
        columns,
        header_width=len(table.headers),
        districts=Districts(),
        progress=checked,
    ):
        if row is not None:
            rows.append(row)
        errors.extend(row_errors)
    name_header = columns.header("name")

    if dry_run:
        plan = _plan(rows, source=source, started_by=started_by, name_header=name_header)
        _fill_report(report, plan, errors)
        return report
    try:
        with transaction.atomic():
            _lock_imports()
            plan = _plan(rows, source=source, started_by=started_by, name_header=name_header)
            _fill_report(report, plan, errors)
            if report.blocked:
                return report
            report.batch_id = _write(
                plan, report, started_by=started_by, started_at=started_at, progress=progress
            )
    except IntegrityError:
        # Another change (an edit in the admin) took a registration number meanwhile.
        raise CooperativeImportError(
            _("The registry changed during the import, so nothing was imported. Run it again.")
        ) from None
    return report


def _lock_imports() -> None:
    """Run one import at a time, and plan it only once the previous one has committed.

    On PostgreSQL a transaction-level advisory lock makes a second import (the same file
    sent twice, say) wait; it then sees the first one's co-ops and finds its rows
    unchanged, so no co-op is created twice. SQLite, for development only, has no such
    lock: there a clash on a registration number ends as the IntegrityError handled above.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


# --- matching and comparing ----------------------------------------------------------------


@dataclass
class _Plan:
    new: list[tuple[ParsedRow, Cooperative]] = field(default_factory=list)
    changed: list[tuple[ParsedRow, Cooperative, list[CooperativeChange]]] = field(
        default_factory=list
    )
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _registered(rows: list[ParsedRow]) -> tuple[dict, dict]:
    """The co-ops the rows may match, by number and by (name, district), in few queries."""
    loaded: dict[int, Cooperative] = {}

    def load(lookup: str, values: Iterable[str]) -> Iterator[Cooperative]:
        for chunk in _chunks(sorted(set(values)), LOOKUP_CHUNK):
            for cooperative in Cooperative.objects.filter(**{f"{lookup}__in": chunk}):
                # One instance per co-op, even when both lookups return it.
                yield loaded.setdefault(cooperative.pk, cooperative)

    by_number = {
        c.registration_no: c
        for c in load("registration_no", (r.registration_no for r in rows if r.registration_no))
    }
    by_name: dict[tuple[str, str], list[Cooperative]] = defaultdict(list)
    names = (r.name for r in rows if r.registration_no not in by_number)
    for cooperative in load("name", names):
        by_name[(cooperative.name, cooperative.district_id)].append(cooperative)
    return by_number, by_name


def _plan(
    rows: list[ParsedRow],
    *,
    source: str,
    started_by: AbstractBaseUser | None,
    name_header: str,
) -> _Plan:
    plan = _Plan()
    by_number, by_name = _registered(rows)
    now = timezone.now()

    def reject(row: ParsedRow, reason: str) -> None:
        plan.errors.append(RowError(row.line, name_header, row.name, reason))

    # Without a number, a row is known by name and district only: that pair must be unique.
    lines_of_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        lines_of_pair[(row.name, row.district_id)].append(row.line)
    claimed: dict[int, int] = {}  # co-op pk -> the line that matched it

    for row in rows:
        pair = (row.name, row.district_id)
        if not row.registration_no and len(lines_of_pair[pair]) > 1:
            others = ", ".join(str(line) for line in lines_of_pair[pair] if line != row.line)
            reject(
                row,
                _(
                    "Another row (line %(lines)s) has the same name and district, and this "
                    "one has no registration number to tell them apart."
                )
                % {"lines": others},
            )
            continue
        cooperative = by_number.get(row.registration_no) if row.registration_no else None
        if cooperative is None:
            candidates = by_name.get(pair, [])
            if row.registration_no:
                candidates = [c for c in candidates if not c.registration_no]
            if len(candidates) > 1:
                reject(
                    row,
                    _(
                        "%(count)d registered co-ops have this name in this district; add the "
                        "registration number to say which one."
                    )
                    % {"count": len(candidates)},
                )
                continue
            cooperative = candidates[0] if candidates else None
        if cooperative is None:
            new = Cooperative(**row.values, source=source)
            plan.new.append((row, new))
            continue
        if cooperative.pk in claimed:
            reject(
                row,
                _("Line %(line)d already updates the same co-op.")
                % {"line": claimed[cooperative.pk]},
            )
            continue
        claimed[cooperative.pk] = row.line
        differences = {
            name: value
            for name, value in row.values.items()
            # An empty number never blanks the number a co-op is known by.
            if not (name == "registration_no" and not value) and getattr(cooperative, name) != value
        }
        if not differences:
            plan.unchanged += 1
            continue
        before = cooperative_snapshot(cooperative)
        for name, value in differences.items():
            setattr(cooperative, name, value)
        cooperative.source = source
        cooperative.updated_at = now
        changes = cooperative_changes(
            cooperative=cooperative, before=before, changed_by=started_by, at=now
        )
        plan.changed.append((row, cooperative, changes))
    return plan


def _label(name: str) -> str:
    return str(Cooperative._meta.get_field(name).verbose_name)


def _fill_report(report: ImportReport, plan: _Plan, errors: list[RowError]) -> None:
    report.errors = sorted(errors + plan.errors, key=lambda error: error.line)
    report.rejected = len({error.line for error in report.errors})
    report.created = len(plan.new)
    report.updated = len(plan.changed)
    report.unchanged = plan.unchanged
    report.new = [RowChange(row.line, row.name) for row, _c in plan.new[:NEW_SAMPLE]]
    report.updates = [
        RowChange(
            row.line,
            row.name,
            tuple(FieldChange(c.field, _label(c.field), c.old_value, c.new_value) for c in changes),
        )
        for row, _c, changes in plan.changed
    ]


# --- writing -------------------------------------------------------------------------------


def _write(
    plan: _Plan,
    report: ImportReport,
    *,
    started_by: AbstractBaseUser | None,
    started_at: datetime,
    progress: Progress | None,
) -> int:
    """Bulk writes in the caller's transaction; returns the ImportBatch's id.

    Bulk writes send no signals, so the cached figures are invalidated here. A created
    co-op gets one history row ("created", with the import's source as its new value)
    rather than one per field: the import batch and the co-op's own fields already say what
    it was created with, and a 100,000-row import stays a few inserts per thousand rows.
    """
    now = timezone.now()
    user = started_by if started_by is not None and started_by.is_authenticated else None
    batch = ImportBatch.objects.create(
        source=report.source,
        filename=report.filename[: ImportBatch._meta.get_field("filename").max_length],
        started_by=user,
        started_at=started_at,
    )
    total = len(plan.new) + len(plan.changed)
    done = 0

    def wrote(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(WRITING, done, total, len(report.errors))

    created = [cooperative for _row, cooperative in plan.new]
    for chunk in _chunks(created, INSERT_CHUNK):
        Cooperative.objects.bulk_create(chunk)
        wrote(len(chunk))

    updated = [cooperative for _row, cooperative, _changes in plan.changed]
    fields = sorted(
        {change.field for *_rest, changes in plan.changed for change in changes} | {"updated_at"}
    )
    for chunk in _chunks(updated, UPDATE_CHUNK):
        Cooperative.objects.bulk_update(chunk, fields)
        wrote(len(chunk))

    history: list[CooperativeChange] = [
        CooperativeChange(
            cooperative=cooperative,
            changed_at=now,
            changed_by=user,
            batch=batch,
            field=CREATED_FIELD,
            new_value=report.source,
        )
        for cooperative in created
    ]
    for *_rest, changes in plan.changed:
        for change in changes:
            change.batch = batch
            change.changed_at = now
        history.extend(changes)
    CooperativeChange.objects.bulk_create(history, batch_size=INSERT_CHUNK)

    batch.finished_at = timezone.now()
    batch.created = report.created
    batch.updated = report.updated
    batch.unchanged = report.unchanged
    batch.rejected = report.rejected
    batch.save(update_fields=["finished_at", "created", "updated", "unchanged", "rejected"])
    registry_touch_on_commit()
    return batch.pk


def history_label(field_name: str) -> str:
    """A history row's field as people read it (its verbose name)."""
    if field_name == CREATED_FIELD:
        return _("created by import")
    try:
        return _label(field_name)
    except FieldDoesNotExist:  # a field since removed
        return field_name
