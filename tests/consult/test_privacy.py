"""The citizens' personal data (PIPA): the nightly anonymisation of cases whose retention
period is over leaves nothing of the citizen in any table or in storage; managers export
and erase what is held on an address, and each case's history says so without the address.
"""

import json
import os
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consult import education, followups, privacy, tasks, workflow
from consult.models import (
    AccessToken,
    Attachment,
    Case,
    Course,
    CourseSession,
    Engagement,
    Enrolment,
    Event,
    Meeting,
    Message,
    Status,
    Submission,
    Survey,
)
from coopcenter.outbox.models import OutgoingMail
from coopcenter.outbox.services import mail_queue

from .factories import (
    CourseSessionFactory,
    StaffFactory,
    counselor,
    education_case,
    manager,
    routed_case,
    submit_case,
    waiting_submission,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "english_admin")]

PRIVACY = reverse("admin:consult_case_privacy")
S = Status

# What only this citizen wrote or is: none of it may be found anywhere afterwards.
NAME = "Qorvath 탁윤서"
EMAIL = "qorvath.unique@example.org"
PHONE = "010-9753-1864"
SECRET = "zanzibarquokka"  # in the message, the replies, notes, reasons, comments, files
PERSONAL = [NAME, "Qorvath", "탁윤서", EMAIL, PHONE, SECRET]


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + SECRET.encode(), content_type="application/pdf")


def full_case(staff, *, email: str = EMAIL, closed_days_ago: int | None = 2000) -> Case:
    """A case that went through everything the desk does: files from the citizen and the
    counselor, a reply, an internal note, the citizen's answer, a referral and a status
    change with reasons, an enrolment, a consulting engagement with a meeting, a survey
    with a comment, and mails of every kind (the desk's, the follow-ups', a staff one)."""
    actor = workflow.Actor.staff(staff)
    case, _token = routed_case(
        "advice",
        name=NAME,
        email=email,
        phone=PHONE,
        message=f"Our co-op {SECRET}: where do we start?",
        files=[pdf(f"{SECRET}-plan.pdf")],
    )
    workflow.case_reply(
        case_id=case.pk,
        actor=actor,
        body=f"Dear {NAME}, about {SECRET}...",
        files=[pdf("form.pdf")],
        wait_on_citizen=True,
    )
    workflow.case_note(case_id=case.pk, actor=actor, body=f"{NAME} called ({PHONE})")
    workflow.case_citizen_reply(
        case_id=case.pk, body=f"Thanks! {SECRET} again", files=[pdf("bylaws.pdf")]
    )
    workflow.case_route(
        case_id=case.pk, track="education", actor=actor, reason=f"{NAME} needs the course"
    )
    workflow.case_transition(
        case_id=case.pk, status=S.RESOLVED, actor=actor, reason=f"{SECRET} solved"
    )
    course, _new = Course.objects.get_or_create(
        slug="basics", defaults={"title_ko": "설립 기초", "title_en": "Founding basics"}
    )
    start = timezone.now() - timedelta(days=30)
    session = CourseSession.objects.create(
        course=course, starts_at=start, ends_at=start + timedelta(hours=2), place="3F", capacity=20
    )
    Enrolment.objects.create(session=session, case=case, status=Enrolment.Status.CONFIRMED)
    engagement = Engagement.objects.create(case=case, kind="founding", started_by=staff)
    Meeting.objects.create(
        engagement=engagement,
        starts_at=start,
        counselor=staff,
        place=f"{NAME}'s office",
        summary=f"Bylaws of {SECRET} read with {NAME}",
        next_step=f"{NAME} sends the minutes",
    )
    Survey.objects.create(
        case=case,
        token_hash=f"{case.pk:064x}",
        expires_at=timezone.now() + timedelta(days=30),
        rating=4,
        comment=f"{SECRET} was helpful, {NAME}",
        answered_at=timezone.now(),
    )
    # A follow-up's mail (its own key scheme) and a staff mail naming the citizen.
    mail_queue(
        recipient=email,
        template="consult_reply",
        language="ko",
        context={"reference": case.reference, "name": NAME, "body": SECRET},
        idempotency_key=f"case-{case.pk}:survey",
    )
    mail_queue(
        recipient=staff.email,
        template="consult_staff_assigned",
        language="ko",
        context={"reference": case.reference, "citizen": NAME},
        idempotency_key=f"test:staff-about:{case.pk}",
    )
    # A mail to the citizen whose context says nothing of the case, which failed.
    mail = mail_queue(
        recipient=email.upper(),
        template="consult_link",
        language="ko",
        context={"note": SECRET},
        idempotency_key=f"test:loose:{case.pk}",
    )
    OutgoingMail.objects.filter(pk=mail.pk).update(
        status=OutgoingMail.Status.FAILED, last_error=f"550 {email} unknown"
    )
    workflow.case_transition(case_id=case.pk, status=S.CLOSED, actor=actor, reason=f"{NAME} ok")
    OutgoingMail.objects.filter(status=OutgoingMail.Status.PENDING).update(
        status=OutgoingMail.Status.SENT, sent_at=timezone.now(), sealed=""
    )
    if closed_days_ago is not None:
        Case.objects.filter(pk=case.pk).update(
            closed_at=timezone.now() - timedelta(days=closed_days_ago)
        )
    return Case.objects.get(pk=case.pk)


