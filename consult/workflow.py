"""The one place that changes a case's status, track, assignee or priority.

Every change runs in one transaction, holds the case's row lock (two counselors saving at
once are serialised, so neither update is lost), checks TRANSITIONS, bumps the case's
version and writes exactly one Event per changed field. Views, admin actions, management
commands and tasks all call these functions; nothing else assigns those fields.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import mails
from .deadlines import business_days_between, first_response_due
from .models import (
    FINAL_STATUSES,
    SERVICE_TRACKS,
    Attachment,
    Case,
    Event,
    Message,
    Priority,
    Status,
    Team,
    TeamMembership,
    Track,
    emails_match,
)
from .permissions import is_manager

S = Status
T = Track

# The one table of allowed changes: (field, from, to). Status changes first, then tracks.
# Routing leaves triage for a service; moving between services is a referral.
TRANSITIONS: frozenset[tuple[str, str, str]] = frozenset(
    [
        ("status", old, new)
        for old, targets in {
            S.NEW: (S.TRIAGED, S.SPAM, S.MERGED),
            S.TRIAGED: (S.IN_PROGRESS, S.WAITING_ON_CITIZEN, S.RESOLVED, S.CLOSED, S.MERGED),
            S.IN_PROGRESS: (S.WAITING_ON_CITIZEN, S.RESOLVED, S.CLOSED, S.MERGED),
            S.WAITING_ON_CITIZEN: (S.IN_PROGRESS, S.RESOLVED, S.CLOSED, S.MERGED),
            S.RESOLVED: (S.IN_PROGRESS, S.CLOSED),
            S.SPAM: (S.NEW,),
            S.CLOSED: (),
            S.MERGED: (),
        }.items()
        for new in targets
    ]
    + [("track", T.TRIAGE, service) for service in SERVICE_TRACKS]
    + [("track", a, b) for a in SERVICE_TRACKS for b in SERVICE_TRACKS if a != b]
)

# Statuses in which the case's track may still change.
ROUTABLE_STATUSES = (S.NEW, S.TRIAGED, S.IN_PROGRESS, S.WAITING_ON_CITIZEN)


class WorkflowError(Exception):
    """A change the workflow refuses; the message is fit to show to the person asking."""


class StaleCase(WorkflowError):
    """The case changed since the form was shown."""


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a staff user, the citizen through their tracking link, or the
    system (automatic assignment, say)."""

    kind: str
    user: AbstractBaseUser | None = None

    @classmethod
    def staff(cls, user: AbstractBaseUser) -> "Actor":
        return cls(Event.Actor.STAFF, user)

    @classmethod
    def citizen(cls) -> "Actor":
        return cls(Event.Actor.CITIZEN)

    @classmethod
    def system(cls) -> "Actor":
        return cls(Event.Actor.SYSTEM)


def is_allowed(field: str, old: str, new: str) -> bool:
    return (field, old, new) in TRANSITIONS


def allowed_statuses(case: Case) -> list[str]:
    """The statuses a counselor may move this case to now (the admin's buttons)."""
    targets = [new for field, old, new in TRANSITIONS if field == "status" and old == case.status]
    if case.status == S.NEW and case.track == T.TRIAGE:
        targets = [s for s in targets if s in (S.SPAM, S.MERGED)]
    # Merging needs a target case, so it has its own form, not a button.
    order = list(S.values)
    return sorted((s for s in targets if s != S.MERGED), key=order.index)


def transitions_mermaid(field: str) -> str:
    """A Mermaid stateDiagram-v2 of the `field` ("status" or "track") rows of TRANSITIONS,
    in a stable order (the README's diagrams are this text)."""
    values = list(S.values if field == "status" else T.values)
    rows = sorted(
        ((old, new) for f, old, new in TRANSITIONS if f == field),
        key=lambda pair: (values.index(pair[0]), values.index(pair[1])),
    )
    lines = ["stateDiagram-v2"]
    if field == "status":
        lines.append(f"    [*] --> {S.NEW.value}")
    else:
        lines.append(f"    [*] --> {T.TRIAGE.value}")
    lines += [f"    {old} --> {new}" for old, new in rows]
    if field == "status":
        lines += [f"    {final} --> [*]" for final in (S.CLOSED.value, S.MERGED.value)]
    return "\n".join(lines)


