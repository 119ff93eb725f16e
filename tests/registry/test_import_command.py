"""`manage.py import_coops`: output, exit status and options."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from registry import importer
from registry.management.commands import import_coops
from registry.models import Cooperative, ImportBatch
from tests.registry.test_importer import GWANGMYEONG, coop_row, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_coops", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, data: bytes, name: str = "coops.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_import_ends_with_a_summary(tmp_path):
    path = write(tmp_path, csv_bytes([coop_row(1), coop_row(2)]))
    out, err = command(path, "--source", "서울 2013")
    assert "Imported from 서울 2013: 2 created, 0 updated, 0 unchanged, 0 rejected." in out
    assert err == ""
    assert Cooperative.objects.count() == 2
    assert ImportBatch.objects.get().source == "서울 2013"

    out, _err = command(path)
    assert "0 created, 0 updated, 2 unchanged, 0 rejected" in out


def test_rejected_rows_are_listed_and_nothing_is_imported(tmp_path):
    rows = [coop_row(1), coop_row(2, members="-1"), coop_row(3, industry="K")]
    path = write(tmp_path, csv_bytes(rows))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="2 rows were rejected, so nothing was imported"):
        call_command("import_coops", path, stdout=out, stderr=err)
    assert "Line 3, 조합원수 “-1”: Negative numbers are not allowed." in err.getvalue()
    assert "Line 4, 업종 “K”" in err.getvalue()
    assert "Nothing imported" in out.getvalue()
    assert not Cooperative.objects.exists()


def test_skip_invalid_imports_the_rest(tmp_path):
    path = write(tmp_path, csv_bytes([coop_row(1), coop_row(2, members="-1")]))
    out, err = command(path, "--skip-invalid")
    assert "1 created, 0 updated, 0 unchanged, 1 rejected" in out
    assert "Line 3" in err
    assert Cooperative.objects.count() == 1


def test_dry_run_writes_nothing(tmp_path):
    path = write(tmp_path, csv_bytes([coop_row(1)]))
    out, _err = command(path, "--dry-run", "--verbosity", "2")
    assert "Dry run, nothing written: 1 created" in out
    assert not Cooperative.objects.exists() and not ImportBatch.objects.exists()


def test_verbose_output_lists_the_changes(tmp_path):
    command(write(tmp_path, csv_bytes([coop_row(1)])))
    out, _err = command(write(tmp_path, csv_bytes([coop_row(1, members="13")])), "-v", "2")
    assert "Line 2, 새날1협동조합: members: '12' → '13'" in out


def test_the_gwangmyeong_file_fails_with_every_row_listed():
    err = StringIO()
    with pytest.raises(CommandError, match="171 rows were rejected"):
        call_command("import_coops", str(GWANGMYEONG), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    for line in range(2, 173):
        assert any(text.startswith(f"Line {line}, address ") for text in lines)
    assert "Warning:" in err.getvalue()
    assert not Cooperative.objects.exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "coops.csv", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00", "coops.csv", "not a CSV file"),
        ("조합명\n새날\n".encode(), "coops.csv", "Required columns are missing: 유형"),
        (b"PK\x03\x04broken", "coops.xlsx", "not a valid .xlsx"),
    ],
)
def test_file_errors_are_command_errors(tmp_path, data, name, message):
    with pytest.raises(CommandError, match=message):
        command(write(tmp_path, data, name))


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        command(str(tmp_path / "nowhere.csv"))


def test_large_files_show_their_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(import_coops, "PROGRESS_FROM_ROWS", 3)
    monkeypatch.setattr(import_coops, "PROGRESS_STEP", 2)
    path = write(tmp_path, csv_bytes([coop_row(n) for n in range(1, 6)]))
    _out, err = command(path)
    assert "checked 2 of 5 rows" in err and "checked 5 of 5 rows" in err
    assert "wrote 5 of 5 co-ops" in err


def test_small_files_show_no_progress(tmp_path):
    _out, err = command(write(tmp_path, csv_bytes([coop_row(1)])))
    assert "checked" not in err


def test_the_exit_status_is_not_zero_on_errors(tmp_path):
    """As run from a shell: a traceback-free message and exit status 1."""
    path = write(tmp_path, b"")
    env = {
        "DJANGO_SETTINGS_MODULE": "coopcenter.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "import_coops", path, "--dry-run"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 1
    assert "CommandError" in result.stderr and "Traceback" not in result.stderr
