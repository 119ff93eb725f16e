"""Readiness of the services the portal depends on, for /healthz and the stack scripts."""

import contextlib
import threading
from concurrent.futures import Future
from typing import Literal

import redis
from django.conf import settings
from django.db import connections

State = Literal["ok", "down", "disabled"]

# /healthz must answer within 5 s whatever the database does (a load balancer's check gives
# up and marks the node dead otherwise): the probe gets this long, Redis's about one more.
DATABASE_PROBE_SECONDS = 3.0

_probe_lock = threading.Lock()
_probe: Future | None = None


def _probe_database() -> State:
    """SELECT 1 on a connection of this thread's own, closed afterwards."""
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # A server that answers but is stuck (locks, load) ends the probe itself.
                cursor.execute("SET statement_timeout = %s", [int(DATABASE_PROBE_SECONDS * 1000)])
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "down" to a load balancer
        return "down"
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection may fail too
            connection.close()
    return "ok"


def _run(future: Future) -> None:
    state: State = "down"
    try:
        state = _probe_database()
    finally:  # whatever happened, the probe is over: the next check may start another
        future.set_result(state)


def database_state(timeout: float = DATABASE_PROBE_SECONDS) -> State:
    """The database's state within `timeout` seconds. The probe runs in a thread of its own,
    because a server that accepted the connection and then hangs is waited on with no client
    timeout at all; at most one probe is in flight per process, so a hung server ties up one
    thread and every later check answers "down" at once until that probe returns."""
    global _probe
    with _probe_lock:
        if _probe is not None and not _probe.done():
            return "down"
        _probe = future = Future()
        threading.Thread(target=_run, args=(future,), daemon=True, name="db-probe").start()
    try:
        return future.result(timeout=timeout)
    except TimeoutError:
        return "down"


def redis_state(url: str | None = None) -> State:
    url = settings.REDIS_URL if url is None else url
    if not url:
        return "disabled"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError:
        return "down"
    return "ok"


def service_states() -> dict[str, State]:
    return {"database": database_state(), "redis": redis_state()}
