"""Data scales: the amounts of data the pages are measured against.

A feature whose pages grow with their data registers a seeding function here, with a
name that says the scale and a check that says whether the data is already there:

    @register("100,000 co-ops", is_seeded=lambda: Coop.objects.count() >= 100_000)
    def coops_100k() -> None:
        Coop.objects.bulk_create(make_coops(100_000), batch_size=5_000)

Before serving, the harness runs every registered scale in order, against the bench
database only. A scale whose check is true is skipped, so seeding happens once per database
and later runs start at once. A seeding function runs inside one transaction: if it fails
halfway, nothing is left behind for the check to mistake for a finished scale.

This module is imported after django.setup(), so models may be imported at the top. The
scales' names are recorded with every result, so results at different scales are never
compared by mistake.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

Seeder = Callable[[], None]


@dataclass(frozen=True)
class Scale:
    name: str
    seed: Seeder
    is_seeded: Callable[[], bool]


@dataclass(frozen=True)
class Outcome:
    name: str
    seeded: bool
    seconds: float


SCALES: list[Scale] = []


def register(
    name: str, *, is_seeded: Callable[[], bool], into: list[Scale] | None = None
) -> Callable[[Seeder], Seeder]:
    registry = SCALES if into is None else into
    if any(scale.name == name for scale in registry):
        raise ValueError(f"a scale named {name!r} is already registered")

    def decorator(seed: Seeder) -> Seeder:
        registry.append(Scale(name=name, seed=seed, is_seeded=is_seeded))
        return seed

    return decorator


def ensure(scales: Iterable[Scale], log: Callable[[str], None] = print) -> list[Outcome]:
    """Seed every scale whose data is not there yet."""
    outcomes = []
    for scale in scales:
        if scale.is_seeded():
            log(f"scale {scale.name}: already seeded")
            outcomes.append(Outcome(scale.name, seeded=False, seconds=0.0))
            continue
        log(f"scale {scale.name}: seeding")
        started = time.perf_counter()
        with transaction.atomic():
            scale.seed()
        seconds = time.perf_counter() - started
        log(f"scale {scale.name}: seeded in {seconds:.1f} s")
        outcomes.append(Outcome(scale.name, seeded=True, seconds=seconds))
    return outcomes


# --- Registered scales -----------------------------------------------------------------
# None yet: features add theirs below.
