"""The production-like stack delivers a mail queued through the outbox to a real SMTP server."""

import os
import re
import signal
import subprocess
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from coopcenter.outbox.models import OutgoingMail
from coopcenter.outbox.templates import template_paths

pytestmark = [pytest.mark.services("postgres", "redis"), pytest.mark.stack]

RECIPIENT = "someone@example.org"
# The stack's queues live in a database of the suite's Redis that nothing else uses.
STACK_REDIS_DB = 14


def expected_subject(recipient: str, language: str = "ko") -> str:
    context = {"recipient": recipient, "site_url": settings.SITE_URL}
    with translation.override(language):
        subject = render_to_string(template_paths("test", language)["subject"], context)
    return " ".join(subject.split())


def stack_redis_url() -> str:
    url = urlsplit(settings.REDIS_URL)._replace(path=f"/{STACK_REDIS_DB}").geturl()
    # Tasks left over from an earlier, interrupted run would be delivered to this one.
    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


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


def test_the_stack_delivers_a_queued_mail_exactly_once(stack_env, start_stack, manage, inbox):
    env = stack_env(stack_redis_url())
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


def test_the_stack_stops_everything_when_one_process_dies(stack_env, start_stack):
    stack = start_stack(stack_env(stack_redis_url()))
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
