"""Tokens never reach a log.

A citizen's tracking, reply, close, attachment and seat-offer pages, and the satisfaction
survey, are opened by a secret in the path (`/consult/track/<reference>/<token>/...`,
`/consult/survey/<token>/`, Korean unprefixed or under `/en/`): anyone who reads a log line
holding one can act as that citizen. The places that write paths into logs, and each goes
through `redact_text` here:

- Django's own warnings (`django.request`'s "Not Found: /consult/track/...", the CSRF
  failures of `django.security.csrf`) put the path in the message, in `record.args` and in
  `record.request`; `RedactTokens` is installed on every handler of the settings' LOGGING.
- gunicorn's access log writes the request line, the path, the query string, the Referer
  and any header a format asks for; `GunicornLogger` redacts its atoms (and puts the filter
  on its error log). Use it with `--logger-class coopcenter.core.logredact.GunicornLogger`.
- Celery's worker and beat replace the root logger's handlers with their own;
  `coopcenter.celery` puts the filter on those (`install_redaction`).

The reference of a case is kept when it looks like one (it is no credential and tells the
desk which case a failing link belongs to); anything longer in its place, such as a token
pasted without its reference, is redacted too. A query-string parameter named like a
credential, or whose value carries a tokened path (`?next=/consult/track/...`), is redacted
whole.

This module is imported by gunicorn's master before Django is set up: it imports nothing
from Django at the top.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from gunicorn import glogging

REDACTED = "[redacted]"

# A case reference (consult.models.Case.reference, at most 20 characters, "2024-00012").
_REFERENCE = re.compile(r"[A-Za-z0-9-]{1,20}")
# One path segment: stops at the next slash, the query string, a fragment, whitespace or a
# quote (log lines and repr()s put paths inside quotes).
_SEGMENT = r"[^/?#\s\"'<>]*"
# At the start of the path, after an optional language prefix (/en/): the admin's
# /admin/consult/survey/ is another thing.
_LANGUAGE = r"(?:/[a-z]{2}(?:-[a-z]{2,4})?)?"
_TRACK = re.compile(rf"^({_LANGUAGE}/consult/track/)({_SEGMENT})(?:(/)({_SEGMENT}))?")
_SURVEY = re.compile(rf"^({_LANGUAGE}/consult/survey/)({_SEGMENT})")
# A URL's scheme and host, or the //host that free text leaves of it.
_AUTHORITY = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#\s]*")
# Something that starts like a path inside free text: a log message, a request line, a URL.
_URLISH = re.compile(r"/[^\s\"'<>]*")
# Query-string parameters that carry a credential by their name alone.
SECRET_PARAMETERS = frozenset(
    {"token", "access_token", "key", "secret", "signature", "sig", "password", "code"}
)


def _track(match: re.Match) -> str:
    prefix, reference, slash, token = match.groups()
    if reference and not _REFERENCE.fullmatch(reference):
        # Not a reference: possibly a token on its own, and what follows may be one too.
        reference = REDACTED
    if slash is None:
        return prefix + reference
    return prefix + reference + slash + (REDACTED if token else "")


def _survey(match: re.Match) -> str:
    return match.group(1) + (REDACTED if match.group(2) else "")


def redact_path(path: str) -> str:
    """The path with every token segment replaced by [redacted]."""
    if "/consult/" not in path:
        return path
    authority = _AUTHORITY.match(path)
    if authority:
        return authority.group() + redact_path(path[authority.end() :])
    return _SURVEY.sub(_survey, _TRACK.sub(_track, path, count=1), count=1)


def _carries_token(value: str) -> bool:
    decoded = unquote_plus(value)
    return redact_path(decoded) != decoded


def redact_query(query: str) -> str:
    """A query string (without the "?") with credential parameters' values redacted."""
    if not query:
        return query
    pairs = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        if (
            sep
            and value
            and (unquote_plus(name).lower() in SECRET_PARAMETERS or _carries_token(value))
        ):
            value = REDACTED
        pairs.append(name + sep + value)
    return "&".join(pairs)


