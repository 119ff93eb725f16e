from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingMailQuerySet(models.QuerySet):
    def failed(self):
        """Mails given up on (retried for OUTBOX_RETRY_FOR): a person must look at them."""
        return self.filter(status=OutgoingMail.Status.FAILED)


class OutgoingMail(models.Model):
    """One mail the portal owes someone, written in the transaction of the change that causes it.

    The row is the source of truth: a Celery task delivers it, and beat re-queues rows whose
    task never ran, so a mail survives a broker or mail server that is down. The unique
    idempotency key makes queueing the same mail twice a no-op.

    `context` is what the mail says; the working links it carries (tracking, survey and
    seat-offer URLs with their tokens) are in `sealed`, encrypted with a key that is not in
    the database (outbox.sealing), and are cleared once the mail is sent. `related` names
    what the mail is about (a case), so the admin shows a mail only to those who may see
    that.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.EmailField(_("recipient"))
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=8)
    context = models.JSONField(_("context"), default=dict, blank=True)
    sealed = models.TextField(_("sealed links"), blank=True, editable=False)
    related_type = models.ForeignKey(
        ContentType,
        verbose_name=_("about (type)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
    )
    related_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    first_failed_at = models.DateTimeField(_("first failure"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutgoingMailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mails")
        ordering = ["-created_at"]
        indexes = [
            # Beat's re-queue scan only ever looks at pending rows.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outbox_pending_due_idx",
            ),
            models.Index(fields=["related_type", "related_id"], name="outbox_related_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]),
                name="outbox_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="outbox_sent_has_time",
            ),
            # A sent mail needs its links no more: they must not outlive the delivery.
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sealed=""), name="outbox_sent_keeps_no_links"
            ),
            models.CheckConstraint(
                condition=Q(related_type__isnull=True, related_id__isnull=True)
                | Q(related_type__isnull=False, related_id__isnull=False),
                name="outbox_related_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient} ({self.status})"
