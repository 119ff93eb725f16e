"""Consulting in the desk: the engagement pages (meetings and checklist), the case page's
"Consulting" panel with its two forms (start an engagement, link the registry co-op), and the
standard checklists managers edit.

Thin like the rest of the admin: every write goes through consult.consulting, and who sees an
engagement is who sees its case (consult.permissions.cases_visible_to); an engagement of
another team's case does not exist (404).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from registry.models import Cooperative

from . import consulting, permissions, workflow
from .models import (
    Case,
    ChecklistItem,
    ChecklistTemplateItem,
    Engagement,
    EngagementKind,
    Meeting,
    Track,
)

DESK_CSS = "consult/admin/desk.css"
# Names the admin's autocomplete box by its label (select2 leaves it unnamed).
AUTOCOMPLETE_NAMES = "consult/admin/autocomplete-names.js"
MEETING_FIELDS = [
    "starts_at",
    "place",
    "counselor",
    "expert_name",
    "expert_field",
    "summary",
    "next_step",
    "next_step_due",
]


def _desk_can(request, action: str) -> bool:
    """The case desk's rule: a desk user (a counselor in a team, or a manager) with the
    permission to view or change cases."""
    # Asked for every model of the admin's menu on every page: once per request (the same
    # cache as consult.admin's _desk_user).
    desk_user = getattr(request, "_consult_desk_user", None)
    if desk_user is None:
        desk_user = request._consult_desk_user = permissions.is_desk_user(request.user)
    return desk_user and request.user.has_perm(f"consult.{action}_case")


# --- the standard checklists ---------------------------------------------------------------


@admin.register(ChecklistTemplateItem)
class ChecklistTemplateItemAdmin(admin.ModelAdmin):
    """The steps copied onto each new engagement of a kind; engagements already started keep
    the steps they were given."""

    list_display = ["label_ko", "label_en", "kind", "position"]
    list_display_links = ["label_ko"]
    list_filter = ["kind"]
    ordering = ["kind", "position", "pk"]
    fields = ["kind", "position", "label_ko", "label_en"]

    class Media:
        css = {"all": [DESK_CSS]}

    def _manager(self, request) -> bool:
        return permissions.is_manager(request.user)

    def has_module_permission(self, request):
        return self._manager(request)

    def has_view_permission(self, request, obj=None):
        return self._manager(request)

    def has_add_permission(self, request):
        return self._manager(request)

    def has_change_permission(self, request, obj=None):
        return self._manager(request)

    def has_delete_permission(self, request, obj=None):
        return self._manager(request)


# --- the engagement page -------------------------------------------------------------------


class ChecklistItemForm(forms.ModelForm):
    """One step: a "done" box. Ticking it records who and when (consulting.checklist_tick)."""

    done = forms.BooleanField(label=_("done"), required=False)

    class Meta:
        model = ChecklistItem
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        item = self.instance
        self.fields["done"].initial = item.done_at is not None
        # The table's cells have no label of their own: the box names its step.
        english = (translation.get_language() or "ko").startswith("en")
        self.fields["done"].widget.attrs["aria-label"] = gettext("Done: %(step)s") % {
            "step": item.label_en if english and item.label_en else item.label_ko
        }


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    form = ChecklistItemForm
    fields = ["position", "label_ko", "label_en", "done", "done_when", "done_by"]
    readonly_fields = ["position", "label_ko", "label_en", "done_when", "done_by"]
    extra = 0
    can_delete = False

    @admin.display(description=_("ticked off on"))
    def done_when(self, item: ChecklistItem) -> str:
        return (
            date_format(timezone.localtime(item.done_at), "SHORT_DATETIME_FORMAT")
            if item.done_at
            else "—"
        )

    def has_view_permission(self, request, obj=None):
        return _desk_can(request, "view")

    def has_change_permission(self, request, obj=None):
        return _desk_can(request, "change") and not (obj is not None and obj.case.is_final)

    def has_add_permission(self, request, obj=None):
        return False  # the steps come from the standard checklist

    def has_delete_permission(self, request, obj=None):
        return False


class MinuteDateTimeField(forms.DateTimeField):
    """A date and time to the minute, as the browser's box shows it: a meeting saved with
    seconds is not "changed" by a form that never showed them."""

    def has_changed(self, initial, data):
        try:
            value = self.to_python(data)
        except forms.ValidationError:
            return True
        if initial is None or value is None:
            return initial != value
        return initial.replace(second=0, microsecond=0) != value.replace(second=0, microsecond=0)


class MeetingForm(forms.ModelForm):
    # The browser's own date-and-time box: one input with its label (the admin's split
    # widget leaves its two inputs without one).
    starts_at = MinuteDateTimeField(
        label=capfirst(Meeting._meta.get_field("starts_at").verbose_name),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Meeting
        fields = MEETING_FIELDS
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "next_step": forms.Textarea(attrs={"rows": 2, "cols": 60}),
        }

    def clean(self):
        data = super().clean()
        if self.errors or not self.has_changed():
            return data  # an untouched meeting is not saved, so not checked again
        # The service's own check, asked early so that its refusal shows beside the field.
        try:
            consulting.meeting_check(
                **{name: data.get(name) for name in MEETING_FIELDS},
                current_counselor=self.instance.counselor if self.instance.pk else None,
            )
        except consulting.ConsultingError as error:
            self.add_error(error.field or None, str(error))
        return data


class MeetingInline(admin.StackedInline):
    model = Meeting
    form = MeetingForm
    fields = [*MEETING_FIELDS, "cancelled_at"]
    readonly_fields = ["cancelled_at"]
    extra = 0
    can_delete = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "counselor":
            # The desk's counselors, and whoever already led a meeting (who may have left
            # the teams since: their meetings stay as they were).
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(
                    Q(pk__in=workflow.counselors().values("pk"))
                    | Q(pk__in=Meeting.objects.values("counselor"))
                )
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return _desk_can(request, "view")

    def has_change_permission(self, request, obj=None):
        return _desk_can(request, "change") and not (obj is not None and obj.case.is_final)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # a meeting that did not happen is rewritten, not erased


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["case_reference", "kind", "started_at", "started_by", "progress", "meetings"]
    list_filter = ["kind"]
    search_fields = ["^case__reference"]
    search_help_text = _("A case reference (COOP-2026-000123).")
    list_select_related = ["case", "started_by"]
    fields = ["case_link", "kind", "started_at", "started_by"]
    readonly_fields = fields
    inlines = [MeetingInline, ChecklistItemInline]

    class Media:
        css = {"all": [DESK_CSS]}

    # --- columns ---

    @admin.display(description=_("case"), ordering="case__reference")
    def case_reference(self, engagement: Engagement) -> str:
        return engagement.case.reference

    @admin.display(description=_("case"))
    def case_link(self, engagement: Engagement) -> str:
        return format_html(
            '<a href="{}">{}</a>', engagement.case.get_admin_url(), engagement.case.reference
        )

    @admin.display(description=_("checklist"))
    def progress(self, engagement: Engagement) -> str:
        return gettext("%(done)d of %(total)d done") % {
            "done": engagement.steps_done,
            "total": engagement.steps_total,
        }

    @admin.display(description=_("meetings"))
    def meetings(self, engagement: Engagement) -> int:
        return engagement.meetings_total

    # --- who may do what ---

    def get_queryset(self, request):
        visible = permissions.cases_visible_to(request.user)
        return (
            super()
            .get_queryset(request)
            .filter(case__in=visible)
            .annotate(
                steps_total=Count("checklist", distinct=True),
                steps_done=Count(
                    "checklist", filter=Q(checklist__done_at__isnull=False), distinct=True
                ),
                meetings_total=Count("meetings", distinct=True),
            )
        )

    def has_module_permission(self, request):
        return _desk_can(request, "view")

    def has_view_permission(self, request, obj=None):
        return _desk_can(request, "view")

    def has_change_permission(self, request, obj=None):
        return _desk_can(request, "change") and not (obj is not None and obj.case.is_final)

    def has_add_permission(self, request):
        return False  # started from the case page

    def has_delete_permission(self, request, obj=None):
        return False

    def _visible(self, request, object_id) -> Engagement:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            pk = int(object_id)
        except (TypeError, ValueError):
            raise Http404 from None
        engagement = self.get_queryset(request).select_related("case").filter(pk=pk).first()
        if engagement is None:
            raise Http404  # another team's, or none: the same answer
        return engagement

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._visible(request, object_id)
        try:
            return super().change_view(request, object_id, form_url, extra_context)
        except consulting.ConsultingError as error:
            # The case changed meanwhile (it was closed, say): nothing was saved.
            messages.error(request, str(error))
            return HttpResponseRedirect(request.path)

    def history_view(self, request, object_id, extra_context=None):
        self._visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._visible(request, object_id)
        raise PermissionDenied  # an engagement stays with its case

    # --- saving: through consult.consulting only ---

    def save_model(self, request, obj, form, change):
        pass  # the engagement's own fields are read-only

    def save_formset(self, request, form, formset, change):
        actor = workflow.Actor.staff(request.user)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed():
                continue
            if formset.model is Meeting:
                values = {name: inline_form.cleaned_data.get(name) for name in MEETING_FIELDS}
                if inline_form.instance.pk is None:
                    meeting = consulting.meeting_add(
                        engagement_id=form.instance.pk, actor=actor, **values
                    )
                    formset.new_objects.append(meeting)
                else:
                    meeting = consulting.meeting_update(
                        meeting_id=inline_form.instance.pk, actor=actor, **values
                    )
                    formset.changed_objects.append((meeting, inline_form.changed_data))
            elif formset.model is ChecklistItem:
                item = consulting.checklist_tick(
                    item_id=inline_form.instance.pk,
                    done=inline_form.cleaned_data["done"],
                    actor=actor,
                )
                formset.changed_objects.append((item, ["done"]))


# --- the case page's panel -----------------------------------------------------------------


class EngagementStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of engagement"), choices=EngagementKind.choices)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_engagement_%s")
        super().__init__(*args, **kwargs)


class CooperativeLinkForm(forms.Form):
    def __init__(self, *args, admin_site, **kwargs):
        kwargs.setdefault("auto_id", "id_coop_%s")
        super().__init__(*args, **kwargs)
        # The admin's own search over the registry (CooperativeAdmin.search_fields); the
        # field is made here because its widget needs the admin site.
        self.fields["cooperative"] = forms.ModelChoiceField(
            label=_("Registry entry of the co-op"),
            queryset=Cooperative.objects.all(),
            required=False,
            widget=AutocompleteSelect(Case._meta.get_field("cooperative"), admin_site),
            help_text=_("Search by name or registration number. Leave empty to remove the link."),
        )


def _can_start(case: Case) -> bool:
    return case.track == Track.CONSULTING and not case.is_final


def _can_link(case: Case) -> bool:
    return case.track != Track.TRIAGE and case.status not in consulting.NOT_INQUIRIES


def case_panel(model_admin, request, case: Case, *, can_act: bool) -> dict:
    """The case page's "Consulting" panel: its engagement (kind, checklist progress,
    meetings, next step) and the co-op it helped found, with the forms that change them."""
    bound = getattr(request, "consulting_forms", {})
    summary = consulting.engagement_summary(case)
    start_form = link_form = None
    if can_act and summary is None and _can_start(case):
        start_form = bound.get("start") or EngagementStartForm()
    if can_act and _can_link(case):
        link_form = bound.get("link") or CooperativeLinkForm(
            initial={"cooperative": case.cooperative_id}, admin_site=model_admin.admin_site
        )
    shown = bool(summary or start_form or link_form or case.cooperative_id)
    media = forms.Media()
    if link_form is not None:
        # Named after the admin's autocomplete.js, so that the merge keeps it after it.
        media = link_form.media + forms.Media(js=["admin/js/autocomplete.js", AUTOCOMPLETE_NAMES])
    return {
        "consulting": {
            "shown": shown,
            "summary": summary,
            "start_form": start_form,
            "link_form": link_form,
            "cooperative": case.cooperative if case.cooperative_id else None,
        },
        "consulting_media": media,
    }


def _case_for_action(request, case_id: int, model_admin) -> Case:
    case = model_admin.visible_case(request, case_id)  # 403 without the desk, 404 if hidden
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    return case


def _refused(model_admin, request, case: Case, message: str, status: int, **bound):
    from . import admin_views  # the case page, which imports this module's panel

    messages.error(request, message)
    request.consulting_forms = bound
    fresh = model_admin.get_queryset(request).filter(pk=case.pk).first() or case
    return admin_views.case_page(model_admin, request, fresh, status=status)


def engagement_start_view(request, case_id: int, *, model_admin):
    """POST only: start the case's engagement, then open its page."""
    case = _case_for_action(request, case_id, model_admin)
    form = EngagementStartForm(request.POST)
    if not form.is_valid():
        return _refused(
            model_admin, request, case, gettext("Choose a kind of engagement."), 400, start=form
        )
    try:
        engagement = consulting.engagement_start(
            case_id=case.pk,
            kind=form.cleaned_data["kind"],
            actor=workflow.Actor.staff(request.user),
        )
    except consulting.ConsultingError as error:
        return _refused(model_admin, request, case, str(error), 409)
    messages.success(request, gettext("The consulting engagement has started."))
    return redirect("admin:consult_engagement_change", engagement.pk)


