"""Production settings: hardened by default, secrets only from the environment."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
ENV_PRODUCTION_EXAMPLE = ROOT / ".env.production.example"
ENV_EXAMPLES = (ENV_EXAMPLE, ENV_PRODUCTION_EXAMPLE)


def env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """The uncommented NAME=value lines of an env file."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def documented_names(path: Path) -> set[str]:
    """Every NAME= of an env file, set or commented out."""
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def production_env(**overrides: str) -> dict[str, str]:
    """A server's environment: .env.production.example filled in."""
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    env.update(env_file(ENV_PRODUCTION_EXAMPLE))
    env.update(
        DJANGO_SETTINGS_MODULE="coopcenter.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        OUTBOX_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="coop.example.org",
        DATABASE_URL="postgres://coop:secret@db.example.org:5432/coop",
        REDIS_URL="redis://cache.example.org:6379/0",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_the_outbox_keys():
    """The links of queued mails are sealed with keys of their own in production, never
    with one derived from DJANGO_SECRET_KEY."""
    env = production_env()
    del env["OUTBOX_ENCRYPTION_KEYS"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "OUTBOX_ENCRYPTION_KEYS" in result.stderr


def settings_reads() -> set[str]:
    """Every NAME the settings read with env("NAME") or env.type("NAME")."""
    settings_code = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "coopcenter" / "settings").glob("*.py")
    )
    read = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_code))
    assert read, "no environment reads found"
    return read


def test_every_variable_the_settings_read_is_documented():
    documented = set().union(*(documented_names(path) for path in ENV_EXAMPLES))
    missing = settings_reads() - documented
    assert not missing, f"in neither .env.example nor .env.production.example: {sorted(missing)}"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("SECURE_SSL_REDIRECT", True),
        ("SESSION_COOKIE_SECURE", True),
        ("CSRF_COOKIE_SECURE", True),
        ("SECURE_HSTS_SECONDS", 31536000),
        ("SECURE_REFERRER_POLICY", "same-origin"),
        ("SECURE_CONTENT_TYPE_NOSNIFF", True),
        ("DEBUG", False),
    ],
)
def test_production_hardening(setting, expected):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(repr(settings.{setting}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(expected)
