"""Consulting in the desk: the case page's panel (start an engagement, link the registry co-op),
the engagement page (meetings, ticking steps off through consult.consulting) and the standard
checklists; with the permission matrix (anonymous, staff without the desk, a counselor of the
case's team, of another team, a manager). An engagement of another team's case does not exist
for a counselor (404)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from consult import consulting, workflow
from consult.models import Case, ChecklistItem, Engagement, Meeting
from tests.registry.factories import CooperativeFactory

from .factories import counselor, manager, routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_admin")]

ROLES = ["anonymous", "plain_staff", "team", "other_team", "manager"]


@pytest.fixture
def world(db):
    users = {
        "team": counselor("consulting", username="consult1"),
        "other_team": counselor("education", username="edu1"),
        "manager": manager(username="boss"),
        "plain_staff": get_user_model().objects.create_user(
            "volunteer", password="x", is_staff=True
        ),
        "anonymous": None,
    }
    case, _ = routed_case("consulting")
    engagement = consulting.engagement_start(
        case_id=case.pk, kind="founding", actor=workflow.Actor.staff(users["team"])
    )
    fresh, _ = routed_case("consulting")  # no engagement yet
    return {
        "users": users,
        "case": case,
        "engagement": engagement,
        "fresh": fresh,
        "coop": CooperativeFactory(name="새날협동조합"),
    }


def login(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    return user


def check(response, role, *, team=200, other_team=404, manager_=200, plain_staff=403):
    want = {
        "plain_staff": plain_staff,
        "team": team,
        "other_team": other_team,
        "manager": manager_,
    }.get(role)
    if role == "anonymous":
        assert response.status_code == 302, response.status_code
        assert reverse("admin:login") in response["Location"]
        return False
    assert response.status_code == want, (response.status_code, want)
    return want in (200, 302)


def change_url(engagement) -> str:
    return reverse("admin:consult_engagement_change", args=[engagement.pk])


def inline_data(engagement, *, done=(), meetings=()) -> dict:
    """The engagement page's POST: the checklist boxes ticked at `done` (positions), and new
    meetings (dicts of field values)."""
    items = list(engagement.checklist.order_by("position", "pk"))
    data = {
        "checklist-TOTAL_FORMS": str(len(items)),
        "checklist-INITIAL_FORMS": str(len(items)),
        "checklist-MIN_NUM_FORMS": "0",
        "checklist-MAX_NUM_FORMS": "1000",
        "meetings-TOTAL_FORMS": str(len(meetings)),
        "meetings-INITIAL_FORMS": "0",
        "meetings-MIN_NUM_FORMS": "0",
        "meetings-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, item in enumerate(items):
        data[f"checklist-{index}-id"] = str(item.pk)
        data[f"checklist-{index}-engagement"] = str(engagement.pk)
        if item.position in done:
            data[f"checklist-{index}-done"] = "on"
    for index, meeting in enumerate(meetings):
        for name, value in meeting.items():
            data[f"meetings-{index}-{name}"] = value
    return data


# --- the permission matrix --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_engagement_list(client, world, role):
    login(client, world, role)
    response = client.get(reverse("admin:consult_engagement_changelist"))
    if check(response, role, other_team=200):
        listed = {e.pk for e in response.context["cl"].result_list}
        assert (world["engagement"].pk in listed) == (role != "other_team")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["change", "history"])
def test_engagement_pages(client, world, role, page):
    login(client, world, role)
    url = reverse(f"admin:consult_engagement_{page}", args=[world["engagement"].pk])
    check(client.get(url), role)


@pytest.mark.parametrize("role", ROLES)
def test_ticking_a_step(client, world, role):
    user = login(client, world, role)
    engagement = world["engagement"]
    response = client.post(change_url(engagement), inline_data(engagement, done={1}))
    allowed = check(response, role, team=302, manager_=302)
    first = engagement.checklist.get(position=1)
    assert (first.done_at is not None) == allowed
    if allowed:
        assert first.done_by == user
        assert not engagement.checklist.exclude(position=1).filter(done_at__isnull=False).exists()


@pytest.mark.parametrize("role", ROLES)
def test_starting_from_the_case_page(client, world, role):
    login(client, world, role)
    url = reverse("admin:consult_case_engagement_start", args=[world["fresh"].pk])
    response = client.post(url, {"kind": "conversion"})
    allowed = check(response, role, team=302, manager_=302)
    engagement = Engagement.objects.filter(case=world["fresh"]).first()
    assert (engagement is not None) == allowed
    if allowed:
        assert response["Location"] == change_url(engagement)
        assert engagement.checklist.count() == 4
    assert client.get(url).status_code in (302, 405)  # never a GET that changes anything


@pytest.mark.parametrize("role", ROLES)
def test_linking_the_co_op_from_the_case_page(client, world, role):
    login(client, world, role)
    url = reverse("admin:consult_case_cooperative", args=[world["case"].pk])
    response = client.post(url, {"cooperative": world["coop"].pk})
    allowed = check(response, role, team=302, manager_=302)
    assert (Case.objects.get(pk=world["case"].pk).cooperative_id is not None) == allowed


@pytest.mark.parametrize("role", ROLES)
def test_standard_checklists_are_for_managers(client, world, role):
    login(client, world, role)
    response = client.get(reverse("admin:consult_checklisttemplateitem_changelist"))
    check(response, role, team=403, other_team=403)


# --- the case page's panel --------------------------------------------------------------------


def test_the_panel_offers_to_start_an_engagement(client, world):
    client.force_login(world["users"]["team"])
    page = client.get(reverse("admin:consult_case_change", args=[world["fresh"].pk]))
    body = page.content.decode()
    assert '<h2 id="case-consulting-heading">Consulting</h2>' in body
    assert "Start the engagement" in body
    assert 'name="kind"' in body
    # The co-op field is the admin's autocomplete over the registry.
    assert 'data-model-name="case"' in body and 'data-field-name="cooperative"' in body
    assert "admin/js/autocomplete.js" in body


def test_the_panel_shows_the_engagement(client, world):
    team = world["users"]["team"]
    engagement = world["engagement"]
    actor = workflow.Actor.staff(team)
    consulting.meeting_add(
        engagement_id=engagement.pk,
        starts_at=engagement.started_at,
        expert_name="Jeong",
        expert_field="accounting",
        next_step="Send the draft bylaws.",
        next_step_due=date(2026, 12, 2),
        actor=actor,
    )
    consulting.checklist_tick(
        item_id=engagement.checklist.order_by("position").first().pk, done=True, actor=actor
    )
    client.force_login(team)
    body = client.get(reverse("admin:consult_case_change", args=[world["case"].pk])).content
    body = body.decode()
    assert "Founding a co-op" in body
    assert "1 of 5 steps done" in body
    assert "Send the draft bylaws." in body
    assert "Jeong (Accounting and tax)" in body
    assert change_url(engagement) in body
    assert "Start the engagement" not in body


def test_the_panel_shows_the_co_op_and_removes_the_link(client, world):
    client.force_login(world["users"]["team"])
    url = reverse("admin:consult_case_cooperative", args=[world["case"].pk])
    client.post(url, {"cooperative": world["coop"].pk})
    page = client.get(reverse("admin:consult_case_change", args=[world["case"].pk]))
    body = page.content.decode()
    assert "This case helped to found" in body and "새날협동조합" in body
    assert reverse("admin:registry_cooperative_change", args=[world["coop"].pk]) in body
    response = client.post(url, {"cooperative": world["coop"].pk, "unlink": "Remove the link"})
    assert response.status_code == 302
    assert Case.objects.get(pk=world["case"].pk).cooperative is None


def test_refusals_on_the_case_page_are_4xx_with_a_message(client, world):
    client.force_login(world["users"]["team"])
    start = reverse("admin:consult_case_engagement_start", args=[world["case"].pk])
    response = client.post(start, {"kind": "founding"})  # it has one already
    assert response.status_code == 409
    assert "This case already has an engagement." in response.content.decode()
    response = client.post(
        reverse("admin:consult_case_engagement_start", args=[world["fresh"].pk]), {"kind": "x"}
    )
    assert response.status_code == 400
    assert "Choose a kind of engagement." in response.content.decode()
    assert not Engagement.objects.filter(case=world["fresh"]).exists()
    link = reverse("admin:consult_case_cooperative", args=[world["case"].pk])
    response = client.post(link, {"cooperative": "999999"})
    assert response.status_code == 400


def test_an_advice_case_can_link_a_co_op_but_not_start_an_engagement(client, world):
    advice, _ = routed_case("advice")
    client.force_login(world["users"]["manager"])
    body = client.get(reverse("admin:consult_case_change", args=[advice.pk])).content.decode()
    assert "Start the engagement" not in body and "Save the link" in body
    response = client.post(
        reverse("admin:consult_case_engagement_start", args=[advice.pk]), {"kind": "founding"}
    )
    assert response.status_code == 409
    assert "Only a case in the consulting service" in response.content.decode()


def test_the_registry_autocomplete_answers_counselors(client, world):
    team = world["users"]["team"]
    # The Counselors role may view the registry (coopcenter.core.demo.ROLE_PERMISSIONS).
    team.user_permissions.add(Permission.objects.get(codename="view_cooperative"))
    client.force_login(get_user_model().objects.get(pk=team.pk))
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "consult", "model_name": "case", "field_name": "cooperative", "term": "새날"},
    )
    assert response.status_code == 200
    assert {"id": str(world["coop"].pk), "text": "새날협동조합"} in response.json()["results"]


# --- the engagement page ----------------------------------------------------------------------


def test_adding_a_meeting_on_the_engagement_page(client, world):
    client.force_login(world["users"]["team"])
    engagement = world["engagement"]
    meeting = {
        "starts_at": "2026-11-25T14:00",
        "place": "Room 2",
        "counselor": str(world["users"]["team"].pk),
        "expert_name": "Yoon",
        "expert_field": "labour",
        "summary": "Employment contracts.",
        "next_step": "Draft the contracts.",
        "next_step_due": "2026-12-02",
    }
    response = client.post(change_url(engagement), inline_data(engagement, meetings=[meeting]))
    assert response.status_code == 302
    saved = Meeting.objects.get()
    assert (saved.expert_name, saved.expert_field, saved.counselor) == (
        "Yoon",
        "labour",
        world["users"]["team"],
    )
    assert saved.next_step_due == date(2026, 12, 2)
    assert saved.starts_at == datetime(2026, 11, 25, 14, 0, tzinfo=ZoneInfo("Asia/Seoul"))


def test_a_refused_meeting_shows_why_beside_the_field(client, world):
    client.force_login(world["users"]["team"])
    engagement = world["engagement"]
    meeting = {"starts_at": "2026-11-25T14:00", "expert_name": "Yoon"}
    response = client.post(change_url(engagement), inline_data(engagement, meetings=[meeting]))
    assert response.status_code == 200  # the admin shows the form again
    assert "Say in which field the outside expert advises." in response.content.decode()
    assert not Meeting.objects.exists()


def test_unticking_on_the_engagement_page(client, world):
    team = world["users"]["team"]
    engagement = world["engagement"]
    client.force_login(team)
    client.post(change_url(engagement), inline_data(engagement, done={1, 2}))
    assert engagement.checklist.filter(done_by=team).count() == 2
    client.post(change_url(engagement), inline_data(engagement, done={2}))
    assert list(
        engagement.checklist.filter(done_at__isnull=False).values_list("position", flat=True)
    ) == [2]


def test_the_engagement_of_a_case_that_is_over_is_read_only(client, world):
    workflow.case_transition(
        case_id=world["case"].pk, status="closed", actor=workflow.Actor.system()
    )
    client.force_login(world["users"]["team"])
    engagement = world["engagement"]
    page = client.get(change_url(engagement))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(change_url(engagement), inline_data(engagement, done={1}))
    assert response.status_code == 403
    assert not ChecklistItem.objects.filter(done_at__isnull=False).exists()


def test_nobody_adds_or_deletes_engagements_in_the_admin(client, world):
    client.force_login(world["users"]["manager"])
    assert client.get(reverse("admin:consult_engagement_add")).status_code == 403
    delete = reverse("admin:consult_engagement_delete", args=[world["engagement"].pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Engagement.objects.filter(pk=world["engagement"].pk).exists()


def test_a_meeting_led_by_a_counselor_who_left_does_not_block_the_page(client, world):
    team = world["users"]["team"]
    engagement = world["engagement"]
    leaver = counselor("consulting", username="leaver")
    meeting = consulting.meeting_add(
        engagement_id=engagement.pk,
        starts_at=engagement.started_at,
        counselor=leaver,
        actor=workflow.Actor.staff(team),
    )
    leaver.consult_memberships.all().delete()
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    client.force_login(team)
    data = inline_data(engagement, done={1})
    data.update(
        {
            "meetings-TOTAL_FORMS": "1",
            "meetings-INITIAL_FORMS": "1",
            "meetings-0-id": str(meeting.pk),
            "meetings-0-engagement": str(engagement.pk),
            "meetings-0-starts_at": engagement.started_at.astimezone(
                ZoneInfo("Asia/Seoul")
            ).strftime("%Y-%m-%dT%H:%M"),
            "meetings-0-counselor": str(leaver.pk),
        }
    )
    response = client.post(change_url(engagement), data)
    assert response.status_code == 302, [
        f.errors for fs in response.context["inline_admin_formsets"] for f in fs.formset.forms
    ]
    assert engagement.checklist.get(position=1).done_by == team
    assert Meeting.objects.get().counselor == leaver
