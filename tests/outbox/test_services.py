from datetime import timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from django.core import mail as django_mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from coopcenter.outbox import services
from coopcenter.outbox.models import OutgoingMail

from .factories import OutgoingMailFactory

pytestmark = pytest.mark.django_db


def queue(key="k1", language="ko", recipient="citizen@example.org"):
    return services.mail_queue(
        recipient=recipient,
        template="test",
        language=language,
        context={"recipient": recipient},
        idempotency_key=key,
    )


class TestQueue:
    def test_mail_is_sent_only_after_the_transaction_commits(
        self, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            mail = queue()
        assert django_mail.outbox == []
        assert OutgoingMail.objects.get(pk=mail.pk).status == "pending"

        for callback in callbacks:
            callback()

        mail.refresh_from_db()
        assert mail.status == "sent"
        assert mail.attempts == 1
        assert mail.sent_at is not None
        assert [m.to for m in django_mail.outbox] == [["citizen@example.org"]]

    def test_a_rolled_back_change_sends_nothing(self, django_capture_on_commit_callbacks):
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            queue()
            raise RuntimeError("the citizen's change failed")
        assert OutgoingMail.objects.count() == 0
        assert django_mail.outbox == []

    def test_same_idempotency_key_is_one_mail(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            first = queue(key="case-1:ack")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            second = queue(key="case-1:ack")
        assert first.pk == second.pk
        assert callbacks == []
        assert len(django_mail.outbox) == 1

    def test_unknown_template_is_refused(self):
        with pytest.raises(ValueError, match="Unknown mail template"):
            services.mail_queue(
                recipient="a@example.org", template="nope", language="ko", idempotency_key="x"
            )

    @pytest.mark.parametrize(
        ("language", "subject", "phrase"),
        [("ko", "테스트 메일", "메일 발송 경로"), ("en", "Test mail", "check the mail path")],
    )
    def test_mail_is_rendered_in_its_language_as_text_and_html(
        self, django_capture_on_commit_callbacks, language, subject, phrase
    ):
        with django_capture_on_commit_callbacks(execute=True):
            mail = queue(language=language)
        message = django_mail.outbox[0]
        assert subject in message.subject
        assert "\n" not in message.subject
        assert phrase in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert phrase in html
        assert f'lang="{language}"' in html
        assert message.extra_headers["Message-ID"].startswith(f"<outbox-{mail.pk}@")

    def test_broker_down_keeps_the_mail_pending(self, django_capture_on_commit_callbacks):
        with (
            mock.patch(
                "coopcenter.outbox.tasks.send_mail.delay", side_effect=ConnectionRefusedError
            ),
            django_capture_on_commit_callbacks(execute=True),
        ):
            mail = queue()
        mail.refresh_from_db()
        assert mail.status == "pending"
        assert django_mail.outbox == []


class TestSend:
    def test_sent_mail_is_never_sent_again(self):
        mail = OutgoingMailFactory()
        services.mail_send(mail_id=mail.pk)
        outcome = services.mail_send(mail_id=mail.pk)
        assert outcome.mail is None
        assert len(django_mail.outbox) == 1
        mail.refresh_from_db()
        assert mail.attempts == 1

    def test_failure_is_recorded_and_backs_off(self):
        mail = OutgoingMailFactory()
        before = timezone.now()
        with (
            override_settings(OUTBOX_RETRY_BACKOFF=60, OUTBOX_MAX_ATTEMPTS=3),
            mock.patch(
                "django.core.mail.EmailMultiAlternatives.send",
                side_effect=SMTPServerDisconnected("mail server went away"),
            ),
        ):
            first = services.mail_send(mail_id=mail.pk)
            second = services.mail_send(mail_id=mail.pk)
        assert (first.retry_in, second.retry_in) == (60, 120)
        mail.refresh_from_db()
        assert mail.status == "pending"
        assert mail.attempts == 2
        assert "mail server went away" in mail.last_error
        assert mail.next_attempt_at >= before + timedelta(seconds=120)

    def test_failure_after_the_cap_marks_the_mail_failed(self):
        mail = OutgoingMailFactory(attempts=2)
        with (
            override_settings(OUTBOX_MAX_ATTEMPTS=3),
            mock.patch(
                "django.core.mail.EmailMultiAlternatives.send",
                side_effect=SMTPServerDisconnected("down"),
            ),
        ):
            outcome = services.mail_send(mail_id=mail.pk)
        assert outcome.retry_in is None
        mail.refresh_from_db()
        assert (mail.status, mail.attempts) == ("failed", 3)

    def test_missing_template_fails_loudly_not_silently(self):
        mail = OutgoingMailFactory(template="gone")
        outcome = services.mail_send(mail_id=mail.pk)
        mail.refresh_from_db()
        assert outcome.retry_in is not None
        assert "TemplateDoesNotExist" in mail.last_error
        assert django_mail.outbox == []


class TestRequeue:
    def test_only_overdue_pending_mails_are_requeued_once(self, django_capture_on_commit_callbacks):
        old = timezone.now() - timedelta(minutes=10)
        lost = OutgoingMailFactory(next_attempt_at=old)
        OutgoingMailFactory(next_attempt_at=timezone.now())  # its task may still be queued
        OutgoingMailFactory(next_attempt_at=old, status="failed")
        OutgoingMailFactory(next_attempt_at=old, status="sent", sent_at=old)

        with (
            override_settings(OUTBOX_REQUEUE_AFTER=120),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert services.mail_requeue_pending() == 1
            # A second run in the same window finds nothing more to do.
            assert services.mail_requeue_pending() == 0

        lost.refresh_from_db()
        assert lost.status == "sent"
        assert [m.to for m in django_mail.outbox] == [[lost.recipient]]

    def test_retry_gives_a_failed_mail_new_attempts(self, django_capture_on_commit_callbacks):
        mail = OutgoingMailFactory(status="failed", attempts=5, last_error="boom")
        with django_capture_on_commit_callbacks(execute=True):
            services.mail_retry(mail_id=mail.pk)
        mail.refresh_from_db()
        assert (mail.status, mail.attempts) == ("sent", 1)

    def test_retry_leaves_a_sent_mail_alone(self, django_capture_on_commit_callbacks):
        mail = OutgoingMailFactory(status="sent", sent_at=timezone.now(), attempts=1)
        with django_capture_on_commit_callbacks(execute=True):
            services.mail_retry(mail_id=mail.pk)
        assert django_mail.outbox == []


def test_a_value_with_line_breaks_cannot_add_a_header(django_capture_on_commit_callbacks):
    """Subjects are rendered from templates whose values may come from people (a course's
    title, a reference); the outbox folds all whitespace of the subject into spaces, so a
    CRLF in a value never starts a header of its own."""
    with django_capture_on_commit_callbacks(execute=True):
        services.mail_queue(
            recipient="citizen@example.org",
            template="followup_session_reminder",
            language="ko",
            context={"course": "협동조합 기초\r\nBcc: evil@example.org\n\nbody", "reference": "R"},
            idempotency_key="inject",
        )
    message = django_mail.outbox[0]
    assert "\r" not in message.subject and "\n" not in message.subject
    rendered = message.message()
    assert rendered["Bcc"] is None
    assert message.bcc == []
    assert "evil@example.org" not in message.recipients()
