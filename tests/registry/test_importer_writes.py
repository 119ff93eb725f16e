"""The importer against a registry that already holds co-ops: matching, updates, history,
idempotency, dry runs, and the number of queries of the write pass."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from registry.cache import registry_version
from registry.importer import CHECKING, WRITING, CooperativeImportError
from registry.models import Cooperative, CooperativeChange, ImportBatch
from tests.registry.factories import CooperativeFactory
from tests.registry.test_importer import TEMPLATE_FIELDS, coop_row, csv_bytes, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Reasons are checked in English, the msgid language, whatever the site's default."""
    with translation.override("en"):
        yield


def rows(count: int, start: int = 1, **values) -> list[dict]:
    return [coop_row(n, **values) for n in range(start, start + count)]


def test_created_coops_get_one_history_row_naming_the_import():
    user = get_user_model().objects.create_user("manager")
    report = run(csv_bytes(rows(2)), filename="서울 2013.csv", started_by=user)
    assert report.imported and report.created == 2
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert (batch.source, batch.filename, batch.started_by) == (
        "서울 2013.csv",
        "서울 2013.csv",
        user,
    )
    assert (batch.created, batch.updated, batch.unchanged, batch.rejected) == (2, 0, 0, 0)
    assert batch.finished_at is not None
    history = list(CooperativeChange.objects.order_by("cooperative__registration_no"))
    assert [(h.field, h.old_value, h.new_value, h.batch_id) for h in history] == [
        ("created", "", "서울 2013.csv", batch.pk)
    ] * 2
    assert history[0].changed_by == user
    assert set(Cooperative.objects.values_list("source", flat=True)) == {"서울 2013.csv"}


def test_source_names_the_import():
    run(csv_bytes(rows(1)), filename="a.csv", source="  서울 열린데이터   2013-11 ")
    assert Cooperative.objects.get().source == "서울 열린데이터 2013-11"
    assert ImportBatch.objects.get().source == "서울 열린데이터 2013-11"
    report = run(csv_bytes(rows(1, start=2)), filename="b.csv", source="   ")
    assert report.source == "b.csv"


def test_an_overlong_source_is_refused():
    with pytest.raises(CooperativeImportError, match="too long"):
        run(csv_bytes(rows(1)), source="가" * 201)


def test_reimporting_the_same_file_changes_nothing():
    data = csv_bytes(rows(5))
    run(data)
    stamps = dict(Cooperative.objects.values_list("pk", "updated_at"))
    history = CooperativeChange.objects.count()

    with CaptureQueriesContext(connection) as queries:
        report = run(data, source="another name for the same data")
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 0, 5, 0)
    assert dict(Cooperative.objects.values_list("pk", "updated_at")) == stamps
    assert CooperativeChange.objects.count() == history
    assert set(Cooperative.objects.values_list("source", flat=True)) == {"coops.csv"}
    written = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    # The run itself is recorded; no co-op is written.
    assert all("registry_importbatch" in sql for sql in written)


def test_changed_values_are_updated_and_written_to_the_history():
    run(csv_bytes(rows(3)), source="2013-11")
    changed = rows(3)
    changed[1].update(members="30", status="해산", main_business="")
    report = run(csv_bytes(changed), source="2014-06")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    [update] = report.updates
    assert (update.line, update.name) == (3, "새날2협동조합")
    assert {(c.field, c.old, c.new) for c in update.changes} == {
        ("members", "12", "30"),
        ("status", "operating", "dissolved"),
        ("main_business", "생활용품 공동구매", ""),
        ("source", "2013-11", "2014-06"),
    }
    coop = Cooperative.objects.get(registration_no="2013-00002")
    assert (coop.members, coop.status, coop.main_business) == (30, "dissolved", "")
    batch = ImportBatch.objects.get(pk=report.batch_id)
    history = CooperativeChange.objects.filter(batch=batch)
    assert {(h.cooperative_id, h.field, h.old_value, h.new_value) for h in history} == {
        (coop.pk, "members", "12", "30"),
        (coop.pk, "status", "operating", "dissolved"),
        (coop.pk, "main_business", "생활용품 공동구매", ""),
        (coop.pk, "source", "2013-11", "2014-06"),
    }
    assert (batch.updated, batch.unchanged) == (1, 2)


