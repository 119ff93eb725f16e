"""No log line holds a tracking, survey or seat-offer token (coopcenter.core.logredact)."""

import io
import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from gunicorn.config import Config

from coopcenter.core.logredact import (
    REDACTED,
    GunicornLogger,
    RedactTokens,
    redact_query,
    redact_request,
    redact_text,
)
from tests.consult.factories import submit_case

TOKEN = "Zq3v_8K-2pLmN0xYwT7bR5sA1cD4eF6gH9jK2lM3nOp"  # the shape token_issue gives
REFERENCE = "2025-00042"
SECRET_NAMES = ("token", "secret", "key")


def routes(resolver: URLResolver | None = None, prefix: str = ""):
    """(qualified name, converters) of every named URL of the site."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            inner = entry.pattern.converters if hasattr(entry.pattern, "converters") else {}
            for name, converters in routes(entry, namespace):
                yield name, {**inner, **converters}
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, getattr(entry.pattern, "converters", {})


def sample_kwargs(converters) -> dict:
    values = {}
    for name, converter in converters.items():
        if name in SECRET_NAMES:
            values[name] = TOKEN
        elif name == "reference":
            values[name] = REFERENCE
        elif converter.regex == "[0-9]+":
            values[name] = 7
        else:
            values[name] = "sample"
    return values


TOKEN_ROUTES = sorted(name for name, converters in routes() if set(converters) & set(SECRET_NAMES))


def test_the_site_has_the_token_routes_this_module_knows():
    assert {
        "consult:track",
        "consult:close",
        "consult:attachment",
        "consult:survey",
        "consult:education_enrol",
        "consult:education_cancel",
        "consult:education_accept",
        "consult:education_decline",
    } <= set(TOKEN_ROUTES)


@pytest.mark.parametrize("language", ["ko", "en"])
@pytest.mark.parametrize("name", TOKEN_ROUTES)
def test_every_token_route_is_redacted(name, language):
    converters = dict(routes())[name]
    with translation.override(language):
        path = reverse(name, kwargs=sample_kwargs(converters))
    redacted = redact_text(path)
    assert TOKEN not in redacted
    assert REDACTED in redacted
    if "reference" in converters:
        # The case number stays: it is no credential and tells the desk which case it was.
        assert f"/{REFERENCE}/{REDACTED}/" in redacted
    # Nothing else of the path changes.
    assert redacted == path.replace(TOKEN, REDACTED)
    for shape in (f"https://coop.example.org{path}", f"GET {path}?page=2 HTTP/1.1", f"'{path}'"):
        assert TOKEN not in redact_text(shape)
        assert "page=2" in redact_text(shape) or "page=2" not in shape


def plain_paths() -> list[str]:
    """The path of every named URL that takes no argument (the admin's regex URLs aside)."""
    paths = []
    for name, converters in routes():
        if not converters:
            try:
                paths.append(reverse(name))
            except NoReverseMatch:
                continue
    return sorted(set(paths))


@pytest.mark.parametrize("path", plain_paths())
def test_routes_without_a_token_are_untouched(path):
    assert redact_text(path) == path
    assert redact_text(f"GET {path}?q=협동조합&page=2 HTTP/1.1") == (
        f"GET {path}?q=협동조합&page=2 HTTP/1.1"
    )


def test_a_token_in_place_of_the_reference_is_redacted_too():
    assert redact_text(f"/consult/track/{TOKEN}/") == f"/consult/track/{REDACTED}/"
    assert TOKEN not in redact_text(f"/en/consult/track/{TOKEN}/close/")
    # Half a link pasted into the address bar.
    assert redact_text(f"/consult/track/{REFERENCE}/{TOKEN[:10]}") == (
        f"/consult/track/{REFERENCE}/{REDACTED}"
    )
    assert redact_text("/consult/survey/") == "/consult/survey/"
    # The admin's pages of the same models carry no token.
    assert redact_text("/admin/consult/survey/12/change/") == "/admin/consult/survey/12/change/"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"token={TOKEN}", f"token={REDACTED}"),
        (f"page=2&Token={TOKEN}&q=x", f"page=2&Token={REDACTED}&q=x"),
        ("secret=abc&key=def", f"secret={REDACTED}&key={REDACTED}"),
        # A parameter that carries a tokened path, encoded or not.
        (f"next=%2Fconsult%2Fsurvey%2F{TOKEN}%2F", f"next={REDACTED}"),
        (f"next=/en/consult/track/{REFERENCE}/{TOKEN}/", f"next={REDACTED}"),
        ("next=/admin/&page=3", "next=/admin/&page=3"),
        ("q=%ED%98%91%EB%8F%99&district=gangnam", "q=%ED%98%91%EB%8F%99&district=gangnam"),
        ("token=", "token="),
        ("", ""),
    ],
)
def test_query_strings(query, expected):
    assert redact_query(query) == expected
    assert redact_text(f"/registry/?{query}") == f"/registry/?{expected}"


