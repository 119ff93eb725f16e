"""The lock files pin what pyproject.toml allows, and nobody edits one without the other.

Read as data, no network: `make lock` (tools/lock.py) writes them; these tests say when it has
to run again. The image installs requirements.lock and `make install` requirements-dev.lock,
both with `--require-hashes`, so what these files say is what runs.
"""

import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tools import lock

ROOT = Path(settings.BASE_DIR)
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# The one target the lock files are resolved for (tools/lock.py): markers are judged for it.
TARGET = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def pins(path: Path) -> dict[str, Version]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            found[canonicalize_name(match.group(1))] = Version(match.group(2))
    return found


def hashes_per_pin(path: Path) -> dict[str, int]:
    """How many `--hash=` lines follow each pin (pip's --require-hashes wants at least one)."""
    counts: dict[str, int] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match.group(1))
            counts[current] = 0
        elif current and line.strip().startswith("--hash=sha256:"):
            counts[current] += 1
    return counts


def wanted(requirements: list[str]) -> list[Requirement]:
    parsed = [Requirement(text) for text in requirements]
    return [r for r in parsed if r.marker is None or r.marker.evaluate(TARGET)]


def outside(requirements: list[Requirement], pinned: dict[str, Version]) -> list[str]:
    problems = []
    for requirement in requirements:
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement} is not pinned")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement} is pinned at {version}, outside its range")
    return problems


RUNTIME = wanted(PYPROJECT["project"]["dependencies"])
DEV = wanted(PYPROJECT["project"]["optional-dependencies"]["dev"])


def test_every_runtime_dependency_is_pinned_inside_its_range():
    assert outside(RUNTIME, pins(lock.RUNTIME_LOCK)) == []


def test_every_runtime_and_dev_dependency_is_pinned_inside_its_range_for_development():
    assert outside(RUNTIME + DEV, pins(lock.DEV_LOCK)) == []


def test_tests_run_the_versions_the_image_ships():
    runtime, dev = pins(lock.RUNTIME_LOCK), pins(lock.DEV_LOCK)
    differ = {name: (version, dev.get(name)) for name, version in runtime.items()}
    assert {name: pair for name, pair in differ.items() if pair[0] != pair[1]} == {}


def test_the_image_carries_no_dev_tool():
    runtime = pins(lock.RUNTIME_LOCK)
    dev_only = {canonicalize_name(r.name) for r in DEV} - {
        canonicalize_name(r.name) for r in RUNTIME
    }
    # packaging is also a runtime dependency of gunicorn, so it is allowed in both.
    assert dev_only & set(runtime) <= {"packaging"}


@pytest.mark.parametrize("path", [lock.RUNTIME_LOCK, lock.DEV_LOCK], ids=lambda p: p.name)
def test_every_pin_carries_a_hash(path):
    counts = hashes_per_pin(path)
    assert counts, f"{path.name} pins nothing"
    assert [name for name, count in counts.items() if count == 0] == []


@pytest.mark.parametrize("path", [lock.RUNTIME_LOCK, lock.DEV_LOCK], ids=lambda p: p.name)
def test_lock_is_made_from_the_current_dependency_lists(path):
    expected = lock.dependency_digest(lock.dependency_lists())
    assert lock.recorded_digest(path) == expected, (
        f"pyproject.toml's dependency lists changed since {path.name} was made: run `make lock`"
    )


def test_the_digest_follows_every_dependency_list(tmp_path):
    """A range, an extra, a new package or a dev tool each changes it; other settings do not."""
    base = lock.dependency_lists()
    digest = lock.dependency_digest(base)
    changed = [
        {**base, "dependencies": [*base["dependencies"][:-1], base["dependencies"][-1] + ",<99"]},
        {**base, "dependencies": [*base["dependencies"], "six>=1"]},
        {**base, "dev": base["dev"][1:]},
        {**base, "requires-python": ">=3.11"},
    ]
    assert all(lock.dependency_digest(lists) != digest for lists in changed)

    source = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    edited = tmp_path / "pyproject.toml"
    edited.write_text(source.replace("line-length = 100", "line-length = 99"), encoding="utf-8")
    assert lock.dependency_digest(lock.dependency_lists(edited)) == digest


def test_installs_come_from_the_lock_files_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    install = dockerfile.index("--require-hashes -r requirements.lock")
    # Before the code is copied in, so that a code change reuses the dependency layer.
    assert install < dockerfile.index("COPY . .")
    assert "pip install --no-deps -e ." in dockerfile
    assert "--require-hashes -r requirements-dev.lock" in makefile
    assert re.search(r"^\$\(STAMP\):.*requirements-dev\.lock", makefile, re.MULTILINE)


def test_license_file_matches_pyproject():
    assert PYPROJECT["project"]["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
