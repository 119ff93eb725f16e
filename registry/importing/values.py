"""Reading one cell: text, words of the vocabulary, dates, counts, industries and districts.

Every parser takes the raw cell (a string from a CSV file, or the typed value of an .xlsx
cell) and returns the stored value, or raises InvalidValue whose message is the reason shown
to the user. An empty cell is "" for text and None for dates and numbers.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from registry.models import FORBIDDEN_INDUSTRIES, Certification, District

CellValue = str | int | float | date | datetime | bool | None


def finance_refusal() -> str:
    """Why section K is refused (Framework Act on Cooperatives, Article 45(3))."""
    return _(
        "Co-ops may not run finance or insurance (KSIC section K): the Framework Act on "
        "Cooperatives, Article 45(3), forbids it."
    )


class InvalidValue(ValueError):
    """A cell that cannot be read; the message says why, in the user's language."""


def is_empty(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: CellValue) -> str:
    """The cell as the user wrote it, for error reports."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def key(word: str) -> str:
    """How words are compared: case and spaces do not matter."""
    return "".join(word.split()).casefold()


# --- text ----------------------------------------------------------------------------------


def parse_text(value: CellValue, *, max_length: int) -> str:
    """Trimmed, inner runs of spaces and line breaks made one space."""
    text = " ".join(shown(value).split())
    if len(text) > max_length:
        raise InvalidValue(
            _("Too long: %(length)d characters, at most %(max)d.")
            % {"length": len(text), "max": max_length}
        )
    return text


# --- words ---------------------------------------------------------------------------------


class Words:
    """The words and codes of one choice field (vocab.*_WORDS), compared with key()."""

    def __init__(self, words: dict[str, tuple[str, ...]]):
        self.codes = list(words)
        self.lookup: dict[str, str] = {}
        for code, spellings in words.items():
            self.lookup[key(code)] = code
            for spelling in spellings:
                self.lookup[key(spelling)] = code
        self.first_words = [spellings[0] for spellings in words.values()]

    def parse(self, value: CellValue) -> str:
        if is_empty(value):
            return ""
        code = self.lookup.get(key(shown(value)))
        if code is None:
            raise InvalidValue(
                _("Unknown value. Use one of: %(words)s (or their codes: %(codes)s).")
                % {"words": ", ".join(self.first_words), "codes": ", ".join(self.codes)}
            )
        return code


# Certifications are not legal forms; files that mix them up get a reason, not "unknown".
CERTIFICATION_KEYS = frozenset(
    {key(word) for word in ("사회적기업", "예비사회적기업", "마을기업", "자활기업")}
    | {key(kind) for kind in Certification.Kind.values}
)


def parse_legal_type(words: Words, value: CellValue) -> str:
    if is_empty(value):
        raise InvalidValue(_("The legal type is required."))
    if key(shown(value)).replace("(", "").replace(")", "") in CERTIFICATION_KEYS:
        raise InvalidValue(
            _(
                "This is a certification, not a legal type. Give the co-op's legal form "
                "(협동조합, 사회적협동조합 or a federation); certifications are recorded "
                "separately."
            )
        )
    return words.parse(value)


# --- dates ---------------------------------------------------------------------------------

# 2013-01-02, 2013.01.02, 2013. 1. 2., 2013/1/2 (one separator throughout), and 20130102.
_SEPARATED_DATE = re.compile(r"(\d{4})\s*([-./])\s*(\d{1,2})\s*\2\s*(\d{1,2})\s*\.?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(value: CellValue) -> date | None:
    if is_empty(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = shown(value).strip()
    match = _SEPARATED_DATE.fullmatch(text)
    parts = (match.group(1), match.group(3), match.group(4)) if match else None
    if parts is None and (compact := _COMPACT_DATE.fullmatch(text)):
        parts = compact.groups()
    if parts is None:
        raise InvalidValue(_("Not a date. Write it as 2013-01-31, 2013.01.31 or 20130131."))
    try:
        return date(*(int(part) for part in parts))
    except ValueError:
        raise InvalidValue(_("No such date.")) from None


# --- whole numbers -------------------------------------------------------------------------

# Digits with optional thousands separators, an optional fraction and sign.
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
INT_MAX = 2**31 - 1  # IntegerField
BIGINT_MAX = 2**63 - 1  # BigIntegerField


def parse_count(value: CellValue, *, unit: str, maximum: int) -> int | None:
    """A whole, non-negative number such as 12, "1,500", "12명" or "10,000,000 원"."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise InvalidValue(_("Not a number."))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        text = shown(value).strip()
        if unit and text.endswith(unit):
            text = text[: -len(unit)].rstrip()
        if not _NUMBER.fullmatch(text):
            raise InvalidValue(_("Not a whole number."))
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern already ruled it out
            raise InvalidValue(_("Not a whole number.")) from None
    if number < 0:
        raise InvalidValue(_("Negative numbers are not allowed."))
    if number != number.to_integral_value():
        raise InvalidValue(_("Must be a whole number, without a fraction."))
    if number > maximum:
        raise InvalidValue(_("Too large."))
    return int(number)


