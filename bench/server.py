"""gunicorn for the length of a run: started on a free port, stopped whatever happens."""

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class ServerError(RuntimeError):
    pass


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _log_tail(log_path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _healthz(port: int) -> int | None:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def _wait_until_ready(process: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    status = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(
                f"gunicorn exited with code {process.returncode}; "
                f"its log ({log_path}):\n{_log_tail(log_path)}"
            )
        status = _healthz(port)
        if status == 200:
            return
        time.sleep(0.2)
    raise ServerError(
        f"/healthz did not answer 200 within {READY_TIMEOUT_S:.0f} s (last: {status}); "
        f"gunicorn's log ({log_path}):\n{_log_tail(log_path)}"
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # SIGTERM is gunicorn's graceful shutdown: workers finish their request and exit.
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def gunicorn(project_dir: Path, env: dict[str, str], log_path: Path) -> Iterator[Server]:
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("")  # this run's log only
    child_env = {k: v for k, v in env.items() if k != "GUNICORN_CMD_ARGS"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "coopcenter.wsgi:application",
        "--config",
        "python:bench.gunicorn_conf",
        "--bind",
        f"{HOST}:{port}",
        "--chdir",
        str(project_dir),
        # gunicorn's own messages and the portal's log lines go to one file, so that the
        # output of the run stays the harness's.
        "--error-logfile",
        "-",
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=project_dir,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(process, port, log_path)
        yield Server(HOST, port, process.pid)
    finally:
        _stop(process)
