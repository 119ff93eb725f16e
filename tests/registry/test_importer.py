"""The importer on whole files: formats, headers, row rules, all-or-nothing, the real
Gwangmyeong file. Matching, history and writes are in test_importer_writes.py."""

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from registry.importer import CooperativeImportError, ImportReport, cooperatives_import
from registry.models import Cooperative, CooperativeChange, ImportBatch
from registry.vocab import EXTRA_COLUMNS, TEMPLATE_COLUMNS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Reasons are checked in English, the msgid language, whatever the site's default."""
    with translation.override("en"):
        yield


DATA_DIR = Path(__file__).parent / "data"
GWANGMYEONG = DATA_DIR / "gwangmyeong_social_economy_171.csv"

HEADERS = {c.field: c.header_ko for c in TEMPLATE_COLUMNS + EXTRA_COLUMNS}
ENGLISH_HEADERS = {c.field: c.header_en for c in TEMPLATE_COLUMNS + EXTRA_COLUMNS}
TEMPLATE_FIELDS = [c.field for c in TEMPLATE_COLUMNS]


# --- building files ----------------------------------------------------------------------


def coop_row(n: int = 1, **values: object) -> dict[str, object]:
    """A valid row of the template, by field name."""
    row: dict[str, object] = {
        "name": f"새날{n}협동조합",
        "legal_type": "일반협동조합",
        "member_type": "사업자",
        "registration_no": f"2013-{n:05d}",
        "registration_date": "2013-01-02",
        "industry": "G",
        "main_business": "생활용품 공동구매",
        "address": f"서울특별시 강남구 테헤란로 {n}",
        "district": "강남구",
        "members": "12",
        "capital_krw": "15,000,000",
        "status": "운영",
        "data_as_of": "2013-11-30",
    }
    row.update(values)
    return row


def cells(rows: list[dict], fields: list[str] | None = None, headers: dict | None = None):
    fields = fields or list(dict.fromkeys(f for row in rows for f in row)) or TEMPLATE_FIELDS
    headers = {**HEADERS, **(headers or {})}
    return [[headers.get(f, f) for f in fields]] + [
        [row.get(f, "") for f in fields] for row in rows
    ]


def csv_bytes(
    rows: list[dict],
    *,
    fields: list[str] | None = None,
    headers: dict | None = None,
    encoding: str = "utf-8",
) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(cells(rows, fields, headers))
    return out.getvalue().encode(encoding)


def csv_body(rows: list[dict], **options) -> bytes:
    """The rows without the header line."""
    return csv_bytes(rows, **options).split(b"\r\n", 1)[1]


def xlsx_bytes(table: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for values in table:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(data: bytes, filename: str = "coops.csv", **options) -> ImportReport:
    return cooperatives_import(file=data, filename=filename, **options)


def errors_of(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.value) for e in report.errors]


# --- formats and encodings ---------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949", "euc-kr"])
def test_csv_in_utf8_with_or_without_bom_and_in_cp949(encoding):
    report = run(csv_bytes([coop_row(1), coop_row(2)], encoding=encoding))
    assert (report.created, report.rejected, report.errors) == (2, 0, [])
    assert set(Cooperative.objects.values_list("name", flat=True)) == {
        "새날1협동조합",
        "새날2협동조합",
    }


def test_xlsx_with_typed_cells_and_sheet_row_numbers():
    header = [HEADERS[f] for f in TEMPLATE_FIELDS]
    good = [
        "새날협동조합",
        "사회적협동조합",
        "직원",
        2013_00001,  # a number cell
        datetime(2013, 1, 2),  # a date cell
        "P",
        "방과후 교육",
        "서울특별시 마포구 월드컵로 1",
        "마포구",
        10,
        10_000_000,
        "운영",
        datetime(2013, 11, 30),
    ]
    bad = list(good)
    bad[0], bad[3], bad[9] = "두레협동조합", "2013-2", -3
    data = xlsx_bytes([header, good, [], bad])
    report = run(data, filename="coops.xlsx")
    assert report.created == 1
    assert errors_of(report) == [(4, "조합원수", "-3")]

    report = run(data, filename="coops.xlsx", skip_invalid=True)
    coop = Cooperative.objects.get()
    assert coop.registration_no == "201300001"
    assert coop.registration_date == date(2013, 1, 2)
    assert (coop.members, coop.capital_krw) == (10, 10_000_000)
    assert coop.legal_type == "social" and coop.district_id == "11440"


