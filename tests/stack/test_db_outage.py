"""With PostgreSQL hung (a port that accepts connections and never answers), gunicorn under
production settings answers /healthz within 5 s with 503 "down", and pages with the 503 page
in the visitor's language within the connect timeout, never a 500 or a hang.

No real database is needed: the "database" is a silent TCP server, so this runs anywhere.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.core.silent import SilentServer

from .conftest import ROOT, _remember_log, free_port, wait_for

pytestmark = pytest.mark.stack

CONNECT_TIMEOUT = 2
# The connect timeout, plus the work of the page and a busy machine's slack.
PAGE_SECONDS = CONNECT_TIMEOUT + 2.0
HEALTHZ_SECONDS = 5.0


class Web:
    """gunicorn alone, in a process group of its own."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.host, port = env["STACK_BIND"].split(":")
        self.port = int(port)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        manage = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
        collected = subprocess.run(
            manage, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert collected.returncode == 0, collected.stderr
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "coopcenter.wsgi",
                    "--bind",
                    self.env["STACK_BIND"],
                    "--workers",
                    "1",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        assert wait_for(self.listening, timeout=60), "gunicorn did not start listening"

    def listening(self) -> bool:
        import socket

        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex((self.host, self.port)) == 0

    def get(self, path: str) -> tuple[int, dict[str, str], str, float]:
        import http.client

        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
            response = connection.getresponse()
            body = response.read().decode("utf-8", errors="replace")
            return response.status, dict(response.headers), body, time.monotonic() - started
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def hung_database() -> Iterator[SilentServer]:
    with SilentServer() as server:
        yield server


@pytest.fixture
def web(request, tmp_path, hung_database) -> Iterator[Web]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "coopcenter.settings.production",
            "DJANGO_SECRET_KEY": os.urandom(32).hex(),
            "OUTBOX_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{hung_database.port}/coopcenter",
            "DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            # No Redis: the cache is local memory, so only the database can be slow.
            "REDIS_URL": "",
            "REDIS_CACHE_URL": "",
            "STACK_BIND": f"127.0.0.1:{free_port()}",
            "STATIC_ROOT": str(tmp_path / "static"),
            "XDG_RUNTIME_DIR": str(tmp_path),
            "PYTHONUNBUFFERED": "1",
        }
    )
    log = tmp_path / "gunicorn.log"
    _remember_log(request, "gunicorn", log)
    server = Web(env, log)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def test_healthz_answers_down_within_five_seconds(web, hung_database):
    for _attempt in range(3):  # the second and third find the first probe still hanging
        status, _headers, body, seconds = web.get("/healthz")
        assert seconds < HEALTHZ_SECONDS, f"/healthz took {seconds:.1f} s"
        assert status == 503
        assert json.loads(body) == {
            "status": "down",
            "checks": {"database": "down", "redis": "disabled"},
        }
    assert hung_database.accepted >= 1, "the probe never reached the database"


@pytest.mark.parametrize(
    ("path", "language", "heading"),
    [
        ("/", "ko", "지금은 이 페이지를 잠시 이용할 수 없습니다"),
        ("/registry/", "ko", "지금은 이 페이지를 잠시 이용할 수 없습니다"),
        ("/en/consult/new/", "en", "This page is briefly unavailable"),
    ],
)
def test_pages_answer_503_within_the_connect_timeout(web, path, language, heading):
    status, headers, body, seconds = web.get(path)
    assert status == 503, body[:500]
    assert seconds < PAGE_SECONDS, f"{path} took {seconds:.1f} s"
    assert headers["Retry-After"] == "60"
    assert heading in body
    assert f'<html lang="{language}">' in body
