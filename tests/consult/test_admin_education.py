"""The education desk in the admin: courses and sessions (seats shown, never edited by
hand), enrolments made through the services (the enrol form, cancel and attendance
actions), and who may open them."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from consult import education, workflow
from consult.models import CourseSession, Enrolment
from coopcenter.core import demo as core_demo

from .factories import CourseSessionFactory, counselor, education_case, manager, routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_admin")]

E = Enrolment.Status
CITIZEN = workflow.Actor.citizen()
EDUCATION_PERMISSIONS = [
    "view_course",
    "view_coursesession",
    "add_coursesession",
    "change_coursesession",
    "view_enrolment",
    "add_enrolment",
    "change_enrolment",
]


def with_education(user):
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="consult", codename__in=EDUCATION_PERMISSIONS
        )
    )
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def edu(client):
    user = with_education(counselor("education", username="edu"))
    client.force_login(user)
    return user


def enrolments_url(**query) -> str:
    url = reverse("admin:consult_enrolment_changelist")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_session_list_shows_seats_taken_of_capacity(client, edu):
    session = CourseSessionFactory(capacity=12)
    case, _token = education_case()
    education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)
    body = client.get(reverse("admin:consult_coursesession_changelist")).content.decode()
    assert "1 / 12" in body


def test_the_session_page_lists_its_enrolments_and_never_edits_seats(client, edu):
    session = CourseSessionFactory(capacity=5)
    case, _token = education_case()
    education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)
    page = client.get(reverse("admin:consult_coursesession_change", args=[session.pk]))
    body = page.content.decode()
    assert case.reference in body and "Confirmed" in body
    assert 'name="seats_taken"' not in body
    form = page.context["adminform"].form
    data = {
        **{name: form.initial.get(name) or "" for name in form.fields},
        "starts_at_0": timezone.localtime(session.starts_at).strftime("%Y-%m-%d"),
        "starts_at_1": timezone.localtime(session.starts_at).strftime("%H:%M:%S"),
        "ends_at_0": timezone.localtime(session.ends_at).strftime("%Y-%m-%d"),
        "ends_at_1": timezone.localtime(session.ends_at).strftime("%H:%M:%S"),
        "capacity": "6",
        "is_open": "on",
        "enrolments-TOTAL_FORMS": "1",
        "enrolments-INITIAL_FORMS": "1",
        "enrolments-MIN_NUM_FORMS": "0",
        "enrolments-MAX_NUM_FORMS": "1000",
        "enrolments-0-id": str(Enrolment.objects.get().pk),
        "enrolments-0-session": str(session.pk),
    }
    data = {k: v for k, v in data.items() if v is not None and k not in {"starts_at", "ends_at"}}
    # Meanwhile another citizen takes a seat: the form's copy must not undo it.
    other, _token = education_case()
    education.enrolment_request(session_id=session.pk, case_id=other.pk, actor=CITIZEN)
    response = client.post(reverse("admin:consult_coursesession_change", args=[session.pk]), data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    session = CourseSession.objects.get(pk=session.pk)
    assert session.capacity == 6 and session.seats_taken == 2


def test_capacity_below_the_seats_taken_is_refused(client, edu):
    session = CourseSessionFactory(capacity=2)
    for _ in range(2):
        case, _token = education_case()
        education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)
    from consult.admin import CourseSessionForm

    form = CourseSessionForm(
        instance=session,
        data={
            "course": session.course.pk,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "mode": "in_person",
            "place": session.place,
            "language": "ko",
            "capacity": 1,
            "is_open": True,
        },
    )
    assert not form.is_valid()
    assert "2 seats are already taken" in str(form.errors["capacity"])


def test_a_counselor_enrols_a_case_through_the_form(client, edu):
    session = CourseSessionFactory(capacity=1)
    case, _token = education_case()
    add = reverse("admin:consult_enrolment_add")
    page = client.get(add + f"?session={session.pk}&reference={case.reference}")
    assert page.status_code == 200
    assert page.context["form"].initial == {"session": str(session.pk), "reference": case.reference}
    response = client.post(add, {"session": session.pk, "reference": case.reference.lower()})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(case=case)
    assert enrolment.status == E.CONFIRMED and enrolment.enrolled_by == edu
    assert CourseSession.objects.get(pk=session.pk).seats_taken == 1

    second, _token = education_case()
    client.post(add, {"session": session.pk, "reference": second.reference})
    assert Enrolment.objects.get(case=second).status == E.WAITLISTED


def test_the_enrol_form_explains_refusals(client, edu):
    session = CourseSessionFactory()
    advice, _token = routed_case("advice")
    add = reverse("admin:consult_enrolment_add")
    # A case of another team does not exist for this counselor.
    unseen = client.post(add, {"session": session.pk, "reference": advice.reference})
    assert unseen.status_code == 200
    assert "No case you can see has this reference." in unseen.content.decode()
    boss = with_education(manager(username="boss"))
    client.force_login(boss)
    refused = client.post(add, {"session": session.pk, "reference": advice.reference})
    assert refused.status_code == 200
    assert "Only a case in the education service can be enrolled." in refused.content.decode()
    assert not Enrolment.objects.exists()


def test_actions_cancel_and_record_attendance_through_the_services(client, edu):
    session = CourseSessionFactory(capacity=1)
    cases = [education_case()[0] for _ in range(2)]
    seated, waiting = (
        education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)
        for case in cases
    )
    listing = enrolments_url(session__id__exact=session.pk)
    response = client.post(
        listing, {"action": "mark_attended", "_selected_action": [seated.pk]}, follow=True
    )
    assert "not started yet" in response.content.decode()
    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=1)
    )
    client.post(listing, {"action": "mark_absent", "_selected_action": [seated.pk]})
    assert Enrolment.objects.get(pk=seated.pk).attendance == "absent"
    client.post(listing, {"action": "mark_attended", "_selected_action": [seated.pk]})
    assert Enrolment.objects.get(pk=seated.pk).attendance == "attended"

    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=3),
    )
    client.post(listing, {"action": "cancel_enrolments", "_selected_action": [seated.pk]})
    seated = Enrolment.objects.get(pk=seated.pk)
    assert seated.status == E.CANCELLED and seated.attendance == ""
    assert Enrolment.objects.get(pk=waiting.pk).status == E.OFFERED


def test_an_enrolment_page_is_read_only(client, edu):
    session = CourseSessionFactory()
    case, _token = education_case()
    enrolment = education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)
    url = reverse("admin:consult_enrolment_change", args=[enrolment.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    client.post(url, {"status": "cancelled", "attendance": "attended"})
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    assert enrolment.status == E.CONFIRMED and enrolment.attendance == ""


def test_counselors_see_the_enrolments_of_their_cases_only(client):
    session = CourseSessionFactory()
    case, _token = education_case()
    education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)
    advice = with_education(counselor("advice", username="adv"))
    client.force_login(advice)
    body = client.get(enrolments_url()).content.decode()
    assert case.reference not in body
    boss = with_education(manager(username="boss"))
    client.force_login(boss)
    assert case.reference in client.get(enrolments_url()).content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "consult_course_changelist",
        "consult_coursesession_changelist",
        "consult_enrolment_changelist",
    ],
)
def test_staff_outside_the_desk_get_no_education_pages(client, name):
    volunteer = with_education(
        get_user_model().objects.create_user("volunteer", password="x", is_staff=True)
    )
    client.force_login(volunteer)
    assert client.get(reverse(f"admin:{name}")).status_code == 403
    client.logout()
    response = client.get(reverse(f"admin:{name}"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_the_demo_roles_carry_the_education_permissions():
    core_demo.seed()
    counselors = set(
        Group.objects.get(name=core_demo.COUNSELORS).permissions.values_list("codename", flat=True)
    )
    assert set(EDUCATION_PERMISSIONS) <= counselors
    managers = set(
        Group.objects.get(name=core_demo.MANAGERS).permissions.values_list("codename", flat=True)
    )
    assert {"add_course", "change_course", *EDUCATION_PERMISSIONS} <= managers
