"""The benchmark harness: its numbers, its page and scale registries, its client and its
report. Nothing here starts gunicorn; the client is tried against a small stdlib server."""

import json
import threading
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import resolve
from django.utils import translation

from bench import cli, client, report, services, stats
from bench import pages as page_registry
from bench import scales as scale_registry
from bench.inprocess import count_queries

# --- Statistics ------------------------------------------------------------------------


def test_percentiles_interpolate_between_ranks() -> None:
    samples = [float(n) for n in range(10, 0, -1)]  # 10..1, unsorted on purpose
    assert stats.median(samples) == pytest.approx(5.5)
    assert stats.percentile(samples, 95) == pytest.approx(9.55)
    assert stats.percentile(samples, 0) == 1.0
    assert stats.percentile(samples, 100) == 10.0


def test_percentiles_of_odd_and_single_samples() -> None:
    assert stats.median([3.0, 1.0, 2.0]) == 2.0
    assert stats.percentile([7.0], 95) == 7.0
    hundred = [float(n) for n in range(1, 101)]
    assert stats.percentile(hundred, 95) == pytest.approx(95.05)


def test_percentile_rejects_empty_samples_and_bad_ranks() -> None:
    with pytest.raises(ValueError):
        stats.percentile([], 50)
    with pytest.raises(ValueError):
        stats.percentile([1.0], 101)


def test_summary_counts_throughput_over_wall_clock() -> None:
    summary = stats.summarise([10.0, 20.0, 30.0, 40.0], elapsed_s=0.5)
    assert summary.count == 4
    assert summary.median_ms == pytest.approx(25.0)
    assert summary.p95_ms == pytest.approx(38.5)
    assert summary.rps == pytest.approx(8.0)
    with pytest.raises(ValueError):
        stats.throughput(10, 0)


def test_ratio_to_baseline_and_goal() -> None:
    assert stats.ratio(250.0, 500.0) == pytest.approx(0.5)
    assert stats.meets_goal(stats.ratio(250.0, 500.0))
    assert not stats.meets_goal(stats.ratio(249.9, 500.0))
    assert stats.ratio(None, 500.0) is None
    assert stats.ratio(100.0, 0.0) is None
    assert not stats.meets_goal(None)


def test_requests_are_split_evenly_over_rounds() -> None:
    assert client.split(500, 5) == [100] * 5
    assert client.split(7, 3) == [3, 2, 2]
    assert sum(client.split(3, 5)) == 3


# --- Page registry ---------------------------------------------------------------------


def test_registry_starts_with_the_baseline_and_names_are_unique() -> None:
    names = [page.name for page in page_registry.PAGES]
    assert page_registry.PAGES[0] is page_registry.BASELINE
    assert len(names) == len(set(names))
    for wanted in ("/", "/en/", "/about/", "/services/", "/healthz", "/_bench/baseline/"):
        assert wanted in [page.path for page in page_registry.PAGES]


@pytest.mark.django_db
def test_every_registered_path_resolves_to_a_view() -> None:
    scale_registry.seed_registry(100, certifications=2, histories=2)  # for the detail page
    scale_registry.seed_education(2)  # for a session's page
    scale_registry.seed_articles(20, hidden=2)  # for an article's page
    for page in page_registry.PAGES:
        for path in (page.resolve_path(), page.resolve_csrf_form()):
            if path is None:
                continue
            # /en/... resolves only while English is active, as LocaleMiddleware makes it.
            language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
            with translation.override(language):
                # Korean slugs are percent-encoded in the path, as a browser sends them.
                plain = unquote(urlsplit(path).path)
                assert callable(resolve(plain, urlconf="bench.urls").func), page.name


def test_selection_keeps_the_baseline() -> None:
    assert page_registry.select(["SERVICES"]) == [
        page_registry.BASELINE,
        *[p for p in page_registry.PAGES if p.name == "services"],
    ]
    assert page_registry.select([""]) == page_registry.PAGES
    assert page_registry.select(["no such page"]) == [page_registry.BASELINE]


