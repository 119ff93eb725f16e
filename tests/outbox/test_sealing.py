"""The working links of a queued mail are sealed in its row with a key from the
environment, opened only to render the mail, and gone once it is sent."""

import json
from datetime import timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from django.core import mail as django_mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from coopcenter.outbox import sealing, services
from coopcenter.outbox.models import OutgoingMail

pytestmark = pytest.mark.django_db

LINK = "https://coop.example.org/consult/track/COOP-2026-000001/s3cr3t-t0ken-abcdefghijklmnop/"


def queue_with_link(key: str = "ack") -> OutgoingMail:
    return services.mail_queue(
        recipient="citizen@example.org",
        template="consult_acknowledge",
        language="ko",
        context={"name": "김하나", "reference": "COOP-2026-000001"},
        links={"tracking_url": LINK},
        idempotency_key=key,
    )


def raw_row(mail_id: int) -> str:
    """Everything the database holds for the row, as text."""
    with connection.cursor() as cursor:
        table = OutgoingMail._meta.db_table
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [mail_id])  # noqa: S608
        return json.dumps([str(value) for value in cursor.fetchone()], ensure_ascii=False)


def test_the_row_holds_no_readable_link_and_the_mail_carries_it(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        mail = queue_with_link()
    assert "s3cr3t-t0ken" not in raw_row(mail.pk)
    assert "tracking_url" not in mail.context

    services.mail_send(mail_id=mail.pk)
    assert LINK in django_mail.outbox[0].body


def test_a_sent_mail_keeps_no_link_not_even_sealed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # Celery runs eagerly here
        mail = queue_with_link()
    mail.refresh_from_db()
    assert mail.status == "sent"
    assert mail.sealed == ""
    assert "s3cr3t-t0ken" not in raw_row(mail.pk)


def test_the_database_refuses_a_sent_row_with_links(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mail = queue_with_link()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingMail.objects.filter(pk=mail.pk).update(sealed="anything")


def test_a_link_cannot_be_given_twice():
    with pytest.raises(ValueError, match="tracking_url"):
        services.mail_queue(
            recipient="c@example.org",
            template="consult_acknowledge",
            language="ko",
            context={"tracking_url": "x"},
            links={"tracking_url": LINK},
            idempotency_key="twice",
        )


def test_a_key_from_the_environment_seals_and_rotation_keeps_mails_readable(
    settings, django_capture_on_commit_callbacks
):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.OUTBOX_ENCRYPTION_KEYS = [old]
    with django_capture_on_commit_callbacks(execute=False):
        mail = queue_with_link()
    sealed_with_old = OutgoingMail.objects.get(pk=mail.pk).sealed
    assert Fernet(old.encode()).decrypt(sealed_with_old.encode())  # not the derived key

    settings.OUTBOX_ENCRYPTION_KEYS = [new, old]  # a new key first
    call_command("outbox_reseal", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.OUTBOX_ENCRYPTION_KEYS = [new]  # the old one removed
    services.mail_send(mail_id=mail.pk)
    assert LINK in django_mail.outbox[0].body


def test_a_mail_sealed_with_a_lost_key_fails_at_once_and_says_why(
    settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with django_capture_on_commit_callbacks(execute=False):
        mail = queue_with_link()
    settings.OUTBOX_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    outcome = services.mail_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert outcome.retry_in is None
    assert mail.status == "failed"
    assert "OUTBOX_ENCRYPTION_KEYS" in mail.last_error
    assert django_mail.outbox == []


def test_a_key_that_is_not_a_fernet_key_is_a_configuration_error(settings):
    settings.OUTBOX_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="outbox_new_key"):
        sealing.seal({"tracking_url": LINK})


def test_the_new_key_command_prints_a_working_key(capsys):
    call_command("outbox_new_key")
    key = capsys.readouterr().out.strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


# --- a long mail server outage ------------------------------------------------------------


def test_a_mail_server_down_for_a_day_loses_no_mail(settings, django_capture_on_commit_callbacks):
    """Tried every few hours for 24 hours before it is marked failed, with the delays
    capped; then a manager sees it failed (the dashboard counts it)."""
    settings.OUTBOX_RETRY_BACKOFF = 60
    settings.OUTBOX_RETRY_MAX_DELAY = 3 * 3600
    settings.OUTBOX_RETRY_FOR = 24 * 3600
    with django_capture_on_commit_callbacks(execute=False):
        mail = queue_with_link()
    clock = timezone.now()
    delays = []
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send",
        side_effect=SMTPServerDisconnected("relay down"),
    ):
        while True:
            with mock.patch("django.utils.timezone.now", return_value=clock):
                outcome = services.mail_send(mail_id=mail.pk)
            if outcome.retry_in is None:
                break
            delays.append(outcome.retry_in)
            clock += timedelta(seconds=outcome.retry_in)
    mail.refresh_from_db()
    assert mail.status == "failed"
    assert sum(delays) >= 24 * 3600
    assert max(delays) == 3 * 3600
    assert delays[:3] == [60, 120, 240]


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_connection_closes_after_the_row_is_committed():
    """QUIT comes after the commit: a worker killed during QUIT has already recorded the
    mail as sent, so the duplicate window is the one round trip of the DATA reply."""
    events = []
    real_close = django_mail.backends.locmem.EmailBackend.close

    def close(self):
        sent = OutgoingMail.objects.filter(status="sent").exists()
        events.append((sent, connection.in_atomic_block))
        return real_close(self)

    with mock.patch.object(django_mail.backends.locmem.EmailBackend, "close", close):
        mail = queue_with_link()
    mail.refresh_from_db()
    assert mail.status == "sent"
    assert events[-1] == (True, False)  # sent, and no transaction open any more