def cooperative_link_view(request, case_id: int, *, model_admin):
    """POST only: link the case to its co-op's registry entry, or remove the link."""
    case = _case_for_action(request, case_id, model_admin)
    form = CooperativeLinkForm(request.POST, admin_site=model_admin.admin_site)
    if not form.is_valid():
        return _refused(
            model_admin,
            request,
            case,
            gettext("Choose a co-op of the registry."),
            400,
            link=form,
        )
    cooperative = form.cleaned_data["cooperative"]
    actor = workflow.Actor.staff(request.user)
    try:
        if cooperative is None or "unlink" in request.POST:
            consulting.case_unlink_cooperative(case_id=case.pk, actor=actor)
            done = gettext("The case is no longer linked to a co-op.")
        else:
            consulting.case_link_cooperative(
                case_id=case.pk, cooperative_id=cooperative.pk, actor=actor
            )
            done = gettext("The case is linked to %(coop)s.") % {"coop": cooperative.name}
    except consulting.ConsultingError as error:
        return _refused(model_admin, request, case, str(error), 409)
    messages.success(request, done)
    return redirect("admin:consult_case_change", case.pk)


def case_urls(model_admin) -> list:
    """The panel's two POST URLs, under the case admin's."""
    view = model_admin.admin_site.admin_view
    return [
        path(
            "<int:case_id>/engagement/",
            view(require_POST(engagement_start_view)),
            {"model_admin": model_admin},
            name="consult_case_engagement_start",
        ),
        path(
            "<int:case_id>/cooperative/",
            view(require_POST(cooperative_link_view)),
            {"model_admin": model_admin},
            name="consult_case_cooperative",
        ),
    ]
