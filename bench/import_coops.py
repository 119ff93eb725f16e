"""`python -m bench.import_coops [--rows 100000]`: how long the registry importer takes.

It writes a CSV of N generated Seoul co-ops (generated names and addresses in all 25
districts, every value valid) into a temporary directory and times three real imports,
each a call of the engine the command and the admin use:

1. the first import, which creates every co-op;
2. the same file again, which finds every row unchanged;
3. a file with about 10 % of the rows changed (members and share capital), which updates them.

Then, on an emptied registry, the admin's way: the first file uploaded as an ImportJob (what
the web request does: store the file and the row), previewed by the worker's task, and
imported by it after the confirmation (registry.tasks.run_import_job, run in this process).

The goal is the first import of 100,000 rows in under 60 seconds on PostgreSQL; the run exits
with status 1 when it takes longer, and 2 when it cannot run.

It runs on its own database, never the development one nor the page benchmark's (whose
100,000 seeded co-ops would change what is measured): BENCH_IMPORT_DATABASE_URL, by default
postgres://postgres@127.0.0.1:5432/coopcenter_bench_import, created when missing. The
registry tables of that database are emptied before and after the run; a database holding
co-ops of any other source is refused rather than emptied. --sqlite runs on a SQLite file in
var/bench/ instead (for a laptop without PostgreSQL; the goal is about PostgreSQL).
"""

import argparse
import csv
import importlib
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import environ
import psycopg
from psycopg import sql

from bench import BENCH_VAR_DIR, services

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coopcenter_bench_import"
SOURCE = "bench.import_coops"
GOAL_SECONDS = 60.0
CHANGED_EVERY = 10  # one row in ten changes for the third import

# Seoul's districts as the data migration loads them: (code, Korean name, English name).
DISTRICTS: list[tuple[str, str, str]] = importlib.import_module(
    "registry.migrations.0002_districts"
).DISTRICTS

NAME_WORDS = (
    "새날",
    "두레",
    "한빛",
    "푸른",
    "마을",
    "우리",
    "함께",
    "나눔",
    "햇살",
    "다온",
    "온누리",
)
NAME_KINDS = ("협동조합", "사회적협동조합", "생활협동조합", "일자리협동조합")
ROADS = ("테헤란로", "월드컵로", "세종대로", "도봉로", "망우로", "양재대로", "시흥대로", "한강대로")
BUSINESSES = (
    "생활용품 공동구매",
    "방과후 교육",
    "돌봄 서비스",
    "로컬푸드 유통",
    "소프트웨어 개발",
    "출판 및 인쇄",
    "청소 및 방역",
    "공연 기획",
)
LEGAL_TYPES = ("일반협동조합",) * 8 + ("사회적협동조합", "협동조합연합회")
MEMBER_TYPES = ("사업자", "사업자", "다중이해관계자", "직원", "소비자")
INDUSTRIES = ("G", "G", "P", "J", "C", "I", "M", "N", "Q", "R", "S")  # never K
STATUSES = ("운영",) * 9 + ("해산",)
FIRST_DAY = date(2012, 12, 1)