# --- industry ------------------------------------------------------------------------------

# KSIC (10th revision) divisions, the first two digits of a class, and their sections.
KSIC_DIVISIONS: dict[str, tuple[range, ...]] = {
    "A": (range(1, 4),),
    "B": (range(5, 9),),
    "C": (range(10, 35),),
    "D": (range(35, 36),),
    "E": (range(36, 40),),
    "F": (range(41, 43),),
    "G": (range(45, 48),),
    "H": (range(49, 53),),
    "I": (range(55, 57),),
    "J": (range(58, 64),),
    "K": (range(64, 67),),
    "L": (range(68, 69),),
    "M": (range(70, 74),),
    "N": (range(74, 77),),
    "O": (range(84, 85),),
    "P": (range(85, 86),),
    "Q": (range(86, 88),),
    "R": (range(90, 92),),
    "S": (range(94, 97),),
    "T": (range(97, 99),),
    "U": (range(99, 100),),
}
SECTION_OF_DIVISION = {
    division: section
    for section, ranges in KSIC_DIVISIONS.items()
    for span in ranges
    for division in span
}


def parse_industry(words: Words, value: CellValue) -> str:
    """A KSIC section letter or its Korean name; section K is refused."""
    section = words.parse(value)
    if section in FORBIDDEN_INDUSTRIES:
        raise InvalidValue(finance_refusal())
    return section


def parse_ksic_class(value: CellValue) -> str:
    """An optional five-digit KSIC class (47190); its section must not be K."""
    if is_empty(value):
        return ""
    text = shown(value).strip()
    if isinstance(value, int | float) and text.isdigit():
        text = text.zfill(5)  # a spreadsheet drops the leading zero of 01110
    if not re.fullmatch(r"\d{5}", text):
        raise InvalidValue(_("A KSIC class has five digits, e.g. 47190."))
    section = SECTION_OF_DIVISION.get(int(text[:2]))
    if section is None:
        raise InvalidValue(_("No KSIC division starts with %(digits)s.") % {"digits": text[:2]})
    if section in FORBIDDEN_INDUSTRIES:
        raise InvalidValue(finance_refusal())
    return text


def ksic_section(ksic_class: str) -> str:
    return SECTION_OF_DIVISION[int(ksic_class[:2])]


# --- districts and addresses ---------------------------------------------------------------

_SEOUL_PREFIX = re.compile(r"(?:서울특별시|서울시|서울)\s*")
_POSTCODE = re.compile(r"^\(?\d{5}\)?\s+")  # "06164 서울특별시 ..."
# The first word of a non-Seoul address: a province or metropolitan city, or any 시/군.
_OTHER_REGION = re.compile(
    r"(?:부산|대구|인천|광주|대전|울산|세종|경기|강원|충청|충북|충남|전라|전북|전남|경상|경북|경남|제주)\S*"
    r"|\S+[시군]"
)


class Districts:
    """Seoul's 25 districts by Korean name, English name and code (one query)."""

    def __init__(self, districts: list[District] | None = None):
        districts = list(District.objects.all()) if districts is None else districts
        self.lookup: dict[str, str] = {}
        self.by_korean_name: dict[str, str] = {}
        for district in districts:
            self.lookup[district.code] = district.code
            self.lookup[key(district.name_ko)] = district.code
            english = key(district.name_en).replace("-", "")
            self.lookup[english] = district.code
            self.by_korean_name[district.name_ko] = district.code
        # Longest first, so that no name is taken for the start of a longer one.
        self.korean_names = sorted(self.by_korean_name, key=len, reverse=True)

    def parse(self, value: CellValue) -> str | None:
        """Korean name (강남구), English name (Gangnam-gu) or code (11680)."""
        if is_empty(value):
            return None
        text = shown(value).strip()
        if (seoul := _SEOUL_PREFIX.match(text)) and text[seoul.end() :]:
            text = text[seoul.end() :]
        code = self.lookup.get(key(text).replace("-", ""))
        if code is None:
            raise InvalidValue(
                _("Not one of Seoul's 25 districts (Korean or English name, or 5-digit code).")
            )
        return code

    def from_address(self, address: str) -> str | None:
        """The district of a Seoul address; None when the address names no city at all.

        A Seoul address must name one of the 25 districts right after the city; an address
        in another city or province is refused, never guessed from.
        """
        address = _POSTCODE.sub("", address, count=1)
        if not address:
            return None
        seoul = _SEOUL_PREFIX.match(address)
        if seoul:
            rest = address[seoul.end() :]
            for name in self.korean_names:
                if rest.startswith(name):
                    return self.by_korean_name[name]
            raise InvalidValue(
                _("A Seoul address must name one of the 25 districts after the city.")
            )
        first_word = address.split()[0]
        if _OTHER_REGION.fullmatch(first_word):
            raise InvalidValue(
                _("Not a Seoul address (%(place)s): the registry holds Seoul co-ops only.")
                % {"place": first_word}
            )
        return None
