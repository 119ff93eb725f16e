"""The case workflow, proved as a table: every (old, new) pair of statuses and of tracks is
either in TRANSITIONS (and then writes exactly its events) or refused (and writes nothing)."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from consult import workflow
from consult.models import (
    FINAL_STATUSES,
    AccessToken,
    Attachment,
    Case,
    Event,
    Message,
    Status,
    Track,
)
from consult.services import case_survivor, token_issue, token_lookup
from coopcenter.outbox.models import OutgoingMail

from .factories import StaffFactory, counselor, manager, routed_case, submit_case

pytestmark = pytest.mark.django_db

S, T = Status, Track
README = Path(__file__).resolve().parents[2] / "consult" / "README.md"
# Fields a refused change must leave exactly as they were.
ROW_FIELDS = [
    "status",
    "track",
    "assignee_id",
    "priority",
    "merged_into_id",
    "version",
    "first_response_due",
    "first_responded_at",
    "closed_at",
    "updated_at",
]


@pytest.fixture(autouse=True)
def _english():
    """Refusals are asserted on their English source text; the catalogue translates them."""
    with translation.override("en"):
        yield


def db_allows(status: str, track: str) -> bool:
    """The state the database accepts (constraint consult_case_routed_before_work)."""
    return status in (S.NEW, S.SPAM, S.MERGED) or track != T.TRIAGE


def snapshot(case_id: int) -> dict:
    return Case.objects.filter(pk=case_id).values(*ROW_FIELDS).get()


def make_case(status: str, track: str) -> Case:
    """A submitted case put straight into (status, track) for the table."""
    case, _token = submit_case()
    fields = {"status": status, "track": track}
    if status == S.MERGED:
        other, _ = submit_case(email="other@example.org")
        fields["merged_into"] = other
    if status in FINAL_STATUSES:
        fields["closed_at"] = timezone.now()
    Case.objects.filter(pk=case.pk).update(**fields)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def staff():
    # In no team, so the round-robin never picks them and every event is the table's own.
    return StaffFactory(username="actor")


# --- status x status ----------------------------------------------------------------------

STATUS_STATES = [(s, t) for s in S.values for t in (T.TRIAGE, T.ADVICE) if db_allows(s, t)]
STATUS_CASES = [(s, t, new) for s, t in STATUS_STATES for new in S.values]


def status_change_allowed(old: str, track: str, new: str) -> bool:
    if new == S.MERGED:  # merging has its own function (it needs a target)
        return False
    if not workflow.is_allowed("status", old, new):
        return False
    return not (old == S.NEW and track == T.TRIAGE and new not in (S.SPAM, S.MERGED))


@pytest.mark.parametrize(("old", "track", "new"), STATUS_CASES)
def test_status_table(staff, old, track, new):
    case = make_case(old, track)
    before = snapshot(case.pk)
    events_before = Event.objects.count()
    mails_before = OutgoingMail.objects.count()

    if status_change_allowed(old, track, new):
        result = workflow.case_transition(
            case_id=case.pk, status=new, actor=workflow.Actor.staff(staff), reason="table"
        )
        assert result.status == new
        events = list(Event.objects.filter(case=case))
        assert len(events) == 1
        event = events[0]
        assert (event.field, event.old_value, event.new_value) == ("status", old, new)
        assert (event.actor_kind, event.actor_id, event.reason) == ("staff", staff.pk, "table")
        after = snapshot(case.pk)
        assert after["status"] == new
        assert after["version"] == before["version"] + 1
        assert after["track"] == before["track"] and after["assignee_id"] == before["assignee_id"]
        assert (after["closed_at"] is not None) == (new in FINAL_STATUSES)
    else:
        with pytest.raises(workflow.WorkflowError):
            workflow.case_transition(case_id=case.pk, status=new, actor=workflow.Actor.staff(staff))
        assert snapshot(case.pk) == before
        assert Event.objects.count() == events_before
        assert OutgoingMail.objects.count() == mails_before


@pytest.mark.parametrize(("old", "track"), STATUS_STATES)
def test_merge_table(staff, old, track):
    """Merging is the status change to `merged`; allowed from the statuses TRANSITIONS says."""
    case = make_case(old, track)
    target, _ = routed_case(email=" Hana@Example.org ")  # the same citizen
    before = snapshot(case.pk)
    events_before = Event.objects.count()
    if workflow.is_allowed("status", old, S.MERGED):
        workflow.case_merge(
            case_id=case.pk, into_reference=target.reference, actor=workflow.Actor.staff(staff)
        )
        events = [(e.field, e.old_value, e.new_value) for e in Event.objects.filter(case=case)]
        assert events == [("status", old, S.MERGED), ("merged_into", "", target.reference)]
        case.refresh_from_db()
        assert case.merged_into_id == target.pk and case.version == before["version"] + 1
    else:
        with pytest.raises(workflow.WorkflowError):
            workflow.case_merge(
                case_id=case.pk, into_reference=target.reference, actor=workflow.Actor.staff(staff)
            )
        assert snapshot(case.pk) == before
        assert Event.objects.count() == events_before


@pytest.mark.parametrize(("old", "track"), STATUS_STATES)
def test_allowed_statuses_are_the_table_rows(old, track):
    """The admin's buttons offer exactly the changes the table allows (merge aside)."""
    case = make_case(old, track)
    offered = set(workflow.allowed_statuses(case))
    assert offered == {new for new in S.values if status_change_allowed(old, track, new)}


