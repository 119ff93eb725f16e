"""The counselors' desk for the registry: co-ops with their certifications and history, the
imports, and the import page (upload, dry-run preview, confirm)."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from registry.forms import CooperativeImportConfirmForm, CooperativeImportForm
from registry.import_jobs import ImportJobError, import_job_confirm, import_job_create
from registry.importer import WRITING, history_label
from registry.models import Certification, Cooperative, CooperativeChange, ImportBatch, ImportJob
from registry.services import cooperative_save
from registry.vocab import IMPORT_COLUMNS

RECENT_JOBS = 10  # past previews and imports listed on the upload page
REFRESH_SECONDS = 5  # a running job's page reloads itself this often without JavaScript
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
                "import/<int:job_id>/",
                view(require_GET(self.import_job_view)),
                name="registry_cooperative_import_job",
            ),
            path(
                "import/<int:job_id>/status.json",
                view(require_GET(self.import_status_view)),
                name="registry_cooperative_import_status",
            ),
            path(
                "import/<int:job_id>/confirm/",
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
            recent_jobs=ImportJob.objects.select_related("started_by")[:RECENT_JOBS],
        )
        return TemplateResponse(
            request, "admin/registry/cooperative/import_upload.html", context, status=status
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """GET: the upload form. POST: store the file and queue its preview; the file is
        read by the worker, never in this request."""
        self._check_import_permission(request)
        if request.method == "GET":
            return self._render_upload(request, CooperativeImportForm())
        form = CooperativeImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render_upload(request, form, status=400)
        job = import_job_create(
            upload=form.cleaned_data["file"],
            source=form.cleaned_data["source"],
            skip_invalid=form.cleaned_data["skip_invalid"],
            started_by=request.user,
        )
        return redirect("admin:registry_cooperative_import_job", job_id=job.pk)

    def _job(self, request: HttpRequest, job_id: int) -> ImportJob:
        self._check_import_permission(request)
        return get_object_or_404(ImportJob.objects.select_related("batch"), pk=job_id)

    def import_job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        """A job's page: its progress while it runs (polled), its report once it ends."""
        job = self._job(request, job_id)
        report = job.report
        confirmable = ImportJob.objects.confirmable().filter(pk=job.pk).exists()
        title = _("Check the import") if job.kind == ImportJob.Kind.PREVIEW else _("Import")
        context = self._context(
            request,
            title,
            job=job,
            progress=job_progress(job),
            report=report,
            confirmable=confirmable,
            confirm_form=CooperativeImportConfirmForm(initial={"skip_invalid": job.skip_invalid}),
            skip_form=CooperativeImportConfirmForm(initial={"skip_invalid": True}),
            refresh_seconds=REFRESH_SECONDS,
        )
        return TemplateResponse(request, "admin/registry/cooperative/import_job.html", context)

    def import_status_view(self, request: HttpRequest, job_id: int) -> JsonResponse:
        """What the page's script polls while the job runs."""
        response = JsonResponse(job_progress(self._job(request, job_id)))
        response["Cache-Control"] = "no-store"
        return response

    def import_confirm_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        """POST only: import the previewed file as it is (no new upload)."""
        previewed = self._job(request, job_id)
        form = CooperativeImportConfirmForm(request.POST)
        form.is_valid()  # a checkbox: every value is valid
        try:
            job = import_job_confirm(
                previewed=previewed,
                skip_invalid=bool(form.cleaned_data.get("skip_invalid")),
                started_by=request.user,
            )
        except ImportJobError as error:
            messages.error(request, str(error))
            return self._render_upload(request, CooperativeImportForm(), status=400)
        return redirect("admin:registry_cooperative_import_job", job_id=job.pk)


def job_progress(job: ImportJob) -> dict:
    """The progress of a job, for the page and its status endpoint (the text is translated
    here, so that the script only copies it)."""
    if job.status == ImportJob.Status.QUEUED:
        label = _("Waiting for a worker…")
    elif job.finished:
        label = _("Finished")
    elif job.phase == WRITING:
        label = _("Writing the co-ops")
    else:
        label = _("Checking the rows")
    text = _("%(done)s of %(total)s rows, %(errors)s errors so far (%(percent)d%%)") % {
        "done": f"{job.rows_done:,}",
        "total": f"{job.rows_total:,}",
        "errors": f"{job.errors_count:,}",
        "percent": job.percent,
    }
    return {
        "status": job.status,
        "finished": job.finished,
        "phase": job.phase,
        "label": label,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "errors": job.errors_count,
        "percent": job.percent,
        "text": text,
    }


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


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnly, admin.ModelAdmin):
    """Every preview and import asked for on the import page, with a link to its report;
    read-only (the worker writes them)."""

    list_display = [
        "created_at",
        "kind",
        "status",
        "filename",
        "started_by",
        "rows_total",
        "errors_count",
        "created",
        "updated",
        "report_link",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["filename", "source"]
    list_select_related = ["started_by"]
    date_hierarchy = "created_at"
    fields = [
        "kind",
        "status",
        "filename",
        "source",
        "skip_invalid",
        "started_by",
        "previewed",
        "batch",
        "created_at",
        "started_at",
        "finished_at",
        "rows_total",
        "errors_count",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "message",
        "report_link",
    ]
    readonly_fields = fields

    @admin.display(description=_("report"))
    def report_link(self, job: ImportJob) -> str:
        url = reverse("admin:registry_cooperative_import_job", args=[job.pk])
        return format_html('<a href="{}">{}</a>', url, _("Progress and report"))