# Column types that can hold text; every other column is numbers, dates or flags.
TEXT_TYPES = {"CharField", "TextField", "EmailField", "JSONField", "SlugField", "URLField"}


def text_columns() -> list[tuple[str, str]]:
    """Every text or JSON column of every table of the database, read from the database
    itself rather than from the models, so that no table can be forgotten."""
    columns = []
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            for column in introspection.get_table_description(cursor, table):
                try:
                    kind = introspection.get_field_type(column.type_code, column)
                except KeyError:  # a type Django has no field for (none holds text here)
                    continue
                if kind in TEXT_TYPES:
                    columns.append((table, column.name))
    return columns


def found_anywhere(values) -> set[tuple[str, str, str]]:
    """(table, column, value) for each value found in any text column. JSON may store text
    escaped (\\uXXXX), so each value is looked for in both spellings, ignoring case."""
    quote = connection.ops.quote_name
    hits = set()
    with connection.cursor() as cursor:
        for table, column in text_columns():
            for value in values:
                for spelling in {value, json.dumps(value)[1:-1]}:
                    cursor.execute(
                        f"SELECT 1 FROM {quote(table)} "  # noqa: S608 (introspected names)
                        f"WHERE UPPER(CAST({quote(column)} AS TEXT)) LIKE UPPER(%s) LIMIT 1",
                        [f"%{spelling}%"],
                    )
                    if cursor.fetchone():
                        hits.add((table, column, value))
    return hits


def stored_files(root) -> list[str]:
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


# --- the nightly anonymisation ----------------------------------------------------------