# --- track x track ------------------------------------------------------------------------

TRACK_CASES = [
    (status, old, new)
    for status in S.values
    for old in T.values
    for new in T.values
    if db_allows(status, old)
]


def track_change_allowed(status: str, old: str, new: str) -> bool:
    return status in workflow.ROUTABLE_STATUSES and workflow.is_allowed("track", old, new)


@pytest.mark.parametrize(("status", "old", "new"), TRACK_CASES)
def test_track_table(staff, status, old, new):
    case = make_case(status, old)
    before = snapshot(case.pk)
    events_before = Event.objects.count()
    mails_before = OutgoingMail.objects.count()

    if track_change_allowed(status, old, new):
        workflow.case_route(
            case_id=case.pk, track=new, actor=workflow.Actor.staff(staff), reason="table"
        )
        events = [
            (e.field, e.old_value, e.new_value, e.actor_kind, e.actor_id)
            for e in Event.objects.filter(case=case)
        ]
        expected = [("track", old, new, "staff", staff.pk)]
        if status == S.NEW:  # leaving triage: the case is triaged in the same change
            expected.append(("status", S.NEW, S.TRIAGED, "staff", staff.pk))
        # No team has members here, so the round-robin assigns nobody.
        assert events == expected
        after = snapshot(case.pk)
        assert after["track"] == new
        assert after["status"] == (S.TRIAGED if status == S.NEW else status)
        referred = OutgoingMail.objects.filter(template="consult_referred").count()
        assert referred == (1 if old != T.TRIAGE else 0)
    else:
        with pytest.raises(workflow.WorkflowError):
            workflow.case_route(
                case_id=case.pk, track=new, actor=workflow.Actor.staff(staff), reason="table"
            )
        assert snapshot(case.pk) == before
        assert Event.objects.count() == events_before
        assert OutgoingMail.objects.count() == mails_before


@pytest.mark.parametrize(("status", "old"), sorted({(s, o) for s, o, _n in TRACK_CASES}))
def test_allowed_tracks_are_the_table_rows(status, old):
    case = make_case(status, old)
    assert set(workflow.allowed_tracks(case)) == {
        new for new in T.values if track_change_allowed(status, old, new)
    }


def test_the_table_has_every_pair():
    assert len(STATUS_CASES) == len(STATUS_STATES) * len(S.values)
    assert {(s, t) for s, t in STATUS_STATES} >= {(s, T.ADVICE) for s in S.values}
    assert {(o, n) for _s, o, n in TRACK_CASES} == {(o, n) for o in T.values for n in T.values}


# --- routing and referral -----------------------------------------------------------------


