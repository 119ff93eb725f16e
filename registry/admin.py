"""The counselors' desk for the registry: co-ops with their certifications and history, the
imports, and the import page (upload, dry-run preview, confirm)."""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from registry.forms import CooperativeImportConfirmForm, CooperativeImportForm
from registry.importer import (
    CooperativeImportError,
    ImportReport,
    cooperatives_import,
    history_label,
)
from registry.models import Certification, Cooperative, CooperativeChange, ImportBatch
from registry.services import cooperative_save
from registry.vocab import IMPORT_COLUMNS

# Uploads waiting for their confirmation: private files (no URL serves MEDIA_ROOT), named by
# a random token, referred to by a signed value that expires.
IMPORT_DIR = "registry-imports"
IMPORT_NAME = re.compile(rf"{IMPORT_DIR}/[A-Za-z0-9_-]+\.(csv|xlsx)")
IMPORT_SIGNING_SALT = "registry.admin.import"
IMPORT_MAX_AGE = timedelta(hours=1)
PREVIEW_ERRORS = 500  # rows of the error table; the command line lists them all
PREVIEW_ROWS = 50  # sample of new and changed co-ops
HISTORY_INLINE_ROWS = 50  # newest history rows on a co-op's page


def _thousands(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


class ReadOnly:
    """For history and import records: they are written by the site only, and never edited or
    deleted from the admin (the history is append-only)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0
    fields = ["kind", "certified_on", "expires_on"]


class RecentChangesFormSet(BaseInlineFormSet):
    def get_queryset(self):
        return super().get_queryset()[:HISTORY_INLINE_ROWS]


class CooperativeChangeInline(ReadOnly, admin.TabularInline):
    """The newest history of a co-op, read-only; the full list is one link away."""

    model = CooperativeChange
    formset = RecentChangesFormSet
    verbose_name_plural = _("History (newest first)")
    fields = ["changed_at", "actor", "field_label", "old_value", "new_value"]
    readonly_fields = fields
    ordering = ["-changed_at", "-pk"]
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("batch", "changed_by")

    @admin.display(description=_("who or which import"))
    def actor(self, change: CooperativeChange) -> str:
        return change.actor

    @admin.display(description=_("field"))
    def field_label(self, change: CooperativeChange) -> str:
        return history_label(change.field)


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "district",
        "legal_type",
        "member_type",
        "status",
        "members_display",
        "capital_display",
        "registration_date",
    ]
    list_filter = [
        "district",
        "legal_type",
        "member_type",
        "status",
        "industry",
        "certifications__kind",
    ]
    search_fields = ["name", "registration_no", "main_business"]
    list_select_related = ["district"]
    list_per_page = 50
    actions = ["export_selected_csv"]
    inlines = [CertificationInline, CooperativeChangeInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["contact_consent_at", "created_at", "updated_at", "history_link"]
    fieldsets = [
        (
            _("Identity"),
            {
                "fields": [
                    "name",
                    "legal_type",
                    "member_type",
                    "registration_no",
                    "registration_date",
                    "incorporation_date",
                    "address",
                    "district",
                ]
            },
        ),
        (_("Status"), {"fields": ["status", "status_date", "status_reason"]}),
        (_("Business"), {"fields": ["industry", "ksic_class", "main_business"]}),
        (_("Size"), {"fields": ["members", "members_as_of", "capital_krw", "capital_as_of"]}),
        (
            _("Contact and consent"),
            {"fields": ["contact_consent", "contact_consent_at", "phone", "email", "website"]},
        ),
        (
            _("Provenance"),
            {
                "fields": [
                    "source",
                    "source_record_id",
                    "data_as_of",
                    "created_at",
                    "updated_at",
                    "history_link",
                ]
            },
        ),
    ]

    @admin.display(description=_("members"), ordering="members")
    def members_display(self, cooperative: Cooperative) -> str:
        return _thousands(cooperative.members)

    @admin.display(description=_("share capital (won)"), ordering="capital_krw")
    def capital_display(self, cooperative: Cooperative) -> str:
        return _thousands(cooperative.capital_krw)

    @admin.display(description=_("history"))
    def history_link(self, cooperative: Cooperative) -> str:
        if cooperative.pk is None:
            return "—"
        url = reverse("admin:registry_cooperativechange_changelist")
        return format_html(
            '<a href="{}?cooperative__id__exact={}">{}</a>',
            url,
            cooperative.pk,
            _("Every change of this co-op"),
        )

    def save_model(self, request, obj, form, change):
        # Through the service, so that an edit in the admin leaves its history rows.
        cooperative_save(cooperative=obj, changed_by=request.user)

    @admin.action(description=_("Export selected as CSV"), permissions=["view"])
    def export_selected_csv(self, request, queryset):
        from registry.exports import export_csv_response

        filename = f"cooperatives-{timezone.localdate():%Y%m%d}.csv"
        return export_csv_response(queryset, filename=filename)

    # --- the import page -----------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "import/",
                view(require_http_methods(["GET", "POST"])(self.import_view)),
                name="registry_cooperative_import",
            ),
            path(
                "import/confirm/",
                view(require_POST(self.import_confirm_view)),
                name="registry_cooperative_import_confirm",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def _check_import_permission(self, request: HttpRequest) -> None:
        if not self.has_import_permission(request):
            raise PermissionDenied

    def _context(self, request: HttpRequest, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": title,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    def _render_upload(self, request, form, *, status: int = 200) -> HttpResponse:
        context = self._context(
            request,
            _("Import co-ops"),
            form=form,
            max_bytes=settings.REGISTRY_IMPORT_MAX_BYTES,
            columns=IMPORT_COLUMNS,
        )
        return TemplateResponse(
            request, "admin/registry/cooperative/import_upload.html", context, status=status
        )

    def _render_preview(
        self, request, report: ImportReport, token: str | None, *, status: int = 200
    ) -> HttpResponse:
        context = self._context(
            request,
            _("Check the import"),
            report=report,
            errors=report.errors[:PREVIEW_ERRORS],
            more_errors=max(len(report.errors) - PREVIEW_ERRORS, 0),
            new_rows=report.new[:PREVIEW_ROWS],
            more_new=max(report.created - PREVIEW_ROWS, 0),
            updates=report.updates[:PREVIEW_ROWS],
            more_updates=max(report.updated - PREVIEW_ROWS, 0),
            confirm_form=_confirm_form(token, skip_invalid=report.skip_invalid),
            skip_form=_confirm_form(token, skip_invalid=True),
            token=token,
        )
        return TemplateResponse(
            request, "admin/registry/cooperative/import_preview.html", context, status=status
        )

    @staticmethod
    def _has_work(report: ImportReport) -> bool:
        return bool(report.created or report.updated)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """GET: the upload form. POST: a dry run of the file, shown as a preview."""
        self._check_import_permission(request)
        if request.method == "GET":
            return self._render_upload(request, CooperativeImportForm())
        form = CooperativeImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render_upload(request, form, status=400)
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            report = cooperatives_import(
                file=data,
                filename=upload.name,
                source=form.cleaned_data["source"],
                skip_invalid=form.cleaned_data["skip_invalid"],
                dry_run=True,
                started_by=request.user,
            )
        except CooperativeImportError as error:
            form.add_error("file", str(error))
            return self._render_upload(request, form, status=400)
        token = None
        if self._has_work(report):
            _purge_stale_uploads()
            stored = default_storage.save(
                f"{IMPORT_DIR}/{secrets.token_urlsafe(24)}{form.extension}", ContentFile(data)
            )
            token = signing.dumps(
                {"path": stored, "filename": report.filename, "source": report.source},
                salt=IMPORT_SIGNING_SALT,
            )
        return self._render_preview(request, report, token)

    def import_confirm_view(self, request: HttpRequest) -> HttpResponse:
        """POST only: the real import of a previewed upload."""
        self._check_import_permission(request)
        form = CooperativeImportConfirmForm(request.POST)
        upload = _signed_upload(form)
        if upload is None:
            messages.error(
                request,
                _("This upload has expired or was already imported. Upload the file again."),
            )
            return self._render_upload(request, CooperativeImportForm(), status=400)
        with default_storage.open(upload["path"], "rb") as stored:
            data = stored.read()
        try:
            report = cooperatives_import(
                file=data,
                filename=upload["filename"],
                source=upload["source"],
                skip_invalid=form.cleaned_data["skip_invalid"],
                started_by=request.user,
            )
        except CooperativeImportError as error:
            messages.error(request, str(error))
            return self._render_upload(request, CooperativeImportForm(), status=409)
        if not report.imported:
            # The registry changed since the preview (another import, an edit): show why.
            messages.error(request, _("Nothing was imported: the registry changed meanwhile."))
            return self._render_preview(request, report, form.cleaned_data["token"], status=409)
        default_storage.delete(upload["path"])
        messages.success(
            request,
            _("Imported %(file)s: %(summary)s.")
            % {"file": report.filename, "summary": report.summary()},
        )
        return redirect("admin:registry_cooperative_changelist")


def _confirm_form(token: str | None, *, skip_invalid: bool) -> CooperativeImportConfirmForm:
    return CooperativeImportConfirmForm(initial={"token": token, "skip_invalid": skip_invalid})


def _signed_upload(form: CooperativeImportConfirmForm) -> dict | None:
    """The upload a confirm form refers to, if its signature is valid and the file is there."""
    if not form.is_valid():
        return None
    try:
        upload = signing.loads(
            form.cleaned_data["token"],
            salt=IMPORT_SIGNING_SALT,
            max_age=IMPORT_MAX_AGE,
        )
    except signing.BadSignature:  # also an expired one
        return None
    if not isinstance(upload, dict) or not IMPORT_NAME.fullmatch(str(upload.get("path"))):
        return None
    if not default_storage.exists(upload["path"]):
        return None
    return upload


def _purge_stale_uploads() -> None:
    """Delete the uploads whose confirmation has expired (a preview nobody confirmed)."""
    try:
        _dirs, files = default_storage.listdir(IMPORT_DIR)
    except FileNotFoundError:
        return
    expired = timezone.now() - IMPORT_MAX_AGE
    for name in files:
        stored = f"{IMPORT_DIR}/{name}"
        try:
            if default_storage.get_modified_time(stored) < expired:
                default_storage.delete(stored)
        except FileNotFoundError:  # deleted meanwhile by a confirmation
            continue


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly, admin.ModelAdmin):
    """Every import that wrote to the registry, with its counts; read-only."""

    list_display = [
        "started_at",
        "source",
        "filename",
        "started_by",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "changes_link",
    ]
    list_filter = ["source"]
    search_fields = ["source", "filename"]
    list_select_related = ["started_by"]
    date_hierarchy = "started_at"
    fields = [
        "source",
        "filename",
        "started_by",
        "started_at",
        "finished_at",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "changes_link",
    ]
    readonly_fields = fields

    @admin.display(description=_("history"))
    def changes_link(self, batch: ImportBatch) -> str:
        url = reverse("admin:registry_cooperativechange_changelist")
        return format_html(
            '<a href="{}?batch__id__exact={}">{}</a>', url, batch.pk, _("Changes of this import")
        )


@admin.register(CooperativeChange)
class CooperativeChangeAdmin(ReadOnly, admin.ModelAdmin):
    """The append-only history of every co-op; read-only."""

    list_display = [
        "changed_at",
        "cooperative",
        "field_label",
        "old_value",
        "new_value",
        "actor",
    ]
    list_filter = ["field", "changed_at"]
    search_fields = ["cooperative__name"]
    list_select_related = ["cooperative", "batch", "changed_by"]
    fields = [
        "cooperative",
        "changed_at",
        "changed_by",
        "batch",
        "field",
        "old_value",
        "new_value",
    ]
    readonly_fields = fields

    @admin.display(description=_("field"), ordering="field")
    def field_label(self, change: CooperativeChange) -> str:
        return history_label(change.field)

    @admin.display(description=_("who or which import"))
    def actor(self, change: CooperativeChange) -> str:
        return change.actor
