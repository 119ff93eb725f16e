"""The counselors' desk: the case list, the case page with its timeline and its forms, the
staff's attachment downloads, the CSV export and the managers' dashboard.

The admin stays thin. Who sees which case is decided by consult.permissions alone, and every
change of status, track, assignee or priority goes through consult.workflow (see
consult.admin_views); the Case model admin itself never saves a case.
"""

import logging
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import connections, models
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import (  # admin_access registers the access records' list
    admin_access,  # noqa: F401
    admin_consulting,
    admin_privacy,
    admin_reports,
    admin_views,
    education,
    permissions,
    services,
    workflow,
)
from .education_forms import DeskEnrolForm
from .models import (
    OPEN_STATUSES,
    CannedReply,
    Case,
    ClosingDay,
    Course,
    CourseSession,
    Enrolment,
    PrivacyNotice,
    Submission,
    Survey,
    Team,
    TeamMembership,
)

logger = logging.getLogger(__name__)

REFERENCE = re.compile(r"COOP-\d{4}-\d{6}", re.IGNORECASE)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# --- the list's count ------------------------------------------------------------------


class DeskPaginator(Paginator):
    """A paginator that never counts a whole large table.

    Unfiltered, on PostgreSQL, the count is the planner's estimate (pg_class.reltuples);
    filtered, it counts at most CAP + 1 ids, which a list shows as "10,000+". Small tables
    and SQLite are counted exactly.
    """

    CAP = 10_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_kind = "exact"  # or "estimate" / "capped"

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return queryset.count()
        if not queryset.query.where:
            estimate = _table_estimate(connection, queryset.model._meta.db_table)
            if estimate > self.CAP:
                self.count_kind = "estimate"
                return estimate
        capped = queryset.order_by().values("pk")[: self.CAP + 1].count()
        if capped > self.CAP:
            self.count_kind = "capped"
        return capped

    @property
    def is_exact(self) -> bool:
        return self.count_kind == "exact"

    @property
    def count_display(self) -> str:
        if self.count_kind == "estimate":
            return _("about %(count)s") % {"count": number_format(self.count, force_grouping=True)}
        if self.count_kind == "capped":
            return _("%(count)s+") % {"count": number_format(self.CAP, force_grouping=True)}
        return number_format(self.count, force_grouping=True)

    def validate_number(self, number):
        if self.is_exact:
            return super().validate_number(number)
        # Past an inexact count, a page may still have rows: let the page say so.
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().validate_number(number)
        return max(number, 1)

    def page(self, number):
        if self.is_exact:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return Page(self.object_list[bottom : bottom + self.per_page], number, self)


