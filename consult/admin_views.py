"""The desk's views inside the admin: the case page and its actions, the staff's attachment
downloads, the CSV export and the managers' dashboard.

Each action calls one consult.workflow function with the staff member as the actor and the
version the form was shown with; the workflow refuses a stale or forbidden change with a
WorkflowError, whose message the page shows. Who may see a case is asked of CaseAdmin, whose
queryset is consult.permissions.cases_visible_to.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.forms import modelform_factory
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coopcenter.core.csvstream import csv_attachment
from coopcenter.outbox.models import OutgoingMail
from registry.models import District

from . import access, admin_forms, permissions, workflow
from .admin_consulting import case_panel
from .models import (
    OPEN_STATUSES,
    AccessAction,
    Attachment,
    Case,
    Event,
    Message,
    Priority,
    Status,
    Submission,
    Topic,
    Track,
    emails_match,
)
from .views import attachment_response

SEOUL = ZoneInfo("Asia/Seoul")
STALE = gettext_lazy("Someone else changed this case a moment ago. Look at it again, then retry.")


# --- the case page ---------------------------------------------------------------------


@dataclass
class Entry:
    """One line of a case's timeline: a message or an event."""

    at: datetime
    kind: str
    order: int
    message: Message | None = None
    event: Event | None = None
    actor: str = ""
    old_user: str = ""
    new_user: str = ""
    files: list = field(default_factory=list)


def _usernames(events: Iterable[Event]) -> dict[str, str]:
    ids = {
        value
        for event in events
        if event.field == Event.Field.ASSIGNEE
        for value in (event.old_value, event.new_value)
        if value.isdigit()
    }
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=[int(i) for i in ids])
    return {str(user.pk): user.get_username() for user in users}


def _event_actor(event: Event) -> str:
    if event.actor_kind == Event.Actor.STAFF and event.actor is not None:
        return event.actor.get_username()
    if event.actor_kind == Event.Actor.CITIZEN:
        return _("citizen")
    return _("system")


def _message_author(message: Message) -> str:
    if message.author_kind == Message.Author.STAFF and message.author is not None:
        return message.author.get_username()
    if message.author_kind == Message.Author.CITIZEN:
        return _("citizen")
    return _("system")


def timeline(case: Case) -> list[Entry]:
    """The case's messages and events in the order they happened (four queries)."""
    entries = []
    case_messages = case.messages.select_related("author").prefetch_related("attachments")
    for message in case_messages:
        entries.append(
            Entry(
                at=message.created_at,
                kind="message",
                order=0,
                message=message,
                actor=_message_author(message),
                files=list(message.attachments.all()),
            )
        )
    events = list(case.events.select_related("actor"))
    names = _usernames(events)
    for event in events:
        entries.append(
            Entry(
                at=event.created_at,
                kind="event",
                order=1,
                event=event,
                actor=_event_actor(event),
                old_user=names.get(event.old_value, event.old_value),
                new_user=names.get(event.new_value, event.new_value),
            )
        )
    entries.sort(key=lambda e: (e.at, e.order, (e.message or e.event).pk))
    return entries


def _available_forms(case: Case) -> list[str]:
    """The desk's forms that make sense for the case as it is now."""
    names = []
    if workflow.allowed_statuses(case):
        names.append("status")
    if not case.is_final and case.status != Status.NEW:
        names.append("reply")
    names.append("note")
    if workflow.allowed_tracks(case):
        names.append("route")
    if not case.is_final:
        names += ["assign", "priority"]
    if workflow.is_allowed("status", case.status, Status.MERGED):
        names.append("merge")
    return names


def _canned_initial(request, case: Case) -> dict:
    """?canned=<id>: the reply box starts with that ready answer, filled in for the case."""
    wanted = request.GET.get("canned", "")
    if not wanted.isdigit():
        return {}
    canned = admin_forms.canned_replies(case).filter(pk=int(wanted)).first()
    return {"body": canned.render(case)} if canned else {}


