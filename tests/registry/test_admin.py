"""The counselors' desk: who may do what, the import page from upload to confirmation, edits
that leave history, and the export action."""

from datetime import timedelta
from pathlib import PurePath

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coopcenter.core import demo
from registry.importer import cooperatives_import
from registry.models import Cooperative, CooperativeChange, ImportBatch, ImportJob
from tests.registry.factories import CertificationFactory, CooperativeFactory
from tests.registry.test_importer import GWANGMYEONG, coop_row, csv_bytes, xlsx_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "english_admin")]

IMPORT_URL = reverse("admin:registry_cooperative_import")
CHANGELIST_URL = reverse("admin:registry_cooperative_changelist")
CONFIRM_1 = reverse("admin:registry_cooperative_import_confirm", args=[1])


@pytest.fixture
def staff(db):
    demo.seed()
    return {user.username: user for user in get_user_model().objects.filter(is_staff=True)}


@pytest.fixture
def manager_client(client, staff):
    client.force_login(staff["manager"])
    return client


def upload(client, data: bytes, name: str = "coops.csv", **fields):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data), "source": "", **fields})


def stored_uploads() -> list[str]:
    try:
        return default_storage.listdir("registry-imports")[1]
    except FileNotFoundError:
        return []


# --- permissions -------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert client.post(CONFIRM_1).status_code == 302


def test_staff_without_permissions_get_403(client):
    user = get_user_model().objects.create_user("volunteer", is_staff=True)
    client.force_login(user)
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(CHANGELIST_URL).status_code == 403


def test_counselors_see_the_registry_but_cannot_import(client, staff):
    coop = CooperativeFactory()
    client.force_login(staff["counselor"])
    changelist = client.get(CHANGELIST_URL)
    assert changelist.status_code == 200
    assert IMPORT_URL not in changelist.content.decode()
    assert (
        client.get(reverse("admin:registry_cooperative_change", args=[coop.pk])).status_code == 200
    )
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, csv_bytes([coop_row()])).status_code == 403
    assert client.post(CONFIRM_1).status_code == 403
    assert not Cooperative.objects.exclude(pk=coop.pk).exists()


def test_change_without_add_is_not_enough_to_import(client):
    user = get_user_model().objects.create_user("editor", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_cooperative", "change_cooperative"])
    )
    client.force_login(user)
    assert client.get(IMPORT_URL).status_code == 403


def test_managers_find_the_import_page_from_the_list(manager_client):
    changelist = manager_client.get(CHANGELIST_URL)
    assert changelist.status_code == 200
    assert IMPORT_URL in changelist.content.decode()
    page = manager_client.get(IMPORT_URL)
    assert page.status_code == 200
    assert "조합명" in page.content.decode()  # the template's columns are listed


def test_superusers_may_import(admin_client):
    assert admin_client.get(IMPORT_URL).status_code == 200


# --- upload, preview, confirm ------------------------------------------------------------


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """Runs what a request queues (the job's task, eager in tests) once the request ends."""

    def run(request):
        with django_capture_on_commit_callbacks(execute=True):
            return request()

    return run


def preview(client, worker, data: bytes, name: str = "coops.csv", **fields):
    """Upload a file, let the worker preview it, and return the job's page."""
    response = worker(lambda: upload(client, data, name, **fields))
    assert response.status_code == 302, response.content
    return client.get(response["Location"])


def confirm(client, worker, page, **fields):
    job = page.context["job"]
    url = reverse("admin:registry_cooperative_import_confirm", args=[job.pk])
    return worker(lambda: client.post(url, {"skip_invalid": "", **fields}))


