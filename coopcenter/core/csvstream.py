"""Streamed CSV downloads: the registry's open data and the desk's case export."""

import csv
from collections.abc import Iterable, Iterator

# Rows per chunk handed to the server: large enough to be cheap, small enough that the
# first bytes leave at once.
ROWS_PER_PIECE = 500
BOM = "\ufeff"  # so that Excel reads the file as UTF-8 and shows Korean correctly


class _Line:
    """A file-like object whose write() hands back what it is given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_pieces(rows: Iterable[list]) -> Iterator[bytes]:
    """The rows as UTF-8 CSV with a BOM, in chunks for a StreamingHttpResponse."""
    writer = csv.writer(_Line())
    piece = [BOM]
    for row in rows:
        piece.append(writer.writerow(row))
        if len(piece) >= ROWS_PER_PIECE:
            yield "".join(piece).encode("utf-8")
            piece = []
    if piece:
        yield "".join(piece).encode("utf-8")