def case_page(model_admin, request, case: Case, *, forms=None, status: int = 200):
    forms = dict(forms or {})
    can_act = model_admin.has_change_permission(request)
    desk_forms = {}
    if can_act:
        for name in _available_forms(case):
            if name in forms:
                desk_forms[name] = forms[name]
                continue
            initial = _canned_initial(request, case) if name == "reply" else {}
            form_class = admin_forms.FORMS[name]
            desk_forms[name] = form_class(case=case, user=request.user, initial=initial)
    picker = None
    if "reply" in desk_forms:
        picker = admin_forms.CannedPickerForm(
            request.GET if "canned" in request.GET else None, case=case
        )
        if not picker.fields["canned"].queryset.exists():
            picker = None
    empty_form = modelform_factory(Case, fields=[])(instance=case)
    adminform = helpers.AdminForm(
        empty_form,
        list(model_admin.get_fieldsets(request, case)),
        {},
        model_admin.get_readonly_fields(request, case),
        model_admin=model_admin,
    )
    opts = model_admin.opts
    take_self = (
        "assign" in desk_forms
        and case.assignee_id != request.user.pk
        and desk_forms["assign"].fields["assignee"].queryset.filter(pk=request.user.pk).exists()
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Case %(reference)s") % {"reference": case.reference},
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "original": case,
        "case": case,
        "adminform": adminform,
        "media": model_admin.media + adminform.media,
        "has_view_permission": True,
        "can_act": can_act,
        "forms": desk_forms,
        "status_choices": [(code, Status(code).label) for code in workflow.allowed_statuses(case)],
        "picker": picker,
        "take_self": take_self,
        "timeline": timeline(case),
        "loose_files": list(case.attachments.filter(message__isnull=True)),
        "route_is_referral": case.track != Track.TRIAGE,
        "different_citizen_confirmed": workflow.DIFFERENT_CITIZEN_CONFIRMED,
        **case_panel(model_admin, request, case, can_act=can_act),
    }
    request.current_app = model_admin.admin_site.name
    # Every rendering shows the citizen's data, including a form sent back with an error.
    access.access_record(
        request=request, action=AccessAction.CASE_VIEWED, references=[case.reference]
    )
    return TemplateResponse(request, "admin/consult/case/case_page.html", context, status=status)


# --- the case page's actions -----------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    message: str
    case_id: int


def _do_status(case: Case, data: dict, actor: workflow.Actor) -> Outcome:
    workflow.case_transition(
        case_id=case.pk,
        status=data["status"],
        actor=actor,
        reason=data["reason"],
        expected_version=data["version"],
    )
    label = Status(data["status"]).label
    return Outcome(_("The case is now “%(status)s”.") % {"status": label}, case.pk)


def _do_route(case: Case, data: dict, actor: workflow.Actor) -> Outcome:
    workflow.case_route(
        case_id=case.pk,
        track=data["track"],
        actor=actor,
        reason=data["reason"],
        expected_version=data["version"],
    )
    label = Track(data["track"]).label
    return Outcome(_("The case went to %(track)s.") % {"track": label}, case.pk)


def _do_assign(case: Case, data: dict, actor: workflow.Actor) -> Outcome:
    workflow.case_assign(
        case_id=case.pk,
        assignee=data["assignee"],
        actor=actor,
        expected_version=data["version"],
    )
    return Outcome(
        _("The case is assigned to %(user)s.") % {"user": data["assignee"].get_username()},
        case.pk,
    )


def _do_priority(case: Case, data: dict, actor: workflow.Actor) -> Outcome:
    workflow.case_set_priority(
        case_id=case.pk,
        priority=data["priority"],
        actor=actor,
        expected_version=data["version"],
    )
    label = Priority(data["priority"]).label
    return Outcome(_("The priority is now “%(priority)s”.") % {"priority": label}, case.pk)


