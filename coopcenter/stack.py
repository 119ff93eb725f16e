"""The production-like process stack on one machine: `python -m coopcenter.stack`.

Runs what the containers of docker-compose.yml run (gunicorn, a Celery worker and Celery
beat) against the PostgreSQL and Redis named by DATABASE_URL and REDIS_URL, so the whole
delivery path (web, broker, worker, beat, SMTP) can be exercised without Docker.

The stack is all or nothing: when one process dies the others are stopped and the exit
status is non-zero, so a supervisor or a test notices at once.

Besides the settings' own variables it reads STACK_BIND (gunicorn's address, default
127.0.0.1:8001) and STACK_BEAT_SCHEDULE (beat's schedule file, default var/celerybeat-schedule).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEFAULT_SETTINGS = "coopcenter.settings.production"
# manage.py's default and .env.example's: SQLite-friendly, DEBUG on, mail into files. Never
# what a production-like stack should run, even when a developer's shell exports it.
LAPTOP_SETTINGS = "coopcenter.settings.local"
DEFAULT_BIND = "127.0.0.1:8001"
DEFAULT_ALLOWED_HOSTS = "127.0.0.1,localhost"
WSGI_MODULE = "coopcenter.wsgi"
GUNICORN_LOGGER = "coopcenter.core.logredact.GunicornLogger"
CELERY_APP = "coopcenter"
REQUIRED = ("DATABASE_URL", "REDIS_URL")

# Celery's worker finishes its running task on a stop request; a mail server that hangs
# holds it for EMAIL_TIMEOUT, so the grace period must be longer than that.
STOP_GRACE_SECONDS = 30.0
POLL_SECONDS = 0.2

Command = tuple[str, list[str]]


def stack_environment(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The environment of every process of the stack, and notes on the defaults it filled in."""
    env = dict(environ)
    notes: list[str] = []
    if env.get("DJANGO_SETTINGS_MODULE", LAPTOP_SETTINGS) == LAPTOP_SETTINGS:
        env["DJANGO_SETTINGS_MODULE"] = DEFAULT_SETTINGS
    env.setdefault("DJANGO_ALLOWED_HOSTS", DEFAULT_ALLOWED_HOSTS)
    if not env.get("DJANGO_SECRET_KEY"):
        env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
        notes.append(
            "DJANGO_SECRET_KEY is not set: using a random key for this run "
            "(sessions and signed links end with the stack)"
        )
    if not env.get("OUTBOX_ENCRYPTION_KEYS"):
        env["OUTBOX_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
        notes.append(
            "OUTBOX_ENCRYPTION_KEYS is not set: using a random key for this run "
            "(mails still pending when the stack stops cannot be sent by the next one)"
        )
    # Logs must reach the terminal (or a test's log file) as they happen, not when a
    # buffer fills up.
    env["PYTHONUNBUFFERED"] = "1"
    return env, notes


def missing_settings(env: Mapping[str, str]) -> list[str]:
    return [name for name in REQUIRED if not env.get(name)]


def setup_commands(env: Mapping[str, str]) -> list[Command]:
    """One-shot steps that must succeed before the long-running processes start."""
    manage = str(BASE_DIR / "manage.py")
    return [
        ("migrate", [sys.executable, manage, "migrate", "--noinput"]),
        ("collectstatic", [sys.executable, manage, "collectstatic", "--noinput", "-v", "0"]),
    ]


def build_commands(env: Mapping[str, str]) -> list[Command]:
    """The long-running processes, by name; the same modules as docker-compose.yml runs."""
    bind = env.get("STACK_BIND") or DEFAULT_BIND
    # A second stack on the same machine needs a file of its own: two beats writing one
    # shelve file corrupt it.
    schedule = env.get("STACK_BEAT_SCHEDULE") or str(VAR_DIR / "celerybeat-schedule")
    return [
        (
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                WSGI_MODULE,
                "--bind",
                bind,
                "--workers",
                "2",
                "--access-logfile",
                "-",
                # Tracking and survey tokens never reach the access log.
                "--logger-class",
                GUNICORN_LOGGER,
            ],
        ),
        (
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                CELERY_APP,
                "worker",
                "--loglevel",
                "info",
                "--concurrency",
                "2",
            ],
        ),
        (
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                CELERY_APP,
                "beat",
                "--loglevel",
                "info",
                "--schedule",
                schedule,
            ],
        ),
    ]