def test_xlsx_is_recognised_by_content_not_name():
    data = xlsx_bytes(cells([coop_row()]))
    assert run(data, filename="coops.csv").created == 1


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "coops.csv", "empty"),
        (b"\xef\xbb\xbf\r\n", "coops.csv", "empty"),
        ("조합명,유형\n".encode() + b"\xff\xfe\xff\n", "coops.csv", "neither UTF-8 nor CP949"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "coops.csv", "not a CSV file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "coops.xls", r"\.xls"),
        (b"name,coop_type\n", "coops.xlsx", "not an Excel"),
        (b"PK\x03\x04garbage", "coops.xlsx", "not a valid .xlsx"),
        ('조합명,유형\n"새날,일반\n'.encode(), "coops.csv", "malformed near line 2"),
        ("이름,종류\n새날,일반\n".encode(), "coops.csv", "조합명, 유형"),
        ("조합명,주요사업\n새날,교육\n".encode(), "coops.csv", "missing: 유형"),
        ("조합명,유형,name\n새날,일반,새날\n".encode(), "coops.csv", "both hold"),
        ("조합명;유형\n새날;협동조합\n".encode(), "coops.csv", "separated by commas"),
    ],
)
def test_file_errors(data, filename, message):
    with pytest.raises(CooperativeImportError, match=message):
        run(data, filename=filename)
    assert not Cooperative.objects.exists() and not ImportBatch.objects.exists()


def test_a_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(CooperativeImportError, match=r"not a valid \.xlsx"):
        run(out.getvalue(), filename="coops.xlsx")


def test_header_only_file_imports_nothing_with_a_warning():
    report = run(csv_bytes([], fields=TEMPLATE_FIELDS))
    assert (report.rows, report.created, report.rejected) == (0, 0, 0)
    assert any("no rows" in warning for warning in report.warnings)


def test_line_numbers_count_physical_lines_and_quoted_line_breaks():
    data = (
        csv_bytes([coop_row(1, main_business="교육\n컨설팅\n출판"), coop_row(2, members="-1")])
        + b"\r\n"  # a blank line 6
        + csv_body([coop_row(4, capital_krw="1.5")])
    )
    report = run(data)
    # Line 2 holds a value over lines 2-4, so the next record is line 5.
    assert [(e.line, e.column) for e in report.errors] == [(5, "조합원수"), (7, "출자금")]
    assert (report.rejected, report.created) == (2, 1)
    assert not Cooperative.objects.exists()


def test_english_headers_in_any_case_and_spacing():
    headers = {f: ENGLISH_HEADERS[f] for f in TEMPLATE_FIELDS}
    headers["legal_type"] = " Coop_Type "
    headers["registration_no"] = "REGISTRATION_NO"
    headers["name"] = "Name"
    report = run(csv_bytes([coop_row(legal_type="social", status="operating")], headers=headers))
    assert report.created == 1
    assert Cooperative.objects.get().legal_type == "social"

    spaced = {"name": "조 합 명", "legal_type": " 유형"}
    assert run(csv_bytes([coop_row(2)], headers=spaced)).created == 1


def test_unknown_and_contact_columns_are_ignored_and_named():
    row = coop_row(비고="메모", phone="02-123-4567", 이메일="a@example.org", 홈페이지="x.kr")
    report = run(csv_bytes([row]))
    assert report.created == 1
    contact, unknown = report.warnings
    assert "phone" in contact and "이메일" in contact and "홈페이지" in contact
    assert "비고" in unknown
    coop = Cooperative.objects.get()
    assert (coop.phone, coop.email, coop.website) == ("", "", "")