def allowed_tracks(case: Case) -> list[str]:
    if case.status not in ROUTABLE_STATUSES:
        return []
    return [
        new for field, old, new in sorted(TRANSITIONS) if field == "track" and old == case.track
    ]


# --- internals -----------------------------------------------------------------------


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise StaleCase(
            _("Someone else changed this case a moment ago. Look at it again, then retry.")
        )


def _lock(case_id: int, expected_version: int | None = None) -> Case:
    case = Case.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=case_id)
    _check_version(case, expected_version)
    return case


def _record(case: Case, actor: Actor, field: str, old: str, new: str, reason: str = "") -> Event:
    return Event.objects.create(
        case=case,
        actor_kind=actor.kind,
        actor=actor.user,
        field=field,
        old_value=old,
        new_value=new,
        reason=reason,
    )


def _save(case: Case, fields: Sequence[str]) -> None:
    # Every caller holds the row lock (or created the row in this transaction), so the
    # version read with the row is still the current one.
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


def _set_status(
    case: Case,
    new: str,
    actor: Actor,
    reason: str = "",
    also: Sequence[str] = (),
    *,
    mail_resolved: bool = True,
) -> Event:
    """Change the status; `also` names fields the caller set that must be saved in the
    same write (a merge's target, which the database requires together with `merged`).
    `mail_resolved=False` is for a resolution whose caller sends its own mail instead."""
    old = case.status
    if old == new:
        raise WorkflowError(_("The case already has this status."))
    if not is_allowed("status", old, new):
        raise WorkflowError(
            _("A case cannot go from “%(old)s” to “%(new)s”.")
            % {"old": S(old).label, "new": S(new).label}
        )
    if old == S.NEW and case.track == T.TRIAGE and new not in (S.SPAM, S.MERGED):
        raise WorkflowError(_("Route the case to education, advice or consulting first."))
    case.status = new
    fields = ["status", *also]
    if new in FINAL_STATUSES:
        case.closed_at = timezone.now()
        fields.append("closed_at")
    elif old in FINAL_STATUSES:
        case.closed_at = None
        fields.append("closed_at")
    fields += _waiting_clock(case, old, new)
    _save(case, fields)
    event = _record(case, actor, "status", old, new, reason)
    if new == S.RESOLVED and mail_resolved:
        mails.mail_resolved(case=case, event=event)
    if new in FINAL_STATUSES:
        _revoke_old_links(case)
    return event


def _waiting_clock(case: Case, old: str, new: str) -> list[str]:
    """While a case waits on the citizen its clock is paused: entering the status starts
    the wait, leaving it adds the business days waited (the reports subtract them). Saved
    in the status change's own write; returns the fields it set."""
    if new == S.WAITING_ON_CITIZEN:
        case.waiting_since = timezone.now()
        return ["waiting_since"]
    if old == S.WAITING_ON_CITIZEN:
        if case.waiting_since is not None:
            case.waiting_business_days += business_days_between(
                timezone.localdate(case.waiting_since), timezone.localdate()
            )
        case.waiting_since = None
        return ["waiting_since", "waiting_business_days"]
    return []


def _revoke_old_links(case: Case) -> None:
    """Once a case is over, only its newest tracking link still opens it."""
    newest = case.tokens.filter(revoked_at__isnull=True).order_by("-created_at", "-pk").first()
    if newest is not None:
        case.tokens.filter(revoked_at__isnull=True).exclude(pk=newest.pk).update(
            revoked_at=timezone.now()
        )