def urls(env: Mapping[str, str]) -> list[str]:
    base = f"http://{env.get('STACK_BIND') or DEFAULT_BIND}"
    return [f"{base}/", f"{base}/healthz", f"{base}/admin/"]


def service_problems(env: Mapping[str, str]) -> list[str]:
    """Why the database or Redis cannot be used, asked the way /healthz asks them.

    Sets Django up in this process with the stack's environment, so call it once, from main().
    """
    os.environ.update(env)
    try:
        import django

        django.setup()
    except Exception as exc:  # a malformed URL or a missing setting, told as such
        return [f"the settings {env['DJANGO_SETTINGS_MODULE']} do not load: {exc}"]
    from django.db import connection

    from coopcenter.core import health

    problems = []
    try:
        if health.database_state() != "ok":
            problems.append("the database at DATABASE_URL does not answer")
    finally:
        # The stack's own processes open their connections; this one would only linger.
        connection.close()
    try:
        if health.redis_state(env["REDIS_URL"]) != "ok":
            problems.append("Redis at REDIS_URL does not answer")
    except ValueError as exc:  # redis-py's word for a URL it cannot parse
        problems.append(f"REDIS_URL is not a Redis URL: {exc}")
    return problems


def exit_status(returncode: int) -> int:
    """A child's status as a shell would report it, never 0: the stack must not end alone."""
    if returncode < 0:
        return 128 - returncode
    return returncode or 1


def _say(message: str) -> None:
    print(f"stack: {message}", file=sys.stderr, flush=True)


class _StopRequest:
    """Records the first SIGINT or SIGTERM; the main loop does the stopping."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum


def _run_step(name: str, argv: list[str], env: dict[str, str], stop: _StopRequest) -> int:
    _say(f"running {name}")
    process = subprocess.Popen(argv, env=env, cwd=BASE_DIR)  # noqa: S603
    while process.poll() is None:
        if stop.signum is not None:
            _terminate({name: process})
            return 128 + stop.signum
        time.sleep(POLL_SECONDS)
    return process.returncode


def _terminate(processes: Mapping[str, subprocess.Popen]) -> None:
    # SIGTERM rather than the signal received: a terminal's Ctrl-C has already reached
    # the children as SIGINT, and a second SIGINT makes Celery's worker abandon its tasks.
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, process in processes.items():
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            _say(f"{name} did not stop within {STOP_GRACE_SECONDS:.0f} s: killing it")
            process.kill()
            process.wait()


def run(env: dict[str, str]) -> int:
    stop = _StopRequest()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    for name, argv in setup_commands(env):
        code = _run_step(name, argv, env, stop)
        if code != 0:
            _say(f"{name} failed with exit status {code}: not starting the stack")
            return code

    VAR_DIR.mkdir(exist_ok=True)
    processes: dict[str, subprocess.Popen] = {}
    for name, argv in build_commands(env):
        processes[name] = subprocess.Popen(argv, env=env, cwd=BASE_DIR)  # noqa: S603
        _say(f"started {name} (pid {processes[name].pid}): {' '.join(argv[1:])}")
    _say("serving " + ", ".join(urls(env)))
    _say("Ctrl-C stops every process")

    while stop.signum is None:
        for name, process in processes.items():
            code = process.poll()
            if code is not None:
                _say(f"{name} exited with status {code}: stopping the others")
                _terminate(processes)
                return exit_status(code)
        time.sleep(POLL_SECONDS)

    _say(f"{signal.Signals(stop.signum).name} received: stopping every process")
    _terminate(processes)
    return 128 + stop.signum


def main() -> int:
    import environ

    # The same developer overrides as the settings read; the real environment wins.
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    env, notes = stack_environment(os.environ)
    _say(f"settings {env['DJANGO_SETTINGS_MODULE']}")
    missing = missing_settings(env)
    if missing:
        _say(
            f"refusing to start: {' and '.join(missing)} must be set "
            "(the stack runs against real PostgreSQL and Redis)"
        )
        return 2
    problems = service_problems(env)
    if problems:
        _say(f"refusing to start: {'; '.join(problems)}")
        return 2
    for note in notes:
        _say(note)
    return run(env)


if __name__ == "__main__":
    sys.exit(main())
