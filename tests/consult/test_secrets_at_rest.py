"""No table and no file holds a working secret.

A citizen goes through every feature that mails them a link: the acknowledgement, a new
link from "find my case", a counselor's reply and the waiting reminder, the satisfaction
survey, a freed seat offered to them, the reminders the day before a session and a
meeting. Then everything the database and the file storage hold is dumped, every
token-shaped string in it is tried on the tracking, survey and seat-offer URLs, and none
opens anything. It is done twice: while the mail server is down (the mails wait in the
outbox with their links sealed) and after they were delivered. The links the citizen got
by mail do open: the check is not blind.
"""

import datetime as dt
import re
from pathlib import Path
from smtplib import SMTPServerDisconnected
from unittest.mock import patch
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.core.files.storage import storages
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from consult import education, followups, workflow
from consult.models import Case, CourseSession, Engagement, Enrolment, Meeting, Status
from coopcenter.outbox import services as outbox
from coopcenter.outbox.models import OutgoingMail

from .factories import CourseSessionFactory, counselor, education_case, routed_case
from .test_views_intake import valid_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

TOKEN_SHAPED = re.compile(r"[A-Za-z0-9_-]{20,}")
CITIZEN = workflow.Actor.citizen()


def committed():
    return TestCase.captureOnCommitCallbacks(execute=True)


def walk_a_citizen_through_every_mail(client) -> None:
    advisor = counselor("advice", username="advisor")
    staff = workflow.Actor.staff(advisor)

    # The inquiry form: the acknowledgement with the tracking link.
    with committed():
        assert client.post("/consult/new/", valid_data()).status_code == 303
    case = Case.objects.get(email="hana@example.org")
    case = workflow.case_route(case_id=case.pk, track="advice", actor=staff)

    # "Find my case": a new link.
    with committed():
        client.post("/consult/find/", {"reference": case.reference, "email": case.email})

    # A reply that waits on the citizen, and a week later the reminder with the link.
    since = timezone.now() - dt.timedelta(days=8)
    with committed(), patch("django.utils.timezone.now", return_value=since):
        workflow.case_reply(
            case_id=case.pk, actor=staff, body="초안 정관을 보내 주세요.", wait_on_citizen=True
        )
    with committed():
        followups.waiting_followups_run(now=since + dt.timedelta(days=7, hours=1))
        workflow.case_citizen_reply(case_id=case.pk, body="보내 드립니다.")
        # Resolved: the satisfaction survey.
        workflow.case_transition(case_id=case.pk, status=Status.RESOLVED, actor=staff)
        followups.surveys_send()

    # A full course: the seat freed by a cancellation is offered with an accept link.
    session = CourseSessionFactory(capacity=1, starts_at=timezone.now() + dt.timedelta(days=10))
    with committed():
        seated, _ = education_case(email="seated@example.org")
        waiting, _ = education_case(email="waiting@example.org")
        first = education.enrolment_request(session_id=session.pk, case_id=seated.pk, actor=CITIZEN)
        education.enrolment_request(session_id=session.pk, case_id=waiting.pk, actor=CITIZEN)
        education.enrolment_cancel(enrolment_id=first.pk, actor=CITIZEN)
    assert Enrolment.objects.get(case=waiting).status == Enrolment.Status.OFFERED

    # The day before: an online session (its meeting link) and a consulting meeting.
    tomorrow = timezone.now() + dt.timedelta(days=1)
    online = CourseSession.objects.create(
        course=session.course,
        starts_at=tomorrow,
        ends_at=tomorrow + dt.timedelta(hours=2),
        mode="online",
        online_url="https://meet.example.org/founding-basics",
        capacity=10,
    )
    consulting, _ = routed_case("consulting", email="founder@example.org")
    Enrolment.objects.create(session=online, case=consulting, status=Enrolment.Status.CONFIRMED)
    engagement = Engagement.objects.create(case=consulting, kind="founding")
    Meeting.objects.create(
        engagement=engagement,
        starts_at=tomorrow,
        place="3층 회의실",
        expert_name="이세무",
        expert_field="accounting",
    )
    with committed():
        followups.session_reminders_send(now=timezone.now())

    templates = set(OutgoingMail.objects.values_list("template", flat=True))
    assert {
        "consult_acknowledge",
        "consult_link",
        "consult_reply",
        "followup_waiting_reminder",
        "followup_survey",
        "education_seat_offered",
        "followup_session_reminder",
        "followup_meeting_reminder",
    } <= templates, templates


