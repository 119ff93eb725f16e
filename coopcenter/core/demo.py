"""Demo data of the site itself: the staff accounts a newcomer logs in with."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

MANAGERS = "Managers"
COUNSELORS = "Counselors"
EDITORS = "Editors"

# Permissions each role gets on the models that exist; apps add theirs as they grow.
ROLE_PERMISSIONS = {
    MANAGERS: [
        "outbox.view_outgoingmail",
        "outbox.change_outgoingmail",
        # Add and change together open the registry's import page.
        "registry.view_cooperative",
        "registry.add_cooperative",
        "registry.change_cooperative",
        "registry.view_certification",
        "registry.add_certification",
        "registry.change_certification",
        "registry.delete_certification",
        "registry.view_importbatch",
        "registry.view_importjob",
        "registry.view_cooperativechange",
        # The case desk: every team's cases, the canned replies and who is in which team.
        "consult.view_case",
        "consult.change_case",
        "consult.view_all_cases",
        "consult.view_cannedreply",
        "consult.add_cannedreply",
        "consult.change_cannedreply",
        "consult.delete_cannedreply",
        "consult.view_team",
        "consult.change_team",
        "consult.view_teammembership",
        "consult.add_teammembership",
        "consult.change_teammembership",
        "consult.delete_teammembership",
        "consult.view_privacynotice",
        # Education: the courses, their sessions, and enrolments made through the services.
        "consult.view_course",
        "consult.add_course",
        "consult.change_course",
        "consult.view_coursesession",
        "consult.add_coursesession",
        "consult.change_coursesession",
        "consult.view_enrolment",
        "consult.add_enrolment",
        "consult.change_enrolment",
    ],
    COUNSELORS: [
        "outbox.view_outgoingmail",
        "registry.view_cooperative",
        "registry.view_certification",
        "registry.view_cooperativechange",
        # The case desk: their teams' cases (consult.permissions decides which).
        "consult.view_case",
        "consult.change_case",
        "consult.view_cannedreply",
        "consult.view_team",
        "consult.view_teammembership",
        "consult.view_privacynotice",
        # Education: counselors schedule sessions, enrol cases and record attendance.
        "consult.view_course",
        "consult.view_coursesession",
        "consult.add_coursesession",
        "consult.change_coursesession",
        "consult.view_enrolment",
        "consult.add_enrolment",
        "consult.change_enrolment",
    ],
    # The articles: writing, publishing and restoring (through the services), the images and
    # the vocabularies; deleting an article is left to a superuser (unpublishing suffices).
    EDITORS: [
        "articles.view_article",
        "articles.add_article",
        "articles.change_article",
        "articles.view_image",
        "articles.add_image",
        "articles.change_image",
        "articles.delete_image",
        "articles.view_category",
        "articles.view_tag",
        "articles.add_tag",
        "articles.change_tag",
        "articles.view_author",
        "articles.add_author",
        "articles.change_author",
        "articles.view_series",
        "articles.add_series",
        "articles.change_series",
        "articles.view_slugredirect",
    ],
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


DEMO_STAFF = [
    DemoLogin("admin", "demo-admin-2026", "superuser"),
    DemoLogin("manager", "demo-manager-2026", MANAGERS),
    DemoLogin("counselor", "demo-counselor-2026", COUNSELORS),
    DemoLogin("editor", "demo-editor-2026", EDITORS),
]


def _permissions(codes: list[str]) -> list[Permission]:
    perms = []
    for code in codes:
        app_label, codename = code.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return perms


@transaction.atomic
def seed(stdout=None) -> list[DemoLogin]:
    """Create the roles and the demo staff; running it again resets their passwords."""
    for name, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(codes))
    User = get_user_model()
    for login in DEMO_STAFF:
        user, _created = User.objects.get_or_create(username=login.username)
        user.is_staff = True
        user.is_superuser = login.role == "superuser"
        user.email = f"{login.username}@example.org"
        user.set_password(login.password)
        user.save()
        if login.role != "superuser":
            user.groups.set([Group.objects.get(name=login.role)])
    return DEMO_STAFF