def _table_estimate(connection, table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else -1


# --- filters ---------------------------------------------------------------------------


class ScopeFilter(admin.SimpleListFilter):
    """The list opens on the counselor's own open cases."""

    title = _("view")
    parameter_name = "view"
    MINE, OPEN, ALL = "mine", "open", "all"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        # A search looks through every case the user may see unless a view is chosen.
        self.default = self.ALL if request.GET.get(SEARCH_VAR, "").strip() else self.MINE

    def lookups(self, request, model_admin):
        return [
            (self.MINE, _("My open cases")),
            (self.OPEN, _("All open cases")),
            (self.ALL, _("All cases")),
        ]

    def scope(self) -> str:
        value = self.value()
        return value if value in (self.MINE, self.OPEN, self.ALL) else self.default

    def queryset(self, request, queryset):
        scope = self.scope()
        if scope == self.MINE:
            return queryset.filter(assignee=request.user, status__in=OPEN_STATUSES)
        if scope == self.OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset

    def choices(self, changelist):
        # No "All" entry of its own: "All cases" is one of the lookups, and no parameter
        # means "My open cases" (or, for a search, all cases).
        current = self.scope()
        for value, label in self.lookup_choices:
            yield {
                "selected": value == current,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class AssigneeFilter(admin.SimpleListFilter):
    """Counselors only: managers see every counselor, a counselor their team mates."""

    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        user = request.user
        if permissions.is_manager(user):
            users = workflow.counselors()
        else:
            users = (
                get_user_model()
                .objects.filter(
                    Q(consult_memberships__team__track__in=permissions.team_tracks(user))
                    | Q(pk=user.pk),
                    is_active=True,
                    is_staff=True,
                )
                .distinct()
                .order_by("username")
            )
        return [(str(u.pk), u.get_username()) for u in users]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(assignee_id=int(value))


class OverdueFilter(admin.SimpleListFilter):
    """Open, not yet answered, and past the first-response date."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.overdue(today)
        if self.value() == "no":
            return queryset.exclude(
                status__in=OPEN_STATUSES,
                first_responded_at__isnull=True,
                first_response_due__lt=today,
            )
        return queryset


# --- the case desk ---------------------------------------------------------------------

CASE_FIELDSETS = [
    (
        _("Desk"),
        {
            "fields": [
                "reference",
                "status",
                "track",
                "assignee_name",
                "priority",
                "created_at",
                "due_state",
                "first_responded_at",
                "closed_at",
                "merged_into",
            ]
        },
    ),
    (_("Citizen"), {"fields": ["name", "email", "phone", "district", "language"]}),
    (_("Request"), {"fields": ["stage", "service_wanted", "topic", "message"]}),
    (_("Consent"), {"fields": ["consent_notice", "consented_at"]}),
    (_("Satisfaction"), {"fields": ["satisfaction"]}),
]


def _desk_user(request) -> bool:
    """permissions.is_desk_user, asked once per request."""
    cached = getattr(request, "_consult_desk_user", None)
    if cached is None:
        cached = permissions.is_desk_user(request.user)
        request._consult_desk_user = cached
    return cached


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "name",
        "track",
        "status",
        "assignee",
        "priority",
        "age",
        "due_state",
        "district",
    ]
    list_display_links = ["reference"]
    list_filter = [ScopeFilter, "status", "track", AssigneeFilter, "district", OverdueFilter]
    search_fields = ["^reference", "name", "email"]
    search_help_text = _("A reference (COOP-2026-000123), a name or an e-mail address.")
    list_select_related = ["assignee", "district"]
    # Only columns an index can sort (see Case.Meta.indexes).
    sortable_by = ["reference", "age"]
    ordering = ["-created_at", "-id"]
    list_per_page = 50
    list_max_show_all = 200
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = DeskPaginator
    actions = ["export_selected_csv", "merge_selected"]
    fieldsets = CASE_FIELDSETS
    readonly_fields = [field for _name, options in CASE_FIELDSETS for field in options["fields"]]

    # --- columns ---

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, case: Case) -> str:
        return timesince(case.created_at, depth=1)

    @admin.display(description=_("satisfaction survey"))
    def satisfaction(self, case: Case) -> str:
        survey = (
            Survey.objects.filter(case=case)
            .only("rating", "answered_at", "comment", "withdrawn_at")
            .first()
        )
        if survey is None:
            return _("No survey sent")
        if survey.withdrawn_at is not None:
            return _("Withdrawn unanswered: the citizen's data was removed")
        if survey.answered_at is None:
            return _("Sent, not answered yet")
        rating = _("%(rating)d of 5") % {"rating": survey.rating}
        if survey.comment:
            return format_html("{}<br>{}", rating, survey.comment)
        return rating

    @admin.display(description=_("first response due"))
    def due_state(self, case: Case) -> str:
        due = date_format(case.first_response_due, "SHORT_DATE_FORMAT")
        if case.first_responded_at is not None:
            return format_html('{} <span class="case-badge">{}</span>', due, _("answered"))
        if case.is_overdue:
            return format_html(
                '{} <strong class="case-badge case-badge-overdue">{}</strong>', due, _("overdue")
            )
        return due

    @admin.display(description=_("assignee"))
    def assignee_name(self, case: Case) -> str:
        # Plain text: a link would lead counselors to the user admin, which is not theirs.
        return case.assignee.get_username() if case.assignee else "—"

    def get_search_results(self, request, queryset, search_term):
        """A whole reference or e-mail address is looked up on that one column (the
        reference by its unique index), not through the OR over every search field."""
        term = search_term.strip()
        if REFERENCE.fullmatch(term):
            return queryset.filter(reference=term.upper()), False
        if EMAIL.fullmatch(term):
            return queryset.filter(email__iexact=term), False
        if term.upper().startswith("COOP-") and " " not in term:
            return queryset.filter(reference__startswith=term.upper()), False
        return super().get_search_results(request, queryset, search_term)

    # --- who may do what ---

    def get_queryset(self, request):
        return permissions.cases_visible_to(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and _desk_user(request)

    def has_change_permission(self, request, obj=None):
        # "Change" means using the desk's forms; the case's own fields are never edited.
        return super().has_change_permission(request, obj) and _desk_user(request)

    def has_add_permission(self, request):
        return False  # cases come only from citizens

    def has_delete_permission(self, request, obj=None):
        return False

    def visible_case(self, request, case_id) -> Case:
        """The case if this user may see it; a case of another team does not exist (404)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            pk = int(case_id)
        except (TypeError, ValueError):
            raise Http404 from None
        case = (
            self.get_queryset(request)
            .select_related("assignee", "district", "consent_notice", "merged_into")
            .filter(pk=pk)
            .first()
        )
        if case is None:
            raise Http404
        return case

    # --- pages ---

    def get_urls(self):
        view = self.admin_site.admin_view
        case_urls = [
            path(
                f"<int:case_id>/{name}/",
                view(require_POST(admin_views.case_action)),
                {"model_admin": self, "action": name},
                name=f"consult_case_{name}",
            )
            for name in admin_views.ACTIONS
        ]
        return [
            path(
                "dashboard/",
                view(require_GET(admin_views.dashboard)),
                {"model_admin": self},
                name="consult_case_dashboard",
            ),
            path(
                "privacy/",
                view(require_http_methods(["GET", "HEAD", "POST"])(admin_privacy.privacy_requests)),
                {"model_admin": self},
                name="consult_case_privacy",
            ),
            *admin_reports.report_urls(self),
            *admin_consulting.case_urls(self),
            path(
                "export/",
                view(require_GET(admin_views.cases_export)),
                {"model_admin": self},
                name="consult_case_export",
            ),
            path(
                "<int:case_id>/attachments/<int:attachment_id>/",
                view(require_GET(admin_views.attachment_download)),
                {"model_admin": self},
                name="consult_case_attachment",
            ),
            path(
                "<int:case_id>/merge/",
                view(require_http_methods(["GET", "HEAD", "POST"])(admin_views.case_merge)),
                {"model_admin": self},
                name="consult_case_merge",
            ),
            *case_urls,
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": _("Cases"),
            **(extra_context or {}),
            "show_dashboard_link": permissions.is_manager(request.user),
        }
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            paginator = context["cl"].paginator
            if not paginator.is_exact:
                context["selection_note_all"] = _("All %(total_count)s selected") % {
                    "total_count": paginator.count_display
                }
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The case page: read-only data, the timeline and the desk's forms. Its forms post
        to their own URLs; this page itself never changes anything."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        case = self.visible_case(request, object_id)
        return admin_views.case_page(self, request, case)

    def history_view(self, request, object_id, extra_context=None):
        self.visible_case(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self.visible_case(request, object_id)
        raise PermissionDenied

    # --- export ---

    @admin.action(description=_("Export selected as CSV"), permissions=["view"])
    def export_selected_csv(self, request, queryset):
        return admin_views.csv_response(
            request, permissions.cases_visible_to(request.user, queryset)
        )

    @admin.action(
        description=_("Merge the two selected cases (the newer into the older)"),
        permissions=["change"],
    )
    def merge_selected(self, request, queryset):
        """Opens the merge's confirmation page; the action itself changes nothing."""
        cases = list(
            permissions.cases_visible_to(request.user, queryset).order_by("created_at", "pk")[:3]
        )
        if len(cases) != 2:
            self.message_user(request, _("Select exactly two cases to merge."), messages.ERROR)
            return None
        older, newer = cases
        return HttpResponseRedirect(admin_views.merge_url(newer, into=older))


# --- the desk's other records ----------------------------------------------------------


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "track", "language"]
    list_filter = ["track", "language"]
    search_fields = ["title", "body"]
    fields = ["track", "language", "title", "body"]


class StaffChoice:
    """Memberships are for staff accounts only."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TeamMembershipInline(StaffChoice, admin.TabularInline):
    model = TeamMembership
    fields = ["user", "is_active", "last_assigned_at"]
    readonly_fields = ["last_assigned_at"]
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """The four teams exist from the start; managers change who is in them."""

    list_display = ["__str__", "member_count", "active_count"]
    fields = ["track"]
    readonly_fields = ["track"]
    inlines = [TeamMembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                members_total=Count("memberships"),
                members_active=Count("memberships", filter=Q(memberships__is_active=True)),
            )
        )

    @admin.display(description=_("members"))
    def member_count(self, team: Team) -> int:
        return team.members_total

    @admin.display(description=_("taking new cases"))
    def active_count(self, team: Team) -> int:
        return team.members_active

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TeamMembership)
class TeamMembershipAdmin(StaffChoice, admin.ModelAdmin):
    list_display = ["user", "team", "is_active", "last_assigned_at"]
    list_editable = ["is_active"]
    list_filter = ["team", "is_active"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["team", "user"]
    fields = ["team", "user", "is_active", "last_assigned_at"]
    readonly_fields = ["last_assigned_at"]
    actions = ["take_new_cases", "take_no_new_cases"]

    @admin.action(description=_("Take new cases again"), permissions=["change"])
    def take_new_cases(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=_("Take no new cases (on leave)"), permissions=["change"])
    def take_no_new_cases(self, request, queryset):
        self._set_active(request, queryset, False)

    def _set_active(self, request, queryset, active: bool) -> None:
        count = queryset.update(is_active=active)
        self.message_user(
            request,
            ngettext("%(count)d membership changed.", "%(count)d memberships changed.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class ReadOnlyRows:
    """Rows the desk shows but nobody adds, edits or deletes by hand (a model admin's or an
    inline's: the inline's add check also receives the parent object)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyRows, admin.ModelAdmin):
    pass


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(ReadOnlyAdmin):
    """The notices citizens consented to; a case keeps the version it saw, so none changes."""

    list_display = ["version", "effective_from"]
    fields = ["version", "effective_from", "text_ko", "text_en"]
    readonly_fields = fields


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    """Inquiries the intake has not made cases yet: normally empty, as a worker opens each
    one seconds after it arrives. What stays here (the worker is down, or a submission keeps
    failing) managers can see and open by hand; nobody edits or deletes what a citizen
    sent."""

    list_display = ["reference", "received_at", "attempts", "next_attempt_at", "last_error"]
    fields = [
        "reference",
        "received_at",
        "language",
        "stage",
        "service_wanted",
        "topic",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    readonly_fields = fields
    actions = ["open_now"]

    class Media:
        # The desk's style: its breadcrumb links are underlined (WCAG 1.4.1), as on the case pages.
        css = {"all": ["consult/admin/desk.css"]}

    def has_view_permission(self, request, obj=None):
        return permissions.is_manager(request.user)

    def has_module_permission(self, request):
        return permissions.is_manager(request.user)

    @admin.action(description=_("Open as cases now"), permissions=["view"])
    def open_now(self, request, queryset):
        opened, failed = [], []
        for submission in queryset.order_by("pk"):
            try:
                case = services.submission_open(submission_id=submission.pk)
            except Exception:  # counted on the row with its error, which the list shows
                logger.exception("Intake of submission %s failed", submission.pk)
                failed.append(submission.reference)
                continue
            if case is not None:
                opened.append(case.reference)
        if opened:
            self.message_user(
                request,
                _("Opened as cases: %(references)s") % {"references": ", ".join(opened)},
                messages.SUCCESS,
            )
        if failed:
            self.message_user(
                request,
                _("Could not be opened (see the last error): %(references)s")
                % {"references": ", ".join(failed)},
                messages.ERROR,
            )


# --- follow-ups: the center's closing days and the satisfaction surveys -----------------


@admin.register(ClosingDay)
class ClosingDayAdmin(admin.ModelAdmin):
    """Days the center is closed besides weekends and public holidays: deadlines and
    reminders skip them (consult.deadlines). Managers keep the list; counselors read it."""

    list_display = ["date", "reason"]
    date_hierarchy = "date"
    fields = ["date", "reason"]

    def has_module_permission(self, request):
        return _desk_user(request)

    def has_view_permission(self, request, obj=None):
        return _desk_user(request)

    def has_add_permission(self, request):
        return permissions.is_manager(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.is_manager(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.is_manager(request.user)


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    """The satisfaction surveys of the cases the user may see, read only: the answer is the
    citizen's."""

    list_display = ["case", "sent_at", "expires_at", "rating", "answered_at"]
    list_filter = ["rating"]
    list_select_related = ["case"]
    search_fields = ["^case__reference"]
    fields = ["case", "sent_at", "expires_at", "rating", "answered_at", "comment"]
    readonly_fields = fields

    def get_queryset(self, request):
        visible = permissions.cases_visible_to(request.user)
        return super().get_queryset(request).filter(case__in=visible.values("pk"))

    def has_module_permission(self, request):
        return _desk_user(request)

    def has_view_permission(self, request, obj=None):
        return _desk_user(request)


# --- education: courses, their sessions and the enrolments ------------------------------
# Seats and enrolment statuses are consult.education's alone: no form here edits them, and
# every change of an enrolment is an action or a form that calls a service.


class EducationDeskAdmin(admin.ModelAdmin):
    """Counselors and managers of the desk, with the model's permissions."""

    def has_module_permission(self, request):
        return super().has_module_permission(request) and _desk_user(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and _desk_user(request)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and _desk_user(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _desk_user(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.display(description=_("seats taken"))
def _seats(session: CourseSession) -> str:
    return f"{session.seats_taken} / {session.capacity}"


class CourseSessionInline(ReadOnlyRows, admin.TabularInline):
    """A course's sessions, newest first; each is changed on its own page."""

    model = CourseSession
    fields = ["starts_at", "mode", "language", _seats, "is_open"]
    readonly_fields = fields
    ordering = ["-starts_at"]
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(EducationDeskAdmin):
    list_display = ["title_ko", "title_en", "default_capacity", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["title_ko", "title_en"]
    fields = [
        "title_ko",
        "title_en",
        "slug",
        "summary_ko",
        "summary_en",
        "default_capacity",
        "is_active",
    ]
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [CourseSessionInline]


def _https_urls(field, **kwargs):
    """A web address typed without a scheme is taken as https (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class CourseSessionForm(forms.ModelForm):
    class Meta:
        model = CourseSession
        formfield_callback = _https_urls
        fields = [
            "course",
            "starts_at",
            "ends_at",
            "mode",
            "place",
            "online_url",
            "language",
            "capacity",
            "is_open",
            "counselor",
        ]

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk is not None:
            # Seats move while the form is open: compare with the row as it is now.
            taken = CourseSession.objects.filter(pk=self.instance.pk).values_list(
                "seats_taken", flat=True
            )
            if taken and capacity < taken[0]:
                raise forms.ValidationError(
                    _("%(taken)d seats are already taken; cancel enrolments before removing seats.")
                    % {"taken": taken[0]}
                )
        return capacity


class SessionEnrolmentInline(ReadOnlyRows, admin.TabularInline):
    """Who is enrolled, waiting or offered a seat; attendance is recorded from the
    enrolment list's actions."""

    model = Enrolment
    fields = ["case", "status", "requested_at", "offer_expires_at", "attendance", "enrolled_by"]
    readonly_fields = fields
    ordering = ["requested_at", "pk"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        visible = permissions.cases_visible_to(request.user)
        return (
            super()
            .get_queryset(request)
            .filter(case__in=visible.values("pk"))
            .select_related("case", "enrolled_by")
        )


@admin.register(CourseSession)
class CourseSessionAdmin(EducationDeskAdmin):
    form = CourseSessionForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["course", "starts_at", "mode", "language", _seats, "is_open"]
    list_filter = ["course", "mode", "is_open", "language"]
    list_select_related = ["course"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "-pk"]
    fields = [
        "course",
        "starts_at",
        "ends_at",
        "mode",
        "place",
        "online_url",
        "language",
        "capacity",
        "seats_taken",
        "is_open",
        "counselor",
        "enrolment_links",
    ]
    readonly_fields = ["seats_taken", "enrolment_links"]
    inlines = [SessionEnrolmentInline]

    @admin.display(description=_("enrolments"))
    def enrolment_links(self, session: CourseSession) -> str:
        if session.pk is None:
            return "—"
        listing = reverse("admin:consult_enrolment_changelist")
        listing += f"?session__id__exact={session.pk}"
        enrol = reverse("admin:consult_enrolment_add") + f"?session={session.pk}"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            listing,
            _("Record attendance, cancel"),
            enrol,
            _("Enrol a case"),
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "counselor":
            kwargs["queryset"] = workflow.counselors()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            return
        # Never write seats_taken from the form's copy: an enrolment may have moved it since.
        obj.save(update_fields=CourseSessionForm._meta.fields)


@admin.register(Enrolment)
class EnrolmentAdmin(EducationDeskAdmin):
    list_display = [
        "case",
        "session",
        "status",
        "requested_at",
        "offer_expires_at",
        "attendance",
        "enrolled_by",
    ]
    list_filter = ["status", "attendance", "session__course", "session"]
    list_select_related = ["case", "session__course", "enrolled_by"]
    search_fields = ["^case__reference"]
    search_help_text = _("A case reference (COOP-2026-000123).")
    ordering = ["-requested_at", "-pk"]
    fields = list_display
    readonly_fields = list_display
    actions = ["cancel_enrolments", "mark_attended", "mark_absent"]

    def get_queryset(self, request):
        visible = permissions.cases_visible_to(request.user)
        return super().get_queryset(request).filter(case__in=visible.values("pk"))

    def has_change_permission(self, request, obj=None):
        # The list's actions need "change"; an enrolment's own page is read only.
        return obj is None and super().has_change_permission(request)

    def add_view(self, request, form_url="", extra_context=None):
        """Enrol a case in a session through consult.education (seat or waiting list)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {key: request.GET[key] for key in ("session", "reference") if key in request.GET}
        form = DeskEnrolForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            case = (
                permissions.cases_visible_to(request.user)
                .filter(reference=form.cleaned_data["reference"])
                .first()
            )
            if case is None:
                form.add_error("reference", _("No case you can see has this reference."))
            else:
                try:
                    enrolment = education.enrolment_request(
                        session_id=form.cleaned_data["session"].pk,
                        case_id=case.pk,
                        actor=workflow.Actor.staff(request.user),
                    )
                except education.EducationError as exc:
                    form.add_error(None, str(exc))
                else:
                    self.message_user(
                        request,
                        _("%(case)s: %(status)s.")
                        % {"case": case.reference, "status": enrolment.get_status_display()},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:consult_enrolment_changelist")
                        + f"?session__id__exact={enrolment.session_id}"
                    )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enrol a case in a course session"),
            "opts": self.model._meta,
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/consult/enrolment/enrol.html", context)

    @admin.action(description=_("Cancel the selected enrolments"), permissions=["change"])
    def cancel_enrolments(self, request, queryset):
        actor = workflow.Actor.staff(request.user)
        self._each(
            request,
            queryset,
            lambda e: education.enrolment_cancel(enrolment_id=e.pk, actor=actor),
        )

    @admin.action(description=_("Record as attended"), permissions=["change"])
    def mark_attended(self, request, queryset):
        self._attendance(request, queryset, Enrolment.Attendance.ATTENDED)

    @admin.action(description=_("Record as absent"), permissions=["change"])
    def mark_absent(self, request, queryset):
        self._attendance(request, queryset, Enrolment.Attendance.ABSENT)

    def _attendance(self, request, queryset, attendance: str) -> None:
        actor = workflow.Actor.staff(request.user)
        self._each(
            request,
            queryset,
            lambda e: education.attendance_record(
                enrolment_id=e.pk, attendance=attendance, actor=actor
            ),
        )

    def _each(self, request, queryset, change) -> None:
        done, refused = 0, []
        for enrolment in queryset.select_related("case").order_by("pk"):
            try:
                change(enrolment)
            except education.EducationError as exc:
                refused.append(f"{enrolment.case.reference}: {exc}")
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d enrolment changed.", "%(count)d enrolments changed.", done)
                % {"count": done},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.ERROR)
