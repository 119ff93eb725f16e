"""Consulting engagements: the meetings of a consulting case, its checklist, and the registry
entry of the co-op a case helped to found.

None of this changes a case's status, track, assignee or priority, so no workflow Event is
written. Meetings and checklist steps carry their own record (the meeting rows; who ticked a
step and when). Starting an engagement and linking a case to its co-op also leave an internal
note on the case, because they change what the case is about and the counselors read the
case's timeline, not the engagement's page: the note says when and by whom. Notes are written
in the site's language, like the staff's mails; they are never shown to the citizen.

Policy (what may be done to a case as it is now) is checked here and refused with a
ConsultingError whose message is fit to show; the database keeps the invariants (one
engagement per case, a meeting has someone, a ticked step names who ticked it).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import Cooperative

from . import workflow
from .models import (
    Case,
    ChecklistItem,
    ChecklistTemplateItem,
    Engagement,
    EngagementKind,
    Event,
    ExpertField,
    Meeting,
    Status,
    Track,
)

# A case in these statuses was never a real inquiry: it cannot have founded a co-op.
NOT_INQUIRIES = (Status.SPAM, Status.MERGED)


class ConsultingError(Exception):
    """A change this module refuses; the message is fit to show to the person asking.
    `field` names the input it is about, when there is one (for a form to show it there)."""

    def __init__(self, message, field: str = ""):
        super().__init__(message)
        self.field = field


# --- internals -----------------------------------------------------------------------------


def _staff_user(actor: workflow.Actor):
    if actor.kind != Event.Actor.STAFF or actor.user is None:
        raise ConsultingError(_("Only a counselor can do this."))
    return actor.user


def _lock_case(case_id: int) -> Case:
    case = Case.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise ConsultingError(_("This case does not exist."))
    return case


def _check_not_over(case: Case) -> None:
    if case.is_final:
        raise ConsultingError(_("The case is over: its engagement can no longer change."))


def _note(case: Case, actor: workflow.Actor, text: str) -> None:
    """An internal note on the case, written by the staff member who made the change."""
    if actor.user is None:
        return  # notes are by staff; a system change is recorded on its own rows only
    workflow.case_note(case_id=case.pk, actor=actor, body=text)


# --- engagements -----------------------------------------------------------------------------


@transaction.atomic
def engagement_start(*, case_id: int, kind: str, actor: workflow.Actor) -> Engagement:
    """Open the consulting engagement of a case and copy the standard checklist of its kind
    onto it. One engagement per case; only a consulting case that is not over."""
    user = _staff_user(actor)
    if kind not in EngagementKind.values:
        raise ConsultingError(_("Unknown kind of engagement."))
    case = _lock_case(case_id)
    if case.track != Track.CONSULTING:
        raise ConsultingError(_("Only a case in the consulting service can start an engagement."))
    if case.is_final:
        raise ConsultingError(_("A case that is over cannot start an engagement."))
    # The case's row lock serialises two counselors starting at once; the one-to-one key
    # would refuse the second anyway.
    if Engagement.objects.filter(case=case).exists():
        raise ConsultingError(_("This case already has an engagement."))
    engagement = Engagement.objects.create(case=case, kind=kind, started_by=user)
    steps = ChecklistTemplateItem.objects.filter(kind=kind).order_by("position", "pk")
    items = ChecklistItem.objects.bulk_create(
        ChecklistItem(
            engagement=engagement,
            position=step.position,
            label_ko=step.label_ko,
            label_en=step.label_en,
        )
        for step in steps
    )
    with translation.override(settings.LANGUAGE_CODE):
        _note(
            case,
            actor,
            gettext("Consulting engagement started: %(kind)s, with a checklist of %(steps)d steps.")
            % {"kind": EngagementKind(kind).label, "steps": len(items)},
        )
    return engagement


# --- meetings --------------------------------------------------------------------------------


def meeting_check(
    *,
    starts_at: datetime,
    counselor,
    expert_name: str,
    expert_field: str,
    place: str,
    summary: str,
    next_step: str,
    next_step_due: date | None,
    current_counselor=None,
) -> dict:
    """A meeting's values, cleaned, or a ConsultingError naming the input at fault. The
    admin's form asks this too, to show the refusal beside the field. A meeting rewritten
    with the counselor it had (`current_counselor`) keeps them even if they have left."""
    expert_name, expert_field = expert_name.strip(), expert_field.strip()
    next_step = next_step.strip()
    if starts_at is None:
        raise ConsultingError(_("Give the meeting's date and time."), "starts_at")
    if counselor is None and not expert_name:
        raise ConsultingError(
            _("Name the counselor or the outside expert of the meeting."), "counselor"
        )
    if (
        counselor is not None
        and counselor != current_counselor
        and not (counselor.is_active and counselor.is_staff)
    ):
        raise ConsultingError(_("This counselor's account is not active."), "counselor")
    if expert_field and expert_field not in ExpertField.values:
        raise ConsultingError(_("Unknown field of expertise."), "expert_field")
    if expert_name and not expert_field:
        raise ConsultingError(_("Say in which field the outside expert advises."), "expert_field")
    if expert_field and not expert_name:
        raise ConsultingError(
            _("Give the outside expert's name, or leave their field empty."), "expert_name"
        )
    if next_step_due is not None and not next_step:
        raise ConsultingError(
            _("Say what the next step is before giving its due date."), "next_step"
        )
    return {
        "starts_at": starts_at,
        "counselor": counselor,
        "expert_name": expert_name,
        "expert_field": expert_field,
        "place": place.strip(),
        "summary": summary.strip(),
        "next_step": next_step,
        "next_step_due": next_step_due,
    }


@transaction.atomic
def meeting_add(
    *,
    engagement_id: int,
    starts_at: datetime,
    counselor=None,
    expert_name: str = "",
    expert_field: str = "",
    place: str = "",
    summary: str = "",
    next_step: str = "",
    next_step_due: date | None = None,
    actor: workflow.Actor,
) -> Meeting:
    """Record a meeting (planned or held) of the engagement."""
    _staff_user(actor)
    engagement = Engagement.objects.select_related("case").filter(pk=engagement_id).first()
    if engagement is None:
        raise ConsultingError(_("This engagement does not exist."))
    _check_not_over(_lock_case(engagement.case_id))
    values = meeting_check(
        starts_at=starts_at,
        counselor=counselor,
        expert_name=expert_name,
        expert_field=expert_field,
        place=place,
        summary=summary,
        next_step=next_step,
        next_step_due=next_step_due,
    )
    return Meeting.objects.create(engagement=engagement, **values)


@transaction.atomic
def meeting_update(
    *,
    meeting_id: int,
    starts_at: datetime,
    counselor=None,
    expert_name: str = "",
    expert_field: str = "",
    place: str = "",
    summary: str = "",
    next_step: str = "",
    next_step_due: date | None = None,
    actor: workflow.Actor,
) -> Meeting:
    """Rewrite a meeting: after it took place, its summary and the agreed next step."""
    _staff_user(actor)
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("engagement")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise ConsultingError(_("This meeting does not exist."))
    _check_not_over(_lock_case(meeting.engagement.case_id))
    values = meeting_check(
        starts_at=starts_at,
        counselor=counselor,
        expert_name=expert_name,
        expert_field=expert_field,
        place=place,
        summary=summary,
        next_step=next_step,
        next_step_due=next_step_due,
        current_counselor=meeting.counselor,
    )
    for name, value in values.items():
        setattr(meeting, name, value)
    meeting.save(update_fields=list(values))
    return meeting


# --- the checklist ---------------------------------------------------------------------------


@transaction.atomic
def checklist_tick(*, item_id: int, done: bool, actor: workflow.Actor) -> ChecklistItem:
    """Tick a step off (recording who and when) or untick it. Ticking a step that is already
    ticked keeps who ticked it first."""
    user = _staff_user(actor)
    item = (
        ChecklistItem.objects.select_for_update(of=("self",))
        .select_related("engagement")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise ConsultingError(_("This checklist step does not exist."))
    _check_not_over(_lock_case(item.engagement.case_id))
    if done and item.done_at is None:
        item.done_at, item.done_by = timezone.now(), user
        item.save(update_fields=["done_at", "done_by"])
    elif not done and item.done_at is not None:
        item.done_at, item.done_by = None, None
        item.save(update_fields=["done_at", "done_by"])
    return item


# --- the co-op a case helped to found ----------------------------------------------------------


@transaction.atomic
def case_link_cooperative(*, case_id: int, cooperative_id: int, actor: workflow.Actor) -> Case:
    """Link the case to the registry entry of the co-op it helped to found. Allowed on a
    closed case too: a co-op is often registered months after its last meeting."""
    _staff_user(actor)
    cooperative = Cooperative.objects.filter(pk=cooperative_id).first()
    if cooperative is None:
        raise ConsultingError(_("No co-op in the registry has this id."))
    case = _lock_case(case_id)
    if case.status in NOT_INQUIRIES:
        raise ConsultingError(_("A spam or merged case cannot be linked to a co-op."))
    if case.cooperative_id == cooperative.pk:
        return case
    case.cooperative = cooperative
    case.save(update_fields=["cooperative", "updated_at"])
    with translation.override(settings.LANGUAGE_CODE):
        _note(
            case,
            actor,
            gettext("Linked to the registry entry of the co-op it helped to found: %(coop)s.")
            % {"coop": _cooperative_text(cooperative)},
        )
    return case


@transaction.atomic
def case_unlink_cooperative(*, case_id: int, actor: workflow.Actor) -> Case:
    """Remove the link (it was the wrong co-op, say); the note keeps what it was."""
    _staff_user(actor)
    case = _lock_case(case_id)
    if case.cooperative_id is None:
        return case
    cooperative = Cooperative.objects.get(pk=case.cooperative_id)
    case.cooperative = None
    case.save(update_fields=["cooperative", "updated_at"])
    with translation.override(settings.LANGUAGE_CODE):
        _note(
            case,
            actor,
            gettext("No longer linked to the registry co-op %(coop)s.")
            % {"coop": _cooperative_text(cooperative)},
        )
    return case


def _cooperative_text(cooperative: Cooperative) -> str:
    if cooperative.registration_no:
        return f"{cooperative.name} ({cooperative.registration_no})"
    return cooperative.name


# --- reads -------------------------------------------------------------------------------------


@dataclass
class EngagementSummary:
    """What the case page shows of an engagement."""

    engagement: Engagement
    steps_total: int
    steps_done: int
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def next_step(self) -> Meeting | None:
        """The latest meeting that agreed on a next step: its step and due date are the
        engagement's next step."""
        agreed = [m for m in self.meetings if m.next_step]
        return agreed[-1] if agreed else None


def engagement_summary(case: Case) -> EngagementSummary | None:
    """The case's engagement with its checklist progress and meetings (two queries), or
    None."""
    engagement = (
        Engagement.objects.filter(case=case)
        .select_related("started_by")
        .annotate(
            steps_total=Count("checklist"),
            steps_done=Count("checklist", filter=Q(checklist__done_at__isnull=False)),
        )
        .first()
    )
    if engagement is None:
        return None
    meetings = list(engagement.meetings.select_related("counselor"))
    return EngagementSummary(
        engagement=engagement,
        steps_total=engagement.steps_total,
        steps_done=engagement.steps_done,
        meetings=meetings,
    )
