"""Intake, tracking links, files, round-robin assignment and anonymisation."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone, translation

from consult import privacy, services, workflow
from consult.models import (
    AccessToken,
    Attachment,
    Case,
    Event,
    Message,
    PrivacyNotice,
    Status,
    TeamMembership,
    Track,
)
from coopcenter.outbox.models import OutgoingMail
from tests.outbox.links import mail_link

from .factories import (
    StaffFactory,
    counselor,
    manager,
    receive_inquiry,
    routed_case,
    submit_case,
)

pytestmark = pytest.mark.django_db

S, T = Status, Track


@pytest.fixture(autouse=True)
def _english():
    """Refusals are asserted on their English source text; the catalogue translates them."""
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf(name="plan.pdf", body=b"%PDF-1.4 made-up plan"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


# --- intake -------------------------------------------------------------------------------


def test_submit_saves_case_message_token_and_acknowledgement(media):
    case, token = submit_case(files=[pdf()])
    assert re.fullmatch(r"COOP-\d{4}-\d{6}", case.reference)
    assert case.status == S.NEW and case.track == T.TRIAGE
    assert case.consent_notice == services.privacy_notice_current()
    assert case.consented_at == case.created_at
    first = Message.objects.get(case=case)
    assert (first.author_kind, first.body, first.is_internal) == ("citizen", case.message, False)
    assert Attachment.objects.get().message == first
    # Only the hash of the token is stored.
    row = AccessToken.objects.get(case=case)
    assert row.token_hash == services.token_hash(token) and token not in row.token_hash
    ack = OutgoingMail.objects.get(template="consult_acknowledge")
    assert ack.recipient == case.email and ack.idempotency_key == f"consult:ack:{case.pk}"
    assert token in mail_link(ack, "tracking_url")


def test_references_count_up_within_the_year():
    first, _ = submit_case()
    second, _ = submit_case()
    n1, n2 = (int(c.reference.rsplit("-", 1)[1]) for c in (first, second))
    assert n2 == n1 + 1
    assert first.reference.split("-")[1] == str(timezone.localdate().year)


def receive(**overrides):
    return receive_inquiry(
        **{
            "name": "박둘",
            "email": "dul@example.org",
            "phone": "02-123-4567",
            "district_id": "11440",
            "stage": "running",
            "service_wanted": "consulting",
            "topic": "governance",
            "message": "총회 의결 정족수를 알고 싶습니다.",
            "language": "en",
            **overrides,
        }
    )


def test_a_submission_becomes_a_case_with_everything_the_citizen_sent(media):
    from registry.models import District

    District.objects.update_or_create(
        code="11440", defaults={"name_ko": "마포구", "name_en": "Mapo-gu"}
    )
    submission = receive(files=[pdf("회칙 초안.pdf")])
    assert re.fullmatch(rf"COOP-{timezone.localdate().year}-\d{{6}}", submission.reference)
    assert not Case.objects.exists()  # the worker's part comes after the commit
    stored = submission.files[0]["path"]
    assert (media / stored).read_bytes() == b"%PDF-1.4 made-up plan"

    case = services.submission_open(submission_id=submission.pk)
    assert case.reference == submission.reference
    assert (case.name, case.email, case.phone, case.district_id) == (
        "박둘",
        "dul@example.org",
        "02-123-4567",
        "11440",
    )
    assert (case.stage, case.service_wanted, case.topic, case.language) == (
        "running",
        "consulting",
        "governance",
        "en",
    )
    assert case.created_at == case.consented_at == submission.received_at
    assert case.consent_notice == services.privacy_notice_current()
    assert case.status == S.NEW and case.track == T.TRIAGE
    first = Message.objects.get(case=case)
    assert first.body == "총회 의결 정족수를 알고 싶습니다." and first.created_at == case.created_at
    attachment = Attachment.objects.get(case=case)
    assert attachment.message == first and attachment.original_name == "회칙 초안.pdf"
    assert attachment.file.name == stored  # the file the request stored, not a copy
    with attachment.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 made-up plan"
    ack = OutgoingMail.objects.get(idempotency_key=f"consult:ack:{case.pk}")
    assert ack.language == "en" and ack.recipient == "dul@example.org"
    assert not type(submission).objects.exists()


def test_the_form_and_a_case_made_at_once_share_one_gapless_counter():
    first = receive()
    case, _token = submit_case()
    third = receive()
    numbers = [int(r.rsplit("-", 1)[1]) for r in (first.reference, case.reference, third.reference)]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_the_years_first_inquiry_creates_its_counter(monkeypatch):
    from consult.models import ReferenceCounter

    ReferenceCounter.objects.filter(year=timezone.localdate().year).delete()
    assert receive().reference == f"COOP-{timezone.localdate().year}-000001"
    assert receive().reference == f"COOP-{timezone.localdate().year}-000002"


def test_without_postgresql_the_counter_and_the_insert_share_a_transaction(monkeypatch):
    """The laptop's SQLite path: the same numbers, taken by reference_next."""
    from django.db import connection

    before = receive()
    monkeypatch.setattr(connection, "vendor", "sqlite")
    after = receive()
    assert int(after.reference.rsplit("-", 1)[1]) == int(before.reference.rsplit("-", 1)[1]) + 1
    assert type(after).objects.get(reference=after.reference).email == "dul@example.org"