def test_after_the_nightly_run_nothing_of_the_citizen_remains_anywhere(private_media):
    staff = counselor("advice", "education", username="adv")
    case = full_case(staff)
    files = [a.file.path for a in Attachment.objects.filter(case=case)]
    assert len(files) == 3 and all(os.path.exists(path) for path in files)
    unsent = mail_queue(
        recipient=staff.email,
        template="consult_staff_assigned",
        language="ko",
        context={"reference": case.reference},
        idempotency_key=f"test:still-pending:{case.pk}",
    )
    before = {(table, column) for table, column, _value in found_anywhere(PERSONAL)}
    # The scan finds the citizen everywhere the desk put them (so it can fail).
    assert {table for table, _column in before} >= {
        "consult_case",
        "consult_message",
        "consult_attachment",
        "consult_event",
        "consult_survey",
        "consult_meeting",
        "outbox_outgoingmail",
    }
    assert ("outbox_outgoingmail", "last_error") in before

    assert tasks.anonymise_expired_cases() == 1

    assert found_anywhere(PERSONAL) == set()
    assert not any(os.path.exists(path) for path in files)
    assert stored_files(private_media) == []
    # What the statistics need is still there.
    case.refresh_from_db()
    assert (case.status, case.track, case.reference) == (S.CLOSED, "education", case.reference)
    assert case.anonymised_at is not None
    assert Enrolment.objects.filter(case=case, status="confirmed").exists()
    assert Survey.objects.get(case=case).rating == 4
    meeting = Meeting.objects.get(engagement__case=case)
    assert (meeting.counselor, meeting.starts_at is not None) == (staff, True)
    assert Event.objects.filter(case=case, field="track", new_value="education").exists()
    assert not AccessToken.objects.filter(case=case, revoked_at__isnull=True).exists()
    # Mails keep their template and status, and the reference, for the outbox's history.
    assert not OutgoingMail.objects.filter(pk=unsent.pk).exists()  # owed to nobody now
    sent = OutgoingMail.objects.filter(status="sent")
    assert sent.count() >= 5
    assert {tuple(m.context.items()) for m in sent} == {(("reference", case.reference),)}
    assert OutgoingMail.objects.get(idempotency_key=f"test:loose:{case.pk}").context == {}


def test_running_the_nightly_task_twice_changes_nothing_the_second_time():
    staff = counselor("advice", "education", username="adv")
    first = full_case(staff)
    second = full_case(staff, email="other@example.org")
    assert tasks.anonymise_expired_cases() == 2
    snapshot = list(Case.objects.order_by("pk").values("pk", "version", "anonymised_at", "email"))
    events = Event.objects.count()

    assert tasks.anonymise_expired_cases() == 0

    assert list(Case.objects.order_by("pk").values("pk", "version", "anonymised_at", "email")) == (
        snapshot
    )
    assert Event.objects.count() == events
    assert {c["pk"] for c in snapshot} == {first.pk, second.pk}


@pytest.mark.parametrize(("days_ago", "anonymised"), [(1094, False), (1096, True)])
def test_the_retention_period_counts_from_closing(settings, days_ago, anonymised):
    settings.CONSULT_RETENTION_DAYS = 1095
    case, _ = routed_case("advice", email="edge@example.org")
    workflow.case_transition(case_id=case.pk, status=S.CLOSED, actor=workflow.Actor.system())
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))

    tasks.anonymise_expired_cases()

    case.refresh_from_db()
    assert (case.anonymised_at is not None) == anonymised
    assert (case.email == "edge@example.org") != anonymised


def test_open_and_resolved_cases_are_never_anonymised_however_old():
    old = timezone.now() - timedelta(days=4000)
    working, _ = routed_case("advice", email="working@example.org")
    workflow.case_transition(
        case_id=working.pk, status=S.IN_PROGRESS, actor=workflow.Actor.system()
    )
    resolved, _ = routed_case("advice", email="resolved@example.org")
    workflow.case_transition(case_id=resolved.pk, status=S.RESOLVED, actor=workflow.Actor.system())
    submit_case(email="new@example.org")
    Case.objects.update(created_at=old)

    assert tasks.anonymise_expired_cases() == 0
    assert set(Case.objects.values_list("email", flat=True)) == {
        "working@example.org",
        "resolved@example.org",
        "new@example.org",
    }