def test_the_request_only_stores_the_file_and_queues_the_preview(
    manager_client, django_capture_on_commit_callbacks, monkeypatch
):
    import registry.importer

    def no_parsing_here(*args, **kwargs):
        raise AssertionError("the request read the file")

    with (
        django_capture_on_commit_callbacks(execute=False) as queued,
        monkeypatch.context() as patched,
    ):
        patched.setattr(registry.importer, "read_table", no_parsing_here)
        response = upload(manager_client, csv_bytes([coop_row(1), coop_row(2)]))
        job = ImportJob.objects.get()
        assert response.status_code == 302
        assert response["Location"] == job_url(job)
        page = manager_client.get(response["Location"])
    assert (job.status, job.kind, job.rows_done) == ("queued", "preview", 0)
    assert len(queued) == 1 and stored_uploads() == [PurePath(job.file.name).name]
    # While it waits: a labelled progress bar, the polling script and a refresh without it.
    html = page.content.decode()
    assert '<progress id="import-progress-bar" max="100" value="0"' in html
    assert '<label for="import-progress-bar"' in html
    assert "js/import-progress.js" in html and 'http-equiv="refresh"' in html
    status = manager_client.get(status_url(job)).json()
    assert status["status"] == "queued" and status["finished"] is False

    queued[0]()  # the worker runs the task
    status = manager_client.get(status_url(job)).json()
    assert (status["status"], status["rows_done"], status["percent"]) == ("done", 2, 100)
    page = manager_client.get(job_url(job))
    assert "<progress" not in page.content.decode()
    assert page.context["report"]["created"] == 2
    assert not Cooperative.objects.exists()


def job_url(job) -> str:
    return reverse("admin:registry_cooperative_import_job", args=[job.pk])


def status_url(job) -> str:
    return reverse("admin:registry_cooperative_import_status", args=[job.pk])


def test_upload_previews_without_writing_then_confirm_imports(manager_client, staff, worker):
    CooperativeFactory(registration_no="2013-00002", members=3)
    page = preview(
        manager_client, worker, csv_bytes([coop_row(1), coop_row(2)]), source="서울 2013"
    )
    assert page.status_code == 200
    report = page.context["report"]
    assert (report["created"], report["updated"], report["rejected"]) == (1, 1, 0)
    html = page.content.decode()
    assert "새날1협동조합" in html and "Confirm import" in html
    # The preview wrote nothing but the private upload.
    assert Cooperative.objects.count() == 1
    assert not ImportBatch.objects.exists()
    assert len(stored_uploads()) == 1

    confirmed = confirm(manager_client, worker, page)
    assert confirmed.status_code == 302
    job = ImportJob.objects.get(kind="import")
    assert confirmed["Location"] == job_url(job)
    assert Cooperative.objects.count() == 2
    batch = ImportBatch.objects.get()
    assert (batch.source, batch.filename, batch.started_by) == (
        "서울 2013",
        "coops.csv",
        staff["manager"],
    )
    assert job.batch == batch and job.previewed == page.context["job"]
    assert CooperativeChange.objects.filter(batch=batch, changed_by=staff["manager"]).exists()
    assert stored_uploads() == []
    assert not ImportJob.objects.exclude(file="").exists()
    done = manager_client.get(confirmed["Location"]).content.decode()
    assert "1 created, 1 updated" in done

    # The same confirmation again finds nothing to import.
    again = confirm(manager_client, worker, page)
    assert again.status_code == 400
    assert ImportBatch.objects.count() == 1


def test_the_report_stays_and_past_jobs_are_listed(manager_client, worker):
    page = preview(manager_client, worker, csv_bytes([coop_row(1)]))
    job = page.context["job"]
    upload_page = manager_client.get(IMPORT_URL).content.decode()
    assert job_url(job) in upload_page
    jobs = manager_client.get(reverse("admin:registry_importjob_changelist"))
    assert jobs.status_code == 200 and job_url(job) in jobs.content.decode()
    assert manager_client.get(job_url(job)).context["report"]["created"] == 1


def test_xlsx_upload(manager_client, worker):
    from tests.registry.test_importer import cells

    page = preview(manager_client, worker, xlsx_bytes(cells([coop_row()])), name="coops.xlsx")
    assert page.status_code == 200
    assert stored_uploads()[0].endswith(".xlsx")
    confirm(manager_client, worker, page)
    assert Cooperative.objects.count() == 1