def test_extra_columns_of_the_template_are_read():
    row = coop_row(
        incorporation_date="2013.02.01",
        status="해산",
        status_date="2020. 5. 1.",
        status_reason="총회 결의",
        ksic_class="47190",
        members_as_of="2013-06-30",
        capital_as_of="20130630",
    )
    assert run(csv_bytes([row])).created == 1
    coop = Cooperative.objects.get()
    assert coop.incorporation_date == date(2013, 2, 1)
    assert (coop.status, coop.status_date, coop.status_reason) == (
        "dissolved",
        date(2020, 5, 1),
        "총회 결의",
    )
    assert coop.ksic_class == "47190"
    assert (coop.members_as_of, coop.capital_as_of) == (date(2013, 6, 30), date(2013, 6, 30))


# --- row rules ---------------------------------------------------------------------------


def test_band_edges_import_as_exact_integers():
    rows = [
        coop_row(1, members="9", capital_krw="9,999,999"),
        coop_row(2, members="10명", capital_krw="10,000,000원"),
        coop_row(3, members="0", capital_krw="0"),
    ]
    assert run(csv_bytes(rows)).created == 3
    stored = dict(
        Cooperative.objects.values_list("registration_no", "members").order_by("registration_no")
    )
    assert stored == {"2013-00001": 9, "2013-00002": 10, "2013-00003": 0}
    capitals = list(
        Cooperative.objects.order_by("registration_no").values_list("capital_krw", flat=True)
    )
    assert capitals == [9_999_999, 10_000_000, 0]
    assert all(type(value) is int for value in capitals)


def test_every_bad_row_is_reported_and_nothing_is_imported():
    rows = [
        coop_row(1),
        coop_row(2, members="-1"),
        coop_row(3, capital_krw="100.5원", industry="K"),
        coop_row(4, legal_type="사회적기업"),
        coop_row(5, registration_date="2013-02-30"),
        coop_row(6, name=""),
        coop_row(7, district="광명시", address=""),
        coop_row(8),
    ]
    report = run(csv_bytes(rows))
    assert report.blocked and not report.imported
    assert (report.created, report.rejected) == (2, 6)
    assert errors_of(report) == [
        (3, "조합원수", "-1"),
        (4, "업종", "K"),
        (4, "출자금", "100.5원"),
        (5, "유형", "사회적기업"),
        (6, "신고수리일", "2013-02-30"),
        (7, "조합명", ""),
        (8, "자치구", "광명시"),
    ]
    reasons = {(e.line, e.column): e.reason for e in report.errors}
    assert "Framework Act on Cooperatives" in reasons[(4, "업종")]
    assert "certification" in reasons[(5, "유형")]
    assert not Cooperative.objects.exists()
    assert not ImportBatch.objects.exists() and not CooperativeChange.objects.exists()


def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest():
    rows = [coop_row(1), coop_row(2, members="-1"), coop_row(3)]
    report = run(csv_bytes(rows), skip_invalid=True)
    assert report.imported and not report.blocked
    assert (report.created, report.rejected) == (2, 1)
    assert errors_of(report) == [(3, "조합원수", "-1")]
    assert Cooperative.objects.count() == 2
    batch = ImportBatch.objects.get()
    assert (batch.created, batch.rejected) == (2, 1)


def test_district_is_derived_from_a_seoul_address():
    rows = [
        coop_row(1, district="", address="서울특별시 마포구 월드컵로 1"),
        coop_row(2, district="", address="서울시 종로구 세종대로 1"),
        coop_row(3, district="", address="서울 중구 세종대로 110"),
    ]
    assert run(csv_bytes(rows)).created == 3
    assert list(
        Cooperative.objects.order_by("registration_no").values_list("district_id", flat=True)
    ) == [
        "11440",
        "11110",
        "11140",
    ]