def test_a_citizen_with_a_case_still_held_keeps_that_case_and_its_mails():
    old, _ = routed_case("advice", email=EMAIL, name=NAME)
    workflow.case_transition(case_id=old.pk, status=S.CLOSED, actor=workflow.Actor.system())
    Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=2000))
    # Sent long ago, like every mail of a case closed years back.
    OutgoingMail.objects.update(status=OutgoingMail.Status.SENT, sent_at=timezone.now(), sealed="")
    current, _ = submit_case(email=EMAIL.upper(), name=NAME)
    ack = OutgoingMail.objects.get(idempotency_key=f"consult:ack:{current.pk}")

    assert tasks.anonymise_expired_cases() == 1

    old.refresh_from_db()
    current.refresh_from_db()
    assert old.anonymised_at is not None and current.anonymised_at is None
    assert (current.name, current.email) == (NAME, EMAIL.upper())
    ack.refresh_from_db()
    assert (ack.recipient, ack.context["name"]) == (EMAIL.upper(), NAME)
    old_ack = OutgoingMail.objects.get(idempotency_key=f"consult:ack:{old.pk}")
    assert old_ack.recipient.endswith("@anonymised.invalid") and "name" not in old_ack.context


def test_a_case_that_fails_is_left_for_the_next_night_and_holds_back_no_other(monkeypatch):
    cases = []
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        case, _ = submit_case(email=email)
        workflow.case_transition(case_id=case.pk, status=S.SPAM, actor=workflow.Actor.system())
        cases.append(case)
    Case.objects.update(closed_at=timezone.now() - timedelta(days=2000))
    broken = cases[1]
    forget = privacy._outbox_forget

    def failing(batch, **kwargs):
        if any(case.pk == broken.pk for case in batch):
            raise RuntimeError("disk full")
        return forget(batch, **kwargs)

    monkeypatch.setattr(privacy, "_outbox_forget", failing)
    run = privacy.expired_cases_anonymise()

    assert run.failed == [broken.pk]
    assert sorted(run.anonymised) == sorted([cases[0].reference, cases[2].reference])
    broken.refresh_from_db()
    assert broken.anonymised_at is None and broken.email == "b@example.org"
    monkeypatch.setattr(privacy, "_outbox_forget", forget)
    assert privacy.expired_cases_anonymise().anonymised == [broken.reference]


def test_inquiries_that_never_became_cases_go_after_the_retention_period(settings):
    old = waiting_submission(email="stuck@example.org", files=[pdf("a.pdf")])
    recent = waiting_submission(email="fresh@example.org")
    path = os.path.join(settings.MEDIA_ROOT, old.files[0]["path"])
    assert os.path.exists(path)
    Submission.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=1100))

    run = privacy.expired_cases_anonymise()

    assert run.submissions == 1
    assert list(Submission.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not os.path.exists(path)


def test_beat_runs_it_every_night_at_half_past_three_in_seoul():
    entry = settings.CELERY_BEAT_SCHEDULE["consult-anonymise-expired-cases"]
    assert entry["task"] == "consult.tasks.anonymise_expired_cases"
    assert entry["schedule"] == crontab(minute="30", hour="3")
    assert settings.CELERY_TIMEZONE == "Asia/Seoul"


# --- the managers' page ---------------------------------------------------------------------


@pytest.fixture
def boss(client):
    user = manager(username="boss")
    client.force_login(user)
    return user


def post(client, **data):
    return client.post(PRIVACY, data)


def personal_in_privacy_events(values=(EMAIL, "Qorvath", NAME)) -> bool:
    return any(
        value.upper() in " ".join([e.reason, e.old_value, e.new_value]).upper()
        for e in Event.objects.filter(field=Event.Field.PRIVACY)
        for value in values
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("plain staff", 403), ("counselor", 403), ("manager", 200)],
)
def test_only_managers_handle_privacy_requests(client, who, expected):
    full_case(counselor("advice", "education", username="adv"), closed_days_ago=None)
    user = {
        "anonymous": None,
        "plain staff": StaffFactory(username="clerk"),
        "counselor": counselor("advice", "education", username="desk"),
        "manager": manager(username="boss"),
    }[who]
    if user is not None:
        client.force_login(user)
    page = client.get(PRIVACY)
    assert page.status_code == expected
    if who == "anonymous":
        assert page["Location"].startswith(reverse("admin:login"))
    answer = post(client, email=EMAIL, kind="export")
    assert answer.status_code == expected
    assert Event.objects.filter(field=Event.Field.PRIVACY).exists() == (who == "manager")
    post(client, email=EMAIL, kind="erase", confirmed_cases="1")
    erased = Case.objects.filter(anonymised_at__isnull=False).exists()
    assert erased == (who == "manager")


