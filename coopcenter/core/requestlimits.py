"""Limits a request meets before anything reads its body: its size and the rate limit.

Django's CsrfViewMiddleware reads request.POST, which writes every uploaded file to disk,
before a view runs; a view's own checks come too late to spare the server a 300 MB body.
`RequestLimitsMiddleware` sits before it (settings.MIDDLEWARE) and, from the view a request
resolved to:

- refuses with the 413 page a body larger than the view's allowance, from the declared
  Content-Length alone. A body sent without one (chunked) is read up to the allowance and
  refused beyond it. Views declare their allowance with `@request_limits(max_bytes=...)`,
  the admin's pages take the largest of the staff uploads, every other request
  settings.REQUEST_MAX_BYTES;
- answers a POST of a view declared with `@request_limits(ratelimit=...)` with the view's
  429 page, without reading the body, when its address has used up the allowance. Only a
  look: the view itself counts the request (after its honeypot, so robots use up nothing).

Under ASGI the server has read the body before any middleware runs; the deployment is WSGI
(gunicorn), where the body is still unread here.
"""

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)

# Room for the text fields and the multipart framing beside a form's files.
TEXT_MARGIN_BYTES = 1024 * 1024
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: Callable[[], int] | None
    # (django-ratelimit group, name of the setting that holds its "count/period")
    ratelimit: tuple[str, str] | None
    too_many: Callable[[HttpRequest, int], HttpResponse] | None


def request_limits(
    *,
    max_bytes: Callable[[], int] | None = None,
    ratelimit: tuple[str, str] | None = None,
    too_many: Callable[[HttpRequest, int], HttpResponse] | None = None,
):
    """Declare a view's body allowance (a callable, so that settings are read per request)
    and the rate limit its POST is checked against before the body is read."""
    if ratelimit is not None and too_many is None:
        raise ImproperlyConfigured("A rate-limited view needs its too_many page.")

    def decorate(view):
        view.request_limits = Limits(max_bytes=max_bytes, ratelimit=ratelimit, too_many=too_many)
        return view

    return decorate


def ratelimit_wait(request: HttpRequest, limit: tuple[str, str], *, count: bool) -> int | None:
    """The seconds the request's address must wait under `limit`, or None if it may go on.

    With `count`, this request is counted and is refused when it passes the allowance;
    without, nothing is counted and the answer says whether one more would pass it.
    django-ratelimit keys the count by coopcenter.core.clientip (never an empty or failing
    key); a cache that is down lets the request through (RATELIMIT_FAIL_OPEN says why)."""
    group, setting = limit
    rate = getattr(settings, setting)
    try:
        usage = get_usage(request, group=group, key="ip", rate=rate, method="POST", increment=count)
    except ImproperlyConfigured:
        raise
    except Exception:
        logger.warning("Rate limit %s unavailable; request allowed", group, exc_info=True)
        return None
    if usage is None:
        return None
    over = usage["should_limit"] if count else usage["count"] >= usage["limit"]
    return max(int(usage["time_left"]), 1) if over else None


def staff_allowance() -> int:
    """The admin's largest upload: an article image, a registry file or a desk reply's files."""
    from consult.uploads import request_max_bytes

    return max(
        request_max_bytes(),
        settings.ARTICLES_IMAGE_MAX_BYTES + TEXT_MARGIN_BYTES,
        settings.REGISTRY_IMPORT_MAX_BYTES + TEXT_MARGIN_BYTES,
    )


def too_large(request: HttpRequest, allowance: int) -> HttpResponse:
    return render(
        request,
        "413.html",
        {"allowance": filesizeformat(allowance)},
        status=413,
    )


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or ""), 0)
    except ValueError:
        return None


def _is_chunked(request: HttpRequest) -> bool:
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


def _read_chunked(request: HttpRequest, allowance: int) -> bool:
    """Read a body sent without Content-Length, at most allowance + 1 bytes; False when it
    is larger. Otherwise the body is given to Django as if its length had been declared
    (Django reads nothing of a body whose length it does not know)."""
    source = request.META["wsgi.input"]
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    total = 0
    while chunk := source.read(min(_READ_CHUNK, allowance + 1 - total)):
        spool.write(chunk)
        total += len(chunk)
        if total > allowance:
            spool.close()
            return False
    spool.seek(0)
    request.META["CONTENT_LENGTH"] = str(total)
    request._stream = LimitedStream(spool, total)
    return True


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:
        response = self._refusal(request, getattr(view_func, "request_limits", None))
        if response is not None:
            # Answered before the view, so before its own headers: the address may hold a
            # private token (a tracking page), which must not travel on in a Referer nor
            # stay in a cache.
            response["Referrer-Policy"] = "no-referrer"
            response["Cache-Control"] = "private, no-store"
        return response

    def _refusal(self, request: HttpRequest, limits: Limits | None) -> HttpResponse | None:
        allowance = self._allowance(request, limits)
        declared = _declared_length(request)
        if declared is not None and declared > allowance:
            return too_large(request, allowance)
        if limits is not None and limits.ratelimit is not None and request.method == "POST":
            wait = ratelimit_wait(request, limits.ratelimit, count=False)
            if wait is not None:
                return limits.too_many(request, wait)
        if not declared and _is_chunked(request) and not _read_chunked(request, allowance):
            return too_large(request, allowance)
        return None

    @staticmethod
    def _allowance(request: HttpRequest, limits: Limits | None) -> int:
        if limits is not None and limits.max_bytes is not None:
            return limits.max_bytes()
        match = getattr(request, "resolver_match", None)
        if match is not None and "admin" in match.namespaces:
            return staff_allowance()
        return settings.REQUEST_MAX_BYTES
