"""Enrolment in course sessions (consult.education): seats never exceed capacity, the
waiting list keeps arrival order, a freed seat is offered to the first who waits with a
deadline, offers expire, and the mails of each step go out in the citizen's language."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail as django_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import resolve
from django.utils import timezone, translation

from consult import education, workflow
from consult.education import EducationError
from consult.models import CourseSession, Enrolment
from consult.services import token_lookup
from coopcenter.outbox.models import OutgoingMail
from tests.outbox.links import mail_link

from .factories import (
    CourseSessionFactory,
    counselor,
    education_case,
    routed_case,
)

pytestmark = pytest.mark.django_db

E = Enrolment.Status
CITIZEN = workflow.Actor.citizen()


@pytest.fixture(autouse=True)
def _english():
    """Refusals are asserted on their English source text (the mails choose their own
    language: the case's)."""
    with translation.override("en"):
        yield


def enrol(session, case=None, **case_overrides) -> Enrolment:
    if case is None:
        case, _token = education_case(**case_overrides)
    return education.enrolment_request(session_id=session.pk, case_id=case.pk, actor=CITIZEN)


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def assert_seats_add_up(session: CourseSession) -> None:
    session = fresh(session)
    seated = session.enrolments.filter(status__in=education.SEATED_STATUSES).count()
    assert session.seats_taken == seated <= session.capacity


def mails_to(case, template: str) -> list[OutgoingMail]:
    return list(OutgoingMail.objects.filter(recipient=case.email, template=template))


# --- enrolling ------------------------------------------------------------------------


def test_a_case_gets_a_confirmed_place_while_seats_are_left():
    session = CourseSessionFactory(capacity=2)
    case, _token = education_case(email="hana@example.org")
    enrolment = enrol(session, case)
    assert enrolment.status == E.CONFIRMED
    assert enrolment.enrolled_by is None  # the citizen, through their link
    assert fresh(session).seats_taken == 1
    [mail] = mails_to(case, "education_enrolment_confirmed")
    assert mail.idempotency_key == f"case-{case.pk}:enrolment-{enrolment.pk}:confirmed"
    assert mail.context["course"] == "협동조합 설립 기초"
    assert mail.context["place"] == session.place


def test_a_full_session_puts_newcomers_on_the_waiting_list_in_arrival_order():
    session = CourseSessionFactory(capacity=2)
    enrolments = [enrol(session, email=f"c{i}@example.org") for i in range(5)]
    assert [e.status for e in enrolments] == [E.CONFIRMED] * 2 + [E.WAITLISTED] * 3
    assert [education.waitlist_position(e) for e in enrolments[2:]] == [1, 2, 3]
    assert education.waitlist_position(enrolments[0]) is None
    fourth = enrolments[3]
    [mail] = OutgoingMail.objects.filter(
        template="education_enrolment_waitlisted", recipient="c3@example.org"
    )
    assert mail.context["position"] == 2
    assert fourth.requested_at >= enrolments[2].requested_at
    assert_seats_add_up(session)


def test_a_counselor_enrolling_a_case_is_recorded():
    staff = counselor("education")
    session = CourseSessionFactory()
    case, _token = education_case()
    enrolment = education.enrolment_request(
        session_id=session.pk, case_id=case.pk, actor=workflow.Actor.staff(staff)
    )
    assert enrolment.enrolled_by == staff


@pytest.mark.parametrize(
    ("session_overrides", "message"),
    [
        ({"is_open": False}, "closed for enrolment"),
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "already taken place"),
    ],
    ids=["closed", "past"],
)
def test_a_session_that_takes_no_enrolments_refuses(session_overrides, message):
    session = CourseSessionFactory(**session_overrides)
    with pytest.raises(EducationError, match=message):
        enrol(session)
    assert not Enrolment.objects.exists()
    assert fresh(session).seats_taken == 0