def test_the_dashboard_links_to_the_page_and_a_get_changes_nothing(client, boss):
    full_case(counselor("advice", "education", username="adv"), closed_days_ago=None)
    dashboard = client.get(reverse("admin:consult_case_dashboard"))
    assert PRIVACY in dashboard.content.decode()
    events = Event.objects.count()
    page = client.get(PRIVACY, {"email": EMAIL, "kind": "erase", "confirmed_cases": "1"})
    assert page.status_code == 200 and "Privacy requests" in page.content.decode()
    assert Event.objects.count() == events
    assert Case.objects.filter(anonymised_at__isnull=True).count() == 1


def test_the_posts_need_the_csrf_token(boss):
    full_case(counselor("advice", "education", username="adv"), closed_days_ago=None)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(boss)
    assert browser.post(PRIVACY, {"email": EMAIL, "kind": "export"}).status_code == 403
    answer = browser.post(PRIVACY, {"email": EMAIL, "kind": "erase", "confirmed_cases": "1"})
    assert answer.status_code == 403
    assert not Event.objects.filter(field=Event.Field.PRIVACY).exists()


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b@example.org", "x" * 300 + "@e.org"])
def test_a_bad_address_is_a_form_error(client, boss, email):
    answer = post(client, email=email, kind="export")
    assert answer.status_code == 400
    assert answer.context["form"].errors["email"]
    assert "Content-Disposition" not in answer


def test_an_unknown_kind_is_a_form_error(client, boss):
    answer = post(client, email=EMAIL, kind="delete-everything")
    assert answer.status_code == 400 and answer.context["form"].errors["kind"]


@pytest.mark.parametrize("kind", ["export", "erase"])
def test_an_address_with_nothing_held_says_so(client, boss, kind):
    submit_case(email="someone-else@example.org")
    answer = post(client, email="nobody@example.org", kind=kind)
    assert answer.status_code == 200
    assert "Nothing is held on nobody@example.org" in answer.content.decode()
    assert "Content-Disposition" not in answer
    assert not Event.objects.filter(field=Event.Field.PRIVACY).exists()


