"""Every CSV the site writes: the registry's open data, the desk's exports and reports.

Each cell goes through csv_cell(), which neutralises spreadsheet formulas (OWASP "CSV
injection"): a text cell that begins with =, +, -, @, a tab or a carriage return is written
with a leading apostrophe, so that Excel, LibreOffice and Google Sheets show it as text
instead of running it. Only text is neutralised: a Python number (int, float, Decimal) is
written as digits with at most a leading minus, which every spreadsheet reads as that
number and never as a formula, so -5 in a numeric column stays the number -5. A text "-5"
is neutralised like any other text: it may be the start of "-5+cmd|...".
csv_cell_read() undoes it, so that a file the site wrote re-imports unchanged.
"""

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

# Rows per chunk handed to the server: large enough to be cheap, small enough that the
# first bytes leave at once.
ROWS_PER_PIECE = 500
BOM = "\ufeff"  # so that Excel reads the file as UTF-8 and shows Korean correctly
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_PREFIX = "'"


def _formula_like(text: str) -> bool:
    """Formula-like, or already prefixed text such as '=x: that one gets one more apostrophe,
    so that reading it back gives exactly '=x again."""
    return text.lstrip(TEXT_PREFIX).startswith(FORMULA_STARTS)


def csv_cell(value: object) -> object:
    """One cell as it is safe to write: formula-like text gets the apostrophe prefix."""
    if isinstance(value, str) and _formula_like(value):
        return TEXT_PREFIX + value
    if value is None or isinstance(value, str | int | float | Decimal):
        return "" if value is None else value
    # Dates, lazy translations and the like are written as their text, and checked as text.
    return csv_cell(str(value))


def csv_row(values: Iterable[object]) -> list[object]:
    """A row for csv.writer.writerow(): every cell through csv_cell()."""
    return [csv_cell(value) for value in values]


def csv_cell_read(text: str) -> str:
    """A cell read back from a file: the apostrophe csv_cell() added is taken off again
    (only where csv_cell() writes one: before a formula character, possibly after more
    apostrophes), so that what the site exported re-imports unchanged."""
    if text.startswith(TEXT_PREFIX) and _formula_like(text[1:]):
        return text[1:]
    return text


class _Line:
    """A file-like object whose write() hands back what it is given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_pieces(rows: Iterable[Iterable[object]]) -> Iterator[bytes]:
    """The rows as UTF-8 CSV with a BOM, every cell neutralised, in chunks for a
    StreamingHttpResponse."""
    writer = csv.writer(_Line())
    piece = [BOM]
    for row in rows:
        piece.append(writer.writerow(csv_row(row)))
        if len(piece) >= ROWS_PER_PIECE:
            yield "".join(piece).encode("utf-8")
            piece = []
    if piece:
        yield "".join(piece).encode("utf-8")


def csv_attachment(
    rows: Iterable[Iterable[object]], *, filename: str, private: bool = True
) -> StreamingHttpResponse:
    """The rows as a streamed CSV download named `filename`. A private one (the desk's
    exports: personal or internal data) is never kept by a browser or a proxy cache."""
    response = StreamingHttpResponse(csv_pieces(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    if private:
        response["Cache-Control"] = "private, no-store"
    return response