def test_routing_out_of_triage_triages_and_assigns_round_robin(staff):
    triage = counselor("triage", username="tri")
    a = counselor("education", username="edu-a")
    b = counselor("education", username="edu-b")
    case, _ = submit_case()
    assert case.assignee == triage
    routed = []
    for _ in range(3):
        case, _ = submit_case()
        case = workflow.case_route(
            case_id=case.pk, track=T.EDUCATION, actor=workflow.Actor.staff(staff)
        )
        assert case.status == S.TRIAGED and case.track == T.EDUCATION
        routed.append(case.assignee)
        assignment = Event.objects.filter(case=case, field="assignee").last()
        assert assignment.actor_kind == "system"
        assert assignment.new_value == str(case.assignee.pk)
    assert routed == [a, b, a]


def test_referral_needs_a_reason(staff):
    case, _ = routed_case(T.ADVICE)
    before = snapshot(case.pk)
    for reason in ("", "   "):
        with pytest.raises(workflow.WorkflowError, match="why"):
            workflow.case_route(
                case_id=case.pk,
                track=T.CONSULTING,
                actor=workflow.Actor.staff(staff),
                reason=reason,
            )
    assert snapshot(case.pk) == before


def test_referral_keeps_reference_and_links_and_mails_once(staff):
    case, token = routed_case(T.ADVICE)
    reference = case.reference
    workflow.case_route(
        case_id=case.pk,
        track=T.CONSULTING,
        actor=workflow.Actor.staff(staff),
        reason="needs several meetings on bylaws",
    )
    case.refresh_from_db()
    assert case.reference == reference and case.track == T.CONSULTING
    assert token_lookup(reference=reference, token=token) == (case, case.tokens.get())
    mails = OutgoingMail.objects.filter(template="consult_referred")
    assert mails.count() == 1
    mail = mails.get()
    assert mail.recipient == case.email
    assert (mail.context["old_track"], mail.context["new_track"]) == ("advice", "consulting")
    event = Event.objects.get(case=case, field="track", new_value="consulting")
    assert event.reason == "needs several meetings on bylaws"
    # Queueing the same referral again (a retried task, say) is the same mail.
    from consult import mails as consult_mails

    consult_mails.mail_referred(case=case, event=event)
    assert mails.count() == 1


def test_referral_to_a_team_with_nobody_keeps_the_previous_assignee(staff):
    """Decision: the counselor who had the case keeps it (and the citizen's replies) until
    the new team has someone; a manager can reassign. Routing a new case to such a team
    likewise keeps the triage counselor."""
    triage = counselor("triage", username="tri")
    case, _ = submit_case()
    case = workflow.case_route(case_id=case.pk, track=T.ADVICE, actor=workflow.Actor.staff(staff))
    assert case.assignee == triage
    assert (
        not Event.objects.filter(case=case, field="assignee")
        .exclude(new_value=str(triage.pk))
        .exists()
    )


# --- status side effects ------------------------------------------------------------------


def test_resolved_mails_the_citizen(staff):
    case, _ = routed_case()
    workflow.case_transition(case_id=case.pk, status=S.RESOLVED, actor=workflow.Actor.staff(staff))
    mail = OutgoingMail.objects.get(template="consult_resolved")
    assert mail.recipient == case.email and mail.context["reference"] == case.reference


@pytest.mark.parametrize("final", [S.CLOSED, S.SPAM, S.MERGED])
def test_final_statuses_revoke_all_but_the_newest_link(staff, final):
    if final == S.SPAM:
        case, first = submit_case()
    else:
        case, first = routed_case()
    _row, second = token_issue(case=case)
    newest_row, newest = token_issue(case=case)
    if final == S.MERGED:
        target, _ = routed_case()
        workflow.case_merge(
            case_id=case.pk, into_reference=target.reference, actor=workflow.Actor.staff(staff)
        )
    else:
        workflow.case_transition(case_id=case.pk, status=final, actor=workflow.Actor.staff(staff))
    live = AccessToken.objects.filter(case=case, revoked_at__isnull=True)
    assert list(live) == [newest_row]
    reference = case_survivor(Case.objects.get(pk=case.pk)).reference
    assert token_lookup(reference=reference, token=first) is None
    assert token_lookup(reference=reference, token=second) is None
    assert token_lookup(reference=reference, token=newest) is not None


