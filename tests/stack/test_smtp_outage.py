"""A mail server in a long outage, through the real stack: a citizen's inquiry is received and
becomes a case all the same, its acknowledgement waits in the outbox, tried again and again,
and once the server accepts mail again it is delivered exactly once, under one Message-ID.

The SMTP server answers every DATA with a temporary failure (451) until the test lets it
accept. The retry delays are shortened through the settings' environment (1 s, doubling to at
most 2 s) so that the outage spans several attempts within seconds. The stack gets a
redis-server of its own.
"""

import re
import time

import pytest
from django.urls import reverse
from django.utils import translation

from consult.models import Case
from coopcenter.outbox.models import OutgoingMail

from .conftest import wait_for
from .test_redis_outage import Browser, inquiry, seed

pytestmark = [pytest.mark.services("postgres", "redis-server"), pytest.mark.stack]

EMAIL = "smtp-outage@example.org"
REFUSAL = "451 4.3.0 try again later"
REFUSED_ATTEMPTS = 3


def to_citizen(received: list) -> list:
    return [r for r in received if r.recipients == [EMAIL]]


def acknowledgement() -> OutgoingMail | None:
    return OutgoingMail.objects.filter(template="consult_acknowledge", recipient=EMAIL).first()


def test_an_acknowledgement_waits_out_a_mail_server_outage_and_is_sent_once(
    private_redis, stack_env, start_stack, inbox
):
    seed()
    inbox.refuse_with = REFUSAL
    env = stack_env(private_redis.url)
    env.update({"OUTBOX_RETRY_BACKOFF": "1", "OUTBOX_RETRY_MAX_DELAY": "2"})
    start_stack(env)

    browser = Browser(env["STACK_BIND"])
    status, form = browser.request("GET", "/consult/new/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    status, _page = browser.request("POST", "/consult/new/", inquiry(token, 1, email=EMAIL))
    assert status == 303, "the inquiry was not received while the mail server was down"
    with translation.override("ko"):
        received_path = reverse("consult:received")
    status, page = browser.request("GET", received_path)
    assert status == 200
    reference = re.search(r'id="case-reference">([^<]+)<', page).group(1)

    # The intake makes the inquiry a case; its acknowledgement is refused attempt after attempt.
    assert wait_for(lambda: len(to_citizen(inbox.refusals())) >= REFUSED_ATTEMPTS, timeout=40), (
        f"the worker did not try the acknowledgement {REFUSED_ATTEMPTS} times"
    )
    assert Case.objects.get(email=EMAIL).reference == reference
    # The row's commit follows the server's reply to DATA: wait for it to count that attempt.
    assert wait_for(lambda: acknowledgement().attempts >= REFUSED_ATTEMPTS, timeout=10)
    row = acknowledgement()
    assert row.status == OutgoingMail.Status.PENDING
    assert "try again later" in row.last_error
    assert row.first_failed_at is not None
    assert row.next_attempt_at > row.first_failed_at, "no later attempt was planned"
    assert to_citizen(inbox.messages()) == []

    inbox.refuse_with = None
    assert wait_for(lambda: to_citizen(inbox.messages()), timeout=20), (
        "the acknowledgement was not delivered once the mail server accepted mail again"
    )
    # Beat re-queues pending mail every second here: give it several runs to send a copy.
    time.sleep(5)
    delivered = to_citizen(inbox.messages())
    assert len(delivered) == 1, f"{len(delivered)} acknowledgements were delivered, not one"
    assert reference in delivered[0].message["Subject"]

    message_ids = {r.message["Message-ID"] for r in to_citizen(inbox.refusals()) + delivered}
    assert len(message_ids) == 1, f"the copies carried {sorted(message_ids)}"
    assert message_ids.pop().startswith(f"<outbox-{row.pk}@")

    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT
    # Every attempt reached the server's DATA: the refused ones and the one that went through.
    assert row.attempts == len(to_citizen(inbox.refusals())) + 1
