"""Fixtures that run `python -m coopcenter.stack` for real, with an SMTP server to catch mail.

The stack works on the test database (rows written by it are committed and visible here, hence
`transactional_db`) and is stopped before that fixture flushes the tables. When a test fails,
the output of every process it started is attached to the report.
"""

import contextlib
import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
LOGS = pytest.StashKey[dict[str, Path]]()
STARTUP_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def _remember_log(request: pytest.FixtureRequest, label: str, path: Path) -> None:
    request.node.stash.setdefault(LOGS, {})[label] = path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        for label, path in item.stash.get(LOGS, {}).items():
            text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
            report.sections.append((f"output of {label}", text or "(nothing)"))
    return report


# --- SMTP ------------------------------------------------------------------------------


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """An SMTP server on 127.0.0.1 that keeps every message it accepts.

    While `refuse_with` is set (an SMTP reply such as "451 4.3.0 try again later"), it answers
    every DATA with it instead, as a mail server in an outage does, and keeps what it refused
    apart in `refused`.
    """

    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)
    refuse_with: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            if self.refuse_with:
                self.refused.append(Received(list(envelope.rcpt_tos), message))
                return self.refuse_with
            self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def messages(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def refusals(self) -> list[Received]:
        with self._lock:
            return list(self.refused)

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        wait_for(lambda: len(self.messages()) >= count, timeout)
        return self.messages()

    def only_message(self, timeout: float, settle: float) -> Received:
        """The one message that arrives within timeout, after settle more seconds in which
        beat's re-queue runs get every chance to send a duplicate."""
        assert self.wait_for(1, timeout), f"no mail reached the SMTP server within {timeout} s"
        received = self.wait_for(2, settle)
        assert len(received) == 1, f"{len(received)} mails were delivered, not one"
        return received[0]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    server = Inbox(port=free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


# --- Redis of our own ------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own, which the test may stop and start again."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.log = directory / "redis-server.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    str(self.directory),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not wait_for(self.answers, timeout=15):
            raise RuntimeError(f"redis-server on port {self.port} did not answer")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def private_redis(request, tmp_path) -> Iterator[RedisServer]:
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    _remember_log(request, "redis-server", server.log)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- The stack -------------------------------------------------------------------------


def database_url_of_test_db() -> str:
    """DATABASE_URL of the test database that pytest-django created and migrated."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"


class Stack:
    """`python -m coopcenter.stack` in a process group of its own, so that no child outlives it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.base_url = f"http://{env['STACK_BIND']}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "coopcenter.stack"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, timeout: float = 10) -> tuple[int, Message, bytes]:
        """GET from gunicorn as the TLS proxy would forward it; status 0 when nothing answers."""
        request = urllib.request.Request(
            f"{self.base_url}{path}", headers={"X-Forwarded-Proto": "https"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()
        except OSError:
            return 0, Message(), b""

    def healthz(self) -> int:
        return self.get("/healthz", timeout=5)[0]

    def pid_of(self, name: str) -> int:
        match = re.search(rf"started {name} \(pid (\d+)\)", self.output())
        assert match, f"the stack did not say it started {name}"
        return int(match.group(1))

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_until_up(self, timeout: float = STARTUP_SECONDS) -> None:
        """Until gunicorn answers /healthz with 200 and the worker and beat have started."""

        def up() -> bool:
            if not self.running():
                return True
            output = self.output()
            worker_ready = re.search(r"celery@\S+ ready\.", output) is not None
            return worker_ready and "beat: Starting" in output and self.healthz() == 200

        assert wait_for(up, timeout, interval=0.5), f"the stack did not come up in {timeout} s"
        assert self.running(), f"the stack exited with status {self.process.returncode}"

    def stop(self, grace: float = 45.0) -> None:
        if self.process is None:
            return
        group = self.process.pid
        if self.process.poll() is None:
            os.killpg(group, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(group, signal.SIGKILL)
                self.process.wait()
        # A child that outlived the stack's own clean-up would keep the test database open.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


OUTBOX_KEY = Fernet.generate_key().decode()


@pytest.fixture
def stack_env(transactional_db, inbox, tmp_path) -> Callable[[str], dict[str, str]]:
    """The environment of a stack (and of commands run beside it) on a given Redis."""

    def build(redis_url: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "coopcenter.settings.production",
                "DJANGO_SECRET_KEY": os.urandom(32).hex(),
                # One key for every stack of the run: a mail one stack queued, the next sends.
                "OUTBOX_ENCRYPTION_KEYS": OUTBOX_KEY,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DATABASE_URL": database_url_of_test_db(),
                "REDIS_URL": redis_url,
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": inbox.host,
                "EMAIL_PORT": str(inbox.port),
                "EMAIL_TIMEOUT": "5",
                "STACK_BIND": f"127.0.0.1:{free_port()}",
                "OUTBOX_REQUEUE_EVERY": "1",
                "OUTBOX_REQUEUE_AFTER": "1",
                "STATIC_ROOT": str(tmp_path / "static"),
                "STACK_BEAT_SCHEDULE": str(tmp_path / "celerybeat-schedule"),
                # gunicorn keeps a control socket there; a developer's own must stay theirs.
                "XDG_RUNTIME_DIR": str(tmp_path),
            }
        )
        return env

    return build


@pytest.fixture
def start_stack(request, transactional_db, tmp_path) -> Iterator[Callable[..., Stack]]:
    """Starts stacks that are all stopped before the test database is flushed."""
    stacks: list[Stack] = []

    def start(env: dict[str, str]) -> Stack:
        log = tmp_path / f"stack-{len(stacks)}.log"
        _remember_log(request, f"stack {len(stacks)}", log)
        stack = Stack(env, log)
        stacks.append(stack)
        stack.start()
        stack.wait_until_up()
        return stack

    try:
        yield start
    finally:
        for stack in stacks:
            stack.stop()


@pytest.fixture
def manage() -> Callable[..., subprocess.CompletedProcess]:
    """Runs a management command in a process of its own with a stack's environment."""

    def run(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