def test_page_paths_are_checked() -> None:
    with pytest.raises(ValueError):
        page_registry.Page("get with body", "/", body=lambda seq: {})
    with pytest.raises(ValueError):
        page_registry.Page("relative", "about/").resolve_path()
    assert page_registry.Page("later", lambda: "/about/").resolve_path() == "/about/"


def _bench_templates() -> list[dict]:
    return [
        {
            **settings.TEMPLATES[0],
            "DIRS": [*settings.TEMPLATES[0]["DIRS"], settings.BASE_DIR / "bench" / "templates"],
        }
    ]


@pytest.mark.django_db
def test_every_registered_page_answers_its_expected_status() -> None:
    # Pages that depend on data: the detail of a co-op, page 50 of the directory.
    scale_registry.seed_registry(1_000, certifications=5, histories=10)
    scale_registry.seed_cases(200)
    scale_registry.seed_education(3)
    scale_registry.seed_articles(20, hidden=2)
    with override_settings(ROOT_URLCONF="bench.urls", TEMPLATES=_bench_templates()):
        for page in page_registry.PAGES:
            bodies = (page.body(0), page.body(1)) if page.body else None
            login = (page.login, scale_registry.BENCH_STAFF_PASSWORD) if page.login else None
            counted = count_queries(page.resolve_path(), page.method, bodies, login=login)
            assert counted.status == page.expected_status, page.name
            assert counted.queries >= 0


@pytest.mark.django_db
def test_the_baseline_renders_base_html_without_queries() -> None:
    with override_settings(ROOT_URLCONF="bench.urls", TEMPLATES=_bench_templates()):
        counted = count_queries("/_bench/baseline/")
    assert counted == type(counted)(status=200, queries=0)


# --- Scale registry --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_scale_is_seeded_once() -> None:
    registry: list[scale_registry.Scale] = []
    rows: list[int] = []

    @scale_registry.register("3 rows", is_seeded=lambda: len(rows) >= 3, into=registry)
    def three_rows() -> None:
        rows.extend([1, 2, 3])

    first = scale_registry.ensure(registry, log=lambda message: None)
    second = scale_registry.ensure(registry, log=lambda message: None)
    assert [o.seeded for o in first] == [True]
    assert [o.seeded for o in second] == [False]
    assert rows == [1, 2, 3]
    with pytest.raises(ValueError):
        scale_registry.register("3 rows", is_seeded=lambda: True, into=registry)


# --- Report ----------------------------------------------------------------------------


def _result(name: str, rps: float | None, status: int = 200, **kwargs) -> report.PageResult:
    result = report.PageResult(name, "GET", f"/{name}/", expected_status=200, **kwargs)
    if rps is not None:
        result.probe_status = 200
        result.statuses = {status: 100}
        result.summary = stats.Summary(count=100, median_ms=12.345, p95_ms=20.0, rps=rps)
        result.queries = 3
    return result


def _judged() -> list[report.PageResult]:
    results = [
        _result("baseline", 400.0),
        _result("fast page", 300.0),
        _result("slow page", 100.0),
        _result("broken", 390.0, status=500),
    ]
    missing = _result("missing", None)
    missing.probe_status = 404
    missing.probe_detail = "not measured"
    results.append(missing)
    for result in results:
        result.judge(baseline_rps=400.0)
    return results


def test_judging_marks_slow_pages_and_wrong_statuses() -> None:
    verdicts = {result.name: result for result in _judged()}
    assert verdicts["baseline"].ok and verdicts["baseline"].ratio == pytest.approx(1.0)
    assert verdicts["fast page"].ok and verdicts["fast page"].ratio == pytest.approx(0.75)
    assert not verdicts["slow page"].ok
    assert "0.25 of the baseline" in verdicts["slow page"].problems[0]
    assert not verdicts["broken"].ok
    assert "answered 500 to 100 of 100 requests" in verdicts["broken"].problems[0]
    assert not verdicts["missing"].ok
    assert verdicts["missing"].problems == ["answered 404, expected 200 (not measured)"]