def generated_rows(count: int, *, changed: bool = False) -> Iterator[list[str]]:
    """The header of the template (Korean), then `count` valid rows.

    The same count gives the same rows; with `changed`, every CHANGED_EVERY-th row has one
    more member and 1,000 won more share capital. One row in five leaves the district
    empty, so that it is taken from the address, as in real files.
    """
    from registry.vocab import TEMPLATE_COLUMNS

    yield [column.header_ko for column in TEMPLATE_COLUMNS]
    for n in range(count):
        code, district, _english = DISTRICTS[n % len(DISTRICTS)]
        members = 5 + (n * 7919) % 296
        capital = 1_000_000 + (n * 104_729) % 300 * 250_000
        if changed and n % CHANGED_EVERY == 0:
            members += 1
            capital += 1_000
        registered = FIRST_DAY + timedelta(days=(n * 37) % 4500)
        yield [
            f"{NAME_WORDS[n % len(NAME_WORDS)]}{n + 1}{NAME_KINDS[n % len(NAME_KINDS)]}",
            LEGAL_TYPES[n % len(LEGAL_TYPES)],
            MEMBER_TYPES[n % len(MEMBER_TYPES)],
            f"{registered.year}-{code}-{n + 1:06d}",
            registered.isoformat(),
            INDUSTRIES[n % len(INDUSTRIES)],
            BUSINESSES[n % len(BUSINESSES)],
            f"서울특별시 {district} {ROADS[n % len(ROADS)]} {n % 400 + 1}",
            "" if n % 5 == 4 else district,
            f"{members:,}",
            f"{capital:,}",
            STATUSES[n % len(STATUSES)],
            "2025-11-30",
        ]


def write_csv(path: Path, count: int, *, changed: bool = False) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(generated_rows(count, changed=changed))
    return path


# --- the run -------------------------------------------------------------------------------


class BenchError(RuntimeError):
    """Why the benchmark cannot run, told without a traceback."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.import_coops",
        description="Time the registry importer on generated files: first import, "
        "re-import, re-import with 10%% of the rows changed.",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows per file (100000)")
    parser.add_argument(
        "--sqlite", action="store_true", help="use a SQLite file instead of PostgreSQL"
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the imported co-ops in the database"
    )
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    return args


def _ensure_postgres(url: str, *, create: bool) -> None:
    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        raise BenchError("BENCH_IMPORT_DATABASE_URL must be a PostgreSQL URL (or use --sqlite)")
    kwargs = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "connect_timeout": services.CONNECT_TIMEOUT_S,
    }
    kwargs = {key: value for key, value in kwargs.items() if value is not None}
    try:
        if create:
            with psycopg.connect(dbname="postgres", autocommit=True, **kwargs) as conn:
                name = config["NAME"]
                if not conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone():
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with psycopg.connect(dbname=config["NAME"], **kwargs):
            pass
    except psycopg.Error as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise BenchError(f"PostgreSQL does not answer: {first_line}") from error


def setup_django(args: argparse.Namespace) -> str:
    """Point Django at the import benchmark's database; returns its description."""
    if args.sqlite:
        BENCH_VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{BENCH_VAR_DIR / 'import.sqlite3'}"
    else:
        environ_url = os.environ.get("BENCH_IMPORT_DATABASE_URL")
        url = environ_url or DEFAULT_DATABASE_URL
        _ensure_postgres(url, create=not environ_url)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": url,
            "REDIS_URL": "",  # the import only invalidates the cache: local memory will do
            "CACHE_KEY_PREFIX": "coopcenter-bench-import",
            # The import jobs' uploads: a folder of the benchmark's own.
            "MEDIA_ROOT": str(BENCH_VAR_DIR / "import-media"),
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return services.describe_url(url)


def empty_registry() -> None:
    """Empty the registry tables, after checking they hold nothing but this benchmark's."""
    from django.db import connection

    from registry.models import (
        Certification,
        Cooperative,
        CooperativeChange,
        ImportBatch,
        ImportJob,
    )

    if (
        Cooperative.objects.exclude(source=SOURCE).exists()
        or ImportBatch.objects.exclude(source=SOURCE).exists()
        or ImportJob.objects.exclude(source=SOURCE).exists()
    ):
        raise BenchError(
            "the database holds co-ops or imports of other sources; it is not the import "
            "benchmark's own database, so it is left alone"
        )
    models = (ImportJob, CooperativeChange, Certification, Cooperative, ImportBatch)
    tables = [m._meta.db_table for m in models]
    # DELETE, not TRUNCATE: other apps' tables (the desk's cases) refer to the co-ops, and
    # PostgreSQL truncates a referenced table only with CASCADE, which would empty them too.
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


