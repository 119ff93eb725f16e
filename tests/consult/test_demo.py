"""The demo desk: every status and track, real events and mails, and idempotent."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count

from consult import demo
from consult.models import (
    SERVICE_TRACKS,
    CannedReply,
    Case,
    Event,
    Message,
    Status,
    TeamMembership,
    Track,
)
from coopcenter.core import demo as core_demo
from coopcenter.outbox.models import OutgoingMail

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    core_demo.seed()
    out = StringIO()
    created = demo.seed(stdout=out)
    return created, out.getvalue()


def test_seed_creates_cases_in_every_status_and_track(seeded):
    created, output = seeded
    cases = Case.objects.filter(email__endswith=f"@{demo.DEMO_DOMAIN}")
    assert created == cases.count() == len(demo.PLANS)
    assert 35 <= created <= 45
    assert set(cases.values_list("status", flat=True)) == set(Status.values)
    assert set(cases.values_list("track", flat=True)) == set(Track.values)
    assert cases.overdue().exists() and cases.exclude(pk__in=cases.overdue()).open().exists()
    assert f"{created} demo cases" in output
    for counselor in demo.EXTRA_COUNSELORS:
        assert counselor.password in output


def test_cases_went_through_the_workflow(seeded):
    cases = Case.objects.all()
    # Every routed case has its track event, every status its status events.
    for case in cases.exclude(track=Track.TRIAGE):
        assert Event.objects.filter(case=case, field="track").exists(), case
    for case in cases.exclude(status__in=[Status.NEW]):
        last = Event.objects.filter(case=case, field="status").last()
        assert last is not None and last.new_value == case.status, case
    merged = cases.filter(status=Status.MERGED)
    assert merged.count() == 3
    for case in merged:
        assert case.merged_into.email == case.email and not case.merged_into.is_final
    assert Event.objects.filter(
        field="track", old_value__in=[str(t) for t in SERVICE_TRACKS]
    ).exists()
    assert Message.objects.filter(is_internal=True).exists()
    assert OutgoingMail.objects.filter(template="consult_acknowledge").count() == cases.count()
    assert OutgoingMail.objects.filter(template="consult_referred").exists()
    # Backdated: the desk shows weeks of work, and first answers come after receipt.
    assert (
        cases.order_by("created_at").first().created_at
        < cases.order_by("created_at").last().created_at
    )
    for case in cases.filter(first_responded_at__isnull=False):
        assert case.first_responded_at >= case.created_at


def test_seed_is_idempotent(seeded):
    counts = (
        Case.objects.count(),
        Event.objects.count(),
        CannedReply.objects.count(),
        TeamMembership.objects.count(),
        get_user_model().objects.count(),
    )
    out = StringIO()
    assert demo.seed(stdout=out) == 0
    assert "already present" in out.getvalue()
    assert counts == (
        Case.objects.count(),
        Event.objects.count(),
        CannedReply.objects.count(),
        TeamMembership.objects.count(),
        get_user_model().objects.count(),
    )


def test_canned_replies_two_per_track_and_language_with_placeholders(seeded):
    per = CannedReply.objects.values("track", "language").annotate(n=Count("pk"))
    assert {(r["track"], r["language"], r["n"]) for r in per} == {
        (track, language, 2) for track in Track.values for language in ("ko", "en")
    }
    for reply in CannedReply.objects.all():
        assert "{name}" in reply.body and "{reference}" in reply.body, reply.title
    education = " ".join(
        CannedReply.objects.filter(track="education").values_list("body", flat=True)
    )
    assert "30" in education


def test_demo_staff_get_their_teams(seeded):
    User = get_user_model()
    counselor = User.objects.get(username="counselor")
    manager = User.objects.get(username="manager")
    assert set(counselor.consult_memberships.values_list("team__track", "is_active")) == {
        ("triage", True),
        ("advice", True),
    }
    assert set(manager.consult_memberships.values_list("team__track", flat=True)) == set(
        Track.values
    )
    assert not manager.consult_memberships.filter(is_active=True).exists()
    for extra in demo.EXTRA_COUNSELORS:
        user = User.objects.get(username=extra.username)
        assert user.is_staff and not user.is_superuser and user.check_password(extra.password)
        assert set(user.consult_memberships.values_list("team__track", flat=True)) == set(
            extra.tracks
        )


def test_seed_without_the_core_staff_skips_them_with_a_note():
    out = StringIO()
    assert demo.seed(stdout=out) == len(demo.PLANS)
    assert "no user 'counselor'" in out.getvalue()
    assert set(Case.objects.values_list("status", flat=True)) == set(Status.values)


# --- consulting ---------------------------------------------------------------------------


def test_the_demo_has_an_engagement_and_a_case_that_founded_a_co_op():
    from consult.models import ChecklistItem, Engagement, Meeting
    from tests.registry.factories import CooperativeFactory

    core_demo.seed()
    coop = CooperativeFactory(registration_date=None)
    out = StringIO()
    demo.seed(stdout=out)
    engagement = Engagement.objects.get()
    assert engagement.kind == "founding"
    assert (engagement.case.track, engagement.case.status) == ("consulting", "in_progress")
    meetings = list(Meeting.objects.filter(engagement=engagement).order_by("starts_at"))
    assert len(meetings) == 2
    assert meetings[0].counselor is not None and meetings[0].expert_name == ""
    assert meetings[1].expert_field == "accounting" and meetings[1].expert_name
    assert all(engagement.case.created_at < m.starts_at for m in meetings)
    steps = ChecklistItem.objects.filter(engagement=engagement).order_by("position")
    assert [s.done_at is not None for s in steps] == [True, True, False, False, False]
    linked = Case.objects.get(cooperative__isnull=False)
    assert linked.cooperative == coop and linked.status == "closed"
    assert f"demo case {linked.reference} helped found" in out.getvalue()
    # A second run adds nothing.
    demo.seed(stdout=StringIO())
    assert (Engagement.objects.count(), Meeting.objects.count()) == (1, 2)
    assert Case.objects.filter(cooperative__isnull=False).count() == 1


def test_without_registry_co_ops_no_case_is_linked():
    core_demo.seed()
    out = StringIO()
    demo.seed(stdout=out)
    assert not Case.objects.filter(cooperative__isnull=False).exists()
    assert "no registry co-op to link" in out.getvalue()


def test_seed_adds_the_founding_course_with_sessions_twice_a_month_once(seeded):
    from django.utils import timezone

    from consult.models import Course

    course = Course.objects.get(slug=demo.FOUNDING_SLUG)
    assert course.title_ko == "협동조합 설립 기초" and course.title_en == "Co-op founding basics"
    sessions = list(course.sessions.order_by("starts_at"))
    assert len(sessions) == 6
    assert all(s.starts_at > timezone.now() and s.capacity == 30 for s in sessions)
    assert [s.mode for s in sessions].count("online") == 1
    months = [timezone.localtime(s.starts_at).strftime("%Y-%m") for s in sessions]
    assert all(months.count(month) <= 2 for month in months)
    demo.seed()
    assert course.sessions.count() == 6
