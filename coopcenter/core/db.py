"""Database helpers: the few statements every busy page runs, and the answer given when the
database is down."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)


class _PreparedCursor(psycopg.Cursor):
    """Binds parameters on the server and prepares each statement on first use, per
    connection: PostgreSQL plans it once instead of on every request."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


@contextmanager
def prepared_cursor() -> Iterator:
    """A cursor like connection.cursor() (health check, Django's error classes, counted by
    the test suite and debug tools) whose statements are prepared, for the hottest writes.

    Django leaves prepared statements off because a pooler in transaction mode (PgBouncer
    before 1.21) cannot keep them; the portal connects to PostgreSQL directly. Parameters
    go as %(name)s, and a value whose type PostgreSQL cannot infer is given with its
    psycopg wrapper (Jsonb)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("prepared_cursor() is for PostgreSQL")
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _PreparedCursor(connection.connection)
    if connection.queries_logged:
        cursor = connection.make_debug_cursor(raw)
    else:
        cursor = connection.make_cursor(raw)
    with cursor:
        yield cursor


# --- A database that is down or hung ----------------------------------------------------

# What Django raises when PostgreSQL cannot be reached, stops answering within the connect
# or statement timeout (settings DB_CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT), or drops the
# connection: the request cannot be served now, but may be in a moment.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# What the 503 answers tell browsers and the citizen ("in a minute").
RETRY_AFTER_SECONDS = 60


def retry_later(response: HttpResponse) -> HttpResponse:
    """`response` as a 503 with Retry-After."""
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 page, in the request's language. Like the 500 page it needs no database and
    no context processor: it is shown because something is already broken."""
    body = loader.get_template("503.html").render(
        {"request": request, "center_email": settings.CENTER_EMAIL}
    )
    return retry_later(HttpResponse(body))


class DatabaseUnavailableMiddleware:
    """A view that fails because the database is down answers with the 503 page, not 500.
    (An error outside the views reaches handler500, which answers the same.)"""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.warning(
            "Database unavailable for %s %s: %s", request.method, request.path, exception
        )
        return database_unavailable(request)