def test_a_session_of_an_inactive_course_refuses():
    session = CourseSessionFactory()
    session.course.is_active = False
    session.course.save()
    with pytest.raises(EducationError, match="closed for enrolment"):
        enrol(session)


def test_only_a_case_of_the_education_service_is_enrolled():
    session = CourseSessionFactory()
    advice, _token = routed_case("advice")
    with pytest.raises(EducationError, match="education service"):
        enrol(session, advice)


def test_a_case_that_is_over_is_not_enrolled():
    session = CourseSessionFactory()
    case, _token = education_case()
    workflow.case_transition(case_id=case.pk, status="closed", actor=workflow.Actor.system())
    with pytest.raises(EducationError, match="over"):
        enrol(session, case)


def test_a_case_is_enrolled_once_per_session_but_may_come_back_after_cancelling():
    session = CourseSessionFactory()
    case, _token = education_case()
    first = enrol(session, case)
    with pytest.raises(EducationError, match="already enrolled"):
        enrol(session, case)
    education.enrolment_cancel(enrolment_id=first.pk, actor=CITIZEN)
    again = enrol(session, case)
    assert again.status == E.CONFIRMED and again.pk != first.pk
    assert_seats_add_up(session)


def test_an_unknown_session_or_case_is_a_clear_refusal():
    case, _token = education_case()
    with pytest.raises(EducationError, match="does not exist"):
        education.enrolment_request(session_id=999_999, case_id=case.pk, actor=CITIZEN)
    session = CourseSessionFactory()
    with pytest.raises(EducationError, match="does not exist"):
        education.enrolment_request(session_id=session.pk, case_id=999_999, actor=CITIZEN)


def test_the_database_refuses_more_seats_than_capacity():
    session = CourseSessionFactory(capacity=1)
    enrol(session)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseSession.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") + 1)


# --- cancelling and offers --------------------------------------------------------------


def test_a_cancelled_place_is_offered_to_the_first_who_waits(settings):
    settings.CONSULT_SEAT_OFFER_HOURS = 48
    session = CourseSessionFactory(capacity=1, starts_at=timezone.now() + timedelta(days=10))
    seated = enrol(session, email="seated@example.org")
    first = enrol(session, email="first@example.org")
    second = enrol(session, email="second@example.org")
    before = timezone.now()
    education.enrolment_cancel(enrolment_id=seated.pk, actor=CITIZEN)

    assert fresh(seated).status == E.CANCELLED
    first, second = fresh(first), fresh(second)
    assert first.status == E.OFFERED and second.status == E.WAITLISTED
    assert before + timedelta(hours=48) <= first.offer_expires_at
    assert first.offer_expires_at <= timezone.now() + timedelta(hours=48)
    # The seat stays held for the offer.
    assert fresh(session).seats_taken == 1
    assert_seats_add_up(session)
    assert OutgoingMail.objects.filter(
        template="education_enrolment_cancelled", recipient="seated@example.org"
    ).exists()

    [offer] = OutgoingMail.objects.filter(template="education_seat_offered")
    assert offer.recipient == "first@example.org"
    # The accept link opens the case it was made for, on the accept page.
    path = urlsplit(mail_link(offer, "accept_url")).path
    with translation.override(offer.language):  # the link is in the citizen's language
        match = resolve(path)
    assert match.url_name == "education_accept"
    assert match.kwargs["enrolment_id"] == first.pk
    found = token_lookup(reference=match.kwargs["reference"], token=match.kwargs["token"])
    assert found is not None and found[0].pk == first.case_id


def test_an_offer_never_runs_past_the_session_start(settings):
    settings.CONSULT_SEAT_OFFER_HOURS = 48
    starts = timezone.now() + timedelta(hours=5)
    session = CourseSessionFactory(capacity=1, starts_at=starts)
    seated = enrol(session)
    waiting = enrol(session)
    education.enrolment_cancel(enrolment_id=seated.pk, actor=CITIZEN)
    assert fresh(waiting).offer_expires_at == starts


