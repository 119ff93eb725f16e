"""Writes to the registry. Every change of a co-op's public fields leaves history rows."""

from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from registry.cache import registry_touch_on_commit
from registry.models import Cooperative, CooperativeChange, ImportBatch

# Fields whose changes are recorded in the history (everything but bookkeeping timestamps).
TRACKED_FIELDS: tuple[str, ...] = tuple(
    f.attname
    for f in Cooperative._meta.concrete_fields
    if f.name not in {"id", "created_at", "updated_at", "contact_consent_at"}
)


def history_value(value: object) -> str:
    """How a value is written in the history and in the CSV export: ISO dates, plain
    integers, '' for empty (the importer reads it back unchanged)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def cooperative_snapshot(cooperative: Cooperative) -> dict[str, str]:
    return {name: history_value(getattr(cooperative, name)) for name in TRACKED_FIELDS}


def cooperative_changes(
    *,
    cooperative: Cooperative,
    before: dict[str, str],
    changed_by: AbstractBaseUser | None = None,
    batch: ImportBatch | None = None,
    at: datetime | None = None,
) -> list[CooperativeChange]:
    """Unsaved history rows for every tracked field that differs from `before`."""
    after = cooperative_snapshot(cooperative)
    at = at or timezone.now()
    user = changed_by if changed_by is not None and changed_by.is_authenticated else None
    return [
        CooperativeChange(
            cooperative=cooperative,
            changed_at=at,
            changed_by=user,
            batch=batch,
            field=name,
            old_value=before.get(name, ""),
            new_value=after[name],
        )
        for name in TRACKED_FIELDS
        if before.get(name, "") != after[name]
    ]


@transaction.atomic
def cooperative_save(
    *,
    cooperative: Cooperative,
    changed_by: AbstractBaseUser | None = None,
    batch: ImportBatch | None = None,
) -> list[CooperativeChange]:
    """Save a new or edited co-op and append what changed to its history.

    The "before" values are read from the database (locked), not from the edited instance,
    so the history is right even when the instance was changed in place by a form.
    """
    before: dict[str, str] = {}
    if cooperative.pk is not None:
        stored = Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()
        if stored is not None:
            before = cooperative_snapshot(stored)
    if cooperative.contact_consent and cooperative.contact_consent_at is None:
        cooperative.contact_consent_at = timezone.now()
    if not cooperative.contact_consent:
        cooperative.contact_consent_at = None
    cooperative.full_clean()
    cooperative.save()
    changes = cooperative_changes(
        cooperative=cooperative, before=before, changed_by=changed_by, batch=batch
    )
    CooperativeChange.objects.bulk_create(changes)
    registry_touch_on_commit()
    return changes


def history_for(cooperatives: Iterable[int]) -> dict[int, list[CooperativeChange]]:
    """History rows of several co-ops in one query, newest first."""
    rows: dict[int, list[CooperativeChange]] = {}
    for change in CooperativeChange.objects.filter(
        cooperative_id__in=list(cooperatives)
    ).select_related("batch", "changed_by"):
        rows.setdefault(change.cooperative_id, []).append(change)
    return rows
