"""Cached registry figures are recomputed after any change."""

import pytest
from django.core.cache import cache

from registry.cache import registry_cached, registry_touch, registry_version
from tests.registry.factories import CooperativeFactory


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_cached_value_is_reused_until_the_registry_changes():
    calls = []

    def compute():
        calls.append(1)
        return {"total": len(calls)}

    assert registry_cached("figures", "all", compute) == {"total": 1}
    assert registry_cached("figures", "all", compute) == {"total": 1}
    registry_touch()
    assert registry_cached("figures", "all", compute) == {"total": 2}


def test_a_lost_version_never_reuses_an_old_one():
    first = registry_version()
    cache.delete("registry:version")
    assert registry_version() > first


@pytest.mark.django_db(transaction=True)
def test_saving_a_co_op_invalidates_after_commit():
    before = registry_version()
    CooperativeFactory()
    assert registry_version() != before