def test_a_staff_page_is_judged_by_its_median_not_the_ratio() -> None:
    def staff_page(median_ms: float) -> report.PageResult:
        result = report.PageResult(
            name="desk", method="GET", path="/admin/", expected_status=200, max_median_ms=300.0
        )
        result.probe_status = 200
        result.statuses = {200: 100}
        # A tenth of the baseline's throughput: only the latency goal counts.
        result.summary = stats.Summary(count=100, median_ms=median_ms, p95_ms=median_ms, rps=40)
        result.judge(baseline_rps=400.0)
        return result

    assert staff_page(120.0).ok
    slow = staff_page(450.0)
    assert not slow.ok
    assert slow.problems == ["median 450 ms, goal under 300 ms"]


def test_table_is_aligned_and_marks_failures() -> None:
    lines = report.format_table(_judged()).splitlines()
    assert lines[0].split() == [
        "page", "method", "status", "median", "ms", "p95", "ms", "req/s", "queries", "ratio", "ok"
    ]  # fmt: skip
    # Numbers are right-aligned under their heading, text left-aligned.
    header_end = lines[0].index("req/s") + len("req/s")
    assert lines[1][header_end - len("400.0") : header_end] == "400.0"
    assert lines[3][header_end - len("100.0") : header_end] == "100.0"
    status_start = lines[0].index("status")
    assert all(line[status_start : status_start + 3] in {"200", "500", "404"} for line in lines[1:])
    rows = {line.split()[0]: line for line in lines[1:]}
    assert rows["baseline"].endswith(" ok")
    assert rows["slow"].endswith("FAIL")
    assert rows["missing"].split()[2:] == ["404", "-", "-", "-", "-", "-", "FAIL"]
    assert "12.3" in rows["baseline"] and "0.25" in rows["slow"]


def test_problems_are_listed_by_page() -> None:
    text = report.format_problems(_judged())
    assert "FAIL slow page (GET /slow page/)" in text
    assert "FAIL missing (GET /missing/): answered 404" in text
    assert "FAIL baseline" not in text


def test_json_report_carries_metadata_and_pages(tmp_path) -> None:
    metadata = {"date": "2025-01-01T00:00:00+09:00", "database": {"vendor": "postgresql"}}
    document = report.build(metadata, _judged())
    paths = [tmp_path / "nested" / "results-1.json", tmp_path / "latest.json"]
    report.write(document, paths)
    for path in paths:
        loaded = json.loads(path.read_text(encoding="utf-8"))
        assert loaded["database"] == {"vendor": "postgresql"}
        assert loaded["goal_ratio"] == stats.GOAL_RATIO
        assert loaded["ok"] is False
        first = loaded["pages"][0]
        assert first["name"] == "baseline"
        assert first["statuses"] == {"200": 100}
        assert first["median_ms"] == 12.345 and first["ratio"] == 1.0 and first["ok"] is True
        assert loaded["pages"][-1]["rps"] is None


def test_header_says_which_database_and_cache() -> None:
    args = cli.parse_args([])
    metadata = {
        "date": "2025-01-01T00:00:00+09:00",
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "database": {"name": "SQLite", "version": "3.40", "location": "x", "note": "down"},
        "cache": {"url": "", "note": ""},
        "scales": [],
        "server": {"gunicorn": "23", "workers": 2, "worker_class": "sync"},
        "settings": "bench.settings",
        "python": "3.11",
        "django": "5.2",
    }
    header = cli.format_header(metadata, args)
    assert "Database: SQLite 3.40" in header and "          down" in header
    assert "Cache:    local memory" in header
    assert "Scales:   none registered" in header
    assert "500 requests per page after 50 warm-up" in header


def test_options_have_their_documented_defaults() -> None:
    args = cli.parse_args([])
    assert (args.requests, args.concurrency, args.warmup, args.sqlite, args.no_fail) == (
        500,
        4,
        50,
        False,
        False,
    )
    with pytest.raises(SystemExit):
        cli.parse_args(["--requests", "0"])


# --- Services --------------------------------------------------------------------------


def test_database_choice_without_touching_postgresql(tmp_path) -> None:
    forced = services.choose_database("postgres://u@db/x", tmp_path, force_sqlite=True)
    assert forced.url == f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    given = services.choose_database("sqlite:////somewhere/db.sqlite3", tmp_path, False)
    assert given.url == "sqlite:////somewhere/db.sqlite3" and not given.note