def test_a_file_with_errors_lists_them_and_offers_the_valid_rows(manager_client, worker):
    data = csv_bytes([coop_row(1), coop_row(2, members="-5"), coop_row(3, industry="K")])
    page = preview(manager_client, worker, data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "-5" in html and "Framework Act on Cooperatives" in html
    assert "Confirm import" not in html
    assert "Import the valid rows (1 new or changed co-ops) and skip the rejected ones (2)" in html
    assert not Cooperative.objects.exists()

    confirmed = confirm(manager_client, worker, page, skip_invalid="True")
    assert confirmed.status_code == 302
    assert list(Cooperative.objects.values_list("registration_no", flat=True)) == ["2013-00001"]
    assert ImportBatch.objects.get().rejected == 2


def test_the_gwangmyeong_file_is_rejected_row_by_row(manager_client, worker):
    page = preview(manager_client, worker, GWANGMYEONG.read_bytes(), name=GWANGMYEONG.name)
    assert page.status_code == 200
    assert page.context["report"]["rejected"] == 171
    assert page.context["confirmable"] is False  # nothing to confirm, nothing kept
    assert stored_uploads() == []
    assert "Not a Seoul address" in page.content.decode()


def test_a_file_already_in_the_registry_has_nothing_to_confirm(manager_client, worker):
    data = csv_bytes([coop_row()])
    confirm(manager_client, worker, preview(manager_client, worker, data))
    page = preview(manager_client, worker, data)
    assert page.context["report"]["unchanged"] == 1
    assert "Nothing to import" in page.content.decode()
    assert stored_uploads() == []


def test_changes_between_preview_and_confirm_are_shown_again(manager_client, worker):
    page = preview(
        manager_client, worker, csv_bytes([coop_row(name="두레협동조합", registration_no="")])
    )
    # Meanwhile two co-ops of that name appear in the district: the row is now ambiguous.
    CooperativeFactory.create_batch(2, name="두레협동조합", registration_no="")
    confirmed = confirm(manager_client, worker, page)
    result = manager_client.get(confirmed["Location"])
    assert "Nothing was imported: the registry changed meanwhile." in result.content.decode()
    assert result.context["report"]["rejected"] == 1
    assert Cooperative.objects.count() == 2
    # No valid row is left to import: the file is not kept.
    assert result.context["confirmable"] is False and stored_uploads() == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("coops.txt", b"a,b\n", "Choose a .csv or .xlsx file"),
        ("coops.xls", b"\xd0\xcf\x11\xe0", "Choose a .csv or .xlsx file"),
        ("coops.csv", b"", "empty"),
    ],
)
def test_bad_uploads_get_a_clear_400(manager_client, name, data, message):
    response = upload(manager_client, data, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored_uploads() == [] and not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("coops.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV file"),
        ("coops.xlsx", b"PK\x03\x04garbage", "not a valid .xlsx"),
        ("coops.csv", "조합명,주요사업\n새날,교육\n".encode(), "Required columns are missing"),
        ("coops.csv", '조합명,유형\n"새날,협동조합\n'.encode(), "malformed"),
        ("coops.csv", b"\xff\xfe\xfa\xfb\xfc", "neither UTF-8 nor CP949"),
    ],
)
def test_unreadable_files_end_the_job_with_a_clear_message(
    manager_client, worker, name, data, message
):
    page = preview(manager_client, worker, data, name=name)
    assert page.status_code == 200
    assert page.context["job"].status == "failed"
    assert message in page.content.decode()
    assert stored_uploads() == [] and not Cooperative.objects.exists()


def test_oversize_uploads_are_refused(manager_client, settings):
    settings.REGISTRY_IMPORT_MAX_BYTES = 100
    response = upload(manager_client, csv_bytes([coop_row(1), coop_row(2)]))
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_expired_unknown_and_running_jobs_cannot_be_confirmed(manager_client, worker):
    page = preview(manager_client, worker, csv_bytes([coop_row()]))
    job = page.context["job"]
    missing = reverse("admin:registry_cooperative_import_confirm", args=[job.pk + 100])
    assert manager_client.post(missing).status_code == 404
    assert (
        manager_client.get(job_url(job).replace(str(job.pk), str(job.pk + 100))).status_code == 404
    )
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=2))
    assert confirm(manager_client, worker, page).status_code == 400
    running = ImportJob.objects.create(kind="preview", filename="x.csv", status="running")
    url = reverse("admin:registry_cooperative_import_confirm", args=[running.pk])
    assert manager_client.post(url).status_code == 400
    assert not Cooperative.objects.exists()