def everything_at_rest() -> list[str]:
    """Every value of every table, and every file of every storage, as text."""
    texts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            texts.extend(str(value) for row in cursor.fetchall() for value in row)
    roots = {Path(settings.MEDIA_ROOT)}
    for alias in ("default", "public"):
        location = (
            getattr(storages[alias], "location", None) if alias in settings.STORAGES else None
        )
        if location:
            roots.add(Path(location))
    for root in roots:
        if root.exists():
            texts.extend(
                path.read_bytes().decode("latin-1") for path in root.rglob("*") if path.is_file()
            )
    return texts


def assert_nothing_at_rest_opens(client) -> int:
    texts = everything_at_rest()
    candidates = {match for text in texts for match in TOKEN_SHAPED.findall(text)}
    references = list(Case.objects.values_list("reference", flat=True))
    offers = list(Enrolment.objects.values_list("pk", flat=True))
    for candidate in candidates:
        for reference in references:
            track = f"/consult/track/{reference}/{candidate}/"
            assert client.get(track).status_code == 404, f"{track} opened"
            for enrolment_id in offers:
                accept = f"{track}education/{enrolment_id}/accept/"
                assert client.get(accept).status_code == 404, f"{accept} opened"
        survey = f"/consult/survey/{candidate}/"
        assert client.get(survey).status_code == 404, f"{survey} opened"
    # And no delivered token is hidden inside a longer string.
    blob = "\n".join(texts)
    for token in tokens_delivered():
        assert token not in blob
    return len(candidates)


def tokens_delivered() -> set[str]:
    paths = {
        urlsplit(url).path
        for message in django_mail.outbox
        for url in re.findall(r"https?://\S+", message.body)
    }
    found = set()
    for path in paths:
        if match := re.search(r"/consult/track/[^/]+/([^/]+)/", path):
            found.add(match.group(1))
        if match := re.search(r"/consult/survey/([^/]+)/", path):
            found.add(match.group(1))
    return found


def test_no_table_or_file_holds_a_working_link(client, settings):
    settings.RATELIMIT_ENABLE = False  # hundreds of wrong links on purpose
    with patch(
        "django.core.mail.EmailMultiAlternatives.send",
        side_effect=SMTPServerDisconnected("mail server down"),
    ):
        walk_a_citizen_through_every_mail(client)
    pending = OutgoingMail.objects.filter(status=OutgoingMail.Status.PENDING)
    assert pending.exclude(sealed="").count() >= 6  # the links wait, sealed
    assert django_mail.outbox == []
    assert assert_nothing_at_rest_opens(client) > 0

    # The mail server is back: everything goes out.
    for mail_id in pending.values_list("pk", flat=True):
        outbox.mail_send(mail_id=mail_id)
    assert not OutgoingMail.objects.exclude(status=OutgoingMail.Status.SENT).exists()
    assert not OutgoingMail.objects.exclude(sealed="").exists()
    assert_nothing_at_rest_opens(client)

    # The links the citizens got do open.
    delivered = tokens_delivered()
    assert len(delivered) >= 4
    opened = 0
    for message in django_mail.outbox:
        for url in re.findall(r"https?://\S+/consult/(?:track|survey)/\S+?/(?=\s|$)", message.body):
            opened += client.get(urlsplit(url).path).status_code == 200
    assert opened >= 4