def _next_counselor(track: str):
    """Round-robin within the track's team: the active member assigned longest ago (never
    assigned first). The team row is locked so that two cases never pick the same turn."""
    team = Team.objects.select_for_update().filter(track=track).first()
    if team is None:
        return None
    membership = (
        TeamMembership.objects.filter(
            team=team, is_active=True, user__is_active=True, user__is_staff=True
        )
        .select_related("user")
        .order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
        .first()
    )
    if membership is None:
        return None
    membership.last_assigned_at = timezone.now()
    membership.save(update_fields=["last_assigned_at"])
    return membership.user


def _set_assignee(case: Case, user, actor: Actor, reason: str = "") -> Event | None:
    old = case.assignee
    if (old.pk if old else None) == (user.pk if user else None):
        return None
    case.assignee = user
    _save(case, ["assignee"])
    event = _record(
        case, actor, "assignee", str(old.pk) if old else "", str(user.pk) if user else "", reason
    )
    if user is not None and actor.user != user:
        mails.mail_staff_assigned(case=case, event=event)
    return event


# --- intake --------------------------------------------------------------------------


def case_open(*, case: Case) -> Case:
    """Save a new case with its first-response target and its triage counselor, in one
    insert. Called by consult.services.case_submit inside the submission's transaction;
    the assignment is recorded as an event like any other."""
    case.first_response_due = first_response_due(track=case.track, received=case.created_at)
    counselor = _next_counselor(case.track)
    case.assignee = counselor
    case.save(force_insert=True)
    if counselor is not None:
        event = _record(case, Actor.system(), "assignee", "", str(counselor.pk))
        mails.mail_staff_assigned(case=case, event=event)
    return case


# --- the changes counselors and citizens make ----------------------------------------


