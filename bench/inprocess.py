"""Requests made inside the harness through Django's test client, to count SQL queries.

Queries cannot be seen from outside gunicorn, so they are counted here: after
django.setup() with the same bench settings and database as the server, each page is
requested twice through django.test.Client and the queries of the second, warm request
are captured with CaptureQueriesContext. The first request fills what a server fills
on its first requests (template cache, cached lookups), so the count is the one every
later request pays. Only the default database connection is counted.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

HOST = "127.0.0.1"


@dataclass(frozen=True)
class QueryCount:
    status: int
    queries: int


def _client() -> Client:
    # The same host and proxy header as the load client: production's ALLOWED_HOSTS and
    # SSL redirect apply here too.
    return Client(
        headers={"host": HOST, "x-forwarded-proto": "https"},
        raise_request_exception=False,
    )


def count_queries(
    path: str,
    method: str = "GET",
    bodies: tuple[Mapping[str, str], Mapping[str, str]] | None = None,
    login: tuple[str, str] | None = None,
) -> QueryCount:
    """The status and the number of queries of one warm request (logged in as the bench
    staff user `login` = (username, password) for a staff page)."""
    client = _client()
    if login is not None and not client.login(username=login[0], password=login[1]):
        raise RuntimeError(f"cannot log in as {login[0]}")

    def send(body: Mapping[str, str] | None) -> int:
        if method in {"GET", "HEAD"}:
            return client.generic(method, path).status_code
        data = urlencode(body or {})
        content_type = "application/x-www-form-urlencoded"
        return client.generic(method, path, data, content_type=content_type).status_code

    warm_body, counted_body = bodies if bodies is not None else (None, None)
    send(warm_body)
    with CaptureQueriesContext(connection) as captured:
        status = send(counted_body)
    return QueryCount(status=status, queries=len(captured.captured_queries))
