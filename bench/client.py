"""The load generator: runs in its own process, so it never shares an interpreter with the
server or with the harness.

`python -m bench.client` reads one page's plan as JSON on stdin and writes the raw
measurements as JSON on stdout; `measure()` is how the harness calls it. Only the standard
library is imported here, so starting the client costs little and touches no settings.

Each concurrent worker is a thread with its own http.client connection and cookie jar. The
connection asks for keep-alive; gunicorn's sync workers close every connection after the
response, and http.client then reconnects on the next request, so a request's latency
includes its TCP connect on loopback — as it would behind a proxy without pooling.
Requests are handed out one at a time from a shared counter, so a slow worker never leaves
the others idle at the end.
"""

import http.client
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

TIMEOUT_S = 60.0
USER_AGENT = "coopcenter-bench"
_TOKEN = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def parse_csrf_token(html: str) -> str | None:
    match = _TOKEN.search(html)
    return match.group(1) if match else None


def parse_set_cookies(headers: Message) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in headers.get_all("Set-Cookie") or []:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        jar.update({name: morsel.value for name, morsel in cookie.items()})
    return jar


@dataclass(frozen=True)
class Plan:
    host: str
    port: int
    path: str
    method: str = "GET"
    expected_status: int = 200
    # One urlencoded body per request (probe, warm-up, then measured), or none for GET.
    bodies: list[str] | None = None
    csrf_form: str | None = None
    # {"path": login form, "username": ..., "password": ...} for a staff page.
    login: dict[str, str] | None = None
    warmup: int = 50
    requests: int = 500
    concurrency: int = 4

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Plan":
        return cls(**data)

    def body(self, seq: int) -> str:
        return "" if self.bodies is None else self.bodies[seq]


