"""Suite-wide fixtures and the rule for tests that need real services.

A test marked `services("postgres", "redis", ...)` or `e2e` runs only where those services
exist. Elsewhere it is skipped and named in the summary; with REQUIRE_SERVICES=1 (CI) a
missing service fails the test instead, so a green run can never hide one.
"""

import os
import shutil

import pytest
from django.conf import settings

from coopcenter.core.health import redis_state

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

_skipped_for_services: list[tuple[str, str]] = []


def _missing(service: str) -> str | None:
    if service == "postgres":
        engine = settings.DATABASES["default"]["ENGINE"]
        return None if "postgresql" in engine else "DATABASE_URL is not PostgreSQL"
    if service == "redis":
        if not settings.REDIS_URL:
            return "REDIS_URL is not set"
        return None if redis_state() == "ok" else f"Redis at {settings.REDIS_URL} does not answer"
    if service == "redis-server":
        return None if shutil.which("redis-server") else "no redis-server binary"
    if service == "chromium":
        return None if os.path.exists(CHROMIUM) else f"no browser at {CHROMIUM}"
    raise ValueError(f"unknown service {service!r}")


def pytest_runtest_setup(item):
    wanted: list[str] = []
    for marker in item.iter_markers("services"):
        wanted.extend(marker.args)
    if item.get_closest_marker("e2e"):
        wanted.append("chromium")
    reasons = [r for r in (_missing(s) for s in dict.fromkeys(wanted)) if r]
    if not reasons:
        return
    reason = "; ".join(reasons)
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    _skipped_for_services.append((item.nodeid, reason))
    pytest.skip(f"needs a service: {reason}")


def pytest_terminal_summary(terminalreporter):
    if not _skipped_for_services:
        return
    terminalreporter.section("service tests skipped (set DATABASE_URL and REDIS_URL to run them)")
    for nodeid, reason in _skipped_for_services:
        terminalreporter.write_line(f"SKIPPED {nodeid}: {reason}")


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from coopcenter.core.breaker import breakers_reset
    from coopcenter.core.memo import process_memos_clear

    cache.clear()
    process_memos_clear()
    breakers_reset()
    yield
    cache.clear()
    process_memos_clear()
    breakers_reset()


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploads of the test go to a folder of its own, removed with it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def english_admin(settings):
    """Staff pages checked in English, their msgid language: unprefixed URLs such as the
    admin's speak LANGUAGE_CODE, so it is switched for the test (and the URL caches
    that hold the old prefix are dropped)."""
    from django.urls import clear_url_caches

    settings.LANGUAGE_CODE = "en"
    clear_url_caches()
    yield
    clear_url_caches()