def test_district_rules():
    rows = [
        coop_row(1, district="마포구", address="서울특별시 강남구 테헤란로 1"),  # disagree
        coop_row(2, district="", address=""),  # nothing to go by
        coop_row(3, district="", address="테헤란로 1"),  # no city: no guess
        coop_row(4, district="강남구", address="경기도 광명시 하안로 1"),  # not Seoul
        coop_row(5, district="Mapo-gu", address=""),  # English name, no address: fine
        coop_row(6, district="11440", address="마포구 월드컵로 1"),  # code, address without city
    ]
    report = run(csv_bytes(rows))
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "자치구"),
        (3, "자치구"),
        (4, "자치구"),
        (5, "소재지도로명주소"),
    ]
    assert "another district (강남구)" in report.errors[0].reason
    assert "Not a Seoul address" in report.errors[3].reason
    assert report.created == 2


def test_without_a_district_column_the_address_is_the_district():
    fields = [f for f in TEMPLATE_FIELDS if f != "district"]
    rows = [coop_row(1), coop_row(2, address="광명시 시청로 20"), coop_row(3, address="")]
    report = run(csv_bytes(rows, fields=fields))
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "소재지도로명주소"),
        (4, "소재지도로명주소"),
    ]


def test_registration_number_is_unique_within_the_file():
    rows = [coop_row(1), coop_row(2), coop_row(3, registration_no="2013-00001")]
    report = run(csv_bytes(rows))
    assert errors_of(report) == [(4, "신고번호", "2013-00001")]
    assert "line 2" in report.errors[0].reason


def test_rows_without_number_must_differ_in_name_and_district():
    rows = [
        coop_row(1, registration_no=""),
        coop_row(2, registration_no="", name="새날1협동조합"),
        coop_row(3, registration_no="", name="새날1협동조합", district="", address="서울 마포구 1"),
    ]
    report = run(csv_bytes(rows))
    assert [(e.line, e.column) for e in report.errors] == [(2, "조합명"), (3, "조합명")]
    assert "line 3" in report.errors[0].reason and "line 2" in report.errors[1].reason
    assert report.created == 1


def test_too_long_values_and_extra_cells_are_row_errors():
    overflowing = ["새날", "협동조합"] + [""] * 6 + ["강남구"] + [""] * 4 + ["넘침"]
    data = csv_bytes([coop_row(1, name="가" * 201)]) + ",".join(overflowing).encode()
    report = run(data)
    assert [(e.line, e.column) for e in report.errors] == [(2, "조합명"), (3, "")]
    assert "Too long" in report.errors[0].reason
    assert report.errors[1].value == "넘침"


# --- the real, non-Seoul file ------------------------------------------------------------


def test_gwangmyeong_file_every_row_is_rejected_and_nothing_imported():
    report = run(GWANGMYEONG.read_bytes(), filename=GWANGMYEONG.name)
    assert report.rows == 171
    assert report.rejected == 171 and report.blocked
    assert report.created + report.updated + report.unchanged == 0
    address_errors = [e for e in report.errors if e.column == "address"]
    assert [e.line for e in address_errors] == list(range(2, 173))
    assert all("Not a Seoul address" in e.reason for e in address_errors)
    assert {e.value.split()[0] for e in address_errors} == {"경기도", "광명시", "경기"}
    # 37 rows are typed with a certification (사회적기업 17, (예비)사회적기업 14, 마을기업 6).
    type_errors = [e for e in report.errors if e.column == "type"]
    assert len(type_errors) == 37
    assert {e.value for e in type_errors} == {"사회적기업", "(예비)사회적기업", "마을기업"}
    assert all("certification" in e.reason for e in type_errors)
    assert not Cooperative.objects.exists() and not ImportBatch.objects.exists()
    # The website (contact) and region (a neighbourhood) columns are named, not read.
    assert any("website" in w for w in report.warnings)
    assert any("region" in w for w in report.warnings)


def test_gwangmyeong_file_with_skip_invalid_imports_nothing_either():
    report = run(GWANGMYEONG.read_bytes(), filename=GWANGMYEONG.name, skip_invalid=True)
    assert report.rejected == 171 and report.created == 0
    assert not Cooperative.objects.exists()