# --- messages -----------------------------------------------------------------------------


def test_citizen_reply_on_waiting_case_goes_back_to_the_counselor(staff):
    advisor = counselor("advice", username="adv")
    case, _ = routed_case(T.ADVICE)
    assert case.assignee == advisor
    workflow.case_reply(
        case_id=case.pk,
        actor=workflow.Actor.staff(advisor),
        body="Which district?",
        wait_on_citizen=True,
    )
    assert Case.objects.get(pk=case.pk).status == S.WAITING_ON_CITIZEN
    workflow.case_citizen_reply(case_id=case.pk, body="Mapo-gu.")
    case.refresh_from_db()
    assert case.status == S.IN_PROGRESS
    event = Event.objects.filter(case=case, field="status").last()
    assert (event.old_value, event.new_value, event.actor_kind, event.actor_id) == (
        S.WAITING_ON_CITIZEN,
        S.IN_PROGRESS,
        "citizen",
        None,
    )
    mail = OutgoingMail.objects.get(template="consult_staff_citizen_replied")
    assert mail.recipient == advisor.email


def test_citizen_reply_on_a_closed_case_is_refused(staff):
    case, _ = routed_case()
    workflow.case_transition(case_id=case.pk, status=S.CLOSED, actor=workflow.Actor.staff(staff))
    with pytest.raises(workflow.WorkflowError):
        workflow.case_citizen_reply(case_id=case.pk, body="one more thing")
    assert not Message.objects.filter(case=case, body="one more thing").exists()


def test_reply_sets_first_responded_at_once(staff):
    case, _ = routed_case()
    first = workflow.case_reply(case_id=case.pk, actor=workflow.Actor.staff(staff), body="One")
    case.refresh_from_db()
    assert case.first_responded_at == first.created_at
    assert case.status == S.IN_PROGRESS
    workflow.case_reply(case_id=case.pk, actor=workflow.Actor.staff(staff), body="Two")
    case.refresh_from_db()
    assert case.first_responded_at == first.created_at


def test_reply_to_a_new_case_is_refused(staff):
    case, _ = submit_case()
    with pytest.raises(workflow.WorkflowError):
        workflow.case_reply(case_id=case.pk, actor=workflow.Actor.staff(staff), body="Hi")
    assert not OutgoingMail.objects.filter(template="consult_reply").exists()


def test_internal_notes_are_never_mailed_nor_in_replies(staff):
    case, _ = routed_case()
    mails_before = set(OutgoingMail.objects.values_list("pk", flat=True))
    note = workflow.case_note(
        case_id=case.pk, actor=workflow.Actor.staff(staff), body="SECRET-NOTE called twice"
    )
    assert note.is_internal
    assert set(OutgoingMail.objects.values_list("pk", flat=True)) == mails_before
    workflow.case_reply(case_id=case.pk, actor=workflow.Actor.staff(staff), body="Our answer")
    reply = OutgoingMail.objects.get(template="consult_reply")
    assert reply.context["body"] == "Our answer"
    assert all("SECRET-NOTE" not in str(m.context) for m in OutgoingMail.objects.all())
    from consult import mails as consult_mails

    with pytest.raises(ValueError, match="internal"):
        consult_mails.mail_reply(case=case, message=note)


# --- merge --------------------------------------------------------------------------------


