"""Who on the staff sees which case: one function decides for every screen."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from consult import permissions, workflow
from consult.models import Case

from .factories import StaffFactory, counselor, manager, routed_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """An advice case assigned (by hand) to a counselor of the education team, and an
    education case nobody in advice has anything to do with."""
    advice_counselor = counselor("advice", username="adv")
    education_counselor = counselor("education", username="edu")
    helper = counselor("consulting", username="helper")  # another team, assigned by hand
    advice_case, _ = routed_case("advice", email="a@example.org")
    workflow.case_assign(
        case_id=advice_case.pk, assignee=helper, actor=workflow.Actor.staff(advice_counselor)
    )
    education_case, _ = routed_case("education", email="e@example.org")
    User = get_user_model()
    inactive = counselor("advice", username="inactive")
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    superuser = User.objects.create_superuser("root", "root@example.org", "pw")
    not_staff = User.objects.create_user("citizen", password="pw")
    # A team member whose staff flag was taken away sees nothing either.
    former = counselor("advice", username="former")
    User.objects.filter(pk=former.pk).update(is_staff=False)
    return {
        "cases": {"advice": advice_case, "education": education_case},
        "users": {
            "anonymous": AnonymousUser(),
            "inactive staff": User.objects.get(pk=inactive.pk),
            "not staff": not_staff,
            "former staff": User.objects.get(pk=former.pk),
            "staff in no team": StaffFactory(username="loner"),
            "advice counselor": advice_counselor,
            "education counselor": education_counselor,
            "assignee from another team": helper,
            "manager": manager(username="boss"),
            "superuser": superuser,
        },
    }


EXPECTED = {
    "anonymous": set(),
    "inactive staff": set(),
    "not staff": set(),
    "former staff": set(),
    "staff in no team": set(),
    "advice counselor": {"advice"},
    "education counselor": {"education"},
    "assignee from another team": {"advice"},
    "manager": {"advice", "education"},
    "superuser": {"advice", "education"},
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_visibility(world, who):
    user = world["users"][who]
    cases = world["cases"]
    visible = set(permissions.cases_visible_to(user))
    assert visible == {cases[name] for name in EXPECTED[who]}
    for name, case in cases.items():
        assert permissions.can_see_case(user, case) == (name in EXPECTED[who])


@pytest.mark.parametrize("who", list(EXPECTED))
def test_roles(world, who):
    user = world["users"][who]
    assert permissions.is_manager(user) == (who in ("manager", "superuser"))
    desk = who in (
        "advice counselor",
        "education counselor",
        "assignee from another team",
        "manager",
        "superuser",
    )
    assert permissions.is_desk_user(user) == desk


def test_visibility_filters_a_given_queryset(world):
    user = world["users"]["advice counselor"]
    open_cases = Case.objects.filter(status="triaged")
    assert set(permissions.cases_visible_to(user, open_cases)) == {world["cases"]["advice"]}
    assert not permissions.cases_visible_to(user, Case.objects.none()).exists()


def test_a_referral_moves_the_case_to_the_new_team(world):
    advice_case = world["cases"]["advice"]
    users = world["users"]
    workflow.case_route(
        case_id=advice_case.pk,
        track="education",
        actor=workflow.Actor.staff(users["advice counselor"]),
        reason="course first",
    )
    case = Case.objects.get(pk=advice_case.pk)
    assert permissions.can_see_case(users["education counselor"], case)
    assert not permissions.can_see_case(users["advice counselor"], case)


def test_a_counselor_on_leave_still_sees_the_team_cases(world):
    from consult.models import TeamMembership

    user = world["users"]["advice counselor"]
    TeamMembership.objects.filter(user=user).update(is_active=False)
    assert permissions.can_see_case(user, world["cases"]["advice"])