@pytest.mark.parametrize("make", ["case", "submission"])
def test_a_refused_second_file_leaves_the_first_one_nowhere(media, make):
    from django.core.exceptions import ValidationError

    files = [pdf("first.pdf"), pdf("second.pdf", body=b"MZ not a pdf")]
    with pytest.raises(ValidationError):
        submit_case(files=files) if make == "case" else receive(files=files)
    assert not [path for path in media.rglob("*") if path.is_file()]
    assert not Case.objects.exists()


def test_a_submission_that_fails_to_save_leaves_no_file(media, monkeypatch):
    def broken(values, *, year):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "_submission_insert", broken)
    with pytest.raises(RuntimeError):
        receive(files=[pdf()])
    assert not [path for path in media.rglob("*") if path.is_file()]


def test_a_refused_file_saves_no_case(media):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        submit_case(files=[pdf(body=b"MZ not a pdf")])
    assert not Case.objects.exists() and not OutgoingMail.objects.exists()


def test_hwp_signature_is_found_beyond_the_first_64_kb(media):
    from consult.uploads import OLE_MAGIC, validate_upload

    body = OLE_MAGIC + b"\0" * (200 * 1024) + b"HWP Document File" + b"\0" * 100
    assert validate_upload(SimpleUploadedFile("big.hwp", body)).extension == "hwp"
    with pytest.raises(Exception, match="does not look like"):
        validate_upload(SimpleUploadedFile("word.hwp", OLE_MAGIC + b"\0" * 1000))


# --- privacy notice -----------------------------------------------------------------------


def test_current_privacy_notice_ignores_a_future_version():
    today = timezone.localdate()
    in_force = services.privacy_notice_current()
    PrivacyNotice.objects.create(
        version="future", text_ko="-", text_en="-", effective_from=today + timedelta(days=30)
    )
    assert services.privacy_notice_current() == in_force
    newer = PrivacyNotice.objects.create(
        version="today", text_ko="-", text_en="-", effective_from=today
    )
    assert services.privacy_notice_current() == newer


# --- tracking links -----------------------------------------------------------------------


def test_token_lookup_needs_the_right_reference_and_token():
    case, token = submit_case()
    other, other_token = submit_case(email="other@example.org")
    assert services.token_lookup(reference=case.reference, token=token)[0] == case
    assert services.token_lookup(reference=case.reference, token=other_token) is None
    assert services.token_lookup(reference=other.reference, token=token) is None
    assert services.token_lookup(reference=case.reference, token=token + "x") is None


def test_send_link_mails_a_new_link_for_reference_and_email():
    case, first = submit_case(email="Hana@Example.org")
    assert services.case_send_link(
        reference=f" {case.reference.lower()} ", email="hana@example.org"
    )
    mail = OutgoingMail.objects.get(template="consult_link")
    new_token = mail_link(mail, "tracking_url").rstrip("/").rsplit("/", 1)[1]
    assert services.token_lookup(reference=case.reference, token=new_token)[0] == case
    # The earlier link of an open case keeps working.
    assert services.token_lookup(reference=case.reference, token=first) is not None
    assert not services.case_send_link(reference=case.reference, email="someone@example.org")
    assert not services.case_send_link(reference="COOP-2000-000001", email="hana@example.org")


def test_send_link_for_a_closed_case_leaves_only_the_new_link():
    case, first = routed_case()
    workflow.case_transition(case_id=case.pk, status=S.CLOSED, actor=workflow.Actor.system())
    assert services.case_send_link(reference=case.reference, email=case.email)
    assert AccessToken.objects.filter(case=case, revoked_at__isnull=True).count() == 1
    assert services.token_lookup(reference=case.reference, token=first) is None


def test_send_link_refuses_spam_and_follows_merges():
    spam, _ = submit_case(email="spam@example.org")
    workflow.case_transition(case_id=spam.pk, status=S.SPAM, actor=workflow.Actor.system())
    assert not services.case_send_link(reference=spam.reference, email=spam.email)
    case, _ = routed_case()
    target, _ = routed_case()
    workflow.case_merge(
        case_id=case.pk, into_reference=target.reference, actor=workflow.Actor.system()
    )
    assert services.case_send_link(reference=case.reference, email=case.email)
    mail = OutgoingMail.objects.get(template="consult_link")
    assert mail.context["reference"] == target.reference
    assert mail.recipient == target.email