def test_the_export_is_a_file_with_everything_held_on_the_address(client, boss):
    staff = counselor("advice", "education", username="adv")
    first = full_case(staff, closed_days_ago=None)
    second, _ = submit_case(email=EMAIL, name=NAME, message="A second question")
    waiting = waiting_submission(email=EMAIL.upper(), message="Still waiting")
    other, _ = submit_case(email="other@example.org")

    answer = post(client, email=f"  {EMAIL.upper()} ", kind="export")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    assert answer["Content-Disposition"].startswith("attachment;")
    assert EMAIL not in answer["Content-Disposition"]
    cache_control = {part.strip() for part in answer["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    data = json.loads(answer.content.decode("utf-8"))
    assert "탁윤서" in answer.content.decode("utf-8")  # UTF-8, not \\u escapes
    assert [c["reference"] for c in data["cases"]] == [first.reference, second.reference]
    case = data["cases"][0]
    assert (case["name"], case["email"], case["phone"]) == (NAME, EMAIL, PHONE)
    assert case["status"] == "closed" and case["service"] == "education"
    texts = [(m["from"], m["internal_note"], m["text"]) for m in case["messages"]]
    assert texts[0] == ("citizen", False, f"Our co-op {SECRET}: where do we start?")
    assert ("staff", True, f"{NAME} called ({PHONE})") in texts
    files = [f for m in case["messages"] for f in m["files"]]
    assert {f["name"] for f in files} == {f"{SECRET}-plan.pdf", "form.pdf", "bylaws.pdf"}
    assert all(f["size"] > 0 for f in files)
    assert case["enrolments"][0]["course"] == "설립 기초"  # the case's language
    assert case["enrolments"][0]["status"] == "confirmed"
    assert case["survey"]["rating"] == 4 and SECRET in case["survey"]["comment"]
    assert case["consulting"]["meetings"][0]["summary"] == f"Bylaws of {SECRET} read with {NAME}"
    assert data["waiting_inquiries"][0]["reference"] == waiting.reference
    assert other.reference not in answer.content.decode()
    # Each case says it was exported, by whom, and nothing else.
    exported = Event.objects.filter(field=Event.Field.PRIVACY)
    assert sorted(exported.values_list("case_id", "new_value", "actor_id", "actor_kind")) == [
        (first.pk, "exported", boss.pk, "staff"),
        (second.pk, "exported", boss.pk, "staff"),
    ]
    assert not personal_in_privacy_events()
    # Nothing else changed.
    assert Case.objects.filter(anonymised_at__isnull=False).count() == 0


def test_the_export_costs_the_same_queries_for_one_case_or_many(
    client, boss, django_assert_num_queries
):
    staff = counselor("advice", "education", username="adv")
    full_case(staff, closed_days_ago=None)
    # The session, the user and their permissions (4); the cases, their messages, files,
    # enrolments and meetings, and the waiting inquiries (6); the events, in one insert
    # inside a savepoint (3); the access record, one insert (1).
    with django_assert_num_queries(14):
        assert post(client, email=EMAIL, kind="export").status_code == 200
    full_case(staff, closed_days_ago=None)
    submit_case(email=EMAIL)
    with django_assert_num_queries(14):
        answer = post(client, email=EMAIL, kind="export")
    assert len(json.loads(answer.content)["cases"]) == 3


def test_erasure_asks_first_then_erases_every_case_of_the_address(client, boss):
    staff = counselor("triage", "advice", "education", username="adv")
    closed = full_case(staff, closed_days_ago=None)
    working, _ = routed_case("advice", email=EMAIL.upper(), name=NAME)
    workflow.case_transition(
        case_id=working.pk, status=S.IN_PROGRESS, actor=workflow.Actor.system()
    )
    unrouted, _ = submit_case(email=EMAIL, name=NAME, phone=PHONE)
    waiting_submission(email=EMAIL, files=[pdf("w.pdf")])
    other, _ = submit_case(email="other@example.org", name="Other Person")
    files = [a.file.path for a in Attachment.objects.filter(case__email__iexact=EMAIL)]

    confirm = post(client, email=EMAIL, kind="erase")

    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "3 cases" in page and "of which 2 are still open" in page
    assert "1 inquiry awaiting intake" in page
    assert Case.objects.filter(anonymised_at__isnull=False).count() == 0  # asked, not done

    done = post(client, email=EMAIL, kind="erase", confirmed_cases="3")

    assert done.status_code == 302 and done["Location"] == PRIVACY
    assert "Erased: 3 cases" in client.get(PRIVACY).content.decode()
    statuses = dict(Case.objects.values_list("pk", "status"))
    assert statuses[closed.pk] == S.CLOSED
    assert statuses[working.pk] == S.CLOSED  # ended through the workflow, as the staff
    assert statuses[unrouted.pk] == S.SPAM  # no path from new to closed in triage
    for case_id, status in ((working.pk, S.CLOSED), (unrouted.pk, S.SPAM)):
        assert Event.objects.filter(
            case_id=case_id, field="status", new_value=status, actor=boss
        ).exists()
    erased = Event.objects.filter(field=Event.Field.PRIVACY, new_value="erased")
    assert sorted(erased.values_list("case_id", "actor_id")) == sorted(
        [(closed.pk, boss.pk), (working.pk, boss.pk), (unrouted.pk, boss.pk)]
    )
    assert not Submission.objects.exists()
    assert not OutgoingMail.objects.filter(recipient__iexact=EMAIL).exists()
    assert found_anywhere(PERSONAL) == set()
    assert not any(os.path.exists(path) for path in files)
    assert stored_files(settings.MEDIA_ROOT) == []
    other.refresh_from_db()
    assert (other.name, other.anonymised_at) == ("Other Person", None)
    # Now nothing is held on the address.
    again = post(client, email=EMAIL, kind="export")
    assert "Nothing is held" in again.content.decode()


def test_erasure_is_refused_when_the_cases_changed_since_the_confirmation(client, boss):
    submit_case(email=EMAIL)
    assert post(client, email=EMAIL, kind="erase").status_code == 200
    submit_case(email=EMAIL)  # a new inquiry meanwhile

    answer = post(client, email=EMAIL, kind="erase", confirmed_cases="1")

    assert answer.status_code == 409
    assert "2 cases" in answer.content.decode()
    assert Case.objects.filter(anonymised_at__isnull=False).count() == 0
    assert not Event.objects.filter(field=Event.Field.PRIVACY).exists()


def test_the_case_page_shows_the_request_in_the_history(client, boss):
    case, _ = submit_case(email=EMAIL)
    post(client, email=EMAIL, kind="export")
    page = client.get(reverse("admin:consult_case_change", args=[case.pk]))
    assert "copy of the data exported" in page.content.decode()


def test_the_anonymisation_keeps_a_token_users_know_out(client):
    """After anonymisation the survey's link no longer matches any token."""
    staff = counselor("advice", "education", username="adv")
    case = full_case(staff)
    privacy.case_anonymise(case_id=case.pk)
    assert not Survey.objects.filter(token_hash=f"{case.pk:064x}").exists()
    assert Message.objects.filter(case=case).exclude(body=privacy.ANONYMISED_TEXT).count() == 0
    assert get_user_model().objects.filter(username="adv").exists()


def test_erasure_drops_the_tracking_pages_cached_copy(client):
    from django.core.cache import cache

    from consult.views import track_cache_key

    case, token = routed_case("advice", email=EMAIL, name=NAME, message=f"About {SECRET}")
    page = client.get(reverse("consult:track", args=[case.reference, token]))
    assert page.status_code == 200 and SECRET in page.content.decode()
    case.refresh_from_db()
    keys = [track_cache_key(case, version=case.version, language=lang) for lang in ("ko", "en")]
    assert any(SECRET in (cache.get(key) or "") for key in keys)

    privacy.citizen_data_erase(email=EMAIL, actor=manager(username="boss"))

    assert cache.get_many(keys) == {}
    assert client.get(reverse("consult:track", args=[case.reference, token])).status_code == 404


# --- what a case holds is given up with its data -------------------------------------------

E = Enrolment.Status
GONE = "gone.citizen@example.org"
VIA = ["erasure", "nightly"]


def data_removed(case: Case, via: str) -> None:
    """The citizen's data goes: on their request, or by the nightly run once the case has
    been closed for longer than the retention period."""
    if via == "erasure":
        privacy.citizen_data_erase(email=case.email, actor=manager(username="boss"))
        return
    workflow.case_transition(case_id=case.pk, status=S.CLOSED, actor=workflow.Actor.system())
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=4000))
    assert privacy.expired_cases_anonymise().anonymised == [case.reference]