def test_cancelling_a_place_in_line_frees_no_seat():
    session = CourseSessionFactory(capacity=1)
    enrol(session)
    waiting = enrol(session)
    later = enrol(session)
    education.enrolment_cancel(enrolment_id=waiting.pk, actor=CITIZEN)
    assert fresh(later).status == E.WAITLISTED
    assert education.waitlist_position(fresh(later)) == 1
    assert not OutgoingMail.objects.filter(template="education_seat_offered").exists()
    assert_seats_add_up(session)


def test_cancelling_twice_is_harmless_and_after_the_start_is_refused():
    session = CourseSessionFactory()
    enrolment = enrol(session)
    education.enrolment_cancel(enrolment_id=enrolment.pk, actor=CITIZEN)
    education.enrolment_cancel(enrolment_id=enrolment.pk, actor=CITIZEN)
    assert OutgoingMail.objects.filter(template="education_enrolment_cancelled").count() == 1
    assert fresh(session).seats_taken == 0

    other = enrol(session)
    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5)
    )
    with pytest.raises(EducationError, match="already taken place"):
        education.enrolment_cancel(enrolment_id=other.pk, actor=CITIZEN)
    assert fresh(other).status == E.CONFIRMED


def offered_session(capacity: int = 1, waiting: int = 2):
    """A full session whose first seat was just given back: the first waiting is offered it."""
    session = CourseSessionFactory(capacity=capacity)
    seated = [enrol(session, email=f"seated{i}@example.org") for i in range(capacity)]
    queue = [enrol(session, email=f"waiting{i}@example.org") for i in range(waiting)]
    education.enrolment_cancel(enrolment_id=seated[0].pk, actor=CITIZEN)
    return session, [fresh(e) for e in queue]


def test_accepting_an_offer_confirms_the_place_once():
    session, (offered, _next) = offered_session()
    education.enrolment_accept_offer(enrolment_id=offered.pk)
    education.enrolment_accept_offer(enrolment_id=offered.pk)
    assert fresh(offered).status == E.CONFIRMED
    assert (
        OutgoingMail.objects.filter(
            template="education_enrolment_confirmed", recipient="waiting0@example.org"
        ).count()
        == 1
    )
    assert_seats_add_up(session)


