"""Entries keyed by a visitor's search text live briefly (REGISTRY_SEARCH_CACHE_SECONDS,
ARTICLES_SEARCH_CACHE_SECONDS): anyone can invent new search strings without end, and they
must not fill the cache. Inspected in the local-memory cache the tests use."""

import time

import pytest
from django.core.cache import caches

from tests.articles.factories import ArticleFactory
from tests.registry.factories import CooperativeFactory

pytestmark = pytest.mark.django_db

SEARCH_SECONDS = 60


def expiries() -> dict[str, float | None]:
    """Every key of the default cache with the time it expires (None: never)."""
    return dict(caches["default"]._expire_info)


def new_entries(client, path: str) -> dict[str, float | None]:
    before = expiries()
    assert client.get(path).status_code == 200
    return {key: expiry for key, expiry in expiries().items() if key not in before}


def assert_short_lived(created: dict[str, float | None]) -> None:
    assert created, "the search cached nothing at all"
    now = time.time()
    for key, expiry in created.items():
        assert expiry is not None, f"{key} never expires"
        assert expiry - now <= SEARCH_SECONDS + 1, f"{key} lives {expiry - now:.0f} s"


@pytest.fixture(autouse=True)
def search_seconds(settings):
    settings.REGISTRY_CACHE_SECONDS = 3600
    settings.REGISTRY_SEARCH_CACHE_SECONDS = SEARCH_SECONDS
    # ARTICLES_SEARCH_CACHE_SECONDS keeps its default: that default is what is checked.


@pytest.mark.parametrize("page", ["/registry/", "/registry/stats/"])
def test_a_new_registry_search_creates_no_long_lived_entry(client, page):
    CooperativeFactory.create_batch(3)
    # Warm: what every page shares (the version, the district names) exists already.
    new_entries(client, f"{page}?q=새날")
    assert_short_lived(new_entries(client, f"{page}?q=새날1협동조합"))


def test_the_unsearched_list_is_still_kept_long(client):
    CooperativeFactory.create_batch(3)
    new_entries(client, "/registry/?q=새날")
    created = new_entries(client, "/registry/?district=11680")
    lives = [expiry - time.time() for expiry in created.values() if expiry is not None]
    assert lives and max(lives) > 3000


def test_spaces_around_and_inside_a_registry_search_make_no_new_entry(client):
    CooperativeFactory.create_batch(3)
    new_entries(client, "/registry/?q=새날")
    assert new_entries(client, "/registry/?q=새날1 협동조합")
    assert new_entries(client, "/registry/?q=%20%20새날1%20%20%20협동조합%20") == {}


def test_a_new_article_search_creates_no_long_lived_entry(client):
    ArticleFactory.create_batch(2)
    new_entries(client, "/articles/search/?q=협동조합")
    assert_short_lived(new_entries(client, "/articles/search/?q=본문"))