def test_merge_moves_public_messages_and_files_but_not_notes(staff, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    case, token = routed_case(
        files=[SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")]
    )
    target, _ = routed_case(email="HANA@example.org")
    note = workflow.case_note(case_id=case.pk, actor=workflow.Actor.staff(staff), body="note")
    reply = workflow.case_reply(case_id=case.pk, actor=workflow.Actor.staff(staff), body="answer")
    first = Message.objects.filter(case=case, author_kind="citizen").get()

    merged = workflow.case_merge(
        case_id=case.pk,
        into_reference=f" {target.reference.lower()} ",
        actor=workflow.Actor.staff(staff),
    )
    assert merged.status == S.MERGED and merged.merged_into == target
    assert merged.closed_at is not None
    assert set(Message.objects.filter(case=target).values_list("pk", flat=True)) >= {
        first.pk,
        reply.pk,
    }
    assert Message.objects.get(pk=note.pk).case_id == case.pk
    assert Attachment.objects.get().case_id == target.pk
    # The merged case's link opens the survivor under the survivor's reference.
    found = token_lookup(reference=target.reference, token=token)
    assert found is not None and found[0] == target
    assert case_survivor(merged) == target


def test_merge_refuses_self_final_and_unknown(staff):
    case, _ = routed_case()
    closed, _ = routed_case(email="closed@example.org")
    workflow.case_transition(case_id=closed.pk, status=S.CLOSED, actor=workflow.Actor.staff(staff))
    before = snapshot(case.pk)
    for reference, message in (
        (case.reference, "itself"),
        (closed.reference, "over"),
        ("COOP-1999-000001", "No case"),
    ):
        with pytest.raises(workflow.WorkflowError, match=message):
            workflow.case_merge(
                case_id=case.pk, into_reference=reference, actor=workflow.Actor.staff(staff)
            )
    assert snapshot(case.pk) == before
    assert not Event.objects.filter(case=case, field="merged_into").exists()


def test_merge_with_stale_version_changes_nothing(staff):
    case, _ = routed_case()
    target, _ = routed_case()
    before = snapshot(case.pk)
    with pytest.raises(workflow.StaleCase):
        workflow.case_merge(
            case_id=case.pk,
            into_reference=target.reference,
            actor=workflow.Actor.staff(staff),
            expected_version=case.version - 1,
        )
    assert snapshot(case.pk) == before


# --- merging two citizens' cases -----------------------------------------------------------

HANA = "hana@example.org"  # the factories' citizen


@pytest.mark.parametrize(
    ("target_email", "confirmed", "by", "merges"),
    [
        (HANA, False, "counselor", True),  # the same citizen: any counselor
        ("  Hana@EXAMPLE.org ", False, "counselor", True),  # the same address, typed otherwise
        ("minji@example.org", False, "counselor", False),  # two citizens: refused
        ("minji@example.org", False, "manager", False),  # a manager too must confirm
        ("minji@example.org", True, "counselor", False),  # confirmed, but not by a manager
        ("minji@example.org", True, "system", False),
        ("minji@example.org", True, "manager", True),  # confirmed by a manager
    ],
)
def test_merge_of_two_citizens_table(target_email, confirmed, by, merges):
    actor = {
        "counselor": lambda: workflow.Actor.staff(counselor("advice", username="c1")),
        "manager": lambda: workflow.Actor.staff(manager(username="m1")),
        "system": workflow.Actor.system,
    }[by]()
    case, _ = routed_case(email=HANA)
    target, _ = routed_case(email=target_email)
    workflow.case_reply(case_id=case.pk, actor=workflow.Actor.staff(StaffFactory()), body="답변")
    thread = set(Message.objects.filter(case=case).values_list("pk", flat=True))
    before, target_before = snapshot(case.pk), snapshot(target.pk)
    events_before = Event.objects.count()
    other_citizen = target_email != HANA and target_email.strip().lower() != HANA

    def merge():
        return workflow.case_merge(
            case_id=case.pk,
            into_reference=target.reference,
            actor=actor,
            different_citizen_confirmed=confirmed,
        )

    if not merges:
        with pytest.raises(workflow.WorkflowError, match=r"different citizens|Only a manager"):
            merge()
        assert snapshot(case.pk) == before and snapshot(target.pk) == target_before
        assert Event.objects.count() == events_before
        return
    merged = merge()
    assert (merged.status, merged.merged_into_id) == (S.MERGED, target.pk)
    assert merged.merged_other_citizen == other_citizen
    record = Event.objects.get(case=case, field="merged_into")
    assert record.new_value == target.reference
    assert record.reason == (workflow.DIFFERENT_CITIZEN_CONFIRMED if other_citizen else "")
    moved = set(Message.objects.filter(case=target).values_list("pk", flat=True)) & thread
    # Two citizens keep their own threads; one citizen's duplicate joins the survivor.
    assert moved == (set() if other_citizen else thread)
    assert (case_survivor(merged) == merged) == other_citizen


# --- versions and the audit trail ---------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda case, actor, v: workflow.case_transition(
            case_id=case.pk, status=S.IN_PROGRESS, actor=actor, expected_version=v
        ),
        lambda case, actor, v: workflow.case_route(
            case_id=case.pk, track=T.EDUCATION, actor=actor, reason="r", expected_version=v
        ),
        lambda case, actor, v: workflow.case_assign(
            case_id=case.pk, assignee=actor.user, actor=actor, expected_version=v
        ),
        lambda case, actor, v: workflow.case_set_priority(
            case_id=case.pk, priority="high", actor=actor, expected_version=v
        ),
    ],
    ids=["transition", "route", "assign", "priority"],
)
def test_stale_version_is_refused_and_changes_nothing(staff, change):
    case, _ = routed_case()
    before = snapshot(case.pk)
    events_before = Event.objects.count()
    with pytest.raises(workflow.StaleCase):
        change(case, workflow.Actor.staff(staff), case.version - 1)
    assert snapshot(case.pk) == before
    assert Event.objects.count() == events_before
    # The version the form saw works.
    change(case, workflow.Actor.staff(staff), case.version)
    assert snapshot(case.pk)["version"] == before["version"] + 1


