"""Database helpers for the few statements every busy page runs."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection


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
