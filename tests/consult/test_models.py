"""Invariants the database itself keeps, whatever code writes the rows."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from consult.models import (
    CannedReply,
    Case,
    Event,
    Message,
    Status,
    Track,
)
from consult.services import reference_next

from .factories import routed_case, submit_case

pytestmark = pytest.mark.django_db


def refused(queryset, **fields) -> bool:
    try:
        with transaction.atomic():
            queryset.update(**fields)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    "status",
    [Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING_ON_CITIZEN, Status.RESOLVED, Status.CLOSED],
)
def test_working_statuses_need_a_service_track(status):
    case, _ = routed_case()
    assert refused(Case.objects.filter(pk=case.pk), status=status, track=Track.TRIAGE)


@pytest.mark.parametrize("status", [Status.NEW, Status.SPAM])
def test_new_and_spam_may_sit_in_triage(status):
    case, _ = submit_case()
    assert not refused(Case.objects.filter(pk=case.pk), status=status)


def test_merged_needs_a_target_and_only_merged_has_one():
    case, _ = submit_case()
    other, _ = submit_case(email="other@example.org")
    rows = Case.objects.filter(pk=case.pk)
    assert refused(rows, status=Status.MERGED)
    assert refused(rows, merged_into=other)  # status new with a target
    assert refused(rows, status=Status.MERGED, merged_into=case)  # into itself
    assert not refused(rows, status=Status.MERGED, merged_into=other)


def test_unknown_status_and_track_are_refused():
    case, _ = submit_case()
    rows = Case.objects.filter(pk=case.pk)
    assert refused(rows, status="archived")
    assert refused(rows, track="legal")


def test_internal_note_must_be_written_by_staff():
    case, _ = submit_case()
    for kind in (Message.Author.CITIZEN, Message.Author.SYSTEM):
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(case=case, author_kind=kind, body="x", is_internal=True)
    Message.objects.create(case=case, author_kind=Message.Author.STAFF, body="x", is_internal=True)


def test_staff_events_name_the_staff_member():
    case, _ = submit_case()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(case=case, actor_kind="staff", field="status")


def test_reference_format_and_sequence():
    case, _ = submit_case()
    assert re.fullmatch(r"COOP-(\d{4})-(\d{6})", case.reference)
    year = timezone.localdate().year
    assert case.reference.startswith(f"COOP-{year}-")
    assert reference_next(year=year) == f"COOP-{year}-000002"
    assert reference_next(year=1999) == "COOP-1999-000001"  # each year counts from one
    assert str(case) == case.reference


def test_reference_is_unique():
    case, _ = submit_case()
    other, _ = submit_case(email="other@example.org")
    assert refused(Case.objects.filter(pk=other.pk), reference=case.reference)


def test_case_properties():
    case, _ = routed_case()
    assert case.is_open and not case.is_final and not case.is_overdue
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    case.refresh_from_db()
    assert case.is_final and not case.is_open
    assert case.get_admin_url() == f"/admin/consult/case/{case.pk}/change/"


def test_canned_reply_fills_in_name_and_reference_only():
    case, _ = submit_case()
    reply = CannedReply(
        track=Track.EDUCATION,
        language="ko",
        title="t",
        body="{name}님, {reference} 건입니다. {unknown} {0} }",
    )
    assert reply.render(case) == f"{case.name}님, {case.reference} 건입니다. {{unknown}} {{0}} }}"