@transaction.atomic
def case_transition(
    *,
    case_id: int,
    status: str,
    actor: Actor,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    case = _lock(case_id, expected_version)
    if status == S.MERGED:
        raise WorkflowError(_("Use “merge into another case” to merge."))
    _set_status(case, status, actor, reason)
    return case


@transaction.atomic
def case_resolve_unanswered(*, case_id: int, waiting_since) -> Case | None:
    """Resolve a case the citizen left unanswered (consult.followups, after
    CONSULT_WAITING_RESOLVE_DAYS), as the system. None when it no longer waits since that
    moment (the citizen replied, or a counselor moved it, since the run looked).

    The citizen gets one mail, the "resolved because you did not answer" one with a fresh
    tracking link and how to reopen, instead of the usual resolution mail: two mails about
    the same change would only confuse."""
    case = _lock(case_id)
    if case.status != S.WAITING_ON_CITIZEN or case.waiting_since != waiting_since:
        return None
    _set_status(case, S.RESOLVED, Actor.system(), mail_resolved=False)
    from .services import token_issue

    _row, token = token_issue(case=case)
    mails.mail_auto_resolved(case=case, token=token, waited_since=waiting_since)
    return case


@transaction.atomic
def case_route(
    *, case_id: int, track: str, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Case:
    """Send a case to a service. Out of triage this is routing (the case becomes triaged);
    between services it is a referral: the citizen keeps the reference and the link and is
    told once. The new track's team gets the case round-robin."""
    case = _lock(case_id, expected_version)
    old = case.track
    if case.status not in ROUTABLE_STATUSES:
        raise WorkflowError(_("A case that is over cannot be routed."))
    if not is_allowed("track", old, track):
        raise WorkflowError(_("This case cannot be routed to that service."))
    referral = old != T.TRIAGE
    if referral and not reason.strip():
        raise WorkflowError(_("Say why the case is referred: the next counselor reads it."))
    case.track = track
    fields = ["track"]
    if case.first_responded_at is None:
        case.first_response_due = first_response_due(track=track, received=case.created_at)
        fields.append("first_response_due")
    _save(case, fields)
    event = _record(case, actor, "track", old, track, reason)
    if case.status == S.NEW:
        _set_status(case, S.TRIAGED, actor)
    counselor = _next_counselor(track)
    if counselor is not None:
        _set_assignee(case, counselor, Actor.system())
    if referral:
        mails.mail_referred(case=case, event=event)
    return case


@transaction.atomic
def case_assign(
    *, case_id: int, assignee, actor: Actor, expected_version: int | None = None
) -> Case:
    case = _lock(case_id, expected_version)
    if case.is_final:
        raise WorkflowError(_("A case that is over cannot be reassigned."))
    if assignee is not None and not (assignee.is_active and assignee.is_staff):
        raise WorkflowError(_("This counselor's account is not active."))
    _set_assignee(case, assignee, actor)
    return case


@transaction.atomic
def case_set_priority(
    *, case_id: int, priority: str, actor: Actor, expected_version: int | None = None
) -> Case:
    case = _lock(case_id, expected_version)
    if priority not in Priority.values:
        raise WorkflowError(_("Unknown priority."))
    old = case.priority
    if old != priority:
        case.priority = priority
        _save(case, ["priority"])
        _record(case, actor, "priority", old, priority)
    return case


# The code the merge's `merged_into` event keeps as its reason when a manager confirmed
# that the two cases are different citizens' (a code, not text: the timeline translates it,
# and anonymisation keeps it like the rest of a merge's record).
DIFFERENT_CITIZEN_CONFIRMED = "different-citizen-confirmed"


@transaction.atomic
def case_merge(
    *,
    case_id: int,
    into_reference: str,
    actor: Actor,
    expected_version: int | None = None,
    different_citizen_confirmed: bool = False,
) -> Case:
    """Merge a duplicate into another case: it is marked merged and its tracking links
    lead to the surviving case, which takes over its public messages and files.

    Two cases whose addresses differ are two citizens (models.emails_match): that merge is
    refused unless a manager confirms it (`different_citizen_confirmed`). Even then the
    thread stays where it is and the duplicate's links stop at it (merged_other_citizen):
    neither citizen sees the other's messages or files."""
    target_id = (
        Case.objects.filter(reference=into_reference.strip().upper())
        .values_list("pk", flat=True)
        .first()
    )
    if target_id is None:
        raise WorkflowError(_("No case has this reference."))
    if target_id == case_id:
        raise WorkflowError(_("A case cannot be merged into itself."))
    # Both rows are locked together, in id order, before either is read: two opposite
    # merges (A into B, B into A) then queue instead of deadlocking.
    locked = {
        c.pk: c
        for c in Case.objects.select_for_update(of=("self",))
        .select_related("assignee")
        .filter(pk__in=[case_id, target_id])
        .order_by("pk")
    }
    case, target = locked.get(case_id), locked.get(target_id)
    if case is None:
        raise Case.DoesNotExist(f"Case {case_id} does not exist.")
    _check_version(case, expected_version)
    if target.is_final:
        raise WorkflowError(_("The other case is over; merge into an open one."))
    if not is_allowed("status", case.status, S.MERGED):
        raise WorkflowError(_("This case cannot be merged now."))
    other_citizen = not emails_match(case.email, target.email)
    if other_citizen:
        _check_other_citizen_merge(actor, confirmed=different_citizen_confirmed)
    else:
        Message.objects.filter(case=case, is_internal=False).update(case=target)
        # Files go with the public messages (or with no message); a file on an internal
        # note stays with its note.
        Attachment.objects.filter(case=case).exclude(message__is_internal=True).update(case=target)
        _save(target, [])  # the survivor's thread grew
    case.merged_into = target
    case.merged_other_citizen = other_citizen
    # Merged is final like closed and spam: _set_status also revokes all but the newest
    # link (which opens the survivor through token_lookup, or, merged into another
    # citizen's case, a page that says so and nothing more).
    _set_status(
        case,
        S.MERGED,
        actor,
        reason=target.reference,
        also=["merged_into", "merged_other_citizen"],
    )
    _record(
        case,
        actor,
        "merged_into",
        "",
        target.reference,
        reason=DIFFERENT_CITIZEN_CONFIRMED if other_citizen else "",
    )
    return case


def _check_other_citizen_merge(actor: Actor, *, confirmed: bool) -> None:
    if not confirmed:
        raise WorkflowError(
            _(
                "These cases belong to different citizens (their email addresses differ). "
                "A manager must confirm such a merge."
            )
        )
    if actor.user is None or not is_manager(actor.user):
        raise WorkflowError(_("Only a manager can merge the cases of two different citizens."))


# --- messages ------------------------------------------------------------------------


def _attach(case: Case, message: Message, files: Sequence[UploadedFile]) -> None:
    from .services import attachment_store

    for upload in files:
        attachment_store(case=case, message=message, upload=upload)


@transaction.atomic
def case_reply(
    *,
    case_id: int,
    actor: Actor,
    body: str,
    files: Sequence[UploadedFile] = (),
    wait_on_citizen: bool = False,
    expected_version: int | None = None,
) -> Message:
    """A counselor's answer to the citizen: stored, then mailed through the outbox."""
    case = _lock(case_id, expected_version)
    if case.is_final:
        raise WorkflowError(_("A case that is over takes no more replies."))
    if case.status == S.NEW:
        raise WorkflowError(_("Route the case to education, advice or consulting first."))
    message = Message.objects.create(
        case=case, author_kind=Message.Author.STAFF, author=actor.user, body=body
    )
    _attach(case, message, files)
    fields = []
    if case.first_responded_at is None:
        case.first_responded_at = message.created_at
        fields.append("first_responded_at")
    # A new message is a new version of the case too: pages cached by version (the
    # tracking page) and forms opened before it (the desk) see that the case moved on.
    _save(case, fields)
    mails.mail_reply(case=case, message=message)
    if wait_on_citizen and case.status != S.WAITING_ON_CITIZEN:
        _set_status(case, S.WAITING_ON_CITIZEN, actor)
    elif case.status == S.TRIAGED:
        _set_status(case, S.IN_PROGRESS, actor)
    return message


@transaction.atomic
def case_note(
    *, case_id: int, actor: Actor, body: str, expected_version: int | None = None
) -> Message:
    """An internal note: counselors only, never shown to or mailed to the citizen."""
    case = _lock(case_id, expected_version)
    note = Message.objects.create(
        case=case, author_kind=Message.Author.STAFF, author=actor.user, body=body, is_internal=True
    )
    _save(case, [])
    return note


@transaction.atomic
def case_citizen_reply(*, case_id: int, body: str, files: Sequence[UploadedFile] = ()) -> Message:
    """The citizen writes through their tracking link. A case that was waiting on them
    goes back to its counselor, who is told by mail."""
    case = _lock(case_id)
    if case.is_final:
        raise WorkflowError(_("This case is closed. Please send a new inquiry."))
    # The form counted the files already there, but two replies sent at once could both
    # pass that count: under the row lock the limit holds.
    if citizen_files(case) + len(files) > settings.CONSULT_MAX_FILES:
        raise WorkflowError(
            _("At most %(max)d files per case.") % {"max": settings.CONSULT_MAX_FILES}
        )
    message = Message.objects.create(case=case, author_kind=Message.Author.CITIZEN, body=body)
    _attach(case, message, files)
    _save(case, [])
    if case.status in (S.WAITING_ON_CITIZEN, S.RESOLVED):
        _set_status(case, S.IN_PROGRESS, Actor.citizen())
    mails.mail_staff_citizen_replied(case=case, message=message)
    return message


@transaction.atomic
def case_citizen_close(*, case_id: int) -> Case:
    """The citizen closes their own case (the confirmation page's POST)."""
    case = _lock(case_id)
    if case.status == S.CLOSED:
        return case
    if not is_allowed("status", case.status, S.CLOSED):
        raise WorkflowError(_("This case cannot be closed from here; please write to us."))
    _set_status(case, S.CLOSED, Actor.citizen())
    return case


def citizen_files(case: Case) -> int:
    """The files the citizen has sent on this case: the per-case limit is theirs, so that
    a counselor can still attach a form to a case whose citizen sent five files."""
    return case.attachments.filter(message__author_kind=Message.Author.CITIZEN).count()


def counselors():
    """Staff users who belong to at least one team (choices for reassignment)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, consult_memberships__isnull=False)
        .distinct()
        .order_by("username")
    )