def test_a_case_merged_into_another_citizens_gets_its_own_link_back():
    case, _ = routed_case(email="minji@example.org")
    target, _ = routed_case(email="hana@example.org")
    workflow.case_merge(
        case_id=case.pk,
        into_reference=target.reference,
        actor=workflow.Actor.staff(manager()),
        different_citizen_confirmed=True,
    )
    assert services.case_send_link(reference=case.reference, email="minji@example.org")
    mail = OutgoingMail.objects.get(template="consult_link")
    assert (mail.recipient, mail.context["reference"]) == ("minji@example.org", case.reference)
    token = mail_link(mail, "tracking_url").rstrip("/").rsplit("/", 1)[1]
    assert services.token_lookup(reference=case.reference, token=token)[0] == case
    assert services.token_lookup(reference=target.reference, token=token) is None


# --- round-robin --------------------------------------------------------------------------


def test_round_robin_skips_inactive_members_and_users():
    a = counselor("triage", username="a")
    b = counselor("triage", username="b")
    c = counselor("triage", username="c")
    counselor("triage", username="on-leave", active=False)
    gone = counselor("triage", username="gone")
    get_user_model().objects.filter(pk=gone.pk).update(is_active=False)
    order = [submit_case()[0].assignee for _ in range(6)]
    assert order == [a, b, c, a, b, c]
    for case in Case.objects.all():
        event = Event.objects.get(case=case, field="assignee")
        assert (event.actor_kind, event.old_value) == ("system", "")
    assert OutgoingMail.objects.filter(template="consult_staff_assigned").count() == 6


def test_a_team_without_active_counselors_leaves_the_case_unassigned():
    counselor("triage", username="on-leave", active=False)
    case, _ = submit_case()
    assert case.assignee is None
    assert not Event.objects.filter(case=case, field="assignee").exists()


def test_round_robin_picks_up_a_returning_counselor_first():
    a = counselor("triage", username="a")
    b = counselor("triage", username="b", active=False)
    submit_case()
    submit_case()
    TeamMembership.objects.filter(user=b).update(is_active=True)
    assert submit_case()[0].assignee == b  # never assigned: first in line
    assert submit_case()[0].assignee == a


def test_manual_reassignment_writes_an_event_and_mails_the_new_assignee():
    boss = counselor(username="boss")
    a = counselor("advice", username="a")
    b = counselor("education", username="b")
    case, _ = routed_case(T.ADVICE)
    assert case.assignee == a
    case = workflow.case_assign(case_id=case.pk, assignee=b, actor=workflow.Actor.staff(boss))
    assert case.assignee == b
    event = Event.objects.filter(case=case, field="assignee").last()
    assert (event.actor_kind, event.actor, event.old_value, event.new_value) == (
        "staff",
        boss,
        str(a.pk),
        str(b.pk),
    )
    mail = OutgoingMail.objects.filter(template="consult_staff_assigned").order_by("pk").last()
    assert mail.recipient == b.email and mail.idempotency_key.endswith(f":{event.pk}")
    # Assigning to the same person again changes nothing; taking a case yourself mails nobody.
    workflow.case_assign(case_id=case.pk, assignee=b, actor=workflow.Actor.staff(boss))
    assert Event.objects.filter(case=case, field="assignee").count() == 2
    before = OutgoingMail.objects.count()
    workflow.case_assign(case_id=case.pk, assignee=boss, actor=workflow.Actor.staff(boss))
    assert OutgoingMail.objects.count() == before


def test_reassignment_refuses_inactive_and_non_staff_users_and_final_cases():
    boss = counselor(username="boss")
    case, _ = routed_case()
    inactive = StaffFactory(username="inactive", is_active=False)
    citizen = get_user_model().objects.create_user("citizen", password="x")
    for user in (inactive, citizen):
        with pytest.raises(workflow.WorkflowError):
            workflow.case_assign(case_id=case.pk, assignee=user, actor=workflow.Actor.staff(boss))
    workflow.case_transition(case_id=case.pk, status=S.CLOSED, actor=workflow.Actor.staff(boss))
    with pytest.raises(workflow.WorkflowError):
        workflow.case_assign(case_id=case.pk, assignee=boss, actor=workflow.Actor.staff(boss))


# --- retention ----------------------------------------------------------------------------


