"""The production-like stack delivers a mail queued through the outbox to a real SMTP server,
stops as a whole, and keeps tokens out of its logs. Each test's stack gets a redis-server of
its own (`private_redis`): nothing here touches the Redis that REDIS_URL names."""

import os
import re
import signal
import subprocess

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from coopcenter.core.logredact import REDACTED
from coopcenter.outbox.models import OutgoingMail
from coopcenter.outbox.templates import template_paths
from tests.consult.factories import submit_case

from .conftest import wait_for

pytestmark = [pytest.mark.services("postgres", "redis-server"), pytest.mark.stack]

RECIPIENT = "someone@example.org"


def expected_subject(recipient: str, language: str = "ko") -> str:
    context = {"recipient": recipient, "site_url": settings.SITE_URL}
    with translation.override(language):
        subject = render_to_string(template_paths("test", language)["subject"], context)
    return " ".join(subject.split())


def outbox_id(stdout: str) -> int:
    match = re.search(r"Outbox mail (\d+) to ", stdout)
    assert match, stdout
    return int(match.group(1))


def assert_served_like_production(stack) -> None:
    """gunicorn answers with the security headers and WhiteNoise's hashed, immutable files."""
    status, headers, body = stack.get("/")
    assert status == 200
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body.decode())
    assert css, "the stylesheet is not served under a hashed name"
    status, headers, _body = stack.get(css.group(1))
    assert status == 200
    assert "immutable" in headers["Cache-Control"]


def test_the_stack_delivers_a_queued_mail_exactly_once(
    private_redis, stack_env, start_stack, manage, inbox
):
    env = stack_env(private_redis.url)
    stack = start_stack(env)
    assert_served_like_production(stack)

    queued = manage(env, "send_test_mail", RECIPIENT)
    assert queued.returncode == 0, queued.stderr

    # Beat runs every second here: a few runs give a duplicate the chance to show up.
    mail = inbox.only_message(timeout=30, settle=3)
    assert mail.recipients == [RECIPIENT]
    assert mail.message["To"] == RECIPIENT
    # Folding may leave whitespace at the start of the decoded header; readers drop it.
    assert " ".join(mail.message["Subject"].split()) == expected_subject(RECIPIENT)

    row = OutgoingMail.objects.get(pk=outbox_id(queued.stdout))
    assert row.recipient == RECIPIENT
    assert row.status == OutgoingMail.Status.SENT
    assert row.attempts == 1
    assert row.sent_at is not None


def test_the_stack_stops_everything_when_one_process_dies(private_redis, stack_env, start_stack):
    stack = start_stack(stack_env(private_redis.url))
    pids = {name: stack.pid_of(name) for name in ("web", "worker", "beat")}

    os.kill(pids["worker"], signal.SIGKILL)
    try:
        status = stack.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the stack kept running without its worker")
    assert status != 0
    assert "worker exited" in stack.output()
    for name in ("web", "beat"):
        with pytest.raises(ProcessLookupError):
            os.kill(pids[name], 0)


def test_the_logs_show_tracking_urls_without_their_tokens(private_redis, stack_env, start_stack):
    case, token = submit_case()
    wrong = "Zq3v_8K-2pLmN0xYwT7bR5sA1cD4eF6gH9jK2lM3nOp"
    with translation.override("ko"):
        bad_token = reverse("consult:track", kwargs={"reference": case.reference, "token": wrong})
        # The real token, on a file that does not exist.
        no_file = reverse(
            "consult:attachment",
            kwargs={"reference": case.reference, "token": token, "attachment_id": 999999},
        )
        page = reverse("consult:track", kwargs={"reference": case.reference, "token": token})
    with translation.override("en"):
        survey = reverse("consult:survey", kwargs={"token": wrong})
    # The tracking tokens are hashed with the secret key: the stack's must be this process's.
    stack = start_stack({**stack_env(private_redis.url), "DJANGO_SECRET_KEY": settings.SECRET_KEY})

    assert stack.get(f"{bad_token}?token={wrong}")[0] == 404
    assert stack.get(no_file)[0] == 404
    assert stack.get(survey)[0] == 404
    # The link itself still opens the case.
    assert stack.get(page)[0] == 200

    reference = case.reference
    access_lines = [
        f'"GET /consult/track/{reference}/{REDACTED}/?token={REDACTED} HTTP/1.1" 404',
        f'"GET /consult/track/{reference}/{REDACTED}/files/999999/ HTTP/1.1" 404',
        f'"GET /en/consult/survey/{REDACTED}/ HTTP/1.1" 404',
        f'"GET /consult/track/{reference}/{REDACTED}/ HTTP/1.1" 200',
    ]
    assert wait_for(lambda: all(line in stack.output() for line in access_lines), timeout=10), (
        "the access log does not show the redacted paths"
    )
    output = stack.output()
    # Django's own warnings, written by the gunicorn workers.
    assert f"Not Found: /consult/track/{reference}/{REDACTED}/" in output
    assert f"Not Found: /en/consult/survey/{REDACTED}/" in output
    assert wrong not in output
    assert token not in output