def test_no_state_change_on_get_and_confirm_is_post_only(manager_client, worker):
    job = preview(manager_client, worker, csv_bytes([coop_row()])).context["job"]
    url = reverse("admin:registry_cooperative_import_confirm", args=[job.pk])
    assert manager_client.get(url).status_code == 405
    assert manager_client.put(IMPORT_URL).status_code == 405
    assert manager_client.post(status_url(job)).status_code == 405


def test_import_needs_the_csrf_token(client, staff):
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(staff["manager"])
    assert upload(client, csv_bytes([coop_row()])).status_code == 403


def test_job_pages_need_the_import_permission(client, staff, worker):
    job = ImportJob.objects.create(kind="preview", filename="x.csv")
    client.force_login(staff["counselor"])
    assert client.get(job_url(job)).status_code == 403
    assert client.get(status_url(job)).status_code == 403


def test_expired_uploads_are_purged_at_the_next_upload(manager_client, worker):
    first = preview(manager_client, worker, csv_bytes([coop_row(1)])).context["job"]
    [name] = stored_uploads()
    ImportJob.objects.filter(pk=first.pk).update(finished_at=timezone.now() - timedelta(hours=2))
    preview(manager_client, worker, csv_bytes([coop_row(2)]))
    assert name not in stored_uploads() and len(stored_uploads()) == 1
    assert ImportJob.objects.get(pk=first.pk).file == ""


# --- the co-op pages ---------------------------------------------------------------------