class Session:
    """One client connection: keeps its cookies and, for a form, its CSRF token."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.origin = f"https://{plan.host}:{plan.port}"
        self.connection = http.client.HTTPConnection(plan.host, plan.port, timeout=TIMEOUT_S)
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def _headers(self) -> dict[str, str]:
        # Production trusts the proxy's X-Forwarded-Proto; without it every request would
        # be redirected to https.
        headers = {
            "X-Forwarded-Proto": "https",
            "User-Agent": USER_AGENT,
            "Accept": "text/html,application/json;q=0.9,*/*;q=0.8",
            "Connection": "keep-alive",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _exchange(
        self, method: str, path: str, body: str | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            # Start the next request on a fresh socket rather than a broken one.
            self.connection.close()
            raise
        self.cookies.update(parse_set_cookies(response.msg))
        return response.status, content

    def log_in(self) -> None:
        """Sign in through the login form the way a browser does, keeping the session."""
        login = self.plan.login
        if login is None:
            return
        status, content = self._exchange("GET", login["path"], None, self._headers())
        token = parse_csrf_token(content.decode("utf-8", "replace"))
        if status != 200 or token is None:
            raise RuntimeError(f"the login form at {login['path']} answered {status}")
        body = urlencode(
            {
                "username": login["username"],
                "password": login["password"],
                "csrfmiddlewaretoken": token,
            }
        )
        headers = {
            **self._headers(),
            "Origin": self.origin,
            "Referer": f"{self.origin}{login['path']}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        status, _content = self._exchange("POST", login["path"], body, headers)
        if status != 302:
            raise RuntimeError(f"logging in as {login['username']} answered {status}, not 302")

    def prepare(self) -> None:
        """Log in when the page needs it, then fetch the form that provides the CSRF cookie
        and token, once per connection."""
        self.log_in()
        if self.plan.csrf_form is None:
            return
        status, content = self._exchange("GET", self.plan.csrf_form, None, self._headers())
        self.token = parse_csrf_token(content.decode("utf-8", "replace"))
        if status != 200 or self.token is None:
            raise RuntimeError(
                f"the form at {self.plan.csrf_form} answered {status} without a CSRF token"
            )

    def send(self, seq: int) -> tuple[int, float, bytes]:
        """One request; returns its status, its latency in milliseconds and its body."""
        headers = self._headers()
        body: str | None = None
        if self.plan.method not in {"GET", "HEAD"}:
            body = self.plan.body(seq)
            if self.token is not None:
                token = f"csrfmiddlewaretoken={self.token}"
                body = f"{body}&{token}" if body else token
                headers["Origin"] = self.origin
                headers["Referer"] = f"{self.origin}{self.plan.csrf_form}"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        status, content = self._exchange(self.plan.method, self.plan.path, body, headers)
        return status, (time.perf_counter() - started) * 1000, content

    def close(self) -> None:
        self.connection.close()


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


class _Counter:
    def __init__(self, start: int, stop: int) -> None:
        self._next = start
        self._stop = stop
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self._stop:
                return None
            seq = self._next
            self._next += 1
            return seq


def _drive(sessions: list[Session], start: int, stop: int) -> tuple[Tally, float]:
    counter = _Counter(start, stop)
    tallies = [Tally() for _ in sessions]

    def work(session: Session, tally: Tally) -> None:
        while (seq := counter.take()) is not None:
            try:
                status, latency_ms, _content = session.send(seq)
            except (OSError, http.client.HTTPException) as error:
                tally.errors.append(f"{type(error).__name__}: {error}")
                continue
            tally.statuses[status] += 1
            tally.latencies_ms.append(latency_ms)

    threads = [
        threading.Thread(target=work, args=(s, t), daemon=True)
        for s, t in zip(sessions, tallies, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    total = Tally()
    for tally in tallies:
        total.latencies_ms.extend(tally.latencies_ms)
        total.statuses.update(tally.statuses)
        total.errors.extend(tally.errors)
    return total, elapsed


def split(total: int, parts: int) -> list[int]:
    """`total` requests spread over `parts` rounds as evenly as possible."""
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


class Load:
    """One page under load: its connections and what has been measured of it so far."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.sessions = [Session(plan) for _ in range(max(1, plan.concurrency))]
        self.probe: dict[str, Any] = {"status": None, "error": "not started"}
        self.tally = Tally()
        self.elapsed_s = 0.0
        # Sequence 0 is the probe's body.
        self.next_seq = 1

    def start(self) -> bool:
        """Fetch the forms and send one request; True when it answers as expected."""
        try:
            for session in self.sessions:
                session.prepare()
            status, _latency, content = self.sessions[0].send(0)
        except (OSError, http.client.HTTPException, RuntimeError) as error:
            self.probe = {"status": None, "error": f"{type(error).__name__}: {error}"}
            return False
        self.probe = {"status": status, "error": None}
        if status != self.plan.expected_status:
            self.probe["excerpt"] = content[:2000].decode("utf-8", "replace")
            return False
        return True

    def _run(self, count: int) -> tuple[Tally, float]:
        first = self.next_seq
        self.next_seq += count
        return _drive(self.sessions, first, first + count)

    def warm_up(self) -> None:
        self._run(self.plan.warmup)

    def measure(self, count: int) -> None:
        tally, elapsed = self._run(count)
        self.tally.latencies_ms.extend(tally.latencies_ms)
        self.tally.statuses.update(tally.statuses)
        self.tally.errors.extend(tally.errors)
        self.elapsed_s += elapsed

    def close(self) -> None:
        for session in self.sessions:
            session.close()

    def result(self) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "latencies_ms": self.tally.latencies_ms,
            "statuses": {str(code): n for code, n in sorted(self.tally.statuses.items())},
            "errors": len(self.tally.errors),
            "error_samples": sorted(set(self.tally.errors))[:5],
            "elapsed_s": self.elapsed_s,
        }


def run(plans: list[Plan], rounds: int = 1) -> list[dict[str, Any]]:
    """Probe and warm up every page, then measure them in turn, round after round.

    Taking turns spreads a passing disturbance of the machine (another process waking up)
    over every page instead of letting it land on one, which keeps the ratios to the
    baseline steady.
    """
    rounds = max(1, rounds)
    loads = [Load(plan) for plan in plans]
    try:
        live = [load for load in loads if load.start()]
        for load in live:
            load.warm_up()
        shares = {id(load): split(load.plan.requests, rounds) for load in live}
        for round_index in range(rounds):
            for load in live:
                count = shares[id(load)][round_index]
                if count:
                    load.measure(count)
            print(f"... round {round_index + 1} of {rounds} done", file=sys.stderr, flush=True)
    finally:
        for load in loads:
            load.close()
    return [load.result() for load in loads]


def measure(plans: list[Plan], rounds: int, cwd: str) -> list[dict[str, Any]]:
    """Run the plans in a separate client process; its progress goes to our stderr."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.client"],
        input=json.dumps({"plans": [plan.__dict__ for plan in plans], "rounds": rounds}),
        stdout=subprocess.PIPE,
        text=True,
        cwd=cwd,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the client process failed with exit code {completed.returncode}")
    return json.loads(completed.stdout)["results"]


def main() -> int:
    request = json.load(sys.stdin)
    plans = [Plan.from_dict(plan) for plan in request["plans"]]
    try:
        results = run(plans, request.get("rounds", 1))
    except KeyboardInterrupt:
        # Ctrl-C reaches the whole process group; the harness reports it.
        return 130
    json.dump({"results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
