"""Which database and cache the benchmark runs on, decided before Django is set up."""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
import psycopg
import redis
from psycopg import sql

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/coopcenter_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_TIMEOUT_S = 3


@dataclass(frozen=True)
class Choice:
    url: str
    # Why this one, when it is not the first choice (PostgreSQL down, Redis down...).
    note: str = ""


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'bench.sqlite3'}"


def _postgres_kwargs(config: dict) -> dict:
    kwargs = {
        "dbname": config.get("NAME") or "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "connect_timeout": CONNECT_TIMEOUT_S,
    }
    return {key: value for key, value in kwargs.items() if value is not None}


def _where(config: dict) -> str:
    return f"{config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"


def _create_database(config: dict) -> None:
    name = config["NAME"]
    with psycopg.connect(**{**_postgres_kwargs(config), "dbname": "postgres"}) as conn:
        conn.autocommit = True
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def choose_database(environ_url: str | None, sqlite_dir: Path, force_sqlite: bool) -> Choice:
    """BENCH_DATABASE_URL if it answers, else the bench PostgreSQL database, else SQLite.

    The benchmark seeds large data sets, so it never reuses the DATABASE_URL of development.
    """
    if force_sqlite:
        return Choice(sqlite_url(sqlite_dir), "SQLite asked for with --sqlite")
    url = environ_url or DEFAULT_POSTGRES_URL
    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        return Choice(url)
    try:
        if not environ_url:
            # The bench database is the harness's own, so it may create it.
            _create_database(config)
        with psycopg.connect(**_postgres_kwargs(config)):
            pass
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return Choice(
            sqlite_url(sqlite_dir),
            f"PostgreSQL at {_where(config)} does not answer ({reason}): using SQLite",
        )
    return Choice(url)


def choose_cache(environ_url: str | None) -> Choice:
    """REDIS_URL (or the local default) when Redis answers; no Redis otherwise."""
    url = environ_url or DEFAULT_REDIS_URL
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=CONNECT_TIMEOUT_S
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError) as error:
        return Choice("", f"Redis at {url} does not answer ({error}): local-memory cache")
    return Choice(url)


def describe_url(url: str) -> str:
    """The URL without its password, for the output and the results file."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