def test_only_the_columns_of_the_file_are_compared():
    run(csv_bytes(rows(2)))
    fields = ["registration_no", "name", "legal_type", "district", "status"]
    report = run(csv_bytes(rows(2, status="휴업"), fields=fields))
    assert report.updated == 2
    for coop in Cooperative.objects.all():
        assert (coop.members, coop.capital_krw, coop.status) == (12, 15_000_000, "not_operating")
        assert coop.main_business == "생활용품 공동구매"


def test_an_empty_number_never_blanks_the_number_of_a_coop():
    existing = CooperativeFactory(name="두레협동조합", registration_no="2013-99999")
    row = coop_row(name="두레협동조합", registration_no="", members="12")
    report = run(csv_bytes([row]))
    assert (report.created, report.updated, report.rejected) == (0, 1, 0)
    existing.refresh_from_db()
    assert existing.registration_no == "2013-99999"


def test_rows_without_number_match_on_name_and_district():
    existing = CooperativeFactory(name="두레협동조합", registration_no="", members=3)
    other_district = CooperativeFactory(
        name="두레협동조합", registration_no="", district_id="11440", members=3
    )
    row = coop_row(name="두레협동조합", registration_no="", members="4")
    report = run(csv_bytes([row]))
    assert (report.created, report.updated) == (0, 1)
    existing.refresh_from_db()
    other_district.refresh_from_db()
    assert (existing.members, other_district.members) == (4, 3)