def test_cache_choice_falls_back_when_redis_is_silent() -> None:
    choice = services.choose_cache("redis://127.0.0.1:1/0")
    assert choice.url == "" and "does not answer" in choice.note


def test_passwords_are_hidden() -> None:
    assert services.describe_url("redis://:s3cret@h:6379/0") == "redis://:***@h:6379/0"
    assert services.describe_url("postgres://u:pw@h/db") == "postgres://u:***@h/db"
    assert services.describe_url("redis://h:6379/0") == "redis://h:6379/0"


# --- Client ----------------------------------------------------------------------------


def test_csrf_token_and_cookies_are_read() -> None:
    html = '<input type="hidden" name="csrfmiddlewaretoken" value="abc123">'
    assert client.parse_csrf_token(html) == "abc123"
    assert client.parse_csrf_token("<p>no form</p>") is None
    headers = Message()
    headers["Set-Cookie"] = "__Secure-csrftoken=secret; Path=/; Secure"
    headers["Set-Cookie"] = "other=1"
    assert client.parse_set_cookies(headers) == {"__Secure-csrftoken": "secret", "other": "1"}


class _FormHandler(BaseHTTPRequestHandler):
    """A page, and a form that checks its cookie, token and origin as Django would."""

    protocol_version = "HTTP/1.1"
    posted: list[str] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, body: bytes = b"", cookie: str | None = None) -> None:
        self.send_response(status)
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.headers.get("X-Forwarded-Proto") != "https":
            self._answer(301)
        elif self.path == "/form/":
            form = b'<form><input name="csrfmiddlewaretoken" value="tok"></form>'
            self._answer(200, form, cookie="csrf=secret; Secure")
        elif self.path == "/page/":
            self._answer(200, b"<title>A page</title>")
        else:
            self._answer(404, b"<title>Not here</title>")

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        fields = parse_qs(self.rfile.read(length).decode())
        host = self.headers["Host"]
        trusted = (
            self.headers.get("Cookie") == "csrf=secret"
            and fields.get("csrfmiddlewaretoken") == ["tok"]
            and self.headers.get("Origin") == f"https://{host}"
        )
        if trusted:
            type(self).posted.append(fields["note"][0])
        self._answer(302 if trusted else 403)


@pytest.fixture
def form_server() -> Iterator[ThreadingHTTPServer]:
    _FormHandler.posted = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _FormHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _plan(httpd: ThreadingHTTPServer, path: str, **kwargs) -> client.Plan:
    return client.Plan(
        host="127.0.0.1",
        port=httpd.server_address[1],
        path=path,
        warmup=3,
        requests=20,
        concurrency=2,
        **kwargs,
    )


def test_client_measures_get_and_csrf_post_pages(form_server) -> None:
    bodies = [f"note=n{seq}" for seq in range(1 + 3 + 20)]
    plans = [
        _plan(form_server, "/page/"),
        _plan(
            form_server,
            "/form/",
            method="POST",
            expected_status=302,
            bodies=bodies,
            csrf_form="/form/",
        ),
    ]
    page, form = client.run(plans, rounds=3)
    for result in (page, form):
        assert result["errors"] == 0
        assert len(result["latencies_ms"]) == 20
        assert result["elapsed_s"] > 0
    assert page["statuses"] == {"200": 20}
    assert form["statuses"] == {"302": 20}
    # Every body was sent once: the probe, the warm-up and the measured requests.
    assert sorted(_FormHandler.posted) == sorted(f"n{seq}" for seq in range(24))


def test_client_does_not_measure_a_page_with_the_wrong_status(form_server) -> None:
    (result,) = client.run([_plan(form_server, "/gone/")])
    assert result["probe"]["status"] == 404
    assert "Not here" in result["probe"]["excerpt"]
    assert result["latencies_ms"] == []


def test_client_reports_a_post_without_token_as_its_status(form_server) -> None:
    plan = _plan(form_server, "/form/", method="POST", expected_status=302, bodies=["note=x"] * 24)
    (result,) = client.run([plan])
    assert result["probe"]["status"] == 403