def test_events_are_immutable(staff):
    case, _ = routed_case()
    event = Event.objects.filter(case=case).first()
    event.reason = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    assert Event.objects.get(pk=event.pk).reason == ""
    # A queryset update is not stopped by the model (see consult/README.md).
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(reason="bulk")
    assert Event.objects.get(pk=event.pk).reason == "bulk"


def test_priority_change_writes_one_event_and_same_priority_none(staff):
    case, _ = routed_case()
    workflow.case_set_priority(
        case_id=case.pk, priority="urgent", actor=workflow.Actor.staff(staff)
    )
    workflow.case_set_priority(
        case_id=case.pk, priority="urgent", actor=workflow.Actor.staff(staff)
    )
    events = Event.objects.filter(case=case, field="priority")
    assert [(e.old_value, e.new_value) for e in events] == [("normal", "urgent")]
    with pytest.raises(workflow.WorkflowError):
        workflow.case_set_priority(
            case_id=case.pk, priority="asap", actor=workflow.Actor.staff(staff)
        )


def test_citizen_close(staff):
    case, _ = submit_case()
    with pytest.raises(workflow.WorkflowError):
        workflow.case_citizen_close(case_id=case.pk)  # a new case: write to us instead
    case, _ = routed_case()
    workflow.case_citizen_close(case_id=case.pk)
    workflow.case_citizen_close(case_id=case.pk)  # twice is once
    events = Event.objects.filter(case=case, field="status", new_value=S.CLOSED)
    assert [(e.actor_kind, e.old_value) for e in events] == [("citizen", S.TRIAGED)]


# --- the README's diagram -----------------------------------------------------------------


def _readme_edges(title: str) -> set[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {title} diagram -->\s*```mermaid\n(.*?)```", text, re.S)
    assert match, f"consult/README.md has no {title} diagram"
    edges = set(re.findall(r"^\s*(\w+) --> (\w+)\s*$", match.group(1), re.M))
    return edges


@pytest.mark.parametrize("field", ["status", "track"])
def test_readme_diagram_is_the_transition_table(field):
    """Regenerate with `manage.py consult_diagram` when TRANSITIONS changes."""
    table = {(old, new) for f, old, new in workflow.TRANSITIONS if f == field}
    assert _readme_edges(field) == {(str(o), str(n)) for o, n in table}
    text = README.read_text(encoding="utf-8")
    assert workflow.transitions_mermaid(field) in text
