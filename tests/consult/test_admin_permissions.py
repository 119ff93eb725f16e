"""Who may open which page of the desk: every desk view for anonymous visitors, staff without the
desk's permissions, a counselor of the case's team, a counselor of another team, a manager.

A case of another team does not exist for a counselor: 404 on every case URL, and absent
from their list and export."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consult.models import Case
from tests.consult.factories import counselor, manager, routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "english_admin")]

PDF = b"%PDF-1.4\n%%EOF\n"
ROLES = ["anonymous", "plain_staff", "team", "other_team", "manager"]


@pytest.fixture
def world(db):
    """An advice case with a file, a second advice case to merge into, and one user of
    each role."""
    users = {
        "team": counselor("advice", username="advice1"),
        "other_team": counselor("education", username="edu1"),
        "manager": manager(username="boss"),
        "plain_staff": get_user_model().objects.create_user(
            "volunteer", password="x", is_staff=True
        ),
        "anonymous": None,
    }
    upload = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    case, _ = routed_case("advice", files=[upload])
    keep, _ = routed_case("advice")
    return {"users": users, "case": case, "keep": keep}


def login(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    return user


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and reverse("admin:login") in response["Location"]


def expected(role, *, team=200, other_team=404, manager_=200, plain_staff=403):
    return {
        "anonymous": "login",
        "plain_staff": plain_staff,
        "team": team,
        "other_team": other_team,
        "manager": manager_,
    }[role]


def check(response, want):
    if want == "login":
        assert is_login_redirect(response), response.status_code
    else:
        assert response.status_code == want, (response.status_code, want)


# --- pages -------------------------------------------------------------------------------


def case_pages(world):
    case = world["case"]
    attachment = case.attachments.get()
    return {
        "change": reverse("admin:consult_case_change", args=[case.pk]),
        "history": reverse("admin:consult_case_history", args=[case.pk]),
        "attachment": reverse("admin:consult_case_attachment", args=[case.pk, attachment.pk]),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["change", "history", "attachment"])
def test_case_pages(client, world, role, page):
    login(client, world, role)
    response = client.get(case_pages(world)[page])
    check(response, expected(role))


@pytest.mark.parametrize("role", ROLES)
def test_changelist(client, world, role):
    login(client, world, role)
    response = client.get(reverse("admin:consult_case_changelist"), {"view": "all"})
    check(response, expected(role, other_team=200))
    if response.status_code == 200:
        listed = {c.pk for c in response.context["cl"].result_list}
        assert (world["case"].pk in listed) == (role != "other_team")


@pytest.mark.parametrize("role", ROLES)
def test_csv_export(client, world, role):
    login(client, world, role)
    response = client.get(reverse("admin:consult_case_export"), {"view": "all"})
    check(response, expected(role, other_team=200))
    if response.status_code == 200:
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        references = {row["reference"] for row in csv.DictReader(io.StringIO(body))}
        assert (world["case"].reference in references) == (role != "other_team")


@pytest.mark.parametrize("role", ROLES)
def test_dashboard(client, world, role):
    login(client, world, role)
    response = client.get(reverse("admin:consult_case_dashboard"))
    # Not a case: counselors are refused (403), not told it does not exist.
    check(response, expected(role, team=403, other_team=403))


@pytest.mark.parametrize("role", ROLES)
def test_a_case_of_another_team_is_not_found_even_with_a_bad_id(client, world, role):
    login(client, world, role)
    response = client.get(reverse("admin:consult_case_change", args=[999999]))
    check(response, expected(role, team=404, manager_=404))


# --- actions -----------------------------------------------------------------------------


def action_data(world, action):
    case = Case.objects.get(pk=world["case"].pk)
    data = {"version": case.version}
    data.update(
        {
            "reply": {"body": "답변드립니다."},
            "note": {"body": "메모"},
            "status": {"status": "in_progress", "reason": ""},
            "route": {"track": "consulting", "reason": "컨설팅이 필요"},
            # Managers may pick any counselor, another team's too.
            "assign": {"assignee": world["users"]["other_team"].pk},
            "priority": {"priority": "high"},
            "merge": {"into_reference": world["keep"].reference},
        }[action]
    )
    return data


def effect(world, action) -> bool:
    case = Case.objects.get(pk=world["case"].pk)
    return {
        "reply": case.messages.filter(body="답변드립니다.").exists(),
        "note": case.messages.filter(body="메모").exists(),
        "status": case.status == "in_progress",
        "route": case.track == "consulting",
        "assign": case.events.filter(field="assignee", actor__isnull=False).exists(),
        "priority": case.priority == "high",
        "merge": case.status == "merged",
    }[action]


ACTIONS = ["reply", "note", "status", "route", "assign", "priority", "merge"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_actions(client, world, role, action):
    user = login(client, world, role)
    if action == "assign" and role == "team":
        # A counselor hands the case to a team mate (it is theirs already).
        world["users"]["mate"] = counselor("advice", username="advice2")
    data = action_data(world, action)
    if action == "assign" and role == "team":
        data["assignee"] = world["users"]["mate"].pk
    url = reverse(f"admin:consult_case_{action}", args=[world["case"].pk])
    response = client.post(url, data)
    want = expected(role, team=302, manager_=302)
    check(response, want)
    assert effect(world, action) == (want == 302)
    if want == 302:
        if action == "assign":
            event = Case.objects.get(pk=world["case"].pk).events.order_by("-pk").first()
            assert event.actor == user and event.actor_kind == "staff"
        # Never a GET that changes anything (a merge's GET is its confirmation page: see
        # test_admin.py).
        if action != "merge":
            assert client.get(url).status_code == 405