def enrol(session, email: str) -> Enrolment:
    case, _token = education_case(email=email)
    return education.enrolment_request(
        session_id=session.pk, case_id=case.pk, actor=workflow.Actor.citizen()
    )


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


@pytest.mark.parametrize("via", VIA)
def test_a_place_given_up_goes_to_the_first_on_the_waiting_list(via):
    session = CourseSessionFactory(capacity=1)
    place = enrol(session, GONE)
    first, second = enrol(session, "first@example.org"), enrol(session, "second@example.org")
    other_session = CourseSessionFactory(capacity=1)
    enrol(other_session, "seated@example.org")
    in_line = Enrolment.objects.create(
        session=other_session, case=place.case, status=E.WAITLISTED, requested_at=timezone.now()
    )

    data_removed(place.case, via)

    assert (fresh(place).status, fresh(in_line).status) == (E.CANCELLED, E.CANCELLED)
    assert (fresh(first).status, fresh(second).status) == (E.OFFERED, E.WAITLISTED)
    assert fresh(session).seats_taken == 1  # held for the offer
    [offer] = OutgoingMail.objects.filter(template="education_seat_offered")
    assert offer.recipient == "first@example.org"
    # Nothing is mailed to a citizen whose data went.
    assert not OutgoingMail.objects.filter(template="education_enrolment_cancelled").exists()


