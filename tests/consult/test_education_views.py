"""The education pages: the public calendar and a session's page (cached, a fixed handful of
queries, 404 for what is not listed), and the course places on the tracking page: enrol,
cancel, accept or decline an offered seat, with the token as the only key."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from consult import education, views, workflow
from consult.models import CourseSession, Enrolment
from coopcenter.outbox.models import OutgoingMail

from .factories import CourseSessionFactory, counselor, education_case, routed_case

pytestmark = pytest.mark.django_db

E = Enrolment.Status
CITIZEN = workflow.Actor.citizen()


def url(name: str, language: str = "ko", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def track(case, token, language="ko") -> str:
    return url("consult:track", language, reference=case.reference, token=token)


def enrol_url(case, token) -> str:
    return url("consult:education_enrol", reference=case.reference, token=token)


def action_url(name, case, token, enrolment) -> str:
    return url(
        f"consult:education_{name}",
        reference=case.reference,
        token=token,
        enrolment_id=enrolment.pk,
    )


def assert_private(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def fill(session, n: int) -> None:
    for i in range(n):
        case, _token = education_case(email=f"filler{session.pk}-{i}@example.org")
        education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)


# --- the calendar -----------------------------------------------------------------------


def test_the_calendar_lists_coming_sessions_by_month_in_seoul_time(client):
    # 05:00 UTC is 14:00 in Seoul.
    first = CourseSessionFactory(
        starts_at=datetime(2099, 3, 4, 5, 0, tzinfo=UTC),
        ends_at=datetime(2099, 3, 4, 8, 0, tzinfo=UTC),
    )
    CourseSessionFactory(
        course=first.course,
        starts_at=datetime(2099, 4, 8, 5, 0, tzinfo=UTC),
        ends_at=datetime(2099, 4, 8, 8, 0, tzinfo=UTC),
        mode="online",
        place="",
        online_url="https://meet.example.org/secret-room",
        language="en",
    )
    body = client.get(url("education:calendar", "en")).content.decode()
    assert "March 2099" in body and "April 2099" in body
    assert body.index("March 2099") < body.index("April 2099")
    assert "Co-op founding basics" in body
    assert "14:00" in body and "17:00" in body
    assert first.place in body
    assert "Online" in body and "secret-room" not in body
    assert "30 seats left" in body
    assert url("education:session", "en", pk=first.pk) in body
    korean = client.get(url("education:calendar")).content.decode()
    assert "협동조합 설립 기초" in korean and "2099년 3월" in korean


def test_the_calendar_leaves_out_past_sessions_and_inactive_courses(client):
    past = CourseSessionFactory(
        starts_at=timezone.now() - timedelta(days=1), ends_at=timezone.now() - timedelta(hours=20)
    )
    retired = CourseSessionFactory()
    retired.course.title_en = "Retired course"
    retired.course.is_active = False
    retired.course.save()
    body = client.get(url("education:calendar", "en")).content.decode()
    assert past.get_absolute_url() not in body
    assert "Retired course" not in body
    assert "No session is scheduled" in body
    assert "How to enrol" in body


def test_the_calendar_says_full_and_closed(client):
    full = CourseSessionFactory(capacity=1)
    fill(full, 1)
    CourseSessionFactory(is_open=False)
    body = client.get(url("education:calendar", "en")).content.decode()
    assert "Full: waiting list open" in body
    assert "Closed for enrolment" in body


def test_the_calendar_costs_one_query_then_none_whatever_the_sessions(
    client, django_assert_num_queries
):
    session = CourseSessionFactory()
    with django_assert_num_queries(1):
        assert client.get(url("education:calendar")).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url("education:calendar")).status_code == 200
    for _ in range(12):
        CourseSessionFactory(course=session.course)
    with django_assert_num_queries(1):
        response = client.get(url("education:calendar"))
    assert response.content.decode().count('class="education-session"') == 13


def test_the_cached_calendar_follows_enrolments_and_edits(client):
    session = CourseSessionFactory(capacity=2)
    assert "2 seats left" in client.get(url("education:calendar", "en")).content.decode()
    fill(session, 1)
    assert "1 seat left" in client.get(url("education:calendar", "en")).content.decode()
    session.is_open = False
    session.save()
    assert "Closed for enrolment" in client.get(url("education:calendar", "en")).content.decode()


def test_the_calendar_is_in_the_navigation_and_the_sitemap(client):
    session = CourseSessionFactory()
    past = CourseSessionFactory(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1)
    )
    home = client.get("/en/").content.decode()
    assert 'href="/en/education/"' in home
    page = client.get(url("education:calendar", "en")).content.decode()
    assert 'href="/en/education/" aria-current="page"' in page
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-education.xml" in index and "sitemap-sessions.xml" in index
    assert "/education/</loc>" in client.get("/sitemap-education.xml").content.decode()
    sessions = client.get("/sitemap-sessions.xml").content.decode()
    assert f"/education/sessions/{session.pk}/</loc>" in sessions
    assert f"/en/education/sessions/{session.pk}/" in sessions
    assert f"/sessions/{past.pk}/" not in sessions


# --- a session's page -------------------------------------------------------------------


def test_a_session_page_shows_the_session_and_how_to_enrol(client):
    session = CourseSessionFactory(
        starts_at=datetime(2099, 3, 4, 5, 0, tzinfo=UTC),
        ends_at=datetime(2099, 3, 4, 8, 0, tzinfo=UTC),
        capacity=12,
    )
    fill(session, 2)
    response = client.get(url("education:session", "en", pk=session.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<title>Co-op founding basics" in body
    assert "14:00" in body and session.place in body
    assert "10 seats left" in body and "12 seats in all" in body
    assert "The co-op principles and how to found one." in body
    assert "How to enrol" in body and 'href="/en/consult/new/"' in body
    assert 'href="/en/consult/find/"' in body


def test_an_online_session_page_never_shows_its_link(client):
    session = CourseSessionFactory(mode="online", place="", online_url="https://meet.example.org/x")
    body = client.get(url("education:session", "en", pk=session.pk)).content.decode()
    assert "Online" in body and "meet.example.org" not in body


@pytest.mark.parametrize("which", ["past", "inactive", "unknown", "huge"])
def test_a_session_that_is_not_listed_is_a_404(client, which):
    session = CourseSessionFactory()
    pk = session.pk
    if which == "past":
        CourseSession.objects.filter(pk=pk).update(
            starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now()
        )
    elif which == "inactive":
        session.course.is_active = False
        session.course.save()
    elif which == "unknown":
        pk += 1000
    else:
        pk = 10**30
    assert client.get(f"/education/sessions/{pk}/").status_code == 404


def test_a_session_page_costs_one_query_then_none(client, django_assert_num_queries):
    session = CourseSessionFactory()
    path = url("education:session", pk=session.pk)
    with django_assert_num_queries(1):
        assert client.get(path).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(path).status_code == 200


def test_a_session_page_cached_before_the_start_is_not_served_after(client):
    session = CourseSessionFactory()
    path = url("education:session", pk=session.pk)
    assert client.get(path).status_code == 200
    # The start is moved into the past without touching the cache (a raw update).
    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(seconds=1)
    )
    education.education_touch()
    assert client.get(path).status_code == 404


# --- the tracking page --------------------------------------------------------------------


def test_an_education_case_sees_its_places_and_the_sessions_it_can_join(client):
    joined = CourseSessionFactory(starts_at=timezone.now() + timedelta(days=3))
    other = CourseSessionFactory(
        course=joined.course, starts_at=timezone.now() + timedelta(days=17)
    )
    closed = CourseSessionFactory(course=joined.course, is_open=False)
    case, token = education_case()
    education.enrolment_request(session_id=joined.pk, case_id=case.pk, actor=CITIZEN)
    response = client.get(track(case, token, "en"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Course sessions" in body and "Your enrolments" in body
    assert "Confirmed" in body
    enrolment = Enrolment.objects.get()
    assert action_url("cancel", case, token, enrolment).replace("/consult/", "/en/consult/") in body
    # Enrol buttons: the other open session only.
    assert body.count('name="session"') == 1
    assert f'name="session" value="{other.pk}"' in body
    assert f'value="{closed.pk}"' not in body


@pytest.mark.parametrize("status", ["advice", "closed"])
def test_a_case_outside_education_or_over_sees_no_course_block(client, status):
    CourseSessionFactory()
    if status == "advice":
        case, token = routed_case("advice")
    else:
        case, token = education_case()
        workflow.case_transition(case_id=case.pk, status="closed", actor=workflow.Actor.system())
    body = client.get(track(case, token, "en")).content.decode()
    assert "Course sessions" not in body and 'name="session"' not in body


def test_the_tracking_page_of_an_education_case_costs_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    session = CourseSessionFactory()
    case, token = education_case()
    education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)
    client.get(track(case, token))  # the case's content is cached now
    # Token and case; the case's enrolments; the sessions it could join.
    with django_assert_num_queries(3):
        assert client.get(track(case, token)).status_code == 200
    for _ in range(5):
        CourseSessionFactory(course=session.course)
    with django_assert_num_queries(3):
        assert client.get(track(case, token)).status_code == 200


def test_enrolment_changes_show_at_once_and_no_cached_copy_holds_a_token(client):
    session = CourseSessionFactory()
    case, token = education_case()
    before = client.get(track(case, token, "en")).content.decode()
    assert "Your enrolments" not in before
    response = client.post(enrol_url(case, token), {"session": session.pk})
    assert response.status_code == 303
    after = client.get(track(case, token, "en")).content.decode()
    assert "Your enrolments" in after and "Confirmed" in after
    stored = list(cache._cache.values())  # locmem in tests: pickled values
    assert stored and views._TRACK_LOCAL
    assert all(token.encode() not in value for value in stored)
    assert all(token not in html for html in views._TRACK_LOCAL.values())


def test_enrolling_from_the_tracking_page(client, django_capture_on_commit_callbacks):
    session = CourseSessionFactory(capacity=1)
    case, token = education_case(email="hana@example.org")
    response = client.post(enrol_url(case, token), {"session": session.pk})
    assert response.status_code == 303
    assert response["Location"] == track(case, token) + "#education"
    assert_private(response)
    enrolment = Enrolment.objects.get(case=case)
    assert enrolment.status == E.CONFIRMED and enrolment.enrolled_by is None
    page = client.get(response["Location"]).content.decode()
    assert "alert-success" in page
    assert OutgoingMail.objects.filter(
        template="education_enrolment_confirmed", recipient="hana@example.org"
    ).exists()


def test_a_full_session_puts_the_citizen_on_the_waiting_list_and_says_so(client):
    session = CourseSessionFactory(capacity=1)
    fill(session, 1)
    case, token = education_case()
    response = client.post(
        url("consult:education_enrol", "en", reference=case.reference, token=token),
        {"session": session.pk},
        follow=True,
    )
    assert Enrolment.objects.get(case=case).status == E.WAITLISTED
    assert "you are number 1 on its waiting list" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [{}, {"session": "abc"}, {"session": "0"}, {"session": str(10**12)}, {"session": "999999"}],
    ids=["missing", "text", "zero", "huge", "unknown"],
)
def test_a_bad_enrol_request_is_a_message_not_an_error(client, data):
    CourseSessionFactory()
    case, token = education_case()
    response = client.post(enrol_url(case, token), data, follow=True)
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_enrolling_twice_or_outside_education_is_refused_with_a_message(client):
    session = CourseSessionFactory()
    case, token = education_case()
    client.post(enrol_url(case, token), {"session": session.pk})
    again = client.post(
        url("consult:education_enrol", "en", reference=case.reference, token=token),
        {"session": session.pk},
        follow=True,
    )
    assert "already enrolled" in again.content.decode()
    assert Enrolment.objects.filter(case=case).count() == 1

    advice, advice_token = routed_case("advice")
    refused = client.post(
        url("consult:education_enrol", "en", reference=advice.reference, token=advice_token),
        {"session": session.pk},
        follow=True,
    )
    assert "education service" in refused.content.decode()
    assert not Enrolment.objects.filter(case=advice).exists()


def test_the_enrol_url_needs_the_right_token_and_a_post(client):
    session = CourseSessionFactory()
    case, token = education_case()
    _other, other_token = education_case()
    cases = {
        "no token": (f"/consult/track/{case.reference}/education/enrol/", 404),
        "wrong token": (enrol_url(case, "x" * 43), 404),
        "someone else's token": (enrol_url(case, other_token), 404),
    }
    for label, (path, status) in cases.items():
        response = client.post(path, {"session": session.pk})
        assert response.status_code == status, label
    assert client.get(enrol_url(case, token)).status_code == 405
    assert not Enrolment.objects.exists()
    # A logged-in counselor without the token is a stranger here too.
    desk = Client()
    desk.force_login(counselor("education"))
    assert desk.post(enrol_url(case, "nope"), {"session": session.pk}).status_code == 404


def test_cancelling_asks_first_and_the_post_cancels(client):
    session = CourseSessionFactory()
    case, token = education_case()
    enrolment = education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)
    page = client.get(action_url("cancel", case, token, enrolment))
    assert page.status_code == 200
    assert_private(page)
    assert 'method="post"' in page.content.decode()
    assert Enrolment.objects.get().status == E.CONFIRMED
    response = client.post(action_url("cancel", case, token, enrolment))
    assert response.status_code == 303
    assert Enrolment.objects.get().status == E.CANCELLED
    assert CourseSession.objects.get(pk=session.pk).seats_taken == 0
    # Again: harmless, the page says it can no longer be cancelled.
    assert client.post(action_url("cancel", case, token, enrolment)).status_code == 303
    later = client.get(action_url("cancel", case, token, enrolment)).content.decode()
    assert 'method="post"' not in later


def test_another_case_enrolment_is_a_404_through_this_link(client):
    session = CourseSessionFactory()
    case, token = education_case()
    other, _other_token = education_case()
    theirs = education.enrolment_request(session_id=session.pk, case_id=other.pk, actor=CITIZEN)
    for name in ("cancel", "accept"):
        assert client.get(action_url(name, case, token, theirs)).status_code == 404
        assert client.post(action_url(name, case, token, theirs)).status_code == 404
    assert client.post(action_url("decline", case, token, theirs)).status_code == 404
    assert client.get(action_url("cancel", case, "wrong", theirs)).status_code == 404
    assert Enrolment.objects.get().status == E.CONFIRMED


def offered(client):
    session = CourseSessionFactory(capacity=1)
    seated, _t = education_case()
    first = education.enrolment_request(session_id=session.pk, case_id=seated.pk, actor=CITIZEN)
    case, token = education_case()
    mine = education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)
    education.enrolment_cancel(enrolment_id=first.pk, actor=CITIZEN)
    return case, token, Enrolment.objects.get(pk=mine.pk)


def test_the_offer_page_shows_the_deadline_and_its_post_accepts(client):
    case, token, enrolment = offered(client)
    assert enrolment.status == E.OFFERED
    page = client.get(
        action_url("accept", case, token, enrolment).replace("/consult/", "/en/consult/")
    )
    assert page.status_code == 200
    assert_private(page)
    body = page.content.decode()
    assert "We hold this seat for you until" in body
    assert Enrolment.objects.get(pk=enrolment.pk).status == E.OFFERED
    # The tracking page links to it too.
    assert (
        action_url("accept", case, token, enrolment)
        in client.get(track(case, token)).content.decode()
    )
    response = client.post(action_url("accept", case, token, enrolment))
    assert response.status_code == 303
    assert Enrolment.objects.get(pk=enrolment.pk).status == E.CONFIRMED


def test_an_expired_offer_is_refused_with_a_message(client):
    case, token, enrolment = offered(client)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = client.get(
        action_url("accept", case, token, enrolment).replace("/consult/", "/en/consult/")
    )
    assert "no longer offered" in page.content.decode()
    response = client.post(
        action_url("accept", case, token, enrolment).replace("/consult/", "/en/consult/"),
        follow=True,
    )
    assert "expired" in response.content.decode()
    assert Enrolment.objects.get(pk=enrolment.pk).status == E.OFFERED


def test_declining_an_offer_from_its_page(client):
    case, token, enrolment = offered(client)
    response = client.post(action_url("decline", case, token, enrolment))
    assert response.status_code == 303
    assert Enrolment.objects.get(pk=enrolment.pk).status == E.CANCELLED
    assert client.get(action_url("decline", case, token, enrolment)).status_code == 405


def test_migrating_a_new_release_invalidates_the_cached_calendar():
    before = education.education_version()
    call_command("migrate", interactive=False, verbosity=0)
    assert education.education_version() != before
