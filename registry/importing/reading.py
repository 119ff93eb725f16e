"""Reading a file into a header and records, each record with its line in the file.

CSV files are decoded as UTF-8 (with or without BOM) or, failing that, CP949 (a superset of
EUC-KR, what Korean Excel writes). An .xlsx file is recognised by its content, not only its
name. A record's line is the physical line where it starts (the header is line 1; a quoted
value may span lines); in a workbook it is the sheet's row number.
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _

from coopcenter.core.csvstream import csv_cell_read
from registry.importing.values import CellValue, is_empty

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
# The limits of an .xlsx, checked on the zip's directory before openpyxl opens anything, so
# that a small file that unpacks to gigabytes (a "zip bomb") costs a glance, not a worker.
# The declared sizes bind: Python's zipfile never unpacks an entry past its file_size.
# A workbook of 100,000 co-ops has a dozen entries, a sheet of about 60 MiB and shared
# strings of about 20 MiB; openpyxl keeps every shared string in memory, hence their own cap.
XLSX_MAX_ENTRIES = 500
XLSX_MAX_UNPACKED_BYTES = 256 * 1024 * 1024
XLSX_MAX_SHARED_STRINGS_BYTES = 48 * 1024 * 1024
SHARED_STRINGS = "sharedstrings.xml"  # xl/sharedStrings.xml, compared in lower case


class CooperativeImportError(Exception):
    """The file as a whole cannot be imported; the message is for the user."""


@dataclass(frozen=True)
class Record:
    line: int
    cells: tuple[CellValue, ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    records: list[Record]
    kind: str  # "csv" or "xlsx"
    encoding: str = ""  # of a CSV file


def read_table(data: bytes, *, filename: str) -> Table:
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise CooperativeImportError(_("The file is empty."))
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data)
    if data.startswith(OLE_MAGIC) or suffix == ".xls":
        raise CooperativeImportError(
            _("Old Excel files (.xls) cannot be read. Save the sheet as .xlsx or CSV.")
        )
    if suffix == ".xlsx":
        raise CooperativeImportError(_("This is not an Excel .xlsx file."))
    if b"\x00" in data:
        raise CooperativeImportError(
            _("This is not a CSV file (it contains binary data). Use CSV or .xlsx.")
        )
    return _read_csv(data)


# --- CSV -----------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: strict UTF-8 first, then CP949."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp949"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise CooperativeImportError(
        _("The file is neither UTF-8 nor CP949 (EUC-KR) text. Save it as CSV UTF-8.")
    )


def _read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    # newline="" keeps line breaks inside quoted values; strict makes broken quoting an error.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Record] = []
    header: tuple[str, ...] | None = None
    start = 1
    try:
        for row in reader:
            # The site's own exports write formula-like text as '=…: read it back as =….
            cells = tuple(csv_cell_read(cell) for cell in row)
            record = Record(line=start, cells=cells)
            start = reader.line_num + 1
            if header is None:
                header = cells
            elif any(cell.strip() for cell in cells):
                rows.append(record)
    except csv.Error as error:
        raise CooperativeImportError(
            _("The CSV file is malformed near line %(line)d (%(error)s).")
            % {"line": start, "error": error}
        ) from None
    header = header or ()
    if len(header) == 1 and any(separator in header[0] for separator in ";\t|"):
        raise CooperativeImportError(
            _("The columns must be separated by commas (this file uses another separator).")
        )
    return Table(headers=header, records=rows, kind="csv", encoding=encoding)


# --- XLSX ----------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    _check_xlsx_sizes(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a zip that is not a workbook
        raise CooperativeImportError(_("This is not a valid .xlsx file.")) from None
    try:
        if not workbook.worksheets:
            raise CooperativeImportError(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        # Some programs write a wrong sheet size; read the rows that are there instead.
        sheet.reset_dimensions()
        header: tuple[str, ...] | None = None
        rows: list[Record] = []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if header is None:
                header = tuple("" if value is None else str(value) for value in values)
            elif any(not is_empty(value) for value in values):
                cells = tuple(csv_cell_read(v) if isinstance(v, str) else v for v in values)
                rows.append(Record(line=number, cells=cells))
    except CooperativeImportError:
        raise
    except Exception:  # a damaged sheet
        raise CooperativeImportError(_("The .xlsx file could not be read.")) from None
    finally:
        workbook.close()
    if header is None or not any(header):
        raise CooperativeImportError(_("The file is empty."))
    return Table(headers=header, records=rows, kind="xlsx")


def _check_xlsx_sizes(data: bytes) -> None:
    """Refuse a workbook whose zip directory announces more than the limits above."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise CooperativeImportError(_("This is not a valid .xlsx file.")) from None
    too_large = _(
        "The .xlsx file is too large once unpacked (%(size)s; at most %(limit)s). Save the "
        "sheet as CSV, or split it."
    )
    if len(entries) > XLSX_MAX_ENTRIES:
        raise CooperativeImportError(
            _("The .xlsx file has too many parts (%(count)d; at most %(limit)d).")
            % {"count": len(entries), "limit": XLSX_MAX_ENTRIES}
        )
    shared = sum(
        info.file_size
        for info in entries
        if info.filename.lower().rsplit("/", 1)[-1] == SHARED_STRINGS
    )
    if shared > XLSX_MAX_SHARED_STRINGS_BYTES:
        raise CooperativeImportError(
            too_large % {"size": _mib(shared), "limit": _mib(XLSX_MAX_SHARED_STRINGS_BYTES)}
        )
    unpacked = sum(info.file_size for info in entries)
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        raise CooperativeImportError(
            too_large % {"size": _mib(unpacked), "limit": _mib(XLSX_MAX_UNPACKED_BYTES)}
        )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MiB"
