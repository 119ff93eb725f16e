"""With Redis stopped by SIGSTOP (hung, not gone: connections are accepted, nothing answers),
pages answer in under a second once each web process has waited out one timeout, and an
inquiry is kept and becomes a case when Redis is back.

The stack gets a redis-server of its own as cache and broker, so that pausing it disturbs
nothing else.
"""

import datetime
import http.client
import os
import re
import signal
import time
from urllib.parse import urlencode

import pytest

from articles.models import Article
from consult.models import Case, PrivacyNotice, Submission
from registry.models import District
from tests.articles.factories import ArticleFactory
from tests.registry.factories import CooperativeFactory

from .conftest import wait_for

pytestmark = [pytest.mark.services("postgres", "redis-server"), pytest.mark.stack]

EMAIL = "hung-redis@example.org"
PAGES = ["/", "/registry/", "/articles/", "/en/articles/"]
# gunicorn's workers in `python -m coopcenter.stack`: each learns on its own that Redis hangs.
WEB_WORKERS = 2
# One cache call's socket timeout, plus the work of the page.
FIRST_REQUEST_SECONDS = 2.5


def seed() -> None:
    """What the pages show. Earlier transactional tests may have flushed the migrations' rows."""
    PrivacyNotice.objects.get_or_create(
        version="2026-01",
        defaults={
            "text_ko": "개인정보 수집·이용 동의",
            "text_en": "Consent to the collection and use of personal data",
            "effective_from": datetime.date(2026, 1, 1),
        },
    )
    District.objects.get_or_create(
        code="11680", defaults={"name_ko": "강남구", "name_en": "Gangnam-gu"}
    )
    CooperativeFactory.create_batch(3)
    if not Article.objects.exists():
        ArticleFactory.create_batch(2)


class Browser:
    """Plain HTTP as the TLS proxy forwards it, keeping the cookies the site sets."""

    def __init__(self, bind: str) -> None:
        self.host, port = bind.split(":")
        self.port = int(port)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        origin = f"https://{self.host}:{self.port}"
        headers = {
            "X-Forwarded-Proto": "https",
            "Origin": origin,
            "Referer": f"{origin}{path}",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _sep, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()

    def timed(self, method: str, path: str, body: dict | None = None) -> tuple[int, float]:
        started = time.monotonic()
        status, _text = self.request(method, path, body)
        return status, time.monotonic() - started


def inquiry(token: str, number: int, email: str = EMAIL) -> dict:
    return {
        "csrfmiddlewaretoken": token,
        "name": "김하나",
        "email": email,
        "phone": "",
        "district": "",
        "stage": "founding",
        "service_wanted": "unsure",
        "topic": "founding",
        "message": f"레디스가 멈춘 동안 보내는 문의 {number}",
        "consent": "on",
        "notice_version": "2026-01",
        "website": "",
    }


def test_pages_answer_quickly_while_redis_is_hung(private_redis, stack_env, start_stack):
    seed()
    env = stack_env(private_redis.url)
    env.update(
        {
            "REDIS_BREAKER_COOLDOWN": "30",
            "CONSULT_SUBMIT_RATE": "100/h",
            "CONSULT_INTAKE_SWEEP_EVERY": "1",
        }
    )
    start_stack(env)
    browser = Browser(env["STACK_BIND"])
    for path in PAGES:  # warm: every page cached, every worker's connections open
        for _worker in range(WEB_WORKERS):
            assert browser.request("GET", path)[0] == 200, path
    status, form = browser.request("GET", "/consult/new/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)

    timings: list[tuple[str, int, float]] = []
    os.kill(private_redis.process.pid, signal.SIGSTOP)
    try:
        assert not private_redis.answers()
        for round_ in range(3):
            for path in PAGES:
                timings.append((path, *browser.timed("GET", path)))
            timings.append(
                (
                    "POST /consult/new/",
                    *browser.timed("POST", "/consult/new/", inquiry(token, round_)),
                )
            )
        kept = (
            Submission.objects.filter(email=EMAIL).count()
            + Case.objects.filter(email=EMAIL).count()
        )
    finally:
        os.kill(private_redis.process.pid, signal.SIGCONT)

    report = ", ".join(f"{what} {status} {seconds:.2f} s" for what, status, seconds in timings)
    assert all(status in (200, 303) for _what, status, _seconds in timings), report
    slow = [seconds for _what, _status, seconds in timings if seconds >= 1.0]
    # At most one request per web worker waits out the timeout that opens its breaker.
    assert len(slow) <= WEB_WORKERS, report
    assert all(seconds < FIRST_REQUEST_SECONDS for seconds in slow), report
    assert kept == 3, f"{kept} of the 3 inquiries were kept ({report})"

    # Redis is back: beat's intake sweep is published and the worker opens the cases.
    assert wait_for(lambda: Case.objects.filter(email=EMAIL).count() == 3, timeout=90), (
        "the inquiries kept while Redis hung did not become cases once it was back"
    )
