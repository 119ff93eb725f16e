"""Writes of the mail outbox. Every outgoing mail of the portal goes through mail_queue()."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from coopcenter.core.tasks import enqueue_on_commit

from .models import OutgoingMail
from .templates import MAIL_TEMPLATES, template_paths

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendOutcome:
    """What a delivery attempt did; retry_in is set when the task should try again."""

    mail: OutgoingMail | None
    retry_in: int | None = None


def _send_after_commit(mail_id: int) -> None:
    """Hand a mail to Celery once the transaction commits; a broker that is down only
    delays it (beat re-queues pending mail)."""
    from .tasks import send_mail  # the tasks import this module

    enqueue_on_commit(send_mail, mail_id)


def mail_queue(
    *,
    recipient: str,
    template: str,
    language: str,
    context: dict[str, Any] | None = None,
    idempotency_key: str,
) -> OutgoingMail:
    """Record a mail in the caller's transaction and send it once that transaction commits.

    Queueing the same idempotency key again returns the existing row and sends nothing new.
    """
    if template not in MAIL_TEMPLATES:
        raise ValueError(f"Unknown mail template {template!r}; register it in outbox.templates")
    # Insert first and look up only on a clash: a new key (the usual case) costs one
    # INSERT in a savepoint instead of a SELECT followed by it.
    try:
        with transaction.atomic():
            mail = OutgoingMail.objects.create(
                idempotency_key=idempotency_key,
                recipient=recipient,
                template=template,
                language=language,
                context=context or {},
            )
    except IntegrityError:
        return OutgoingMail.objects.get(idempotency_key=idempotency_key)
    _send_after_commit(mail.pk)
    return mail


def _render(mail: OutgoingMail) -> EmailMultiAlternatives:
    paths = template_paths(mail.template, mail.language)
    context = {**mail.context, "site_url": settings.SITE_URL}
    with translation.override(mail.language):
        subject = " ".join(render_to_string(paths["subject"], context).split())
        text = render_to_string(paths["text"], context)
        html = render_to_string(paths["html"], context)
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.recipient],
        # A stable Message-ID lets a receiving server drop a duplicate delivery.
        headers={"Message-ID": f"<outbox-{mail.pk}@{domain}>", "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _retry_delay(attempts: int) -> int:
    return settings.OUTBOX_RETRY_BACKOFF * 2 ** max(attempts - 1, 0)


def mail_send(*, mail_id: int) -> SendOutcome:
    """Deliver one pending mail, at most once.

    The row stays locked while the mail server is talked to, and a second task for the
    same row skips it instead of waiting: two workers never send the same mail.
    """
    with transaction.atomic():
        mail = (
            OutgoingMail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, status=OutgoingMail.Status.PENDING)
            .first()
        )
        if mail is None:  # sent already, failed for good, or being sent right now
            return SendOutcome(mail=None)
        mail.attempts += 1
        try:
            _render(mail).send(fail_silently=False)
        except Exception as exc:  # SMTP, template and socket errors alike are recorded
            mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if mail.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                mail.status = OutgoingMail.Status.FAILED
                logger.error("Mail %s failed for good: %s", mail.pk, mail.last_error)
                retry_in = None
            else:
                retry_in = _retry_delay(mail.attempts)
                mail.next_attempt_at = timezone.now() + timedelta(seconds=retry_in)
                logger.warning("Mail %s attempt %s failed: %s", mail.pk, mail.attempts, exc)
            mail.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return SendOutcome(mail=mail, retry_in=retry_in)
        mail.status = OutgoingMail.Status.SENT
        mail.sent_at = timezone.now()
        mail.last_error = ""
        mail.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return SendOutcome(mail=mail)


def mail_requeue_pending(*, batch_size: int = 500) -> int:
    """Queue again the pending mails whose task never ran (broker down when they were queued).

    A mail counts as lost once its next attempt is OUTBOX_REQUEUE_AFTER seconds overdue;
    its next attempt is pushed forward so that the next run does not queue it again.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER)
    with transaction.atomic():
        ids = list(
            OutgoingMail.objects.select_for_update(skip_locked=True)
            .filter(status=OutgoingMail.Status.PENDING, next_attempt_at__lte=cutoff)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        OutgoingMail.objects.filter(pk__in=ids).update(next_attempt_at=now)
        for mail_id in ids:
            _send_after_commit(mail_id)
    return len(ids)


def mail_retry(*, mail_id: int) -> OutgoingMail:
    """Give a failed mail a fresh set of attempts (the admin's retry action)."""
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().get(pk=mail_id)
        if mail.status != OutgoingMail.Status.FAILED:
            return mail
        mail.status = OutgoingMail.Status.PENDING
        mail.attempts = 0
        mail.next_attempt_at = timezone.now()
        mail.save(update_fields=["status", "attempts", "next_attempt_at"])
        _send_after_commit(mail.pk)
    return mail
