from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import OutgoingMail


def visible_to(user, queryset):
    """The mails this staff member may see, by the rule OUTBOX_VISIBLE_TO names (the case
    desk's: the mails of the cases they may see). The outbox itself knows no case; without
    a rule only superusers see anything."""
    rule = getattr(settings, "OUTBOX_VISIBLE_TO", "")
    if not rule:
        return queryset if user.is_active and user.is_superuser else queryset.none()
    return import_string(rule)(user, queryset)


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """Read-only view of what the portal sent or failed to send, with a retry action.

    A staff member sees only the mails of what they may see, and never a working link:
    those are sealed in the row and dropped once sent (outbox.sealing)."""

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
        "links",
        "idempotency_key",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "updated_at",
        "first_failed_at",
        "next_attempt_at",
        "sent_at",
    ]
    exclude = ["related_id"]

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        # A mail of a case this user may not see does not exist for them: 404, not the
        # admin's redirect that would confirm the id.
        mail = super().get_object(request, object_id, from_field)
        if mail is None:
            raise Http404
        return mail

    @admin.display(description=_("links"))
    def links(self, mail: OutgoingMail) -> str:
        if mail.sealed:
            return _("Sealed until the mail is sent; no one can read them here.")
        return _("None kept.")

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