def redact_url(url: str) -> str:
    """A path or URL, with its query string and fragment, redacted."""
    rest, hash_sign, fragment = url.partition("#")
    path, question, query = rest.partition("?")
    redacted = redact_path(path) + question + redact_query(query)
    if hash_sign:
        redacted += hash_sign + (REDACTED if _carries_token(fragment) else fragment)
    return redacted


def redact_text(text: str) -> str:
    """Free text (a log message, a request line) with every path or URL in it redacted."""
    if "/" not in text:
        return text
    return _URLISH.sub(lambda m: redact_url(m.group()), text)


# --- Django's log records ----------------------------------------------------------------

_REQUEST_META_URLS = ("PATH_INFO", "RAW_URI", "REQUEST_URI", "SCRIPT_URL", "HTTP_REFERER")


def redact_request(request: Any) -> Any:
    """A copy of an HttpRequest for a log record, whose path, query string, Referer and
    resolved URL arguments hold no token. The request being served is left alone: a view may
    log a warning and carry on."""
    from django.http import QueryDict

    clone = copy.copy(request)
    for attribute in ("path", "path_info"):
        value = getattr(request, attribute, None)
        if isinstance(value, str):
            setattr(clone, attribute, redact_path(value))
    meta = getattr(request, "META", None)
    if isinstance(meta, Mapping):
        meta = dict(meta)
        for key in _REQUEST_META_URLS:
            if isinstance(meta.get(key), str):
                meta[key] = redact_url(meta[key])
        if isinstance(meta.get("QUERY_STRING"), str):
            meta["QUERY_STRING"] = redact_query(meta["QUERY_STRING"])
        clone.META = meta
        # What the error reports print as GET, rebuilt from the redacted query string.
        clone.GET = QueryDict(meta.get("QUERY_STRING", ""))
    # Its kwargs are the URL's arguments, the token among them.
    clone.resolver_match = None
    return clone


def _redact_argument(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if _is_request(value):
        return redact_request(value)
    return value


def _is_request(value: Any) -> bool:
    try:
        from django.http import HttpRequest
    except ImportError:  # pragma: no cover - Django is always installed here
        return False
    return isinstance(value, HttpRequest)


class RedactTokens(logging.Filter):
    """Redacts tokens in a record's message, arguments, request and traceback; never drops
    a record. Idempotent, so several handlers of one record may each run it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._redact(record)
        except Exception:  # a log line must never be lost, nor a request broken, by this
            record.msg = f"{REDACTED} (a log record could not be redacted)"
            record.args = ()
            record.exc_info = record.exc_text = None
        return True

    @staticmethod
    def _redact(record: logging.LogRecord) -> None:
        if getattr(record, "_tokens_redacted", False):
            return
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {key: _redact_argument(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_argument(value) for value in record.args)
        if _is_request(getattr(record, "request", None)):
            record.request = redact_request(record.request)
        if record.exc_info and not record.exc_text:
            # Formatters print exc_text when it is set: an exception's message may hold the
            # path (Resolver404 does).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        record._tokens_redacted = True


def install_redaction(logger: logging.Logger) -> None:
    """RedactTokens on every handler of a logger that a program set up itself (gunicorn,
    Celery), outside the settings' LOGGING."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())


# --- gunicorn ----------------------------------------------------------------------------


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with every atom of the access log redacted (the request line `r`,
    the path `U`, the query string `q`, the Referer `f`, request and response headers such
    as a redirect's Location, and the environ), and RedactTokens on its error log."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        install_redaction(self.error_log)
        install_redaction(self.access_log)

    def atoms(self, resp, req, environ, request_time) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        redacted = {}
        for name, value in atoms.items():
            if isinstance(value, str):
                query = name in ("q", "{query_string}e")
                value = redact_query(value) if query else redact_text(value)
            redacted[name] = value
        return redacted