def test_a_request_copy_for_the_record_leaves_the_request_alone():
    path = f"/consult/track/{REFERENCE}/{TOKEN}/"
    request = RequestFactory().get(
        path, {"token": TOKEN}, HTTP_REFERER=f"https://coop.example.org/consult/survey/{TOKEN}/"
    )
    clone = redact_request(request)
    shown = " ".join(
        [
            clone.path,
            clone.path_info,
            clone.get_full_path(),
            repr(clone),
            repr(clone.GET),
            *(str(value) for value in clone.META.values()),
        ]
    )
    assert TOKEN not in shown
    assert clone.resolver_match is None
    assert request.path == path
    assert request.GET["token"] == TOKEN


def test_the_filter_redacts_message_arguments_and_traceback():
    path = f"/consult/track/{REFERENCE}/{TOKEN}/"
    try:
        raise ValueError(f"no case at {path}")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "Failed: %s (%s)", (path, 3), None
        )
        import sys

        record.exc_info = sys.exc_info()
    assert RedactTokens().filter(record) is True
    assert RedactTokens().filter(record) is True  # a second handler's run changes nothing
    output = logging.Formatter().format(record)
    assert TOKEN not in output
    assert f"Failed: /consult/track/{REFERENCE}/{REDACTED}/ (3)" in output
    assert "ValueError: no case at" in output


def test_every_handler_of_the_settings_redacts_first():
    handlers = settings.LOGGING["handlers"]
    assert handlers
    for name, handler in handlers.items():
        assert handler.get("filters", [])[:1] == ["redact_tokens"], name
    assert settings.LOGGING["filters"]["redact_tokens"]["()"] == (
        "coopcenter.core.logredact.RedactTokens"
    )
    # And what Django installed: the loggers that write requests use only those handlers.
    for logger_name in ("", "django", "django.request", "django.security", "django.server"):
        logger = logging.getLogger(logger_name)
        while logger:
            for handler in logger.handlers:
                if type(handler).__module__.startswith("_pytest"):
                    continue
                assert any(isinstance(f, RedactTokens) for f in handler.filters), (
                    logger.name,
                    handler,
                )
            logger = logger.parent if logger.propagate else None


@pytest.fixture
def console_output():
    """What the settings' console handler writes, while the test runs."""
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and not type(h).__module__.startswith("_pytest")
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_404_on_a_tracking_url_logs_no_token(client, caplog, console_output, language):
    case, token = submit_case()
    with translation.override(language):
        wrong = reverse("consult:track", kwargs={"reference": case.reference, "token": TOKEN})
        # The real token, on an attachment that does not exist: a 404 too.
        missing = reverse(
            "consult:attachment",
            kwargs={"reference": case.reference, "token": token, "attachment_id": 999999},
        )
        survey = reverse("consult:survey", kwargs={"token": TOKEN})
    with caplog.at_level(logging.WARNING, logger="django.request"):
        for url in (wrong, missing, survey):
            assert client.get(url).status_code == 404

    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 3
    for record in records:
        assert record.getMessage().startswith("Not Found: ")
        assert f"/{REDACTED}/" in record.getMessage()
        for secret in (TOKEN, token):
            assert secret not in record.getMessage()
            assert secret not in record.request.get_full_path()
            assert all(secret not in str(a) for a in record.args)
    for secret in (TOKEN, token):
        assert secret not in caplog.text
        assert secret not in console_output.getvalue()
    assert f"Not Found: {missing.replace(token, REDACTED)}" in console_output.getvalue()
    # The citizen's link still works: only the log was redacted.
    with translation.override(language):
        page = reverse("consult:track", kwargs={"reference": case.reference, "token": token})
    assert client.get(page).status_code == 200