def _change_form_data(coop: Cooperative, **changes) -> dict:
    data = {
        "name": coop.name,
        "legal_type": coop.legal_type,
        "member_type": coop.member_type,
        "registration_no": coop.registration_no,
        "registration_date": coop.registration_date.isoformat(),
        "incorporation_date": "",
        "address": coop.address,
        "district": coop.district_id,
        "status": coop.status,
        "status_date": "",
        "status_reason": "",
        "industry": coop.industry,
        "ksic_class": "",
        "main_business": coop.main_business,
        "members": coop.members,
        "members_as_of": coop.members_as_of.isoformat(),
        "capital_krw": coop.capital_krw,
        "capital_as_of": coop.capital_as_of.isoformat(),
        "phone": "",
        "email": "",
        "website": "",
        "source": coop.source,
        "source_record_id": "",
        "data_as_of": coop.data_as_of.isoformat(),
    }
    for prefix in ("certifications", "changes"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(changes)
    return data


def test_an_edit_in_the_admin_is_written_to_the_history(manager_client, staff):
    coop = CooperativeFactory(members=12)
    url = reverse("admin:registry_cooperative_change", args=[coop.pk])
    response = manager_client.post(url, _change_form_data(coop, members="13"))
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    coop.refresh_from_db()
    assert coop.members == 13
    change = CooperativeChange.objects.get(cooperative=coop)
    assert (change.field, change.old_value, change.new_value) == ("members", "12", "13")
    assert change.changed_by == staff["manager"]

    page = manager_client.get(url).content.decode()
    assert "History (newest first)" in page and staff["manager"].username in page


def test_counselors_cannot_edit(client, staff):
    coop = CooperativeFactory(members=12)
    client.force_login(staff["counselor"])
    url = reverse("admin:registry_cooperative_change", args=[coop.pk])
    assert client.post(url, _change_form_data(coop, members="13")).status_code == 403
    coop.refresh_from_db()
    assert coop.members == 12


@pytest.mark.parametrize(
    "query",
    [
        "?q=새날",
        "?q=2013-",
        "?district__code__exact=11680",
        "?legal_type__exact=general",
        "?status__exact=operating",
        "?industry__exact=G",
        "?certifications__kind=social_enterprise",
    ],
)
def test_list_filters_and_search(manager_client, query):
    coop = CooperativeFactory()
    CertificationFactory(cooperative=coop)
    response = manager_client.get(CHANGELIST_URL + query)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [coop]


def test_history_and_imports_are_read_only(manager_client, worker):
    confirm(manager_client, worker, preview(manager_client, worker, csv_bytes([coop_row()])))
    coop = Cooperative.objects.get()
    batch = ImportBatch.objects.get()
    change = CooperativeChange.objects.get()

    history = manager_client.get(
        reverse("admin:registry_cooperativechange_changelist")
        + f"?cooperative__id__exact={coop.pk}"
    )
    assert history.status_code == 200
    assert "created by import" in history.content.decode()
    search = manager_client.get(reverse("admin:registry_cooperativechange_changelist") + "?q=새날1")
    assert list(search.context["cl"].result_list) == [change]
    by_batch = manager_client.get(
        reverse("admin:registry_cooperativechange_changelist") + f"?batch__id__exact={batch.pk}"
    )
    assert by_batch.status_code == 200
    assert manager_client.get(reverse("admin:registry_importbatch_changelist")).status_code == 200
    for name, args in [
        ("registry_cooperativechange_add", []),
        ("registry_importbatch_add", []),
        ("registry_cooperativechange_delete", [change.pk]),
        ("registry_importbatch_delete", [batch.pk]),
    ]:
        assert manager_client.get(reverse(f"admin:{name}", args=args)).status_code == 403
    detail = manager_client.post(
        reverse("admin:registry_cooperativechange_change", args=[change.pk]), {"field": "x"}
    )
    assert detail.status_code == 403


def test_export_action_returns_csv(manager_client):
    coops = CooperativeFactory.create_batch(2)
    response = manager_client.post(
        CHANGELIST_URL,
        {"action": "export_selected_csv", "_selected_action": [coops[0].pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert ".csv" in response["Content-Disposition"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    assert coops[0].name in text and coops[1].name not in text


def test_an_export_reimports_unchanged(manager_client):
    CooperativeFactory.create_batch(3)
    CooperativeFactory(member_type="", industry="", members=None, capital_krw=None)
    response = manager_client.post(
        CHANGELIST_URL,
        {
            "action": "export_selected_csv",
            "_selected_action": list(Cooperative.objects.values_list("pk", flat=True)),
        },
    )
    body = b"".join(response.streaming_content) if response.streaming else response.content
    report = cooperatives_import(file=body, filename="export.csv")
    assert (report.unchanged, report.created, report.updated, report.rejected) == (4, 0, 0, 0)


def test_a_coop_added_in_the_admin_has_its_history(manager_client, staff):
    add_url = reverse("admin:registry_cooperative_add")
    assert manager_client.get(add_url).status_code == 200
    template = CooperativeFactory.build(district_id="11440", registration_no="2014-00001")
    response = manager_client.post(add_url, _change_form_data(template))
    assert response.status_code == 302
    coop = Cooperative.objects.get(registration_no="2014-00001")
    fields = set(coop.changes.values_list("field", flat=True))
    assert {"name", "district_id", "members"} <= fields
    assert set(coop.changes.values_list("changed_by", flat=True)) == {staff["manager"].pk}


def test_the_history_inline_shows_the_newest_rows_only(manager_client):
    from registry.admin import HISTORY_INLINE_ROWS

    coop = CooperativeFactory()
    CooperativeChange.objects.bulk_create(
        CooperativeChange(cooperative=coop, field="members", new_value=str(n))
        for n in range(HISTORY_INLINE_ROWS + 10)
    )
    response = manager_client.get(reverse("admin:registry_cooperative_change", args=[coop.pk]))
    assert response.status_code == 200
    [history] = [
        f for f in response.context["inline_admin_formsets"] if f.opts.model is CooperativeChange
    ]
    assert len(list(history)) == HISTORY_INLINE_ROWS
    assert "Every change of this co-op" in response.content.decode()
