"""`make lock`: pin pyproject.toml's dependencies, with hashes, into the two lock files.

requirements.lock holds the runtime dependencies (the image installs it) and
requirements-dev.lock the runtime and dev ones (`make install` and CI install it). Both are for
the one target the portal runs on, CPython 3.11 on Linux x86_64. The dev lock is resolved under
the runtime lock as a constraint, so that tests run against exactly the versions the image ships.

An existing lock's pins are kept where pyproject still allows them (uv reads the output file as
preferences); `--upgrade` moves every pin to the newest release the ranges allow.

Each file's header records a digest of the dependency lists it was made from; tests/test_lock.py
recomputes it, so an edit to pyproject.toml without `make lock` fails the tests.
"""

import argparse
import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
PYTHON_VERSION = "3.11"
PLATFORM = "x86_64-unknown-linux-gnu"
DIGEST_LABEL = "# pyproject-dependencies-sha256: "


def dependency_lists(pyproject: Path = PYPROJECT) -> dict:
    """What the lock files are made from: anything else in pyproject.toml may change freely."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return {
        "requires-python": project["requires-python"],
        "dependencies": project["dependencies"],
        "dev": project["optional-dependencies"]["dev"],
    }


def dependency_digest(lists: dict) -> str:
    canonical = json.dumps(lists, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def recorded_digest(lock: Path) -> str | None:
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line.startswith(DIGEST_LABEL):
            return line.removeprefix(DIGEST_LABEL).strip()
    return None


def _header(what: str, digest: str) -> str:
    return (
        f"# {what} of coopcenter, with hashes, for CPython {PYTHON_VERSION} on Linux x86_64.\n"
        "# Generated from pyproject.toml by `make lock` (uv pip compile; `make lock-upgrade`\n"
        "# moves every pin to the newest release pyproject allows). Do not edit by hand:\n"
        "# tests/test_lock.py checks this digest of pyproject's dependency lists.\n"
        f"{DIGEST_LABEL}{digest}\n"
    )


def _compile(output: Path, *, extra: list[str], upgrade: bool) -> None:
    command = [
        *(sys.executable, "-m", "uv", "pip", "compile", PYPROJECT.name),
        *("--output-file", output.name),
        *("--python-version", PYTHON_VERSION, "--python-platform", PLATFORM),
        *("--generate-hashes", "--no-header", "--quiet"),
        *extra,
    ]
    if upgrade:
        command.append("--upgrade")
    subprocess.run(command, check=True, cwd=ROOT)  # noqa: S603 - a fixed command


def lock(*, upgrade: bool = False) -> None:
    digest = dependency_digest(dependency_lists())
    _compile(RUNTIME_LOCK, extra=[], upgrade=upgrade)
    _compile(DEV_LOCK, extra=["--extra", "dev", "--constraint", RUNTIME_LOCK.name], upgrade=upgrade)
    for path, what in (
        (RUNTIME_LOCK, "Runtime dependencies"),
        (DEV_LOCK, "Runtime and dev dependencies"),
    ):
        body = path.read_text(encoding="utf-8")
        path.write_text(_header(what, digest) + body, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest")
    lock(upgrade=parser.parse_args().upgrade)


if __name__ == "__main__":
    main()