def _do_reply(case: Case, data: dict, actor: workflow.Actor) -> Outcome:
    workflow.case_reply(
        case_id=case.pk,
        actor=actor,
        body=data["body"],
        files=data["files"],
        wait_on_citizen=data["wait_on_citizen"],
        expected_version=data["version"],
    )
    return Outcome(_("Your reply is saved and on its way to the citizen."), case.pk)


def _do_note(case: Case, data: dict, actor: workflow.Actor) -> Outcome:
    workflow.case_note(
        case_id=case.pk, actor=actor, body=data["body"], expected_version=data["version"]
    )
    return Outcome(_("The internal note is saved."), case.pk)


ACTIONS: dict[str, Callable[[Case, dict, workflow.Actor], Outcome]] = {
    "reply": _do_reply,
    "note": _do_note,
    "status": _do_status,
    "route": _do_route,
    "assign": _do_assign,
    "priority": _do_priority,
}
# What a form keeps when it is shown again after the workflow refused it.
NOT_KEPT = {"version", "files"}


def case_action(request, case_id: int, *, model_admin, action: str):
    """POST only: one of the case page's forms."""
    case = model_admin.visible_case(request, case_id)  # 403 without the desk, 404 if hidden
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    form_class = admin_forms.FORMS[action]
    if action not in _available_forms(case):
        messages.error(request, _("This cannot be done to the case as it is now."))
        return case_page(model_admin, request, case, status=409)
    form = form_class(request.POST, request.FILES, case=case, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return case_page(model_admin, request, case, forms={action: form}, status=400)
    try:
        outcome = ACTIONS[action](case, form.cleaned_data, workflow.Actor.staff(request.user))
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
        fresh = model_admin.get_queryset(request).filter(pk=case.pk).first()
        if fresh is None:
            return redirect("admin:consult_case_changelist")
        kept = {k: v for k, v in form.cleaned_data.items() if k not in NOT_KEPT}
        retry = form_class(case=fresh, user=request.user, initial=kept)
        return case_page(model_admin, request, fresh, forms={action: retry}, status=409)
    return _done(request, model_admin, outcome)


def _done(request, model_admin, outcome: Outcome):
    messages.success(request, outcome.message)
    if model_admin.get_queryset(request).filter(pk=outcome.case_id).exists():
        return redirect("admin:consult_case_change", outcome.case_id)
    # Routed to a team this counselor is not in: the case has left their desk.
    messages.info(request, _("The case is no longer on your desk."))
    return redirect("admin:consult_case_changelist")


# --- merging ---------------------------------------------------------------------------


def merge_url(case: Case, *, into: Case) -> str:
    """The confirmation page of merging `case` into `into`, as the case page's form and the
    list's action open it."""
    query = urlencode({"into_reference": into.reference, "version": case.version})
    return f"{reverse('admin:consult_case_merge', args=[case.pk])}?{query}"


def case_merge(request, case_id: int, *, model_admin):
    """Every merge is confirmed on its own page: the GET names both cases and both
    citizens (and warns when they are two people, where only a manager may go on, with a
    box to tick); only the POST merges, through workflow.case_merge, which checks it all
    again under the rows' locks."""
    case = model_admin.visible_case(request, case_id)  # 403 without the desk, 404 if hidden
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    if "merge" not in _available_forms(case):
        messages.error(request, _("This cannot be done to the case as it is now."))
        return case_page(model_admin, request, case, status=409)
    posted = request.method == "POST"
    data = request.POST if posted else request.GET.copy()
    if not posted:
        # Opened without a version (a link typed in): the page shows the case as it is now.
        data.setdefault("version", str(case.version))
    form = admin_forms.MergeConfirmForm(data, case=case, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        shown = admin_forms.MergeForm(form.data, case=case, user=request.user)
        return case_page(model_admin, request, case, forms={"merge": shown}, status=400)
    data = form.cleaned_data
    if not posted:
        return _merge_page(model_admin, request, case, data)
    try:
        workflow.case_merge(
            case_id=case.pk,
            into_reference=data["into_reference"],
            actor=workflow.Actor.staff(request.user),
            expected_version=data["version"],
            different_citizen_confirmed=data["different_citizen_confirmed"],
        )
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
        fresh = model_admin.get_queryset(request).filter(pk=case.pk).first()
        if fresh is None or "merge" not in _available_forms(fresh):
            return redirect("admin:consult_case_changelist")
        # Shown again as the cases are now, to be looked at and confirmed again.
        return _merge_page(model_admin, request, fresh, data, status=409)
    target = Case.objects.only("pk").get(reference=data["into_reference"])
    outcome = Outcome(
        _("%(case)s was merged into %(target)s.")
        % {"case": case.reference, "target": data["into_reference"]},
        target.pk,
    )
    return _done(request, model_admin, outcome)


def _merge_page(model_admin, request, case: Case, data: dict, *, status: int = 200):
    target = (
        model_admin.get_queryset(request)
        .select_related("assignee")
        .get(reference=data["into_reference"])
    )
    other_citizen = not emails_match(case.email, target.email)
    may_confirm = permissions.is_manager(request.user)
    form = admin_forms.MergeConfirmForm(
        case=case,
        user=request.user,
        initial={"into_reference": target.reference, "version": case.version},
    )
    opts = model_admin.opts
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Merge %(case)s into %(target)s?")
        % {"case": case.reference, "target": target.reference},
        "opts": opts,
        "app_label": opts.app_label,
        "has_view_permission": True,
        "case": case,
        "target": target,
        "form": form,
        "other_citizen": other_citizen,
        # Two citizens' cases are merged by a manager only: a counselor is told so and
        # gets no button (the workflow would refuse it anyway).
        "may_merge": may_confirm or not other_citizen,
    }
    request.current_app = model_admin.admin_site.name
    # The page names both citizens: a view of both cases' data.
    access.access_record(
        request=request,
        action=AccessAction.CASE_VIEWED,
        references=[case.reference, target.reference],
        detail="merge",
    )
    return TemplateResponse(
        request, "admin/consult/case/merge_confirm.html", context, status=status
    )


# --- attachments -----------------------------------------------------------------------


def attachment_download(request, case_id: int, attachment_id: int, *, model_admin):
    case = model_admin.visible_case(request, case_id)  # permissions.cases_visible_to
    attachment = Attachment.objects.filter(pk=attachment_id, case=case).first()
    if attachment is None:
        raise Http404
    # The file's id, not its name: a name can say whose it is, and the record must not.
    access.access_record(
        request=request,
        action=AccessAction.ATTACHMENT_DOWNLOADED,
        references=[case.reference],
        detail=f"attachment={attachment.pk}",
    )
    return attachment_response(attachment)


# --- CSV export ------------------------------------------------------------------------

CSV_HEADER = [
    "reference",
    "created",
    "status",
    "status_label",
    "track",
    "track_label",
    "priority",
    "assignee",
    "district",
    "district_name",
    "topic",
    "topic_label",
    "first_response_due",
    "first_responded_at",
    "closed_at",
]
CHUNK_SIZE = 2000


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    # Formula-like text is neutralised by csv_pieces, for every CSV the site writes.
    return str(value)


def _labels() -> dict[str, dict[str, str]]:
    """Code -> label of the coded columns, in the active language."""
    labels = {
        kind: {code: str(label) for code, label in choices.choices}
        for kind, choices in (("status", Status), ("track", Track), ("topic", Topic))
    }
    english = (translation.get_language() or "ko").startswith("en")
    labels["district"] = dict(
        District.objects.values_list("code", "name_en" if english else "name_ko")
    )
    return labels


def _csv_rows(queryset: QuerySet, labels: dict[str, dict[str, str]]) -> Iterator[list[str]]:
    yield CSV_HEADER
    rows = queryset.select_related("assignee").iterator(chunk_size=CHUNK_SIZE)
    for case in rows:
        yield [
            _cell(value)
            for value in (
                case.reference,
                case.created_at,
                case.status,
                labels["status"].get(case.status, case.status),
                case.track,
                labels["track"].get(case.track, case.track),
                case.priority,
                case.assignee.get_username() if case.assignee else "",
                case.district_id,
                labels["district"].get(case.district_id, "") if case.district_id else "",
                case.topic,
                labels["topic"].get(case.topic, case.topic),
                case.first_response_due.isoformat(),
                case.first_responded_at,
                case.closed_at,
            )
        ]


def csv_response(request, queryset: QuerySet) -> StreamingHttpResponse:
    """The cases of `queryset` (already limited to what the user may see), without any
    message text or contact details. Labels are taken now, in the request's language: the
    rows are written later, while the response streams.

    The access record counts the cases instead of naming them: an export can hold the whole
    desk, and what it holds is the list's filter, which the counselor chose."""
    access.access_record(
        request=request,
        action=AccessAction.CASES_EXPORTED,
        detail=f"cases={queryset.count()}",
    )
    return csv_attachment(
        _csv_rows(queryset, _labels()), filename=f"cases-{timezone.localdate():%Y%m%d}.csv"
    )


def cases_export(request, *, model_admin):
    """The cases of the list as filtered now (same parameters as the list's URL)."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        return HttpResponseBadRequest(_("These list filters are not valid."))
    return csv_response(request, changelist.queryset)


# --- the managers' dashboard -----------------------------------------------------------


def week_start(now: datetime | None = None) -> datetime:
    """Monday 00:00 of the current week in Seoul."""
    local = (now or timezone.now()).astimezone(SEOUL)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time.min, tzinfo=SEOUL)


def dashboard_figures(today=None, since: datetime | None = None) -> dict:
    """Open cases per track and status, overdue and new this week, in two queries."""
    today = today or timezone.localdate()
    since = since or week_start()
    open_counts = {}
    overdue = {}
    grouped = (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .values("track", "status")
        .annotate(
            n=Count("id"),
            late=Count(
                "id", filter=Q(first_responded_at__isnull=True, first_response_due__lt=today)
            ),
        )
        .order_by()
    )
    for row in grouped:
        open_counts[(row["track"], row["status"])] = row["n"]
        overdue[row["track"]] = overdue.get(row["track"], 0) + row["late"]
    new = dict(
        Case.objects.filter(created_at__gte=since)
        .values("track")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("track", "n")
    )
    rows = []
    for track, label in Track.choices:
        counts = [open_counts.get((track, status), 0) for status in OPEN_STATUSES]
        rows.append(
            {
                "track": track,
                "label": label,
                "counts": list(zip(OPEN_STATUSES, counts, strict=True)),
                "open": sum(counts),
                "overdue": overdue.get(track, 0),
                "new": new.get(track, 0),
            }
        )
    totals = {
        "counts": [
            (status, sum(open_counts.get((t, status), 0) for t in Track.values))
            for status in OPEN_STATUSES
        ],
        "open": sum(open_counts.values()),
        "overdue": sum(overdue.values()),
        "new": sum(new.values()),
    }
    return {
        "rows": rows,
        "totals": totals,
        "statuses": [(s, Status(s).label) for s in OPEN_STATUSES],
        "week_start": since,
        "today": today,
    }


def dashboard(request, *, model_admin):
    if not permissions.is_manager(request.user):
        raise PermissionDenied
    opts = model_admin.opts
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Desk dashboard"),
        "opts": opts,
        "app_label": opts.app_label,
        "has_view_permission": True,
        "changelist_url": reverse("admin:consult_case_changelist"),
        # Normally 0: a worker opens each inquiry seconds after it arrives.
        "waiting": Submission.objects.count(),
        # Normally 0 too: a mail is failed only after a day of retries (outbox).
        "failed_mails": OutgoingMail.objects.failed().count(),
        **dashboard_figures(),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/consult/case/dashboard.html", context)