def timed_import(path: Path) -> tuple[float, object]:
    from registry.importer import cooperatives_import

    started = time.perf_counter()
    report = cooperatives_import(file=path.read_bytes(), filename=path.name, source=SOURCE)
    return time.perf_counter() - started, report


def timed_jobs(path: Path, rows: int) -> list[tuple[str, float]]:
    """The admin's way: the request's part (store the upload, queue), then the worker's task
    for the preview and for the import, each timed on its own."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registry import import_jobs, tasks

    queue = import_jobs._queue
    import_jobs._queue = lambda job: None  # the task is run below, timed on its own
    try:
        started = time.perf_counter()
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        job = import_jobs.import_job_create(
            upload=upload, source=SOURCE, skip_invalid=False, started_by=None
        )
        request_seconds = time.perf_counter() - started
        preview_seconds, preview = _timed_task(tasks.run_import_job, job.pk)
        if (preview.status, preview.created) != ("done", rows):
            raise BenchError(f"preview job: {preview.status} {preview.message} {preview.created}")
        confirmed = import_jobs.import_job_confirm(
            previewed=preview, skip_invalid=False, started_by=None
        )
        import_seconds, imported = _timed_task(tasks.run_import_job, confirmed.pk)
        if (imported.status, imported.created) != ("done", rows) or imported.file:
            raise BenchError(f"import job: {imported.status} {imported.message}")
    finally:
        import_jobs._queue = queue
    return [
        (f"admin upload request ({rows:,} rows, not read)", request_seconds),
        (f"preview job in the worker ({rows:,} checked)", preview_seconds),
        (f"import job in the worker ({rows:,} created)", import_seconds),
    ]


def _timed_task(task, job_id: int):
    from registry.models import ImportJob

    started = time.perf_counter()
    task.apply(args=[job_id])
    return time.perf_counter() - started, ImportJob.objects.get(pk=job_id)


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0].split()[0]
        cursor.execute("SELECT sqlite_version()")
        return "SQLite " + cursor.fetchone()[0]


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    where = setup_django(args)
    rows = args.rows
    print(f"Import benchmark: {rows:,} rows, {database_version()} ({where})")
    empty_registry()
    changed_rows = len(range(0, rows, CHANGED_EVERY))
    results: list[tuple[str, float]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="coop-import-bench-") as directory:
            progress("writing the files")
            first = write_csv(Path(directory) / "coops.csv", rows)
            changed = write_csv(Path(directory) / "coops-changed.csv", rows, changed=True)
            runs = [
                (f"first import ({rows:,} created)", first, (rows, 0, 0)),
                (f"re-import ({rows:,} unchanged)", first, (0, 0, rows)),
                (
                    f"re-import, {changed_rows:,} rows changed ({changed_rows:,} updated)",
                    changed,
                    (0, changed_rows, rows - changed_rows),
                ),
            ]
            for label, path, expected in runs:
                progress(label)
                seconds, report = timed_import(path)
                counts = (report.created, report.updated, report.unchanged)
                if counts != expected or report.rejected:
                    raise BenchError(
                        f"{label}: expected created/updated/unchanged {expected}, got "
                        f"{counts} and {report.rejected} rejected: {report.errors[:3]}"
                    )
                results.append((label, seconds))
            empty_registry()
            progress("the admin's import jobs")
            results.extend(timed_jobs(first, rows))
    finally:
        if not args.keep:
            empty_registry()
    width = max(len(label) for label, _seconds in results)
    for label, seconds in results:
        print(f"  {label:<{width}}  {seconds:7.1f} s")
    first_seconds = results[0][1]
    verdict = "pass" if first_seconds < GOAL_SECONDS else "FAIL"
    print(f"Goal: the first import under {GOAL_SECONDS:.0f} s: {verdict}")
    return 0 if verdict == "pass" else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except BenchError as error:
        print(f"bench.import_coops: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
