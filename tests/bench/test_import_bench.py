"""The import benchmark's generated files, at a small scale: valid, Seoul-wide, repeatable."""

import csv
import io

import pytest

from bench import import_coops
from registry.importer import cooperatives_import
from registry.models import Cooperative
from registry.vocab import TEMPLATE_COLUMNS


def _csv(rows: int, *, changed: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(import_coops.generated_rows(rows, changed=changed))
    return out.getvalue().encode()


def test_rows_cover_every_district_and_repeat_exactly():
    rows = list(import_coops.generated_rows(50))
    assert rows[0] == [column.header_ko for column in TEMPLATE_COLUMNS]
    assert len(rows) == 51
    addresses = [row[7] for row in rows[1:]]
    assert {address.split()[1] for address in addresses} == {
        name for _code, name, _en in import_coops.DISTRICTS
    }
    assert len({row[3] for row in rows[1:]}) == 50  # registration numbers are unique
    assert rows == list(import_coops.generated_rows(50))


def test_one_row_in_ten_changes():
    plain = list(import_coops.generated_rows(30))
    changed = list(import_coops.generated_rows(30, changed=True))
    differing = [n for n, (a, b) in enumerate(zip(plain[1:], changed[1:], strict=True)) if a != b]
    assert differing == [0, 10, 20]


@pytest.mark.django_db
def test_generated_files_import_then_reimport_unchanged_then_update():
    source = import_coops.SOURCE
    first = cooperatives_import(file=_csv(60), filename="coops.csv", source=source)
    assert (first.created, first.rejected) == (60, 0)
    assert Cooperative.objects.values("district").distinct().count() == 25
    again = cooperatives_import(file=_csv(60), filename="coops.csv", source=source)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 60)
    changed = cooperatives_import(
        file=_csv(60, changed=True), filename="coops-changed.csv", source=source
    )
    assert (changed.updated, changed.unchanged) == (6, 54)


def test_arguments():
    assert import_coops.parse_args([]).rows == 100_000
    assert import_coops.parse_args(["--rows", "10", "--sqlite"]).sqlite
    with pytest.raises(SystemExit):
        import_coops.parse_args(["--rows", "0"])