def test_a_number_given_later_finds_the_coop_registered_without_one():
    existing = CooperativeFactory(name="두레협동조합", registration_no="")
    report = run(csv_bytes([coop_row(name="두레협동조합", registration_no="2013-00777")]))
    assert (report.created, report.updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.registration_no == "2013-00777"
    assert CooperativeChange.objects.filter(
        cooperative=existing, field="registration_no", new_value="2013-00777"
    ).exists()


def test_a_number_never_matches_a_coop_that_has_another_number():
    CooperativeFactory(name="두레협동조합", registration_no="2013-00001")
    report = run(csv_bytes([coop_row(name="두레협동조합", registration_no="2013-00002")]))
    assert (report.created, report.updated) == (1, 0)


def test_ambiguous_and_doubled_matches_are_row_errors():
    CooperativeFactory.create_batch(2, name="두레협동조합", registration_no="")
    CooperativeFactory(name="옛이름협동조합", registration_no="2013-00050")
    data = csv_bytes(
        [
            coop_row(1, name="두레협동조합", registration_no=""),
            # A renaming by number, then a row that still uses the old name.
            coop_row(2, name="새이름협동조합", registration_no="2013-00050"),
            coop_row(3, name="옛이름협동조합", registration_no=""),
        ]
    )
    report = run(data)
    assert [(e.line, e.column) for e in report.errors] == [(2, "조합명"), (4, "조합명")]
    assert "2 registered co-ops" in report.errors[0].reason
    assert "Line 3 already updates" in report.errors[1].reason


def test_data_date_is_the_date_of_members_and_capital():
    run(csv_bytes(rows(1, data_as_of="2014. 6. 30.")))
    coop = Cooperative.objects.get()
    assert coop.data_as_of == date(2014, 6, 30)
    assert (coop.members_as_of, coop.capital_as_of) == (date(2014, 6, 30), date(2014, 6, 30))
    # Without members and capital columns, their dates are not the file's business.
    fields = ["registration_no", "name", "legal_type", "district", "data_as_of"]
    run(csv_bytes(rows(1, data_as_of="2015-01-01"), fields=fields))
    coop.refresh_from_db()
    assert coop.data_as_of == date(2015, 1, 1)
    assert coop.members_as_of == date(2014, 6, 30)


def test_dry_run_writes_nothing_and_reports_what_would_change():
    run(csv_bytes(rows(2)))
    before = (
        list(Cooperative.objects.values()),
        CooperativeChange.objects.count(),
        ImportBatch.objects.count(),
    )
    changed = rows(3)
    changed[0]["members"] = "9"
    with CaptureQueriesContext(connection) as queries:
        report = run(csv_bytes(changed), dry_run=True)
    assert report.dry_run and not report.imported
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert [(r.line, r.name) for r in report.new] == [(4, "새날3협동조합")]
    assert [(c.field, c.old, c.new) for c in report.updates[0].changes] == [("members", "12", "9")]
    assert report.updates[0].changes[0].label == "members"
    assert not [q for q in queries if not q["sql"].startswith("SELECT")]
    after = (
        list(Cooperative.objects.values()),
        CooperativeChange.objects.count(),
        ImportBatch.objects.count(),
    )
    assert after == before


def test_dry_run_of_a_bad_file_reports_like_the_real_run():
    report = run(csv_bytes([*rows(2), coop_row(3, members="-2")]), dry_run=True)
    assert report.blocked and (report.created, report.rejected) == (2, 1)


def test_import_invalidates_the_cached_figures_after_commit(django_capture_on_commit_callbacks):
    version = registry_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run(csv_bytes(rows(2)))
    assert callbacks
    assert registry_version() != version


def test_a_blocked_import_does_not_invalidate_the_cache(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        run(csv_bytes([coop_row(1, members="-1")]))
    assert callbacks == []


def test_progress_is_told_while_checking_and_writing():
    calls = []
    data = csv_bytes([*rows(3), coop_row(9, members="-1")])
    run(data, skip_invalid=True, progress=lambda *call: calls.append(call))
    assert (CHECKING, 4, 4, 1) in calls  # with the errors found so far
    assert calls[-1] == (WRITING, 3, 3, 1)


# --- queries -----------------------------------------------------------------------------


def _import_queries(count: int, *, changed: bool) -> int:
    """Queries of a real import of `count` rows: all new, or all existing with a change."""
    data = csv_bytes(rows(count))
    if changed:
        run(data)
        data = csv_bytes(rows(count, members="99", status="휴업"))
    with CaptureQueriesContext(connection) as queries:
        report = run(data)
    assert report.created + report.updated == count
    return len(queries)


@pytest.mark.parametrize("changed", [False, True], ids=["create", "update"])
def test_300_rows_are_written_without_per_row_queries(changed, django_assert_max_num_queries):
    data = csv_bytes(rows(300))
    if changed:
        run(data)
        data = csv_bytes(rows(300, members="99", status="휴업"))
    # Inserts and updates go in batches. SQLite's limit of 999 parameters a query makes
    # them smaller there (about 30 co-ops an insert), hence a bound and not an exact count;
    # on PostgreSQL the count is the same for 30 rows and 300 (below).
    with django_assert_max_num_queries(30):
        report = run(data)
    assert report.created + report.updated == 300


@pytest.mark.services("postgres")
@pytest.mark.parametrize("changed", [False, True], ids=["create", "update"])
def test_the_number_of_queries_does_not_grow_with_the_rows(changed):
    small = _import_queries(30, changed=changed)
    Cooperative.objects.all().delete()
    CooperativeChange.objects.all().delete()
    ImportBatch.objects.all().delete()
    large = _import_queries(300, changed=changed)
    assert small == large


def test_headers_of_the_template_order_do_not_matter():
    fields = list(reversed(TEMPLATE_FIELDS))
    assert run(csv_bytes(rows(2), fields=fields)).created == 2