def _closed_case(days_ago: int, media_root, status=S.CLOSED) -> tuple[Case, str]:
    counselor("advice", username="adv")
    case, token = routed_case(
        name="박민지", email="minji@example.org", phone="010-0000-1234", files=[pdf()]
    )
    staff = get_user_model().objects.get(username="adv")
    workflow.case_reply(case_id=case.pk, actor=workflow.Actor.staff(staff), body="Answer to 박민지")
    workflow.case_note(case_id=case.pk, actor=workflow.Actor.staff(staff), body="박민지 called")
    workflow.case_route(
        case_id=case.pk,
        track=T.CONSULTING,
        actor=workflow.Actor.staff(staff),
        reason="박민지 needs bylaws help",
    )
    workflow.case_transition(case_id=case.pk, status=status, actor=workflow.Actor.staff(staff))
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    return Case.objects.get(pk=case.pk), token


def test_anonymise_removes_the_citizen_and_keeps_the_statistics(media):
    case, token = _closed_case(2000, media)
    stored = Attachment.objects.get(case=case).file.path
    keep = {
        f: getattr(case, f)
        for f in (
            "reference",
            "track",
            "status",
            "district_id",
            "topic",
            "stage",
            "service_wanted",
            "created_at",
            "closed_at",
            "consent_notice_id",
            "consented_at",
        )
    }
    events = list(Event.objects.filter(case=case).values_list("field", "old_value", "new_value"))

    privacy.case_anonymise(case_id=case.pk)

    case.refresh_from_db()
    assert {f: getattr(case, f) for f in keep} == keep
    assert case.anonymised_at is not None
    assert (case.name, case.phone) == (privacy.ANONYMISED_NAME, "")
    assert case.email.endswith("@anonymised.invalid") and case.message == privacy.ANONYMISED_TEXT
    assert set(Message.objects.filter(case=case).values_list("body", flat=True)) == {
        privacy.ANONYMISED_TEXT
    }
    assert not Attachment.objects.filter(case=case).exists()
    import os

    assert not os.path.exists(stored)
    assert not AccessToken.objects.filter(case=case, revoked_at__isnull=True).exists()
    assert services.token_lookup(reference=case.reference, token=token) is None
    assert list(Event.objects.filter(case=case).values_list("field", "old_value", "new_value")) == (
        events
    )
    assert not any("박민지" in e.reason for e in Event.objects.filter(case=case))
    for mail in OutgoingMail.objects.all():
        assert "minji@example.org" not in mail.recipient
        assert "박민지" not in str(mail.context)
    # The citizen cannot ask for a new link any more; a second run changes nothing.
    assert not services.case_send_link(reference=case.reference, email="minji@example.org")
    again = privacy.case_anonymise(case_id=case.pk)
    assert again.anonymised_at == case.anonymised_at


def test_anonymise_command_takes_only_cases_over_for_longer_than_the_period(media, settings):
    settings.CONSULT_RETENTION_DAYS = 1000
    old, _ = _closed_case(1001, media)
    recent, _ = _closed_case(999, media)
    open_case, _ = routed_case(email="open@example.org")
    Case.objects.filter(pk=open_case.pk).update(created_at=timezone.now() - timedelta(days=3000))

    out = StringIO()
    call_command("consult_anonymise", "--dry-run", stdout=out)
    assert f"would anonymise {old.reference}" in out.getvalue()
    assert recent.reference not in out.getvalue()
    assert not Case.objects.filter(anonymised_at__isnull=False).exists()

    out = StringIO()
    call_command("consult_anonymise", stdout=out)
    assert f"anonymised {old.reference}" in out.getvalue()
    assert list(Case.objects.filter(anonymised_at__isnull=False)) == [old]
    out = StringIO()
    call_command("consult_anonymise", stdout=out)
    assert "0 case(s) anonymised" in out.getvalue()


@pytest.mark.parametrize("status", [S.SPAM, S.MERGED])
def test_spam_and_merged_cases_are_anonymised_too(media, status):
    case, _ = submit_case(email="dup@example.org")
    if status == S.SPAM:
        workflow.case_transition(case_id=case.pk, status=S.SPAM, actor=workflow.Actor.system())
    else:
        target, _ = routed_case(email="DUP@example.org")
        workflow.case_merge(
            case_id=case.pk, into_reference=target.reference, actor=workflow.Actor.system()
        )
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=4000))
    assert list(privacy.cases_due_for_anonymising()) == [Case.objects.get(pk=case.pk)]
    call_command("consult_anonymise", stdout=StringIO())
    case.refresh_from_db()
    assert case.anonymised_at is not None and case.status == status


def test_retention_default_is_three_years(settings):
    assert settings.CONSULT_RETENTION_DAYS == 3 * 365  # as the privacy notice promises