# --- gunicorn's access log -------------------------------------------------------------


class _Response:
    status = "302 Found"
    sent = 0

    def __init__(self, location: str) -> None:
        self.headers = [("Location", location)]


class _Request:
    def __init__(self, referer: str) -> None:
        self.headers = [("REFERER", referer), ("USER-AGENT", "test")]


def test_gunicorn_access_log_shows_the_redacted_path(tmp_path):
    log_file = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(log_file))
    cfg.set(
        "access_log_format",
        '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s ?%(q)s %({location}o)s %({raw_uri}e)s',
    )
    logger = GunicornLogger(cfg)
    path = f"/consult/track/{REFERENCE}/{TOKEN}/"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?token={TOKEN}",
        "PATH_INFO": path,
        "QUERY_STRING": f"token={TOKEN}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://coop.example.org/consult/survey/{TOKEN}/",
    }
    logger.access(
        _Response(f"/consult/track/2024-00001/{TOKEN}/"),
        _Request(environ["HTTP_REFERER"]),
        environ,
        timedelta(milliseconds=5),
    )
    for handler in logger.access_log.handlers:
        handler.flush()
    line = log_file.read_text()
    assert TOKEN not in line
    assert f'"GET /consult/track/{REFERENCE}/{REDACTED}/?token={REDACTED} HTTP/1.1" 302' in line
    assert f"/consult/survey/{REDACTED}/" in line
    assert f"/consult/track/2024-00001/{REDACTED}/" in line
    # Its error log redacts as well.
    assert all(
        any(isinstance(f, RedactTokens) for f in h.filters) for h in logger.error_log.handlers
    )


def test_the_error_mail_to_the_admins_holds_no_token(settings, mailoutbox):
    settings.ADMINS = [("Operations", "ops@example.org")]
    path = f"/en/consult/track/{REFERENCE}/{TOKEN}/close/"
    request = RequestFactory().post(
        f"{path}?token={TOKEN}", HTTP_REFERER=f"https://testserver{path}"
    )
    try:
        raise RuntimeError("the close failed")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s",
            request.path,
            exc_info=True,
            extra={"status_code": 500, "request": request},
        )
    (mail,) = mailoutbox
    assert "Internal Server Error" in mail.subject
    assert f"/en/consult/track/{REFERENCE}/{REDACTED}/close/" in mail.body
    assert TOKEN not in mail.subject
    assert TOKEN not in mail.body


def test_celery_s_own_log_handlers_redact():
    """The worker and beat set up logging themselves, replacing the settings' handlers."""
    from celery import signals

    import coopcenter.celery  # noqa: F401  (connects the signal handlers)

    stream = io.StringIO()
    logger = logging.Logger("celery-under-test")
    logger.addHandler(logging.StreamHandler(stream))
    for signal in (signals.after_setup_logger, signals.after_setup_task_logger):
        signal.send(
            sender=None,
            logger=logger,
            loglevel=logging.INFO,
            logfile=None,
            format="%(message)s",
            colorize=False,
        )
    logger.warning("opened %s", f"/consult/survey/{TOKEN}/")
    assert stream.getvalue() == f"opened /consult/survey/{REDACTED}/\n"
    (handler,) = logger.handlers
    assert sum(isinstance(f, RedactTokens) for f in handler.filters) == 1
