"""With Redis stopped, a mail queued through the outbox stays pending; once Redis is back, the
periodic task gets it sent exactly once.

The stack gets a redis-server of its own, so that stopping it disturbs nothing else.
"""

import json
import time

import pytest

from coopcenter.outbox.models import OutgoingMail

from .test_stack import expected_subject, outbox_id

pytestmark = [pytest.mark.services("postgres", "redis-server"), pytest.mark.stack]

RECIPIENT = "outage@example.org"


def test_a_mail_queued_while_redis_is_down_is_sent_once_it_is_back(
    private_redis, stack_env, start_stack, manage, inbox
):
    env = stack_env(private_redis.url)
    stack = start_stack(env)

    private_redis.stop()
    assert not private_redis.answers()
    status, _headers, body = stack.get("/healthz")
    assert (status, json.loads(body)["checks"]["redis"]) == (503, "down")

    started = time.monotonic()
    queued = manage(env, "send_test_mail", RECIPIENT, timeout=30)
    elapsed = time.monotonic() - started
    assert queued.returncode == 0, queued.stderr
    # The publish gives up within seconds (CELERY_BROKER_CONNECTION_TIMEOUT and the publish
    # retry policy): a citizen's request must not hang on a broker that is down.
    assert elapsed < 15, f"queueing took {elapsed:.1f} s with the broker down"
    assert ": pending" in queued.stdout
    row = OutgoingMail.objects.get(pk=outbox_id(queued.stdout))
    assert (row.status, row.attempts) == (OutgoingMail.Status.PENDING, 0)

    assert inbox.wait_for(1, timeout=4) == [], "a mail went out while the broker was down"

    private_redis.start()
    # Five runs of beat's re-queue task after delivery: none may send the mail again.
    mail = inbox.only_message(timeout=60, settle=5)
    assert mail.recipients == [RECIPIENT]
    assert " ".join(mail.message["Subject"].split()) == expected_subject(RECIPIENT)

    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT
    assert row.attempts == 1
    assert stack.healthz() == 200
