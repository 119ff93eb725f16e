"""Consulting engagements: starting one copies its kind's standard checklist, meetings with a
counselor or an outside expert, ticking steps off (who and when), and linking a case to the
registry co-op it helped found; and every refusal, with nothing written."""

import importlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from consult import consulting, workflow
from consult.consulting import ConsultingError
from consult.models import (
    Case,
    ChecklistItem,
    ChecklistTemplateItem,
    Engagement,
    EngagementKind,
    Meeting,
    Message,
)
from tests.registry.factories import CooperativeFactory

from .factories import StaffFactory, counselor, routed_case, submit_case

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
STEPS = importlib.import_module("consult.migrations.0009_checklist_steps").STEPS
WHEN = datetime(2026, 11, 25, 14, 0, tzinfo=SEOUL)


@pytest.fixture(autouse=True)
def _english(settings):
    """Refusals and notes are asserted on their English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return counselor("consulting", username="consult1")


@pytest.fixture
def actor(staff):
    return workflow.Actor.staff(staff)


@pytest.fixture
def case(staff):
    case, _token = routed_case("consulting")
    assert case.assignee == staff
    return case


@pytest.fixture
def engagement(case, actor):
    return consulting.engagement_start(case_id=case.pk, kind="founding", actor=actor)


def close(case: Case) -> None:
    workflow.case_transition(case_id=case.pk, status="closed", actor=workflow.Actor.system())


def notes(case: Case) -> list[str]:
    return list(
        Message.objects.filter(case=case, is_internal=True)
        .order_by("pk")
        .values_list("body", flat=True)
    )


# --- starting an engagement -----------------------------------------------------------------


@pytest.mark.parametrize("kind", EngagementKind.values)
def test_starting_copies_the_checklist_of_its_kind(case, actor, staff, kind):
    engagement = consulting.engagement_start(case_id=case.pk, kind=kind, actor=actor)
    assert engagement.case_id == case.pk and engagement.kind == kind
    assert engagement.started_by == staff
    steps = list(
        ChecklistItem.objects.filter(engagement=engagement)
        .order_by("position")
        .values_list("label_ko", "label_en", "done_at")
    )
    assert steps == [(ko, en, None) for ko, en in STEPS.get(kind, [])]
    if kind == "founding":
        assert [en for _ko, en, _done in steps] == [
            "Draft the bylaws",
            "Gather the founders and hold the founding meeting",
            "File the founding report, or obtain approval",
            "Register the co-op at the court registry",
            "Register the business with the tax office",
        ]


def test_starting_leaves_an_internal_note_and_bumps_the_version(case, actor):
    version = Case.objects.get(pk=case.pk).version
    consulting.engagement_start(case_id=case.pk, kind="founding", actor=actor)
    assert notes(case) == [
        "Consulting engagement started: Founding a co-op, with a checklist of 5 steps."
    ]
    assert Case.objects.get(pk=case.pk).version == version + 1
    # Not a status, track, assignee or priority change: no event.
    assert not case.events.filter(created_at__gt=Engagement.objects.get().started_at).exists()


def test_a_later_edit_of_the_standard_checklist_leaves_started_engagements_alone(engagement, case):
    ChecklistTemplateItem.objects.filter(kind="founding", position=1).update(label_en="Changed")
    ChecklistTemplateItem.objects.create(kind="founding", position=6, label_ko="새", label_en="New")
    labels = list(engagement.checklist.values_list("label_en", flat=True))
    assert labels[0] == "Draft the bylaws" and len(labels) == 5


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("advice", "Only a case in the consulting service can start an engagement."),
        ("triage", "Only a case in the consulting service can start an engagement."),
        ("closed", "A case that is over cannot start an engagement."),
        ("twice", "This case already has an engagement."),
        ("kind", "Unknown kind of engagement."),
        ("system", "Only a counselor can do this."),
    ],
)
def test_starting_is_refused(case, actor, setup, message):
    kind = "founding"
    if setup == "advice":
        case, _ = routed_case("advice")
    elif setup == "triage":
        case, _ = submit_case()
    elif setup == "closed":
        close(case)
    elif setup == "twice":
        consulting.engagement_start(case_id=case.pk, kind="founding", actor=actor)
    elif setup == "kind":
        kind = "party"
    elif setup == "system":
        actor = workflow.Actor.system()
    before = (Engagement.objects.count(), ChecklistItem.objects.count(), len(notes(case)))
    with pytest.raises(ConsultingError) as refused:
        consulting.engagement_start(case_id=case.pk, kind=kind, actor=actor)
    assert str(refused.value) == message
    assert before == (Engagement.objects.count(), ChecklistItem.objects.count(), len(notes(case)))


def test_a_resolved_case_may_still_start_one(case, actor):
    workflow.case_transition(case_id=case.pk, status="resolved", actor=actor)
    assert consulting.engagement_start(case_id=case.pk, kind="other", actor=actor).pk


# --- meetings -------------------------------------------------------------------------------


def test_meetings_with_a_counselor_and_with_an_outside_expert(engagement, actor, staff):
    first = consulting.meeting_add(
        engagement_id=engagement.pk,
        starts_at=WHEN,
        counselor=staff,
        place=" Room 2 ",
        summary="Went through the business plan.",
        next_step="Send the draft bylaws.",
        next_step_due=date(2026, 12, 2),
        actor=actor,
    )
    second = consulting.meeting_add(
        engagement_id=engagement.pk,
        starts_at=WHEN + timedelta(days=7),
        expert_name="Jeong Haneul",
        expert_field="accounting",
        summary="Capital and first-year budget.",
        actor=actor,
    )
    assert first.place == "Room 2" and first.counselor == staff
    assert (second.counselor, second.expert_field) == (None, "accounting")
    assert list(engagement.meetings.order_by("starts_at")) == [first, second]
    summary = consulting.engagement_summary(engagement.case)
    assert (summary.steps_total, summary.steps_done) == (5, 0)
    assert summary.meetings == [first, second]
    # The latest meeting that agreed on a next step gives the engagement's next step.
    assert summary.next_step == first
    assert summary.next_step.next_step_due == date(2026, 12, 2)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "Name the counselor or the outside expert of the meeting."),
        ({"expert_name": "Kim"}, "Say in which field the outside expert advises."),
        (
            {"counselor": "staff", "expert_field": "legal"},
            "Give the outside expert's name, or leave their field empty.",
        ),
        (
            {"expert_name": "Kim", "expert_field": "astrology"},
            "Unknown field of expertise.",
        ),
        (
            {"counselor": "staff", "next_step_due": date(2026, 12, 1)},
            "Say what the next step is before giving its due date.",
        ),
        ({"counselor": "inactive"}, "This counselor's account is not active."),
    ],
)
def test_a_meeting_is_refused(engagement, actor, staff, values, message):
    if values.get("counselor") == "staff":
        values["counselor"] = staff
    elif values.get("counselor") == "inactive":
        values["counselor"] = StaffFactory(username="gone", is_active=False)
    with pytest.raises(ConsultingError) as refused:
        consulting.meeting_add(engagement_id=engagement.pk, starts_at=WHEN, actor=actor, **values)
    assert str(refused.value) == message
    assert not Meeting.objects.exists()


def test_a_meeting_is_rewritten_after_it_took_place(engagement, actor, staff):
    meeting = consulting.meeting_add(
        engagement_id=engagement.pk, starts_at=WHEN, counselor=staff, actor=actor
    )
    consulting.meeting_update(
        meeting_id=meeting.pk,
        starts_at=WHEN + timedelta(hours=1),
        counselor=staff,
        expert_name="Yoon",
        expert_field="labour",
        summary="Employment contracts.",
        next_step="Draft the contracts.",
        next_step_due=date(2026, 12, 9),
        actor=actor,
    )
    meeting.refresh_from_db()
    assert meeting.starts_at == WHEN + timedelta(hours=1)
    assert (meeting.expert_name, meeting.expert_field) == ("Yoon", "labour")
    assert (meeting.next_step, meeting.next_step_due) == ("Draft the contracts.", date(2026, 12, 9))


def test_a_case_that_is_over_takes_no_more_meetings(engagement, actor, staff, case):
    meeting = consulting.meeting_add(
        engagement_id=engagement.pk, starts_at=WHEN, counselor=staff, actor=actor
    )
    close(case)
    with pytest.raises(ConsultingError, match="The case is over"):
        consulting.meeting_add(
            engagement_id=engagement.pk, starts_at=WHEN, counselor=staff, actor=actor
        )
    with pytest.raises(ConsultingError, match="The case is over"):
        consulting.meeting_update(
            meeting_id=meeting.pk, starts_at=WHEN, counselor=staff, summary="x", actor=actor
        )
    assert Meeting.objects.get().summary == ""


# --- the checklist --------------------------------------------------------------------------


def test_ticking_records_who_and_when_and_unticking_clears_it(engagement, actor, staff):
    item = engagement.checklist.order_by("position").first()
    ticked = consulting.checklist_tick(item_id=item.pk, done=True, actor=actor)
    assert ticked.done_by == staff and ticked.done_at is not None
    # Ticking again keeps who ticked it first.
    other = counselor("consulting", username="consult2")
    again = consulting.checklist_tick(item_id=item.pk, done=True, actor=workflow.Actor.staff(other))
    assert (again.done_by, again.done_at) == (staff, ticked.done_at)
    summary = consulting.engagement_summary(engagement.case)
    assert (summary.steps_done, summary.steps_total) == (1, 5)
    cleared = consulting.checklist_tick(item_id=item.pk, done=False, actor=actor)
    assert (cleared.done_by, cleared.done_at) == (None, None)
    item.refresh_from_db()
    assert item.done_at is None


def test_ticking_is_refused_to_the_system_and_on_a_case_that_is_over(engagement, actor, case):
    item = engagement.checklist.first()
    with pytest.raises(ConsultingError, match="Only a counselor"):
        consulting.checklist_tick(item_id=item.pk, done=True, actor=workflow.Actor.system())
    close(case)
    with pytest.raises(ConsultingError, match="The case is over"):
        consulting.checklist_tick(item_id=item.pk, done=True, actor=actor)
    assert not ChecklistItem.objects.filter(done_at__isnull=False).exists()


# --- the co-op founded ----------------------------------------------------------------------


def test_linking_and_unlinking_the_registry_co_op(case, actor):
    coop = CooperativeFactory(name="새날협동조합", registration_no="2026-00042")
    consulting.case_link_cooperative(case_id=case.pk, cooperative_id=coop.pk, actor=actor)
    assert Case.objects.get(pk=case.pk).cooperative == coop
    assert notes(case)[-1] == (
        "Linked to the registry entry of the co-op it helped to found: 새날협동조합 (2026-00042)."
    )
    # The same link again changes nothing and writes no second note.
    consulting.case_link_cooperative(case_id=case.pk, cooperative_id=coop.pk, actor=actor)
    assert len(notes(case)) == 1
    consulting.case_unlink_cooperative(case_id=case.pk, actor=actor)
    assert Case.objects.get(pk=case.pk).cooperative is None
    assert notes(case)[-1] == "No longer linked to the registry co-op 새날협동조합 (2026-00042)."
    consulting.case_unlink_cooperative(case_id=case.pk, actor=actor)
    assert len(notes(case)) == 2


def test_a_closed_case_can_be_linked_later(case, actor):
    """A co-op is registered months after its last meeting."""
    close(case)
    coop = CooperativeFactory()
    consulting.case_link_cooperative(case_id=case.pk, cooperative_id=coop.pk, actor=actor)
    assert Case.objects.get(pk=case.pk).cooperative == coop


def test_linking_is_refused_for_spam_and_unknown_co_ops(actor):
    spam, _ = submit_case()
    workflow.case_transition(case_id=spam.pk, status="spam", actor=actor)
    coop = CooperativeFactory()
    with pytest.raises(ConsultingError, match="A spam or merged case"):
        consulting.case_link_cooperative(case_id=spam.pk, cooperative_id=coop.pk, actor=actor)
    case, _ = routed_case("education")
    with pytest.raises(ConsultingError, match="No co-op in the registry has this id"):
        consulting.case_link_cooperative(case_id=case.pk, cooperative_id=coop.pk + 1, actor=actor)
    assert not Case.objects.filter(cooperative__isnull=False).exists()


def test_a_co_op_removed_from_the_registry_leaves_the_case(case, actor):
    coop = CooperativeFactory()
    consulting.case_link_cooperative(case_id=case.pk, cooperative_id=coop.pk, actor=actor)
    coop.delete()
    assert Case.objects.get(pk=case.pk).cooperative is None


def test_a_meeting_keeps_its_counselor_after_they_left(engagement, actor):
    leaver = counselor("consulting", username="leaver")
    meeting = consulting.meeting_add(
        engagement_id=engagement.pk, starts_at=WHEN, counselor=leaver, actor=actor
    )
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    consulting.meeting_update(
        meeting_id=meeting.pk, starts_at=WHEN, counselor=leaver, summary="Held.", actor=actor
    )
    assert Meeting.objects.get().summary == "Held."
    # But nobody names them for a new meeting.
    with pytest.raises(ConsultingError, match="not active"):
        consulting.meeting_add(
            engagement_id=engagement.pk, starts_at=WHEN, counselor=leaver, actor=actor
        )