def test_an_offer_past_its_deadline_cannot_be_accepted():
    _session, (offered, _next) = offered_session()
    Enrolment.objects.filter(pk=offered.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(EducationError, match="expired"):
        education.enrolment_accept_offer(enrolment_id=offered.pk)
    assert fresh(offered).status == E.OFFERED  # until offers_expire hands it on


def test_only_an_offered_seat_can_be_accepted_or_declined():
    _session, (_offered, waiting) = offered_session()
    for change in (education.enrolment_accept_offer, education.enrolment_decline_offer):
        with pytest.raises(EducationError, match="no longer offered"):
            change(enrolment_id=waiting.pk)
    assert fresh(waiting).status == E.WAITLISTED


def test_declining_an_offer_hands_the_seat_to_the_next():
    session, (offered, waiting) = offered_session()
    education.enrolment_decline_offer(enrolment_id=offered.pk)
    assert fresh(offered).status == E.CANCELLED
    assert fresh(waiting).status == E.OFFERED
    assert_seats_add_up(session)


def test_expired_offers_pass_the_seat_on_and_running_again_changes_nothing(settings):
    settings.CONSULT_SEAT_OFFER_HOURS = 24
    session, (offered, waiting) = offered_session()
    later = timezone.now() + timedelta(hours=25)
    assert education.offers_expire(now=timezone.now()) == 0
    assert education.offers_expire(now=later) == 1

    assert fresh(offered).status == E.EXPIRED
    waiting = fresh(waiting)
    assert waiting.status == E.OFFERED
    assert waiting.offer_expires_at == later + timedelta(hours=24)
    assert_seats_add_up(session)
    assert OutgoingMail.objects.filter(
        template="education_offer_expired", recipient="waiting0@example.org"
    ).exists()
    mails = OutgoingMail.objects.count()

    assert education.offers_expire(now=later) == 0
    assert OutgoingMail.objects.count() == mails
    assert fresh(waiting).status == E.OFFERED


def test_the_last_offer_expiring_with_nobody_waiting_frees_the_seat():
    session, (offered,) = offered_session(waiting=1)
    assert fresh(session).seats_taken == 1
    education.offers_expire(now=timezone.now() + timedelta(days=3))
    assert fresh(offered).status == E.EXPIRED
    assert fresh(session).seats_taken == 0
    assert_seats_add_up(session)


def test_a_case_that_is_over_is_skipped_when_a_seat_frees_up():
    session = CourseSessionFactory(capacity=1)
    seated = enrol(session)
    gone_case, _token = education_case(email="gone@example.org")
    gone = enrol(session, gone_case)
    waiting = enrol(session, email="next@example.org")
    workflow.case_transition(case_id=gone_case.pk, status="closed", actor=workflow.Actor.system())
    education.enrolment_cancel(enrolment_id=seated.pk, actor=CITIZEN)
    assert fresh(gone).status == E.CANCELLED
    assert fresh(waiting).status == E.OFFERED
    assert not OutgoingMail.objects.filter(
        template="education_seat_offered", recipient="gone@example.org"
    ).exists()


def test_seats_added_to_a_full_session_go_to_those_waiting_first():
    session = CourseSessionFactory(capacity=1)
    enrol(session)
    waiting = enrol(session)
    CourseSession.objects.filter(pk=session.pk).update(capacity=2)
    newcomer = enrol(session)
    assert fresh(waiting).status == E.OFFERED
    assert newcomer.status == E.WAITLISTED
    assert_seats_add_up(session)


def test_seats_always_add_up_through_a_busy_day(settings):
    session = CourseSessionFactory(capacity=3)
    enrolments = [enrol(session, email=f"c{i}@example.org") for i in range(7)]
    education.enrolment_cancel(enrolment_id=enrolments[0].pk, actor=CITIZEN)
    education.enrolment_cancel(enrolment_id=enrolments[4].pk, actor=CITIZEN)  # waiting
    education.enrolment_cancel(enrolment_id=enrolments[1].pk, actor=CITIZEN)
    assert_seats_add_up(session)
    education.enrolment_accept_offer(enrolment_id=enrolments[3].pk)
    education.enrolment_decline_offer(enrolment_id=enrolments[5].pk)
    assert_seats_add_up(session)
    education.offers_expire(now=timezone.now() + timedelta(days=3))
    assert_seats_add_up(session)
    statuses = [fresh(e).status for e in enrolments]
    assert statuses == [
        E.CANCELLED,
        E.CANCELLED,
        E.CONFIRMED,
        E.CONFIRMED,
        E.CANCELLED,
        E.CANCELLED,
        E.EXPIRED,
    ]


# --- attendance and what follows -----------------------------------------------------------


def started(session) -> None:
    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=2)
    )


def test_staff_record_attendance_of_confirmed_places_once_the_session_began():
    staff = workflow.Actor.staff(counselor("education"))
    session = CourseSessionFactory(capacity=1)
    seated = enrol(session)
    waiting = enrol(session)
    with pytest.raises(EducationError, match="not started"):
        education.attendance_record(enrolment_id=seated.pk, attendance="attended", actor=staff)
    started(session)
    education.attendance_record(enrolment_id=seated.pk, attendance="attended", actor=staff)
    assert fresh(seated).attendance == "attended"
    education.attendance_record(enrolment_id=seated.pk, attendance="absent", actor=staff)
    assert fresh(seated).attendance == "absent"
    with pytest.raises(EducationError, match="confirmed places only"):
        education.attendance_record(enrolment_id=waiting.pk, attendance="absent", actor=staff)
    with pytest.raises(EducationError, match="Unknown attendance"):
        education.attendance_record(enrolment_id=seated.pk, attendance="late", actor=staff)
    with pytest.raises(EducationError, match="staff"):
        education.attendance_record(enrolment_id=seated.pk, attendance="attended", actor=CITIZEN)


