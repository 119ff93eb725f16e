"""Cached registry figures are recomputed after any change."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

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


DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        # Nothing listens on port 1: every cache call fails at once.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1, "IGNORE_EXCEPTIONS": True},
    }
}


@pytest.mark.django_db
def test_registry_pages_are_served_from_the_database_while_redis_is_down(client, settings):
    settings.CACHES = DEAD_REDIS
    cooperative = CooperativeFactory(name="두레협동조합")
    for url in (
        "/",
        "/registry/",
        "/registry/?q=두레",
        cooperative.get_absolute_url(),
        "/registry/stats/",
        "/registry/stats.json",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "두레협동조합" in client.get("/registry/?q=두레").content.decode()


@pytest.mark.django_db
def test_migrating_a_new_release_invalidates_the_cached_pages():
    before = registry_version()
    call_command("migrate", interactive=False, verbosity=0)
    assert registry_version() != before
