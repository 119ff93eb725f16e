"""How the importer reads one cell: a table of cases per kind of value."""

from datetime import date, datetime

import pytest
from django.utils import translation

from registry.importing.values import (
    BIGINT_MAX,
    INT_MAX,
    Districts,
    InvalidValue,
    Words,
    parse_count,
    parse_date,
    parse_industry,
    parse_ksic_class,
    parse_legal_type,
    parse_text,
)
from registry.vocab import INDUSTRY_WORDS, LEGAL_TYPE_WORDS, MEMBER_TYPE_WORDS, STATUS_WORDS


@pytest.fixture(autouse=True)
def _english():
    """Reasons are checked in English, the msgid language, whatever the site's default."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2013-01-31", date(2013, 1, 31)),
        ("2013.01.31", date(2013, 1, 31)),
        ("2013. 1. 31.", date(2013, 1, 31)),
        ("2013. 1. 31", date(2013, 1, 31)),
        ("2013/1/31", date(2013, 1, 31)),
        ("20130131", date(2013, 1, 31)),
        (" 2013-01-31 ", date(2013, 1, 31)),
        (datetime(2013, 1, 31, 0, 0), date(2013, 1, 31)),  # an .xlsx date cell
        (date(2013, 1, 31), date(2013, 1, 31)),
        (20130131, date(2013, 1, 31)),  # an .xlsx number cell
        ("", None),
        (None, None),
    ],
)
def test_dates(cell, expected):
    assert parse_date(cell) == expected


@pytest.mark.parametrize(
    "cell", ["2013-02-30", "2013-13-01", "31.01.2013", "2013-01/31", "2013 01 31", "어제", "2013"]
)
def test_bad_dates(cell):
    with pytest.raises(InvalidValue):
        parse_date(cell)


@pytest.mark.parametrize(
    ("cell", "unit", "expected"),
    [
        ("9", "명", 9),
        ("10", "명", 10),
        ("10명", "명", 10),
        ("1,500 명", "명", 1500),
        ("9,999,999", "원", 9_999_999),
        ("10,000,000", "원", 10_000_000),
        ("10,000,000원", "원", 10_000_000),
        ("10000000 원", "원", 10_000_000),
        ("0", "원", 0),
        ("12.0", "명", 12),
        (12, "명", 12),
        (12.0, "명", 12),  # .xlsx numbers are floats
        (10_000_000, "원", 10_000_000),
        ("", "원", None),
        (None, "원", None),
    ],
)
def test_counts(cell, unit, expected):
    result = parse_count(cell, unit=unit, maximum=BIGINT_MAX)
    assert result == expected
    assert result is None or type(result) is int


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("-1", "Negative"),
        (-1, "Negative"),
        ("-1,000원", "Negative"),
        ("1000000.5", "fraction"),
        ("1,000,000.50원", "fraction"),
        (12.5, "fraction"),
        ("1,0000", "whole number"),
        ("1.000.000", "whole number"),
        ("약 10", "whole number"),
        ("10명", "whole number"),  # 명 is not the unit of money
        (True, "number"),
    ],
)
def test_bad_counts(cell, reason):
    with pytest.raises(InvalidValue, match=reason):
        parse_count(cell, unit="원", maximum=BIGINT_MAX)


def test_counts_above_the_column_are_refused():
    with pytest.raises(InvalidValue, match="large"):
        parse_count(str(INT_MAX + 1), unit="명", maximum=INT_MAX)


@pytest.mark.parametrize(
    ("words", "cell", "expected"),
    [
        (LEGAL_TYPE_WORDS, "일반협동조합", "general"),
        (LEGAL_TYPE_WORDS, "협동조합", "general"),
        (LEGAL_TYPE_WORDS, "general", "general"),
        (LEGAL_TYPE_WORDS, "GENERAL", "general"),
        (LEGAL_TYPE_WORDS, "사회적 협동조합", "social"),
        (LEGAL_TYPE_WORDS, "Social_Federation", "social_federation"),
        (MEMBER_TYPE_WORDS, "사업자", "producer"),
        (MEMBER_TYPE_WORDS, "producer", "producer"),
        (MEMBER_TYPE_WORDS, "다중이해관계자협동조합", "multi_stakeholder"),
        (MEMBER_TYPE_WORDS, "", ""),
        (STATUS_WORDS, "운영", "operating"),
        (STATUS_WORDS, "Operating", "operating"),
        (STATUS_WORDS, "해산", "dissolved"),
    ],
)
def test_words_and_codes(words, cell, expected):
    assert Words(words).parse(cell) == expected


def test_unknown_word_lists_the_words():
    with pytest.raises(InvalidValue, match="운영"):
        Words(STATUS_WORDS).parse("영업중")


@pytest.mark.parametrize("cell", ["사회적기업", "(예비)사회적기업", "예비 사회적기업", "마을기업"])
def test_certifications_are_not_legal_types(cell):
    with pytest.raises(InvalidValue, match="certification"):
        parse_legal_type(Words(LEGAL_TYPE_WORDS), cell)


def test_legal_type_is_required():
    with pytest.raises(InvalidValue, match="required"):
        parse_legal_type(Words(LEGAL_TYPE_WORDS), " ")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("G", "G"), ("g", "G"), ("도매 및 소매업", "G"), ("교육 서비스업", "P"), ("", "")],
)
def test_industries(cell, expected):
    assert parse_industry(Words(INDUSTRY_WORDS), cell) == expected


@pytest.mark.parametrize("cell", ["K", "k", "금융 및 보험업"])
def test_finance_is_refused_naming_the_act(cell):
    with pytest.raises(InvalidValue, match="Framework Act on Cooperatives"):
        parse_industry(Words(INDUSTRY_WORDS), cell)


@pytest.mark.parametrize(
    ("cell", "expected"), [("47190", "47190"), (47190, "47190"), (1110, "01110"), ("", "")]
)
def test_ksic_classes(cell, expected):
    assert parse_ksic_class(cell) == expected


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("4719", "five digits"), ("4719A", "five digits"), ("04000", "division"), ("64110", "Act")],
)
def test_bad_ksic_classes(cell, reason):
    with pytest.raises(InvalidValue, match=reason):
        parse_ksic_class(cell)


def test_text_is_trimmed_and_limited():
    assert parse_text("  새날\n협동조합  ", max_length=10) == "새날 협동조합"
    assert parse_text(None, max_length=10) == ""
    assert parse_text(2013001, max_length=10) == "2013001"
    with pytest.raises(InvalidValue, match="Too long"):
        parse_text("가" * 11, max_length=10)


# --- districts ---------------------------------------------------------------------------


@pytest.fixture
def districts(db):
    return Districts()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("강남구", "11680"),
        ("Gangnam-gu", "11680"),
        ("gangnam gu", "11680"),
        ("11680", "11680"),
        ("서울특별시 강남구", "11680"),
        ("중구", "11140"),
        ("", None),
    ],
)
def test_districts(districts, cell, expected):
    assert districts.parse(cell) == expected


@pytest.mark.parametrize("cell", ["강남", "광명시", "11000", "Gwangmyeong-si"])
def test_unknown_districts(districts, cell):
    with pytest.raises(InvalidValue, match="25 districts"):
        districts.parse(cell)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("서울특별시 강남구 테헤란로 1", "11680"),
        ("서울시 마포구 월드컵로 1", "11440"),
        ("서울 중구 세종대로 110", "11140"),
        ("서울특별시중랑구 망우로 1", "11260"),
        ("06164 서울특별시 강남구 테헤란로 1", "11680"),
        ("테헤란로 1", None),  # no city: the district column must say
        ("강남구 테헤란로 1", None),  # 강남구 alone could be no guess (중구 is in six cities)
        ("", None),
    ],
)
def test_district_from_address(districts, address, expected):
    assert districts.from_address(address) == expected


@pytest.mark.parametrize(
    "address",
    [
        "광명시 시청로 20",
        "경기도 광명시 하안로 108",
        "경기 광명시 광명로 823",
        "부산광역시 중구 중앙대로 1",
        "인천 남동구 정각로 29",
        "수원시 팔달구 효원로 1",
    ],
)
def test_non_seoul_addresses_are_refused(districts, address):
    with pytest.raises(InvalidValue, match="Not a Seoul address"):
        districts.from_address(address)


def test_seoul_address_without_a_district_is_refused(districts):
    with pytest.raises(InvalidValue, match="25 districts"):
        districts.from_address("서울특별시 광명구 어딘가 1")
