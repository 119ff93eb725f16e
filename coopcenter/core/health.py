"""Readiness of the services the portal depends on, for /healthz and the stack scripts."""

from typing import Literal

import redis
from django.conf import settings
from django.db import connection

State = Literal["ok", "down", "disabled"]


def database_state() -> State:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "down" to a load balancer
        return "down"
    return "ok"


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
