"""The one CSV writer of the site: streamed pieces, and formulas neutralised in every cell."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from coopcenter.core.csvstream import BOM, csv_cell, csv_cell_read, csv_pieces, csv_row


def written(rows) -> list[list[str]]:
    text = b"".join(csv_pieces(rows)).decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x","y")', "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"],
)
def test_formula_like_text_gets_an_apostrophe(text):
    assert csv_cell(text) == "'" + text
    assert written([[text]]) == [["'" + text]]


@pytest.mark.parametrize("text", ["새날협동조합", "a=b", "1-2", "", "'quoted", " =x", "'"])
def test_other_text_is_written_as_it_is(text):
    assert csv_cell(text) == text


def test_numbers_stay_numbers_and_text_numbers_are_text():
    # A typed number cannot carry a formula; the same characters as text could.
    assert csv_row([-5, -1.5, Decimal("-3"), 0, None]) == [-5, -1.5, Decimal("-3"), 0, ""]
    assert written([[-5, "-5"]]) == [["-5", "'-5"]]


def test_other_values_are_checked_as_their_text():
    assert csv_cell(datetime.date(2025, 1, 2)) == "2025-01-02"

    class Sneaky:
        def __str__(self):
            return "=1+1"

    assert csv_cell(Sneaky()) == "'=1+1"


@pytest.mark.parametrize(
    "text", ["=x", "-minus", "@at", "+1", "\tt", "'=x", "''-x", "'plain", "'", "ok"]
)
def test_reading_back_undoes_exactly_what_writing_did(text):
    assert csv_cell_read(csv_cell(text)) == text


def test_reading_leaves_other_apostrophes():
    assert csv_cell("'=x") == "''=x"  # already prefixed text keeps its own apostrophe
    assert csv_cell_read("'plain") == "'plain"
    assert csv_cell_read("'") == "'"


def test_rows_are_streamed_in_pieces():
    pieces = list(csv_pieces([[n] for n in range(1200)]))
    assert len(pieces) == 3
    assert written([[n] for n in range(1200)])[-1] == ["1199"]