@pytest.mark.parametrize("track", ["advice", "consulting"])
def test_after_the_session_the_case_moves_on_to_another_service(track):
    staff = counselor("education", "advice", "consulting")
    actor = workflow.Actor.staff(staff)
    session = CourseSessionFactory()
    case, _token = education_case()
    enrolment = enrol(session, case)
    started(session)
    education.attendance_record(enrolment_id=enrolment.pk, attendance="attended", actor=actor)
    moved = workflow.case_route(
        case_id=case.pk, track=track, actor=actor, reason="Attended the founding course."
    )
    assert moved.track == track
    assert moved.events.filter(field="track", old_value="education", new_value=track).exists()
    # The enrolment and its attendance stay with the case.
    assert fresh(enrolment).attendance == "attended"


# --- mails --------------------------------------------------------------------------------


URL = re.compile(r"https?://[^\s\"'<>]+")


@pytest.mark.parametrize(
    ("language", "expect"),
    [
        ("ko", ["협동조합 설립 기초", "온라인", "서울 시각", "서울시협동조합상담센터"]),
        (
            "en",
            ["Co-op founding basics", "Online", "Seoul time", "Seoul Co-op Consultation Center"],
        ),
    ],
)
def test_every_education_mail_is_sent_in_the_case_language(
    language, expect, django_capture_on_commit_callbacks
):
    online = "https://meet.example.org/founding-42"
    session = CourseSessionFactory(capacity=1, mode="online", place="", online_url=online)
    with django_capture_on_commit_callbacks(execute=True):
        seated = enrol(session, language=language, email=f"seated-{language}@example.org")
        enrol(session, language=language, email=f"waiting-{language}@example.org")
        third = enrol(session, language=language, email=f"third-{language}@example.org")
        education.enrolment_cancel(enrolment_id=seated.pk, actor=CITIZEN)
        education.offers_expire(now=timezone.now() + timedelta(days=3))
    rows = {
        f"<outbox-{row.pk}@": row
        for row in OutgoingMail.objects.filter(template__startswith="education_")
    }
    by_step = {}
    for message in django_mail.outbox:
        row = rows.get(message.extra_headers["Message-ID"].split("@")[0] + "@")
        if row is None:  # the acknowledgement and the staff's mails of the cases
            continue
        by_step[(row.recipient, row.template)] = message
    steps = {
        ("seated", "education_enrolment_confirmed"),
        ("waiting", "education_enrolment_waitlisted"),
        ("third", "education_enrolment_waitlisted"),
        ("seated", "education_enrolment_cancelled"),
        ("waiting", "education_seat_offered"),
        ("waiting", "education_offer_expired"),
        ("third", "education_seat_offered"),
    }
    assert {(to.split("-")[0], template) for to, template in by_step} == steps
    for message in by_step.values():
        html = message.alternatives[0][0]
        for text in expect:
            assert text in message.body and text in html, (message.subject, text)
        assert "{{" not in message.body and "{%" not in html
    confirmed = by_step[(f"seated-{language}@example.org", "education_enrolment_confirmed")]
    assert online in confirmed.body and online in confirmed.alternatives[0][0]
    # The online link is for confirmed participants only.
    waitlisted = by_step[(f"waiting-{language}@example.org", "education_enrolment_waitlisted")]
    assert online not in waitlisted.body
    assert "1" in waitlisted.subject + waitlisted.body
    offer = by_step[(f"third-{language}@example.org", "education_seat_offered")]
    accept = [url for url in URL.findall(offer.body) if "/education/" in url and "/accept/" in url]
    assert accept and ("/en/consult/" in accept[0]) == (language == "en")
    assert fresh(third).status == E.OFFERED
