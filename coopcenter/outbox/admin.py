from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import OutgoingMail


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """Read-only view of what the portal sent or failed to send, with a retry action."""

    list_display = [
        "recipient",
        "template",
        "language",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "template", "language"]
    search_fields = ["recipient", "idempotency_key"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    readonly_fields = [
        "recipient",
        "template",
        "language",
        "context",
        "idempotency_key",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "updated_at",
        "next_attempt_at",
        "sent_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry the selected failed mails"), permissions=["change"])
    def retry_failed(self, request, queryset):
        failed = queryset.filter(status=OutgoingMail.Status.FAILED)
        count = 0
        for mail_id in failed.values_list("pk", flat=True):
            services.mail_retry(mail_id=mail_id)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d mail queued again.", "%(count)d mails queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
