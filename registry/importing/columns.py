"""Which column of a file holds which field.

Headers are compared trimmed, ignoring case and spaces, against the Korean and English
headers of the template (registry.vocab) and a few aliases that real files use. Contact
columns are never read (consent is recorded by staff, not by a file); columns nobody knows
are ignored and named in the report.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from registry.importing.reading import CooperativeImportError
from registry.importing.values import key
from registry.vocab import CONTACT_COLUMNS, IMPORT_COLUMNS

# Importer-only field: the record's id in the source file.
SOURCE_RECORD_ID = "source_record_id"

# Further headers seen in real files (e.g. the Gwangmyeong social economy center's list).
ALIASES: dict[str, str] = {
    "type": "legal_type",
    "legal_type": "legal_type",
    "product": "main_business",
    "source_id": SOURCE_RECORD_ID,
    "source_record_id": SOURCE_RECORD_ID,
    "원본id": SOURCE_RECORD_ID,
}
# Known columns that are deliberately not read, with the reason given in the report.
CONTACT_HEADERS = frozenset(
    {key(h) for c in CONTACT_COLUMNS for h in (c.header_ko, c.header_en, c.field)}
)
AREA_HEADERS = frozenset({key("region"), key("행정동"), key("법정동")})

REQUIRED_FIELDS = tuple(column.field for column in IMPORT_COLUMNS if column.required)
HEADER_FIELDS: dict[str, str] = {
    **{key(h): c.field for c in IMPORT_COLUMNS for h in (c.header_ko, c.header_en, c.field)},
    **{key(alias): name for alias, name in ALIASES.items()},
}
# The Korean header of each field, for messages about a column the file does not have.
KOREAN_HEADERS: dict[str, str] = {c.field: c.header_ko for c in IMPORT_COLUMNS}


@dataclass
class ColumnMap:
    """field -> (position, header as written in the file)."""

    positions: dict[str, int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __contains__(self, name: str) -> bool:
        return name in self.positions

    def header(self, name: str) -> str:
        """The file's header of a field, or the template's Korean header if it has none."""
        return self.headers.get(name) or KOREAN_HEADERS.get(name, name)


def map_headers(headers: tuple[str, ...]) -> ColumnMap:
    columns = ColumnMap()
    contact: list[str] = []
    area: list[str] = []
    unknown: list[str] = []
    for position, raw in enumerate(headers):
        header = " ".join(str(raw).replace("\ufeff", "").split())
        if not header:
            continue
        word = key(header)
        name = HEADER_FIELDS.get(word)
        if name is None:
            if word in CONTACT_HEADERS:
                contact.append(header)
            elif word in AREA_HEADERS:
                area.append(header)
            else:
                unknown.append(header)
            continue
        if name in columns.positions:
            raise CooperativeImportError(
                _("The columns “%(first)s” and “%(second)s” both hold %(field)s.")
                % {
                    "first": columns.headers[name],
                    "second": header,
                    "field": KOREAN_HEADERS.get(name, name),
                }
            )
        columns.positions[name] = position
        columns.headers[name] = header
    missing = [KOREAN_HEADERS[name] for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise CooperativeImportError(
            _("Required columns are missing: %(missing)s. The first line must be the header.")
            % {"missing": ", ".join(missing)}
        )
    if contact:
        columns.warnings.append(
            _(
                "Contact columns are never imported (their publication needs the co-op's "
                "consent, which staff record): %(columns)s."
            )
            % {"columns": ", ".join(contact)}
        )
    if area:
        columns.warnings.append(
            _(
                "Neighbourhood columns are ignored (the district comes from its own column "
                "or the address): %(columns)s."
            )
            % {"columns": ", ".join(area)}
        )
    if unknown:
        columns.warnings.append(
            _("Unknown columns were ignored: %(columns)s.") % {"columns": ", ".join(unknown)}
        )
    return columns
