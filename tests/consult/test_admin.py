"""The counselors' desk in the admin: the list and its filters, the case page with its
timeline, every form of the case page going through the workflow, attachments, the export,
and the list's cost (queries, and no whole-table count on PostgreSQL)."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consult import workflow
from consult.admin import CaseAdmin, DeskPaginator
from consult.models import CannedReply, Case, Event, Message, PrivacyNotice, Team
from coopcenter.core import demo
from coopcenter.outbox.models import OutgoingMail
from tests.consult.factories import (
    counselor,
    manager,
    routed_case,
    submit_case,
    waiting_submission,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "english_admin")]

CHANGELIST = reverse("admin:consult_case_changelist")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def advice(db):
    """A counselor of the advice team (the only one: round-robin gives them every case)."""
    return counselor("advice", username="advice1")


@pytest.fixture
def case(advice):
    case, _token = routed_case("advice", name="김하나", email="hana@example.org")
    assert case.assignee == advice
    return case


def change_url(case: Case) -> str:
    return reverse("admin:consult_case_change", args=[case.pk])


def action_url(case: Case, action: str) -> str:
    return reverse(f"admin:consult_case_{action}", args=[case.pk])


def page_text(response) -> str:
    return response.content.decode()


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def refreshed(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


# --- the list ----------------------------------------------------------------------------


def test_the_list_opens_on_my_open_cases(client, advice, case):
    mate = counselor("advice", username="advice2")
    theirs, _ = routed_case("advice")
    assert theirs.assignee == mate  # round-robin: the mate's turn
    closed, _ = routed_case("advice")
    closed = workflow.case_assign(
        case_id=closed.pk, assignee=advice, actor=workflow.Actor.staff(advice)
    )
    workflow.case_transition(case_id=closed.pk, status="closed", actor=workflow.Actor.staff(advice))
    client.force_login(advice)

    mine = client.get(CHANGELIST)
    assert mine.status_code == 200
    assert [c.pk for c in mine.context["cl"].result_list] == [case.pk]
    assert "My open cases" in page_text(mine)

    every = client.get(CHANGELIST, {"view": "all"})
    assert {c.pk for c in every.context["cl"].result_list} == {case.pk, theirs.pk, closed.pk}
    open_ = client.get(CHANGELIST, {"view": "open"})
    assert {c.pk for c in open_.context["cl"].result_list} == {case.pk, theirs.pk}


def test_the_list_shows_labels_age_and_due_state(client, advice, case):
    Case.objects.filter(pk=case.pk).update(
        created_at=timezone.now() - timedelta(days=3),
        first_response_due=timezone.localdate() - timedelta(days=1),
    )
    client.force_login(advice)
    page = page_text(client.get(CHANGELIST))
    assert case.reference in page and "김하나" in page
    assert "Advice" in page and "Triaged" in page and "Normal" in page
    assert "3\xa0days" in page
    assert "overdue" in page  # said in words, not only by colour


def test_overdue_filter(client, advice, case):
    late, _ = routed_case("advice")
    answered, _ = routed_case("advice")
    yesterday = timezone.localdate() - timedelta(days=1)
    Case.objects.filter(pk__in=[late.pk, answered.pk]).update(first_response_due=yesterday)
    Case.objects.filter(pk=answered.pk).update(first_responded_at=timezone.now())
    client.force_login(advice)
    yes = client.get(CHANGELIST, {"view": "all", "overdue": "yes"})
    assert [c.pk for c in yes.context["cl"].result_list] == [late.pk]
    no = client.get(CHANGELIST, {"view": "all", "overdue": "no"})
    assert {c.pk for c in no.context["cl"].result_list} == {case.pk, answered.pk}
    assert set(Case.objects.overdue().values_list("pk", flat=True)) == {late.pk}


def test_status_track_and_assignee_filters(client, advice, case):
    mate = counselor("advice", username="advice2")
    theirs, _ = routed_case("advice")
    stranger = counselor("education", username="edu1")
    client.force_login(advice)
    response = client.get(CHANGELIST, {"view": "all", "assignee": str(mate.pk)})
    assert [c.pk for c in response.context["cl"].result_list] == [theirs.pk]
    # The assignee filter offers team mates only.
    choices = page_text(response)
    assert "advice2" in choices and stranger.username not in choices
    response = client.get(CHANGELIST, {"view": "all", "status__exact": "new"})
    assert list(response.context["cl"].result_list) == []
    response = client.get(CHANGELIST, {"view": "all", "track__exact": "advice"})
    assert len(response.context["cl"].result_list) == 2


def test_search_by_reference_name_and_email(client, advice, case):
    other, _ = routed_case("advice", name="박두리", email="Duri@Example.org")
    client.force_login(advice)

    def found(term):
        response = client.get(CHANGELIST, {"view": "all", "q": term})
        return {c.pk for c in response.context["cl"].result_list}

    assert found(case.reference) == {case.pk}
    assert found(case.reference.lower()) == {case.pk}
    assert found(case.reference[:9]) == {case.pk, other.pk}  # COOP-2026
    assert found("duri@example.org") == {other.pk}
    assert found("hana@") == {case.pk}
    assert found("두리") == {other.pk}


def test_a_search_looks_through_every_visible_case(client, advice, case):
    mate = counselor("advice", username="advice2")
    theirs, _ = routed_case("advice", email="duri@example.org")
    assert theirs.assignee == mate
    counselor("education", username="edu1")
    hidden, _ = routed_case("education", email="duri@example.org")
    client.force_login(advice)
    response = client.get(CHANGELIST, {"q": "duri@example.org"})
    assert [c.pk for c in response.context["cl"].result_list] == [theirs.pk]
    # An explicit view still applies.
    response = client.get(CHANGELIST, {"q": "duri@example.org", "view": "mine"})
    assert list(response.context["cl"].result_list) == []
    assert hidden.pk not in {
        c.pk for c in client.get(CHANGELIST, {"q": hidden.reference}).context["cl"].result_list
    }


def test_the_list_costs_the_same_queries_for_5_and_50_cases(client, advice):
    manager_user = manager()
    client.force_login(manager_user)

    def queries(n: int) -> int:
        missing = n - Case.objects.count()
        for _ in range(missing):
            routed_case("advice")
        client.get(CHANGELIST, {"view": "all"})  # warm the session and permission caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(CHANGELIST, {"view": "all"})
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == n
        return len(captured)

    few, many = queries(5), queries(50)
    assert few == many
    assert many <= 12


def test_the_list_query_count_is_pinned(client, advice, django_assert_max_num_queries):
    for _ in range(5):
        routed_case("advice")
    client.force_login(advice)
    client.get(CHANGELIST)
    with django_assert_max_num_queries(12):
        client.get(CHANGELIST)


def test_sortable_columns_are_indexed_ones():
    model_admin = admin.site._registry[Case]
    assert isinstance(model_admin, CaseAdmin)
    assert set(model_admin.sortable_by) <= {"reference", "age"}
    assert model_admin.ordering == ["-created_at", "-id"]
    assert model_admin.show_full_result_count is False
    indexed = {tuple(index.fields) for index in Case._meta.indexes}
    assert ("-created_at", "-id") in indexed


def test_the_paginator_counts_exactly_on_sqlite_and_small_tables(client, advice, case):
    client.force_login(advice)
    response = client.get(CHANGELIST)
    paginator = response.context["cl"].paginator
    assert isinstance(paginator, DeskPaginator)
    assert paginator.count == 1 and paginator.is_exact
    assert "1 case" in page_text(response)


@pytest.mark.services("postgres")
def test_postgres_unfiltered_list_never_counts_the_whole_table(client, advice, case):
    for _ in range(3):
        routed_case("advice")
    client.force_login(manager())
    client.get(CHANGELIST, {"view": "all"})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST, {"view": "all"})
    assert response.status_code == 200
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    # Small table: counted, but through a LIMITed subquery, never COUNT(*) FROM consult_case.
    assert counts, "expected a capped count"
    for sql in counts:
        assert 'FROM "consult_case"' not in sql.split("FROM (", 1)[0], sql
        assert "LIMIT 10001" in sql


@pytest.mark.services("postgres")
def test_postgres_large_unfiltered_list_uses_the_estimate(client, advice, case, monkeypatch):
    for _ in range(5):
        routed_case("advice")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consult_case")
    monkeypatch.setattr(DeskPaginator, "CAP", 3)
    client.force_login(manager())
    client.get(CHANGELIST, {"view": "all"})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST, {"view": "all"})
    sqls = [q["sql"] for q in captured]
    assert not [s for s in sqls if "COUNT(" in s.upper() and "consult_case" in s]
    assert any("reltuples" in s for s in sqls)
    paginator = response.context["cl"].paginator
    assert paginator.count_kind == "estimate"
    assert "about 6 cases" in page_text(response)
    # Filtered: counted up to the cap and shown as "3+".
    filtered = client.get(CHANGELIST, {"view": "open"})
    assert filtered.context["cl"].paginator.count_kind == "capped"
    assert "3+ cases" in page_text(filtered)


def test_an_inexact_count_still_pages(client, advice, monkeypatch):
    for _ in range(7):
        routed_case("advice")
    monkeypatch.setattr(DeskPaginator, "CAP", 3)
    paginator = DeskPaginator(Case.objects.order_by("-created_at", "-id"), 2)
    paginator.count_kind = "capped"
    paginator.__dict__["count"] = 4
    assert len(paginator.page(4).object_list) == 1  # past the count, rows still show
    assert list(paginator.page(9).object_list) == []


# --- the case page -----------------------------------------------------------------------


def test_case_page_shows_the_case_and_its_timeline(client, advice, case):
    workflow.case_note(case_id=case.pk, actor=workflow.Actor.staff(advice), body="전화 요망")
    case.refresh_from_db()  # the note is a new version of the case
    client.force_login(advice)
    response = client.get(change_url(case))
    assert response.status_code == 200
    page = page_text(response)
    notice = PrivacyNotice.objects.get()
    for text in [
        case.reference,
        "김하나",
        "hana@example.org",
        notice.version,
        "Consented at",
        "First response due",
        "협동조합을 만들고 싶은데",
        "From the citizen",
        "Internal note: not sent to the citizen",
        "전화 요망",
    ]:
        assert text in page, text
    # Events: who, which field, old → new as labels.
    assert "Triage → Advice" in page
    assert "New → Triaged" in page
    assert "system" in page
    timeline = response.context["timeline"]
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)
    assert {e.kind for e in timeline} == {"message", "event"}
    # Every form posts with the CSRF token and the version the page was shown with.
    assert page.count('name="csrfmiddlewaretoken"') >= 6
    assert f'name="version" value="{case.version}"' in page


def test_case_page_buttons_are_the_allowed_statuses(client, advice, case):
    client.force_login(advice)
    response = client.get(change_url(case))
    buttons = [code for code, _label in response.context["status_choices"]]
    assert buttons == workflow.allowed_statuses(refreshed(case))
    for code in buttons:
        assert f'name="status" value="{code}"' in page_text(response)


def test_the_case_page_changes_nothing_on_get_and_refuses_its_own_post(client, advice, case):
    client.force_login(advice)
    before = refreshed(case).version
    assert client.get(action_url(case, "status"), {"status": "closed"}).status_code == 405
    assert client.post(change_url(case), {"name": "x"}).status_code == 405
    assert refreshed(case).version == before
    assert refreshed(case).name == "김하나"


def test_the_forms_need_the_csrf_token(advice, case):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(advice)
    response = client.post(
        action_url(case, "note"), {"version": refreshed(case).version, "body": "메모"}
    )
    assert response.status_code == 403
    assert not Message.objects.filter(body="메모").exists()


def test_no_adding_or_deleting_cases(client, advice, case):
    client.force_login(manager())
    assert client.get(reverse("admin:consult_case_add")).status_code == 403
    delete = reverse("admin:consult_case_delete", args=[case.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()
    assert (
        "delete_selected"
        not in client.get(CHANGELIST).context["action_form"].fields["action"].choices.__str__()
    )


def test_events_are_not_in_the_admin():
    assert Event not in admin.site._registry
    assert Message not in admin.site._registry


# --- the forms of the case page ------------------------------------------------------------


def test_a_status_button_goes_through_the_workflow(client, advice, case):
    client.force_login(advice)
    version = refreshed(case).version
    response = client.post(
        action_url(case, "status"), {"version": version, "status": "in_progress", "reason": ""}
    )
    assert response.status_code == 302 and response["Location"] == change_url(case)
    case = refreshed(case)
    assert case.status == "in_progress" and case.version == version + 1
    event = case.events.order_by("-pk").first()
    assert (event.field, event.old_value, event.new_value) == ("status", "triaged", "in_progress")
    assert (event.actor_kind, event.actor) == ("staff", advice)
    follow = client.get(response["Location"])
    assert "The case is now “In progress”." in flash(follow)


def test_a_stale_version_is_refused_and_changes_nothing(client, advice, case):
    client.force_login(advice)
    stale = refreshed(case).version
    workflow.case_set_priority(case_id=case.pk, priority="high", actor=workflow.Actor.staff(advice))
    events = Event.objects.count()
    response = client.post(
        action_url(case, "status"), {"version": stale, "status": "resolved", "reason": ""}
    )
    assert response.status_code == 409
    assert any("Someone else changed this case" in m for m in flash(response))
    assert refreshed(case).status == "triaged"
    assert Event.objects.count() == events
    # The page shown again carries the current version, so a retry is possible.
    assert f'name="version" value="{refreshed(case).version}"' in page_text(response)


def test_a_forbidden_transition_shows_the_workflows_message(client, advice):
    case, _ = submit_case()
    workflow.case_assign(case_id=case.pk, assignee=advice, actor=workflow.Actor.system())
    client.force_login(advice)
    response = client.post(
        action_url(case, "status"),
        {"version": refreshed(case).version, "status": "in_progress", "reason": ""},
    )
    assert response.status_code == 400  # not one of the offered buttons
    assert refreshed(case).status == "new"


def test_routing_out_of_triage(client):
    triage = counselor("triage", "advice", username="triage1")
    case, _ = submit_case()
    assert case.assignee == triage
    client.force_login(triage)
    response = client.post(
        action_url(case, "route"),
        {"version": refreshed(case).version, "track": "advice", "reason": ""},
    )
    assert response.status_code == 302
    case = refreshed(case)
    assert (case.track, case.status) == ("advice", "triaged")
    route = case.events.get(field="track")
    assert (route.actor, route.old_value, route.new_value) == (triage, "triage", "advice")


def test_a_referral_needs_a_reason_and_may_leave_the_desk(client, advice, case):
    education = counselor("education", username="edu1")
    client.force_login(advice)
    version = refreshed(case).version
    response = client.post(
        action_url(case, "route"), {"version": version, "track": "education", "reason": ""}
    )
    assert response.status_code == 400
    assert refreshed(case).track == "advice"
    response = client.post(
        action_url(case, "route"),
        {"version": version, "track": "education", "reason": "창업 교육이 먼저 필요"},
    )
    # The case went to the education team: no longer on this counselor's desk.
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    case = refreshed(case)
    assert (case.track, case.assignee) == ("education", education)
    assert OutgoingMail.objects.filter(template="consult_referred").count() == 1


def test_reply_is_mailed_and_moves_the_case_on(client, advice, case):
    client.force_login(advice)
    upload = SimpleUploadedFile("안내.pdf", PDF, content_type="application/pdf")
    response = client.post(
        action_url(case, "reply"),
        {
            "version": refreshed(case).version,
            "body": "안녕하세요, 안내드립니다.",
            "files": [upload],
        },
    )
    assert response.status_code == 302
    case = refreshed(case)
    assert case.status == "in_progress" and case.first_responded_at is not None
    message = case.messages.get(author_kind="staff")
    assert not message.is_internal and message.author == advice
    assert message.attachments.get().original_name == "안내.pdf"
    mail = OutgoingMail.objects.get(template="consult_reply")
    assert mail.recipient == "hana@example.org"


def test_reply_can_wait_for_the_citizen(client, advice, case):
    client.force_login(advice)
    client.post(
        action_url(case, "reply"),
        {
            "version": refreshed(case).version,
            "body": "서류를 보내 주세요.",
            "wait_on_citizen": "on",
        },
    )
    assert refreshed(case).status == "waiting_on_citizen"


def test_reply_refuses_bad_files_and_keeps_the_text(client, advice, case):
    client.force_login(advice)
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf")
    response = client.post(
        action_url(case, "reply"),
        {"version": refreshed(case).version, "body": "첨부합니다", "files": [fake]},
    )
    assert response.status_code == 400
    assert "does not look like a .pdf file" in page_text(response)
    assert "첨부합니다" in page_text(response)
    assert not Message.objects.filter(author_kind="staff").exists()
    assert not OutgoingMail.objects.filter(template="consult_reply").exists()


def test_reply_with_a_stale_version_is_refused(client, advice, case):
    client.force_login(advice)
    stale = refreshed(case).version
    workflow.case_set_priority(case_id=case.pk, priority="high", actor=workflow.Actor.staff(advice))
    response = client.post(action_url(case, "reply"), {"version": stale, "body": "답변"})
    assert response.status_code == 409
    assert not Message.objects.filter(author_kind="staff").exists()
    assert "답변" in page_text(response)  # the text is kept for the retry


def test_an_internal_note_is_never_mailed(client, advice, case):
    client.force_login(advice)
    mails = OutgoingMail.objects.count()
    response = client.post(
        action_url(case, "note"), {"version": refreshed(case).version, "body": "내부 메모"}
    )
    assert response.status_code == 302
    note = Message.objects.get(body="내부 메모")
    assert note.is_internal and note.author == advice
    assert OutgoingMail.objects.count() == mails
    assert refreshed(case).status == "triaged"


def test_canned_reply_fills_in_the_reply_box(client, advice, case):
    canned = CannedReply.objects.create(
        track="advice",
        language="ko",
        title="첫 안내",
        body="{name}님, 접수번호 {reference} 문의에 답변드립니다.",
    )
    CannedReply.objects.create(track="education", language="ko", title="교육", body="교육 안내")
    CannedReply.objects.create(track="advice", language="en", title="Hello", body="Hello {name}")
    client.force_login(advice)
    page = client.get(change_url(case))
    picker = page.context["picker"]
    assert list(picker.fields["canned"].queryset) == [canned]  # this track and language
    filled = client.get(change_url(case), {"canned": canned.pk})
    expected = f"김하나님, 접수번호 {case.reference} 문의에 답변드립니다."
    assert filled.context["forms"]["reply"].initial["body"] == expected
    assert expected in page_text(filled)
    other = CannedReply.objects.get(title="교육")
    assert "교육 안내" not in page_text(client.get(change_url(case), {"canned": other.pk}))


def test_reassign_within_the_team_or_take_the_case(client, advice, case):
    mate = counselor("advice", username="advice2")
    stranger = counselor("education", username="edu1")
    client.force_login(mate)
    page = client.get(change_url(case))
    choices = list(page.context["forms"]["assign"].fields["assignee"].queryset)
    assert set(choices) == {advice, mate}
    assert "Take this case" in page_text(page)
    response = client.post(
        action_url(case, "assign"), {"version": refreshed(case).version, "assignee": stranger.pk}
    )
    assert response.status_code == 400
    assert refreshed(case).assignee == advice
    response = client.post(
        action_url(case, "assign"), {"version": refreshed(case).version, "assignee": mate.pk}
    )
    assert response.status_code == 302
    event = refreshed(case).events.order_by("-pk").first()
    assert (event.field, event.old_value, event.new_value, event.actor) == (
        "assignee",
        str(advice.pk),
        str(mate.pk),
        mate,
    )
    assert "advice1 → advice2" in page_text(client.get(change_url(case)))


def test_managers_assign_any_counselor(client, advice, case):
    stranger = counselor("education", username="edu1")
    boss = manager()
    client.force_login(boss)
    choices = client.get(change_url(case)).context["forms"]["assign"].fields["assignee"]
    assert stranger in choices.queryset
    response = client.post(
        action_url(case, "assign"), {"version": refreshed(case).version, "assignee": stranger.pk}
    )
    assert response.status_code == 302
    assert refreshed(case).assignee == stranger


def test_priority(client, advice, case):
    client.force_login(advice)
    client.post(
        action_url(case, "priority"), {"version": refreshed(case).version, "priority": "urgent"}
    )
    case = refreshed(case)
    assert case.priority == "urgent"
    assert case.events.filter(field="priority", new_value="urgent", actor=advice).exists()


def test_merge_into_a_visible_case(client, advice, case):
    keep, _ = routed_case("advice")
    client.force_login(advice)
    response = client.post(
        action_url(case, "merge"),
        {"version": refreshed(case).version, "into_reference": keep.reference.lower()},
    )
    assert response.status_code == 302 and response["Location"] == change_url(keep)
    case = refreshed(case)
    assert (case.status, case.merged_into) == ("merged", keep)


def test_merge_into_a_case_of_another_team_is_as_if_it_did_not_exist(client, advice, case):
    counselor("education", username="edu1")
    hidden, _ = routed_case("education")
    client.force_login(advice)
    response = client.post(
        action_url(case, "merge"),
        {"version": refreshed(case).version, "into_reference": hidden.reference},
    )
    assert response.status_code == 400
    assert "No case has this reference." in page_text(response)
    assert refreshed(case).status == "triaged"


# --- the merge's confirmation page ----------------------------------------------------


def merge_page(case: Case, into: Case) -> str:
    return action_url(case, "merge") + f"?into_reference={into.reference}&version={case.version}"


def test_the_case_page_opens_the_merge_confirmation_without_merging(client, advice, case):
    keep, _ = routed_case("advice", name="김하나", email="Hana@Example.org")
    client.force_login(advice)
    form = client.get(change_url(case)).content.decode()
    assert f'method="get" action="{action_url(case, "merge")}"' in form
    page = client.get(action_url(case, "merge"), {"into_reference": keep.reference.lower()})
    assert page.status_code == 200
    text = page_text(page)
    for shown in (case.reference, keep.reference, "김하나", "hana@example.org", "Hana@Example.org"):
        assert shown in text
    assert "different email addresses" not in text
    assert 'name="different_citizen_confirmed"' not in text
    assert (
        refreshed(case).status == "triaged"
        and not Event.objects.filter(field="merged_into").exists()
    )
    merged = client.post(
        action_url(case, "merge"),
        {"version": refreshed(case).version, "into_reference": keep.reference},
    )
    assert merged.status_code == 302 and merged["Location"] == change_url(keep)
    assert refreshed(case).status == "merged"


MERGE_PAGE_QUERIES = 12  # session, user, permissions, both cases, the access record


def test_the_merge_confirmation_costs_a_pinned_number_of_queries(
    client, advice, case, django_assert_num_queries
):
    keep, _ = routed_case("advice")
    client.force_login(advice)
    client.get(merge_page(case, keep))  # the session and permissions, cached from here
    with django_assert_num_queries(MERGE_PAGE_QUERIES):
        assert client.get(merge_page(case, keep)).status_code == 200


def test_the_merge_needs_the_csrf_token(advice, case):
    from django.test import Client

    keep, _ = routed_case("advice")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(advice)
    response = browser.post(
        action_url(case, "merge"),
        {"version": refreshed(case).version, "into_reference": keep.reference},
    )
    assert response.status_code == 403
    assert refreshed(case).status == "triaged"


def test_two_citizens_cases_a_counselor_is_warned_and_cannot_merge(client, advice, case):
    other, _ = routed_case("advice", name="박민지", email="minji@example.org")
    client.force_login(advice)
    text = page_text(client.get(merge_page(case, other)))
    assert "different email addresses" in text
    assert "김하나" in text and "박민지" in text and "minji@example.org" in text
    assert 'name="different_citizen_confirmed"' not in text
    assert f'action="{action_url(case, "merge")}"' not in text  # no button to press
    forced = client.post(
        action_url(case, "merge"),
        {
            "version": refreshed(case).version,
            "into_reference": other.reference,
            "different_citizen_confirmed": "on",
        },
    )
    assert forced.status_code == 409
    assert "Only a manager" in " ".join(flash(forced))
    assert refreshed(case).status == "triaged"


def test_two_citizens_cases_a_manager_confirms_the_merge(client, case):
    boss = manager(username="boss")
    other, _ = routed_case("advice", name="박민지", email="minji@example.org")
    client.force_login(boss)
    text = page_text(client.get(merge_page(case, other)))
    assert "different email addresses" in text
    assert 'name="different_citizen_confirmed"' in text
    data = {"version": refreshed(case).version, "into_reference": other.reference}
    unticked = client.post(action_url(case, "merge"), data)
    assert unticked.status_code == 409
    assert "must confirm" in " ".join(flash(unticked))
    assert refreshed(case).status == "triaged"
    ticked = client.post(action_url(case, "merge"), {**data, "different_citizen_confirmed": "on"})
    assert ticked.status_code == 302
    case = refreshed(case)
    assert (case.status, case.merged_into, case.merged_other_citizen) == ("merged", other, True)
    event = case.events.get(field="merged_into")
    assert (event.actor, event.reason) == (boss, workflow.DIFFERENT_CITIZEN_CONFIRMED)
    timeline = page_text(client.get(change_url(case)))
    assert "A manager confirmed the merge of two different citizens" in timeline
    assert "another citizen's case" in timeline


def test_the_lists_merge_action_only_opens_the_confirmation(client, advice, case):
    newer, _ = routed_case("advice")
    client.force_login(advice)
    response = client.post(
        CHANGELIST + "?view=all",
        {"action": "merge_selected", "_selected_action": [case.pk, newer.pk]},
    )
    assert response.status_code == 302
    assert response["Location"] == merge_page(newer, case)
    assert not Case.objects.filter(status="merged").exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and newer.reference in page_text(page)
    one = client.post(
        CHANGELIST + "?view=all",
        {"action": "merge_selected", "_selected_action": [case.pk]},
        follow=True,
    )
    assert "Select exactly two cases to merge." in page_text(one)


def test_a_merge_page_with_an_unknown_reference_is_a_400(client, advice, case):
    client.force_login(advice)
    response = client.get(action_url(case, "merge"), {"into_reference": "COOP-1999-000001"})
    assert response.status_code == 400
    assert "No case has this reference." in page_text(response)


def test_forms_that_do_not_apply_are_not_offered(client, advice, case):
    workflow.case_transition(case_id=case.pk, status="closed", actor=workflow.Actor.staff(advice))
    client.force_login(advice)
    forms = client.get(change_url(case)).context["forms"]
    assert set(forms) == {"note"}
    response = client.post(
        action_url(case, "reply"), {"version": refreshed(case).version, "body": "x"}
    )
    assert response.status_code == 409
    assert not Message.objects.filter(body="x").exists()


def test_view_only_staff_see_no_forms(client, advice, case):
    viewer = counselor("advice", username="viewer")
    viewer.user_permissions.remove(Permission.objects.get(codename="change_case"))
    viewer = get_user_model().objects.get(pk=viewer.pk)
    client.force_login(viewer)
    page = client.get(change_url(case))
    assert page.status_code == 200 and page.context["forms"] == {}
    response = client.post(action_url(case, "note"), {"version": 1, "body": "x"})
    assert response.status_code == 403


# --- attachments and export ----------------------------------------------------------------


def test_staff_download_an_attachment(client, advice):
    upload = SimpleUploadedFile("사업계획서.pdf", PDF, content_type="application/pdf")
    case, _ = routed_case("advice", files=[upload])
    attachment = case.attachments.get()
    client.force_login(advice)
    page = page_text(client.get(change_url(case)))
    url = reverse("admin:consult_case_attachment", args=[case.pk, attachment.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%EC%82%AC%EC%97%85" in response["Content-Disposition"]  # 사업…, RFC 5987
    # An attachment id of another case is not found through this case.
    other, _ = routed_case("advice")
    wrong = reverse("admin:consult_case_attachment", args=[other.pk, attachment.pk])
    assert client.get(wrong).status_code == 404


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_export_is_the_filtered_visible_list_without_message_text(client, advice, case):
    closed, _ = routed_case("advice")
    workflow.case_transition(case_id=closed.pk, status="closed", actor=workflow.Actor.system())
    counselor("education", username="edu1")
    routed_case("education")  # another team's case: never exported for this counselor
    client.force_login(advice)
    export = reverse("admin:consult_case_export")
    response = client.get(export, {"view": "all"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert {r["reference"] for r in rows} == {case.reference, closed.reference}
    first = next(r for r in rows if r["reference"] == case.reference)
    assert (first["status"], first["status_label"], first["track_label"]) == (
        "triaged",
        "Triaged",
        "Advice",
    )
    assert first["assignee"] == "advice1" and first["topic"] == "basics"
    assert first["first_response_due"] == case.first_response_due.isoformat()
    assert "message" not in rows[0] and "email" not in rows[0]
    assert "협동조합을 만들고" not in str(rows)
    filtered = read_csv(client.get(export, {"view": "all", "status__exact": "closed"}))
    assert [r["reference"] for r in filtered] == [closed.reference]
    mine = read_csv(client.get(export))  # the default view: my open cases
    assert [r["reference"] for r in mine] == [case.reference]
    # The list links to the export with its own filters.
    page = page_text(client.get(CHANGELIST, {"view": "all", "status__exact": "closed"}))
    assert f"{export}?status__exact=closed&amp;view=all" in page


def test_export_action_of_selected_cases(client, advice, case):
    client.force_login(advice)
    response = client.post(
        CHANGELIST + "?view=all",
        {"action": "export_selected_csv", "_selected_action": [case.pk]},
    )
    assert response.status_code == 200
    assert [r["reference"] for r in read_csv(response)] == [case.reference]


# --- the desk's other records --------------------------------------------------------------


def test_canned_replies_managers_edit_counselors_read(client, advice):
    canned = CannedReply.objects.create(track="advice", language="ko", title="t", body="b")
    add = reverse("admin:consult_cannedreply_add")
    change = reverse("admin:consult_cannedreply_change", args=[canned.pk])
    client.force_login(advice)
    assert client.get(change).status_code == 200
    assert client.get(add).status_code == 403
    assert (
        client.post(
            change, {"track": "advice", "language": "ko", "title": "x", "body": "y"}
        ).status_code
        == 403
    )
    client.force_login(manager())
    assert client.get(add).status_code == 200


def test_team_memberships_and_privacy_notices(client, advice):
    demo.seed()
    boss = get_user_model().objects.get(username="manager")
    client.force_login(boss)
    team = Team.objects.get(track="advice")
    assert client.get(reverse("admin:consult_team_change", args=[team.pk])).status_code == 200
    membership = advice.consult_memberships.get()
    response = client.post(
        reverse("admin:consult_teammembership_changelist"),
        {"action": "take_no_new_cases", "_selected_action": [membership.pk]},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False
    assert client.get(reverse("admin:consult_team_add")).status_code == 403
    notice = PrivacyNotice.objects.get()
    url = reverse("admin:consult_privacynotice_change", args=[notice.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"version": "x"}).status_code == 403
    assert client.get(reverse("admin:consult_privacynotice_add")).status_code == 403


def test_demo_roles_carry_the_desk_permissions():
    demo.seed()
    users = get_user_model().objects.in_bulk(["manager", "counselor"], field_name="username")
    counselor_user, manager_user = users["counselor"], users["manager"]
    for code in ("consult.view_case", "consult.change_case", "consult.view_cannedreply"):
        assert counselor_user.has_perm(code) and manager_user.has_perm(code)
    assert not counselor_user.has_perm("consult.view_all_cases")
    assert not counselor_user.has_perm("consult.add_cannedreply")
    assert manager_user.has_perm("consult.view_all_cases")
    assert manager_user.has_perm("consult.delete_teammembership")


# --- inquiries waiting for intake ----------------------------------------------------------

SUBMISSIONS = reverse("admin:consult_submission_changelist")


def test_managers_see_what_waits_for_intake_and_open_it(client):
    boss = manager(username="boss")
    waiting = waiting_submission(email="wait@example.org")
    client.force_login(boss)
    dashboard = client.get(reverse("admin:consult_case_dashboard")).content.decode()
    assert f'href="{SUBMISSIONS}">1</a>' in dashboard

    listing = client.get(SUBMISSIONS)
    assert listing.status_code == 200
    assert waiting.reference in listing.content.decode()
    assert "wait@example.org" not in listing.content.decode()  # the list shows no personal data

    response = client.post(
        SUBMISSIONS, {"action": "open_now", "_selected_action": [waiting.pk]}, follow=True
    )
    assert f"Opened as cases: {waiting.reference}" in response.content.decode()
    case = Case.objects.get(reference=waiting.reference)
    assert case.email == "wait@example.org" and case.messages.count() == 1


def test_a_submission_that_cannot_be_opened_says_so_and_stays(client, monkeypatch):
    from consult import services

    client.force_login(manager(username="boss"))
    waiting = waiting_submission(email="wait@example.org")

    def broken(**kwargs):
        raise RuntimeError("no triage team")

    monkeypatch.setattr(services, "_case_open", broken)
    response = client.post(
        SUBMISSIONS, {"action": "open_now", "_selected_action": [waiting.pk]}, follow=True
    )
    body = response.content.decode()
    assert f"Could not be opened (see the last error): {waiting.reference}" in body
    assert "RuntimeError: no triage team" in body
    waiting.refresh_from_db()
    assert waiting.attempts == 1


def test_counselors_do_not_see_waiting_submissions_and_nobody_edits_them(client):
    waiting = waiting_submission(email="wait@example.org")
    client.force_login(counselor("advice", username="advice1"))
    assert client.get(SUBMISSIONS).status_code == 403
    client.force_login(manager(username="boss"))
    change = reverse("admin:consult_submission_change", args=[waiting.pk])
    assert client.post(change, {"email": "x@example.org"}).status_code == 403
    delete = reverse("admin:consult_submission_delete", args=[waiting.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert reverse("admin:consult_submission_add")  # the URL exists, the permission does not
    assert client.get(reverse("admin:consult_submission_add")).status_code == 403