@pytest.mark.parametrize("via", VIA)
def test_a_pending_seat_offer_is_withdrawn_and_passed_on(via):
    session = CourseSessionFactory(capacity=1)
    seated = enrol(session, "seated@example.org")
    offered, waiting = enrol(session, GONE), enrol(session, "next@example.org")
    education.enrolment_cancel(enrolment_id=seated.pk, actor=workflow.Actor.citizen())
    assert fresh(offered).status == E.OFFERED

    data_removed(offered.case, via)

    assert fresh(offered).status == E.CANCELLED
    assert fresh(waiting).status == E.OFFERED
    assert fresh(session).seats_taken == 1
    assert OutgoingMail.objects.filter(
        template="education_seat_offered", recipient="next@example.org"
    ).exists()


@pytest.mark.parametrize("via", VIA)
def test_a_place_in_a_session_already_held_stays_as_history(via):
    session = CourseSessionFactory(capacity=1)
    place = enrol(session, GONE)
    CourseSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(days=1), ends_at=timezone.now()
    )
    data_removed(place.case, via)
    assert fresh(place).status == E.CONFIRMED and fresh(session).seats_taken == 1


@pytest.mark.parametrize("via", VIA)
def test_coming_meetings_are_cancelled_and_past_ones_kept(via):
    staff = counselor("consulting", username="consult1")
    case, _token = routed_case("consulting", email=GONE)
    engagement = Engagement.objects.create(case=case, kind="founding", started_by=staff)
    now = timezone.now()
    past = Meeting.objects.create(
        engagement=engagement, starts_at=now - timedelta(days=3), counselor=staff
    )
    coming = Meeting.objects.create(
        engagement=engagement, starts_at=now + timedelta(days=1), counselor=staff
    )

    data_removed(case, via)

    assert fresh(coming).cancelled_at is not None
    assert fresh(past).cancelled_at is None
    # Nobody, the counselor included, is reminded of a cancelled meeting.
    followups.session_reminders_send(now=now)
    assert not OutgoingMail.objects.filter(template__startswith="followup_meeting").exists()


@pytest.mark.parametrize("via", VIA)
def test_an_unanswered_survey_is_withdrawn_and_its_link_no_longer_opens(client, via):
    case, _token = routed_case("advice", email=GONE)
    survey, token = followups.survey_token_issue(case=case, now=timezone.now())
    link = reverse("consult:survey", args=[token])
    assert client.get(link).status_code == 200

    data_removed(case, via)

    assert fresh(survey).withdrawn_at is not None and fresh(survey).answered_at is None
    assert client.get(link).status_code == 404
    assert client.post(link, {"rating": "5"}).status_code == 404
    assert fresh(survey).rating is None


def test_an_answered_survey_keeps_its_rating():
    case, _token = routed_case("advice", email=GONE)
    survey, _token = followups.survey_token_issue(case=case, now=timezone.now())
    followups.survey_answer(survey_id=survey.pk, rating=4)
    data_removed(case, "erasure")
    assert (fresh(survey).rating, fresh(survey).withdrawn_at) == (4, None)
