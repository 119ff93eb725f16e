"""Turning each record of a file into the values of a co-op, or into the reasons it cannot be.

Only the columns the file has are read: a file without a members column says nothing about
members, so a re-import never blanks them. Everything the database constraints check
(non-negative numbers, no finance industry, known choices, lengths) is checked here first.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.utils.translation import gettext as _

from registry.importing.columns import SOURCE_RECORD_ID, ColumnMap
from registry.importing.reading import Record
from registry.importing.values import (
    BIGINT_MAX,
    INT_MAX,
    CellValue,
    Districts,
    InvalidValue,
    Words,
    ksic_section,
    parse_count,
    parse_date,
    parse_industry,
    parse_ksic_class,
    parse_legal_type,
    parse_text,
    shown,
)
from registry.models import Cooperative
from registry.vocab import INDUSTRY_WORDS, LEGAL_TYPE_WORDS, MEMBER_TYPE_WORDS, STATUS_WORDS


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # the header as written in the file
    value: str
    reason: str


@dataclass
class ParsedRow:
    line: int
    # Cooperative attribute names (district_id for the district) -> value, for the columns the
    # file has (plus the district derived from the address, and dates derived from data_as_of).
    values: dict[str, Any]

    @property
    def name(self) -> str:
        return self.values["name"]

    @property
    def registration_no(self) -> str:
        return self.values.get("registration_no", "")

    @property
    def district_id(self) -> str:
        return self.values["district_id"]


def _max_length(name: str) -> int:
    return Cooperative._meta.get_field(name).max_length


def _text(name: str) -> Callable[[CellValue], str]:
    return partial(parse_text, max_length=_max_length(name))


def _required_name(value: CellValue) -> str:
    name = parse_text(value, max_length=_max_length("name"))
    if not name:
        raise InvalidValue(_("The name is required."))
    return name


class RowParser:
    """Reads records with one column map; remembers registration numbers seen in the file."""

    DATE_FIELDS = (
        "registration_date",
        "incorporation_date",
        "status_date",
        "members_as_of",
        "capital_as_of",
        "data_as_of",
    )

    def __init__(self, columns: ColumnMap, *, width: int, districts: Districts | None = None):
        self.columns = columns
        self.width = width  # the number of columns of the header
        self.districts = districts or Districts()
        legal_types = Words(LEGAL_TYPE_WORDS)
        industries = Words(INDUSTRY_WORDS)
        self.parsers: dict[str, Callable[[CellValue], Any]] = {
            "name": _required_name,
            "legal_type": partial(parse_legal_type, legal_types),
            "member_type": Words(MEMBER_TYPE_WORDS).parse,
            "registration_no": _text("registration_no"),
            "industry": partial(parse_industry, industries),
            "ksic_class": parse_ksic_class,
            "main_business": _text("main_business"),
            "address": _text("address"),
            "members": partial(parse_count, unit="명", maximum=INT_MAX),
            "capital_krw": partial(parse_count, unit="원", maximum=BIGINT_MAX),
            "status": Words(STATUS_WORDS).parse,
            "status_reason": _text("status_reason"),
            SOURCE_RECORD_ID: _text(SOURCE_RECORD_ID),
            **dict.fromkeys(self.DATE_FIELDS, parse_date),
        }
        self.first_line_of_number: dict[str, int] = {}

    def cell(self, record: Record, name: str) -> CellValue:
        position = self.columns.positions[name]
        return record.cells[position] if position < len(record.cells) else None

    def parse(self, record: Record) -> tuple[ParsedRow | None, list[RowError]]:
        errors: list[RowError] = []

        def fail(name: str, reason: str) -> None:
            value = self.cell(record, name) if name in self.columns else None
            errors.append(RowError(record.line, self.columns.header(name), shown(value), reason))

        if len(record.cells) > self.width:
            extra = [shown(v) for v in record.cells[self.width :] if shown(v)]
            if extra:
                errors.append(
                    RowError(
                        record.line,
                        "",
                        ", ".join(extra),
                        _("The row has more values than the header has columns."),
                    )
                )

        values: dict[str, Any] = {}
        for name, parser in self.parsers.items():
            if name not in self.columns:
                continue
            try:
                values[name] = parser(self.cell(record, name))
            except InvalidValue as error:
                fail(name, str(error))

        district = self._district(record, values, fail)
        if district is not None:
            values["district_id"] = district
        self._check_consistency(values, fail)
        self._derive_as_of_dates(values)
        self._check_unique_number(record.line, values, fail)
        if errors:
            return None, errors
        return ParsedRow(line=record.line, values=values), []

    def _district(self, record: Record, values: dict[str, Any], fail) -> str | None:
        """From the district column, else from a Seoul address; both must agree."""
        given = from_address = None
        district_failed = address_failed = False
        if "district" in self.columns:
            try:
                given = self.districts.parse(self.cell(record, "district"))
            except InvalidValue as error:
                fail("district", str(error))
                district_failed = True
        address = values.get("address", "")
        if address:
            try:
                from_address = self.districts.from_address(address)
            except InvalidValue as error:
                fail("address", str(error))
                address_failed = True
        if district_failed or address_failed:
            return None
        if given and from_address and given != from_address:
            fail(
                "district",
                _("The address is in another district (%(district)s).")
                % {"district": self._korean_name(from_address)},
            )
            return None
        district = given or from_address
        if district is None:
            if address:
                reason = _(
                    "The district is missing and the address does not start with "
                    "서울특별시 and a district: fill the district column."
                )
            else:
                reason = _("The district is required: fill the district or a Seoul address.")
            fail("district" if "district" in self.columns else "address", reason)
        return district

    def _korean_name(self, code: str) -> str:
        return next(name for name, c in self.districts.by_korean_name.items() if c == code)

    def _check_consistency(self, values: dict[str, Any], fail) -> None:
        ksic_class, industry = values.get("ksic_class"), values.get("industry")
        if ksic_class and industry and ksic_section(ksic_class) != industry:
            fail(
                "ksic_class",
                _("KSIC class %(ksic)s belongs to section %(section)s, not %(industry)s.")
                % {"ksic": ksic_class, "section": ksic_section(ksic_class), "industry": industry},
            )

    def _derive_as_of_dates(self, values: dict[str, Any]) -> None:
        """Without their own as-of columns, members and capital are as of the data date."""
        as_of: date | None = values.get("data_as_of")
        if as_of is None:
            return
        for number, when in (("members", "members_as_of"), ("capital_krw", "capital_as_of")):
            if number in self.columns and when not in self.columns:
                values[when] = as_of

    def _check_unique_number(self, line: int, values: dict[str, Any], fail) -> None:
        number = values.get("registration_no")
        if not number:
            return
        first = self.first_line_of_number.setdefault(number, line)
        if first != line:
            fail(
                "registration_no",
                _("The same registration number is already on line %(line)d.") % {"line": first},
            )


def parse_rows(
    records: list[Record],
    columns: ColumnMap,
    *,
    header_width: int,
    districts: Districts | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[ParsedRow | None, list[RowError]]]:
    parser = RowParser(columns, width=header_width, districts=districts)
    for done, record in enumerate(records, start=1):
        yield parser.parse(record)
        if progress is not None:
            progress(done)
