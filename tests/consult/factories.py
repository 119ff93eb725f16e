"""Test data for the case desk. Cases are built through the intake service so that each
one has what a real case has: a reference, a triage counselor, a tracking link."""

from datetime import timedelta
from unittest.mock import patch

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import TestCase
from django.utils import timezone

from consult import services, workflow
from consult.models import (
    AccessAction,
    AccessRecord,
    Case,
    Course,
    CourseSession,
    Submission,
    Team,
    TeamMembership,
)
from consult.services import case_submit, privacy_notice_current, submission_receive


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"counselor{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@center.example.org")
    is_staff = True
    password = factory.django.Password("pw-2026-desk")


def counselor(*tracks: str, username: str | None = None, active: bool = True):
    """A staff user in the teams of these tracks, with the desk's view permissions."""
    user = StaffFactory(**({"username": username} if username else {}))
    for track in tracks:
        TeamMembership.objects.get_or_create(
            team=Team.objects.get(track=track), user=user, defaults={"is_active": active}
        )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consult",
            codename__in=["view_case", "change_case", "view_cannedreply"],
        )
    )
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def manager(username: str | None = None):
    user = counselor(username=username)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consult",
            codename__in=["view_all_cases", "add_cannedreply", "change_cannedreply"],
        )
    )
    return get_user_model().objects.get(pk=user.pk)


def post_committed(client, path: str, data=None, **extra):
    """client.post(), then what its commit queues: the intake run that makes the case
    (Celery runs eagerly in the tests), as a worker would a moment after the POST."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data, **extra)


def _inquiry(**overrides) -> dict:
    """What a citizen tells us on the form, as the intake services take it."""
    data = {
        "name": "김하나",
        "email": "hana@example.org",
        "phone": "",
        "stage": "thinking",
        "service_wanted": "unsure",
        "topic": "basics",
        "message": "협동조합을 만들고 싶은데 무엇부터 해야 하나요?",
        "language": "ko",
        "notice": privacy_notice_current(),
    }
    data.update(overrides)
    return data


def submit_case(**overrides) -> tuple[Case, str]:
    """A citizen's inquiry made a case at once; returns the case and its token."""
    return case_submit(**_inquiry(**overrides))


def receive_inquiry(**overrides) -> Submission:
    """An inquiry as the form's POST keeps it; its intake run is queued after commit."""
    return submission_receive(**_inquiry(**overrides))


def waiting_submission(**overrides) -> Submission:
    """An inquiry kept with no intake run queued (no worker came): it waits."""
    with patch.object(services, "enqueue_on_commit"):
        return receive_inquiry(**overrides)


def routed_case(track: str = "advice", *, by=None, **overrides) -> tuple[Case, str]:
    """A submitted case routed out of triage to `track` (status triaged)."""
    case, token = submit_case(**overrides)
    actor = workflow.Actor.staff(by) if by else workflow.Actor.system()
    case = workflow.case_route(case_id=case.pk, track=track, actor=actor)
    return case, token


# --- education ----------------------------------------------------------------------------


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("slug",)

    title_ko = "협동조합 설립 기초"
    title_en = "Co-op founding basics"
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary_ko = "협동조합의 원칙과 설립 절차를 배웁니다."
    summary_en = "The co-op principles and how to found one."
    default_capacity = 30


class CourseSessionFactory(factory.django.DjangoModelFactory):
    """A session of a course a week from now, in person, with 30 seats."""

    class Meta:
        model = CourseSession

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=3))
    mode = CourseSession.Mode.IN_PERSON
    place = "서울시협동조합상담센터 3층 교육장"
    online_url = ""
    language = "ko"
    capacity = 30


def education_case(**overrides) -> tuple[Case, str]:
    """A case routed to the education service (status triaged), with its token."""
    return routed_case("education", **overrides)


class AccessRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessRecord

    username = factory.Sequence(lambda n: f"counselor{n}")
    action = AccessAction.CASE_VIEWED
    case_reference = factory.Sequence(lambda n: f"COOP-2026-{n:06d}")
    client_address = "192.0.2.10"
