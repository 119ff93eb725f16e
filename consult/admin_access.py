"""The managers' list of access records: read-only for everyone (the records are evidence,
see consult.access), filterable, and downloadable as CSV with the list's filters."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from coopcenter.core.csvstream import csv_attachment

from . import permissions
from .models import AccessRecord

CSV_HEADER = ["time", "username", "action", "action_label", "case", "detail", "client_address"]


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "action", "case_reference", "detail", "client_address"]
    list_filter = ["action", "at", "username"]
    search_fields = ["=case_reference", "=username"]
    date_hierarchy = "at"
    list_per_page = 100
    # The list never counts the whole table for its paginator's "show all" link.
    show_full_result_count = False
    list_max_show_all = 100
    fields = list_display
    readonly_fields = list_display

    # Managers only, and only to read: no one adds, changes or deletes a record here.
    def has_module_permission(self, request):
        return permissions.is_manager(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.is_manager(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(require_GET(self.export_view)),
                name="consult_accessrecord_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The records of the list as filtered now, as CSV (same parameters as the list)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("These list filters are not valid."))
        labels = dict(AccessRecord._meta.get_field("action").choices)
        records = changelist.queryset.order_by("-at", "-pk")

        def rows():
            yield CSV_HEADER
            for record in records.iterator(chunk_size=2000):
                yield [
                    timezone.localtime(record.at).isoformat(timespec="seconds"),
                    record.username,
                    record.action,
                    labels.get(record.action, record.action),
                    record.case_reference,
                    record.detail,
                    record.client_address,
                ]

        return csv_attachment(rows(), filename=f"access-records-{timezone.localdate():%Y%m%d}.csv")
