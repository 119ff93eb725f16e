"""`python -m bench`: prepare the bench database, serve, measure every page, report."""

import argparse
import dataclasses
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bench import BENCH_VAR_DIR, PROJECT_DIR, client, report, server, services, stats

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from bench.pages import Page

SETTINGS_MODULE = "bench.settings"


class BenchError(RuntimeError):
    """A reason the run cannot go on, told to the user without a traceback."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Serve the portal with gunicorn and production settings, load every registered "
            "page from a separate client process and compare its throughput with the "
            "baseline page's."
        ),
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="measured requests per page (500)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="concurrent client connections (4)"
    )
    parser.add_argument("--warmup", type=int, default=50, help="warm-up requests per page (50)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="the pages take turns this many times, each turn a share of the requests (5)",
    )
    parser.add_argument(
        "--pages",
        default="",
        help="only the pages whose name contains one of these comma-separated words "
        "(the baseline is always measured)",
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="use SQLite even when PostgreSQL answers"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--no-fail",
        action="store_true",
        help="report pages under the goal but exit 0",
    )
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.rounds) < 1 or args.warmup < 0:
        parser.error("--requests, --concurrency and --rounds must be at least 1, --warmup 0")
    return args


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    # Turned into an exception so that the server is stopped by the same `finally`.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("bench: interrupted, server stopped", file=sys.stderr)
        return 130
    except (BenchError, server.ServerError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2


@dataclass
class Prepared:
    """A page ready to be measured: its resolved paths and pre-made bodies."""

    page: "Page"
    result: report.PageResult
    plan: client.Plan | None = None


def run(args: argparse.Namespace) -> int:
    started = datetime.now().astimezone()
    BENCH_VAR_DIR.mkdir(parents=True, exist_ok=True)

    database = services.choose_database(
        os.environ.get("BENCH_DATABASE_URL"), BENCH_VAR_DIR, force_sqlite=args.sqlite
    )
    cache = services.choose_cache(os.environ.get("REDIS_URL"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            # A fresh key per run: nothing signed by a benchmark outlives it.
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database.url,
            # Empty rather than unset, so that a developer's .env cannot bring Redis back.
            "REDIS_URL": cache.url,
            "CACHE_KEY_PREFIX": "coopcenter-bench",
        }
    )

    import django

    django.setup()

    from django.conf import settings
    from django.db import connection, connections

    from bench import pages as page_registry
    from bench import scales

    prepare_database(connection)
    try:
        outcomes = scales.ensure(scales.SCALES, log=progress)
    except Exception as error:  # a scale's own code; its transaction has been rolled back
        raise BenchError(f"seeding failed: {type(error).__name__}: {error}") from error

    selected = page_registry.select(args.pages.split(","))
    prepared = [prepare_page(page, args) for page in selected]
    for item in prepared:
        if item.plan is not None:
            count_page_queries(item, args)
    db_info = database_info(connection)
    connections.close_all()

    metadata = {
        "date": started.isoformat(timespec="seconds"),
        "git": git_commit(PROJECT_DIR),
        "database": {**db_info, "note": database.note},
        "cache": {
            "backend": "redis" if cache.url else "locmem",
            "url": services.describe_url(cache.url),
            "note": cache.note,
        },
        "scales": [outcome.name for outcome in outcomes],
        "requests": args.requests,
        "warmup": args.warmup,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "server": server_info(),
        "settings": settings.SETTINGS_MODULE,
        "python": platform.python_version(),
        "django": django.get_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
    }
    print(format_header(metadata, args))

    log_path = BENCH_VAR_DIR / "gunicorn.log"
    progress("starting gunicorn")
    measured = [item for item in prepared if item.plan is not None]
    with server.gunicorn(PROJECT_DIR, dict(os.environ), log_path) as running:
        plans = [dataclasses.replace(item.plan, port=running.port) for item in measured]
        progress(
            f"measuring {len(plans)} pages on port {running.port}, in {args.rounds} rounds of turns"
        )
        try:
            raws = client.measure(plans, args.rounds, cwd=str(PROJECT_DIR))
        except (RuntimeError, ValueError) as error:
            raise BenchError(str(error)) from error
    for item, raw in zip(measured, raws, strict=True):
        record_measurement(item.result, raw)

    results = [item.result for item in prepared]
    baseline_rps = results[0].summary.rps if results[0].summary else None
    for result in results:
        result.judge(baseline_rps)

    print()
    print(report.format_table(results))
    problems = report.format_problems(results)
    if problems:
        print()
        print(problems)
    failed = sum(not result.ok for result in results)
    verdict = f"{failed} of {len(results)} FAIL" if failed else f"all {len(results)} pass"
    print()
    print(
        f"Goal: every page at least {stats.GOAL_RATIO:.2f} of the baseline's req/s (staff "
        f"pages: their median under their own limit), with the expected status: {verdict}"
    )

    # Work the pages left to the background (the inquiries' intake), timed in-process the
    # way a Celery worker runs it: not part of any page's figures, printed for the record.
    for follow_up in page_registry.FOLLOW_UPS:
        line = follow_up()
        if line:
            print(line)

    document = report.build(metadata, results)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    paths = [BENCH_VAR_DIR / f"results-{stamp}.json", BENCH_VAR_DIR / "latest.json"]
    if args.json:
        paths.append(args.json)
    report.write(document, paths)
    print("Saved " + ", ".join(_display(path) for path in paths))
    return 1 if failed and not args.no_fail else 0


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_DIR))
    except ValueError:
        return str(path)


def prepare_database(connection: "BaseDatabaseWrapper") -> None:
    from django.core.management import call_command
    from django.db import DatabaseError

    try:
        progress(f"migrating the bench database ({connection.vendor})")
        call_command("migrate", interactive=False, verbosity=0)
    except DatabaseError as error:
        raise BenchError(f"cannot migrate the bench database: {error}") from error
    progress("collecting static files")
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
    except Exception as error:  # the manifest storage names the file it could not process
        raise BenchError(f"collectstatic failed: {error}") from error


def prepare_page(page: "Page", args: argparse.Namespace) -> Prepared:
    result = report.PageResult(
        name=page.name,
        method=page.method,
        path=page.path if isinstance(page.path, str) else "?",
        expected_status=page.expected_status,
        max_median_ms=page.max_median_ms,
    )
    item = Prepared(page=page, result=result)
    try:
        path = page.resolve_path()
        csrf_form = page.resolve_csrf_form()
        bodies = None
        if page.body is not None:
            # The probe, the warm-up and the measured requests each get their own body.
            count = 1 + args.warmup + args.requests
            bodies = [urlencode(page.body(seq)) for seq in range(count)]
    except Exception as error:  # a registry entry's own code: report it, measure the rest
        result.setup_error = f"could not prepare the page: {type(error).__name__}: {error}"
        return item
    result.path = path
    item.plan = client.Plan(
        host=server.HOST,
        port=0,
        path=path,
        method=page.method,
        expected_status=page.expected_status,
        bodies=bodies,
        csrf_form=csrf_form,
        login=_login(page),
        warmup=args.warmup,
        requests=args.requests,
        concurrency=args.concurrency,
    )
    return item


def _login(page: "Page") -> dict[str, str] | None:
    if page.login is None:
        return None
    from django.urls import reverse

    from bench.scales import BENCH_STAFF_PASSWORD

    return {
        "path": reverse("admin:login"),
        "username": page.login,
        "password": BENCH_STAFF_PASSWORD,
    }


def count_page_queries(item: Prepared, args: argparse.Namespace) -> None:
    from bench.inprocess import count_queries

    page, result = item.page, item.result
    progress(f"counting queries of {page.name}")
    bodies = None
    if page.body is not None:
        # Numbers past the load's, so no body is sent twice.
        first = 1 + args.warmup + args.requests
        bodies = (page.body(first), page.body(first + 1))
    try:
        login = _login(page)
        credentials = (login["username"], login["password"]) if login else None
        counted = count_queries(result.path, page.method, bodies, login=credentials)
    except Exception as error:  # reported with the page; the load test still runs
        result.setup_error = f"the in-process request failed: {type(error).__name__}: {error}"
        return
    result.queries = counted.queries
    result.inprocess_status = counted.status


def record_measurement(result: report.PageResult, raw: dict[str, Any]) -> None:
    probe = raw["probe"]
    result.probe_status = probe["status"]
    if probe["status"] is None:
        result.setup_error = f"no answer: {probe['error']}"
        return
    if probe["status"] != result.expected_status:
        # The page is not measured: its numbers would describe an error page.
        result.probe_detail = "not measured" + _excerpt(probe.get("excerpt", ""))
        return
    result.statuses = {int(code): n for code, n in raw["statuses"].items()}
    result.errors = raw["errors"]
    result.error_samples = raw["error_samples"]
    if raw["latencies_ms"]:
        result.summary = stats.summarise(raw["latencies_ms"], raw["elapsed_s"])


def _excerpt(body: str) -> str:
    title = re.search(r"<title>(.*?)</title>", body, re.S | re.I)
    text = title.group(1) if title else body
    text = " ".join(text.split())[:100]
    return f"; the page says: {text}" if text else ""


def database_info(connection: "BaseDatabaseWrapper") -> dict[str, Any]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0].split()[0]
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        location = _display(Path(settings_dict["NAME"]))
    else:
        host = settings_dict.get("HOST") or "localhost"
        location = f"{settings_dict['NAME']} on {host}:{settings_dict.get('PORT') or 5432}"
    return {
        "vendor": connection.vendor,
        "name": connection.display_name,
        "version": version,
        "location": location,
    }


def server_info() -> dict[str, Any]:
    from importlib.metadata import version

    from bench import gunicorn_conf

    return {
        "gunicorn": version("gunicorn"),
        "workers": gunicorn_conf.workers,
        "worker_class": gunicorn_conf.worker_class,
    }


def git_commit(project_dir: Path) -> dict[str, Any] | None:
    def git(*command: str) -> str:
        return subprocess.run(
            ["git", *command],
            cwd=project_dir,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def format_header(metadata: dict[str, Any], args: argparse.Namespace) -> str:
    db, cache, srv, git = (metadata[k] for k in ("database", "cache", "server", "git"))
    if git is None:
        commit = "no git commit"
    else:
        commit = git["commit"][:10] + (" with uncommitted changes" if git["dirty"] else "")
    lines = [f"Benchmark of {commit}, {metadata['date']}"]
    lines.append(f"Database: {db['name']} {db['version']} ({db['location']})")
    if db["note"]:
        lines.append(f"          {db['note']}")
    lines.append("Cache:    " + (f"Redis at {cache['url']}" if cache["url"] else "local memory"))
    if cache["note"]:
        lines.append(f"          {cache['note']}")
    lines += [
        f"Scales:   {', '.join(metadata['scales']) or 'none registered'}",
        f"Server:   gunicorn {srv['gunicorn']}, {srv['workers']} {srv['worker_class']} workers, "
        f"{metadata['settings']}, Python {metadata['python']}, Django {metadata['django']}",
        f"Load:     {args.requests} requests per page after {args.warmup} warm-up, "
        f"{args.concurrency} connections from a separate client process,",
        f"          the pages taking turns in {args.rounds} rounds",
        "Queries:  counted in-process with the test client, on one warm request per page",
    ]
    return "\n".join(lines)
