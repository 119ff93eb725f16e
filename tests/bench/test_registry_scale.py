"""The registry's data scale and pages of the benchmark, tried at a small size."""

import pytest
from django.conf import settings
from django.db.models import Count
from django.test import override_settings
from django.urls import resolve

from bench import pages as page_registry
from bench import scales as scale_registry
from bench.inprocess import count_queries
from registry.models import Certification, Cooperative, CooperativeChange
from registry.services import history_value

pytestmark = pytest.mark.django_db

SOURCE = scale_registry.REGISTRY_SOURCE


def test_the_registry_scale_is_registered() -> None:
    (scale,) = [s for s in scale_registry.SCALES if s.name == "100,000 co-ops"]
    assert scale.seed is scale_registry.registry_100k
    assert scale.is_seeded is scale_registry.registry_is_seeded


def test_the_seeder_writes_co_ops_certifications_and_history() -> None:
    scale_registry.seed_registry(400, certifications=12, histories=30)
    coops = Cooperative.objects.filter(source=SOURCE)
    assert coops.count() == 400
    assert scale_registry.registry_is_seeded(400)
    assert not scale_registry.registry_is_seeded()  # 100,000 are wanted
    assert Certification.objects.filter(cooperative__source=SOURCE).count() == 12
    with_history = coops.annotate(n=Count("changes")).filter(n__gt=0)
    assert with_history.count() >= 30
    certified = coops.filter(certifications__isnull=False)
    assert not certified.exclude(pk__in=with_history.values("pk")).exists()
    # The newest change of each field leads to the co-op's current value.
    for coop in with_history[:20]:
        newest: dict[str, CooperativeChange] = {}
        for change in coop.changes.order_by("changed_at", "pk"):
            newest[change.field] = change
            assert change.changed_at.date() > coop.registration_date
            assert change.batch is not None and change.old_value != change.new_value
        for field, change in newest.items():
            assert change.new_value == history_value(getattr(coop, field))


def test_seeding_again_replaces_the_scale() -> None:
    scale_registry.seed_registry(50, certifications=2, histories=3)
    scale_registry.seed_registry(60, certifications=2, histories=3)
    assert Cooperative.objects.filter(source=SOURCE).count() == 60


def test_the_detail_page_shows_a_co_op_with_certifications_and_history() -> None:
    with pytest.raises(LookupError):
        page_registry.registry_detail()
    scale_registry.seed_registry(100, certifications=5, histories=5)
    path = page_registry.registry_detail()
    coop = Cooperative.objects.get(pk=resolve(path).kwargs["pk"])
    assert coop.source == SOURCE
    assert coop.certifications.exists() and coop.changes.exists()


def _bench_templates() -> list[dict]:
    return [
        {
            **settings.TEMPLATES[0],
            "DIRS": [*settings.TEMPLATES[0]["DIRS"], settings.BASE_DIR / "bench" / "templates"],
        }
    ]


def test_the_registry_pages_answer_on_a_small_registry() -> None:
    # 1,000 co-ops: enough for 50 pages of the directory.
    scale_registry.seed_registry(1_000, certifications=5, histories=10)
    registry_pages = [page for page in page_registry.PAGES if page.name.startswith("registry")]
    assert len(registry_pages) == 9
    with override_settings(ROOT_URLCONF="bench.urls", TEMPLATES=_bench_templates()):
        for page in registry_pages:
            counted = count_queries(page.resolve_path())
            assert counted.status == page.expected_status, page.name
