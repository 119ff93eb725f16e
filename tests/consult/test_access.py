"""Access records: every staff access to a citizen's data writes exactly one record per case
(who, what, which case, from where); the citizen's own visits write none; managers alone
read them, nobody edits them, and they outlive the anonymisation but not their two years."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consult import access, privacy, workflow
from consult.models import AccessAction, AccessRecord, Case, Status
from consult.tasks import purge_access_records
from tests.consult.factories import (
    AccessRecordFactory,
    counselor,
    manager,
    routed_case,
    submit_case,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "english_admin")]

PDF = b"%PDF-1.4\n%%EOF\n"
A = AccessAction
ADDRESS = "203.0.113.44"
LIST = reverse("admin:consult_accessrecord_changelist")
EXPORT = reverse("admin:consult_accessrecord_export")


@pytest.fixture
def desk(db):
    upload = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    case, token = routed_case("advice", files=[upload], email="citizen@example.org")
    return {
        "case": case,
        "token": token,
        "counselor": counselor("advice", username="advice1"),
        "boss": manager(username="boss"),
    }


def records() -> list[tuple]:
    return list(
        AccessRecord.objects.order_by("pk").values_list(
            "username", "action", "case_reference", "client_address"
        )
    )


def get(client, url, **extra):
    return client.get(url, REMOTE_ADDR=ADDRESS, **extra)


# --- what writes a record ------------------------------------------------------------------


def test_a_case_page_view_writes_one_record(client, desk):
    case = desk["case"]
    client.force_login(desk["counselor"])
    assert get(client, reverse("admin:consult_case_change", args=[case.pk])).status_code == 200
    assert records() == [("advice1", A.CASE_VIEWED, case.reference, ADDRESS)]
    record = AccessRecord.objects.get()
    assert record.user_id == desk["counselor"].pk
    assert abs(record.at - timezone.now()) < timedelta(minutes=1)


def test_the_record_is_the_only_query_the_case_page_adds(client, desk, monkeypatch):
    url = reverse("admin:consult_case_change", args=[desk["case"].pk])
    client.force_login(desk["counselor"])
    get(client, url)  # warm the per-process memos
    with CaptureQueriesContext(connection) as recorded:
        get(client, url)
    monkeypatch.setattr(access, "access_record", lambda **kwargs: [])
    with CaptureQueriesContext(connection) as unrecorded:
        get(client, url)
    inserts = [q["sql"] for q in recorded.captured_queries if "consult_accessrecord" in q["sql"]]
    assert len(inserts) == 1
    assert inserts[0].startswith("INSERT")
    assert len(recorded) == len(unrecorded) + 1


def test_a_case_page_not_found_writes_nothing(client, desk):
    other = counselor("education", username="edu1")  # the case is not theirs to see
    client.force_login(other)
    assert (
        get(client, reverse("admin:consult_case_change", args=[desk["case"].pk])).status_code == 404
    )
    assert records() == []


def test_an_attachment_download_writes_one_record_without_the_file_name(client, desk):
    case = desk["case"]
    attachment = case.attachments.get()
    client.force_login(desk["counselor"])
    url = reverse("admin:consult_case_attachment", args=[case.pk, attachment.pk])
    response = get(client, url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert records() == [("advice1", A.ATTACHMENT_DOWNLOADED, case.reference, ADDRESS)]
    assert "plan" not in AccessRecord.objects.get().detail


def test_the_csv_export_writes_one_record_with_the_count(client, desk):
    routed_case("advice")
    client.force_login(desk["counselor"])
    response = get(client, reverse("admin:consult_case_export") + "?status__exact=in_progress")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    record = AccessRecord.objects.get()
    assert (record.username, record.action, record.case_reference) == (
        "advice1",
        A.CASES_EXPORTED,
        "",
    )
    assert record.detail == f"cases={Case.objects.filter(status='in_progress').count()}"


def test_the_list_action_export_writes_one_record(client, desk):
    client.force_login(desk["counselor"])
    response = client.post(
        reverse("admin:consult_case_changelist") + "?view=all",
        {"action": "export_selected_csv", "_selected_action": [desk["case"].pk]},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200
    assert records() == [("advice1", A.CASES_EXPORTED, "", ADDRESS)]
    assert AccessRecord.objects.get().detail == "cases=1"


def test_a_privacy_export_records_every_case_handed_out(client, desk):
    second, _ = submit_case(email="Citizen@Example.org")
    client.force_login(desk["boss"])
    response = client.post(
        reverse("admin:consult_case_privacy"),
        {"email": "citizen@example.org", "kind": "export"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200
    handed = {case["reference"] for case in json.loads(response.content)["cases"]}
    assert handed == {desk["case"].reference, second.reference}
    assert sorted(records()) == sorted(
        ("boss", A.CITIZEN_DATA_EXPORTED, ref, ADDRESS) for ref in handed
    )


def test_an_erasure_records_every_case_and_the_records_hold_no_personal_data(client, desk):
    case = desk["case"]
    client.force_login(desk["boss"])
    url = reverse("admin:consult_case_privacy")
    data = {"email": "citizen@example.org", "kind": "erase"}
    assert client.post(url, data, REMOTE_ADDR=ADDRESS).status_code == 200  # the confirmation
    assert records() == []
    answer = client.post(url, {**data, "confirmed_cases": 1}, REMOTE_ADDR=ADDRESS)
    assert answer.status_code == 302
    assert records() == [("boss", A.CITIZEN_DATA_ERASED, case.reference, ADDRESS)]
    case.refresh_from_db()
    assert case.anonymised_at is not None
    dumped = json.dumps(list(AccessRecord.objects.values()), default=str)
    assert "citizen@example.org" not in dumped.lower()
    assert case.name not in dumped


def test_an_erasure_refused_for_a_changed_count_records_nothing(client, desk):
    client.force_login(desk["boss"])
    answer = client.post(
        reverse("admin:consult_case_privacy"),
        {"email": "citizen@example.org", "kind": "erase", "confirmed_cases": 5},
    )
    assert answer.status_code == 409
    assert records() == []


def test_the_citizen_s_own_visits_write_nothing(client, desk):
    case, token = desk["case"], desk["token"]
    assert client.get(reverse("consult:track", args=[case.reference, token])).status_code == 200
    attachment = case.attachments.get()
    download = reverse("consult:attachment", args=[case.reference, token, attachment.pk])
    assert client.get(download).status_code == 200
    assert AccessRecord.objects.count() == 0


def test_the_address_is_the_one_the_rate_limit_sees(client, desk, settings):
    settings.RATELIMIT_TRUSTED_PROXIES = 1
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    client.force_login(desk["counselor"])
    get(
        client,
        reverse("admin:consult_case_change", args=[desk["case"].pk]),
        HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.23",
    )
    assert AccessRecord.objects.get().client_address == "198.51.100.23"


# --- who reads them --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "want"),
    [("anonymous", "login"), ("plain_staff", 403), ("counselor", 403), ("manager", 200)],
)
@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_only_managers_read_the_records(client, desk, role, want, url):
    AccessRecordFactory()
    users = {
        "anonymous": None,
        "plain_staff": get_user_model().objects.create_user("volunteer", is_staff=True),
        "counselor": desk["counselor"],
        "manager": desk["boss"],
    }
    if users[role]:
        client.force_login(users[role])
    response = client.get(url)
    if want == "login":
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
    else:
        assert response.status_code == want


def test_the_admin_index_shows_the_records_to_managers_only(client, desk):
    client.force_login(desk["counselor"])
    assert LIST not in client.get(reverse("admin:index")).content.decode()
    client.force_login(desk["boss"])
    assert LIST in client.get(reverse("admin:index")).content.decode()


def test_nobody_adds_changes_or_deletes_a_record_in_the_admin(client, desk):
    record = AccessRecordFactory(username="someone")
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    for user in (desk["boss"], superuser):
        client.force_login(user)
        assert client.get(reverse("admin:consult_accessrecord_add")).status_code == 403
        change = reverse("admin:consult_accessrecord_change", args=[record.pk])
        assert client.get(change).status_code == 200  # a read-only page
        assert client.post(change, {"username": "changed"}).status_code == 403
        delete = reverse("admin:consult_accessrecord_delete", args=[record.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        listing = client.post(
            LIST, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
        )
        assert listing.status_code in (200, 302)
    record.refresh_from_db()
    assert record.username == "someone"


def test_managers_filter_the_list_and_download_it_as_csv(client, desk):
    old = AccessRecordFactory(username="edu1", action=A.ATTACHMENT_DOWNLOADED)
    AccessRecordFactory(username="advice1", action=A.CASE_VIEWED)
    AccessRecordFactory(username="=HYPERLINK(1)", action=A.CASE_VIEWED)
    client.force_login(desk["boss"])
    page = client.get(LIST, {"action__exact": A.ATTACHMENT_DOWNLOADED})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [old]
    assert client.get(LIST, {"q": old.case_reference}).context["cl"].result_count == 1
    response = client.get(EXPORT, {"action__exact": A.CASE_VIEWED})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["time", "username", "action"]
    assert {row[1] for row in rows[1:]} == {"advice1", "'=HYPERLINK(1)"}
    assert all(row[2] == A.CASE_VIEWED for row in rows[1:])
    assert client.get(EXPORT, {"at__gte": "not-a-date"}).status_code == 400


# --- how long they stay ------------------------------------------------------------------------


def test_the_anonymisation_keeps_the_records(client, desk):
    case = desk["case"]
    client.force_login(desk["counselor"])
    get(client, reverse("admin:consult_case_change", args=[case.pk]))
    staff = workflow.Actor.staff(desk["counselor"])
    workflow.case_transition(case_id=case.pk, status=Status.CLOSED, actor=staff)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=4000))
    run = privacy.expired_cases_anonymise()
    assert run.anonymised == [case.reference]
    assert records() == [("advice1", A.CASE_VIEWED, case.reference, ADDRESS)]


def test_the_purge_deletes_only_records_past_two_years(settings):
    assert settings.CONSULT_ACCESS_RECORD_DAYS == 730
    now = timezone.now()
    gone = AccessRecordFactory(at=now - timedelta(days=731))
    kept = AccessRecordFactory(at=now - timedelta(days=729))
    assert purge_access_records.delay().get() == 1
    assert list(AccessRecord.objects.all()) == [kept]
    assert not AccessRecord.objects.filter(pk=gone.pk).exists()
    assert access.access_records_purge() == 0  # a second run finds nothing


def test_a_deleted_staff_account_leaves_its_records(client, desk):
    client.force_login(desk["counselor"])
    get(client, reverse("admin:consult_case_change", args=[desk["case"].pk]))
    client.logout()
    desk["counselor"].delete()
    record = AccessRecord.objects.get()
    assert record.username == "advice1"


# --- the database keeps them as they were -----------------------------------------------------


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_to_change_or_delete_a_record():
    record = AccessRecordFactory(username="advice1")
    for change in (
        lambda: AccessRecord.objects.filter(pk=record.pk).update(username="nobody"),
        lambda: AccessRecord.objects.filter(pk=record.pk).delete(),
        # Past the retention, too: only the purge deletes.
        lambda: AccessRecord.objects.filter(pk=record.pk).update(at=timezone.now()),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert AccessRecord.objects.get(pk=record.pk).username == "advice1"
    old = AccessRecordFactory(at=timezone.now() - timedelta(days=800))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessRecord.objects.filter(pk=old.pk).delete()
    assert access.access_records_purge() == 1
    assert list(AccessRecord.objects.values_list("pk", flat=True)) == [record.pk]


def test_the_merge_confirmation_records_both_cases(client, desk):
    case = desk["case"]
    keep, _ = routed_case("advice", email="someone.else@example.org")
    client.force_login(desk["counselor"])
    url = reverse("admin:consult_case_merge", args=[case.pk])
    query = {"into_reference": keep.reference, "version": case.version}
    page = client.get(url, query, REMOTE_ADDR=ADDRESS)
    assert page.status_code == 200
    assert sorted(records()) == sorted(
        ("advice1", A.CASE_VIEWED, ref, ADDRESS) for ref in (case.reference, keep.reference)
    )