def test_gwangmyeong_columns_map_to_the_registry_when_the_address_is_in_seoul():
    """The same header as the real file, with Seoul addresses: its aliases are understood."""
    header = GWANGMYEONG.read_text(encoding="utf-8").splitlines()[0]
    data = (
        f"{header}\n"
        "7,마을부엌협동조합,협동조합,도시락 제조,서울특별시 구로구 구로동로 1,구로동,\n"
        "8,돌봄사회적협동조합,사회적협동조합,-,서울 금천구 시흥대로 1,시흥동,https://x.kr\n"
    ).encode()
    report = run(data, filename="seoul.csv", source="구 지도")
    assert (report.created, report.rejected) == (2, 0)
    first, second = Cooperative.objects.order_by("source_record_id")
    assert (first.legal_type, first.main_business, first.district_id) == (
        "general",
        "도시락 제조",
        "11530",
    )
    assert (first.source_record_id, first.source) == ("7", "구 지도")
    assert (second.legal_type, second.district_id, second.website) == ("social", "11545", "")


# --- zip bombs ---------------------------------------------------------------------------


def xlsx_bomb(shared_strings_mib: int = 100) -> bytes:
    """A real workbook whose sharedStrings.xml is replaced by a huge, very compressible one:
    a few hundred KB that unpack to `shared_strings_mib` MiB."""
    workbook = zipfile.ZipFile(io.BytesIO(xlsx_bytes(cells([coop_row()]))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in workbook.infolist():
            if info.filename != "xl/sharedStrings.xml":
                archive.writestr(info, workbook.read(info))
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as shared:
            shared.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>" + b"A" * (1024 * 1024 - 16) + b"</t></si>"
            for _n in range(shared_strings_mib):
                shared.write(chunk)
            shared.write(b"</sst>")
    return out.getvalue()


@pytest.fixture
def unpacking(monkeypatch):
    """Counts the workbooks openpyxl opens and the zip entries anything unpacks."""
    import openpyxl

    opened = {"workbooks": 0, "entries": 0}
    load_workbook, zip_open = openpyxl.load_workbook, zipfile.ZipFile.open

    def counting_load(*args, **kwargs):
        opened["workbooks"] += 1
        return load_workbook(*args, **kwargs)

    def counting_open(self, *args, **kwargs):
        opened["entries"] += 1
        return zip_open(self, *args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", counting_load)
    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    return opened


def test_an_xlsx_bomb_is_refused_before_anything_is_unpacked(unpacking):
    bomb = xlsx_bomb(100)
    assert len(bomb) < 400 * 1024  # a small upload...
    unpacking.update(workbooks=0, entries=0)
    with pytest.raises(CooperativeImportError, match=r"too large once unpacked \(100 MiB"):
        run(bomb, filename="coops.xlsx")
    # ...refused from the zip's directory alone: openpyxl never saw it, nothing was unpacked.
    assert unpacking == {"workbooks": 0, "entries": 0}


def test_a_workbook_of_too_many_parts_is_refused(unpacking):
    from registry.importing.reading import XLSX_MAX_ENTRIES

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(XLSX_MAX_ENTRIES + 1):
            archive.writestr(f"xl/empty{n}.xml", b"")
    unpacking.update(workbooks=0, entries=0)
    with pytest.raises(CooperativeImportError, match="too many parts"):
        run(out.getvalue(), filename="coops.xlsx")
    assert unpacking == {"workbooks": 0, "entries": 0}


def test_a_workbook_within_the_limits_is_read_in_read_only_mode(unpacking, monkeypatch):
    import openpyxl

    modes = []
    load = openpyxl.load_workbook
    monkeypatch.setattr(
        openpyxl, "load_workbook", lambda *a, **k: modes.append(k.get("read_only")) or load(*a, **k)
    )
    assert run(xlsx_bytes(cells([coop_row()])), filename="coops.xlsx").created == 1
    assert modes == [True]
