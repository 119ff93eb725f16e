"""The figures of the statistics: exact on a hand-built set, on SQLite and on PostgreSQL."""

from datetime import date

import pytest
from django.db import connection
from django.utils import translation

from registry.models import Cooperative, LegalType, MemberType, Status
from registry.services import cooperative_save
from registry.statistics import (
    _ordered_median,
    home_figures,
    registry_statistics,
    round_half_up,
    share,
    statistics_cached,
    statistics_json,
    statistics_labelled,
)
from tests.registry.factories import CooperativeFactory, district

pytestmark = pytest.mark.django_db

GANGNAM, SEOCHO, MAPO, JONGNO = "11680", "11650", "11440", "11110"


def coop(code: str, members, capital, **fields) -> Cooperative:
    return CooperativeFactory(
        district=district(code), members=members, capital_krw=capital, **fields
    )


@pytest.fixture
def registry():
    """Eight co-ops whose every figure is known by hand; members and capital sit on the edges."""
    general, social = LegalType.GENERAL, LegalType.SOCIAL
    return [
        coop(GANGNAM, 9, 9_999_999, registration_date=date(2012, 12, 5)),
        coop(GANGNAM, 10, 10_000_000, registration_date=date(2013, 1, 10)),
        coop(
            GANGNAM,
            29,
            29_999_999,
            status=Status.DISSOLVED,
            legal_type=social,
            member_type=MemberType.WORKER,
            industry="P",
            registration_date=date(2013, 1, 20),
        ),
        coop(
            SEOCHO,
            30,
            30_000_000,
            member_type=MemberType.CONSUMER,
            industry="P",
            registration_date=date(2013, 3, 1),
        ),
        coop(
            SEOCHO,
            99,
            99_999_999,
            status=Status.NOT_OPERATING,
            legal_type=general,
            member_type=MemberType.MULTI_STAKEHOLDER,
            industry="J",
            registration_date=date(2013, 3, 15),
        ),
        coop(
            MAPO,
            100,
            100_000_000,
            legal_type=LegalType.FEDERATION,
            member_type="",
            industry="",
            registration_date=None,
        ),
        coop(
            MAPO,
            None,
            None,
            registration_date=date(2013, 5, 1),
            data_as_of=date(2014, 2, 28),
        ),
        coop(JONGNO, 3, 0, legal_type=social, registration_date=date(2013, 5, 31)),
    ]


def stats(basis="all", **filters):
    queryset = Cooperative.objects.listed().filter(**filters)
    return registry_statistics(queryset=queryset, basis=basis)


# --- arithmetic --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "total", "expected"),
    [(638, 885, 72.1), (596, 885, 67.3), (1, 8, 12.5), (1, 16, 6.3), (2, 7, 28.6), (0, 0, 0.0)],
)
def test_shares_are_rounded_half_up_to_one_decimal(count, total, expected):
    assert share(count, total) == expected


def test_round_half_up_is_exact():
    assert round_half_up(1, 2) == 1
    assert round_half_up(3, 2) == 2
    assert round_half_up(279_999_997, 7) == 40_000_000
    assert round_half_up(19_175_000 * 885 + 442, 885) == 19_175_000


# --- the hand-built set ------------------------------------------------------------------------


def test_totals_as_of_and_status(registry):
    data = stats()
    assert data["basis"] == "all"
    assert data["total"] == 8
    assert data["registered"] == 8
    assert data["operating"] == 6
    assert data["as_of"] == "2014-02-28"
    assert data["by_status"] == [
        {"code": "operating", "count": 6, "share": 75.0},
        {"code": "not_operating", "count": 1, "share": 12.5},
        {"code": "dissolved", "count": 1, "share": 12.5},
        {"code": "liquidated", "count": 0, "share": 0.0},
        {"code": "cancelled", "count": 0, "share": 0.0},
    ]


def test_districts_are_ranked_with_shares_and_every_district_listed(registry):
    rows = stats()["by_district"]
    assert len(rows) == 25
    assert [(r["code"], r["count"], r["share"]) for r in rows[:4]] == [
        (GANGNAM, 3, 37.5),
        (MAPO, 2, 25.0),  # a tie keeps the order of the district codes
        (SEOCHO, 2, 25.0),
        (JONGNO, 1, 12.5),
    ]
    assert rows[0]["name_ko"] == "강남구" and rows[0]["name_en"] == "Gangnam-gu"
    assert all(r["count"] == 0 and r["share"] == 0.0 for r in rows[4:])


def test_member_bands_mean_and_median_count_known_values_only(registry):
    members = stats()["members"]
    assert members["known"] == 7  # one co-op does not state its members
    assert members["under_10"] == {"count": 2, "share": 28.6}
    assert [(b["key"], b["min"], b["max"], b["count"], b["share"]) for b in members["bands"]] == [
        ("under-10", 0, 10, 2, 28.6),  # 3 and 9
        ("10-29", 10, 30, 2, 28.6),  # 10 and 29
        ("30-99", 30, 100, 2, 28.6),  # 30 and 99
        ("100-plus", 100, None, 1, 14.3),  # 100
    ]
    assert members["mean"] == 40.0  # 280 / 7
    assert members["median"] == 29.0  # 3 9 10 [29] 30 99 100


def test_capital_bands_mean_and_median_in_whole_won(registry):
    capital = stats()["capital_krw"]
    assert capital["known"] == 7
    assert capital["under_10m"] == {"count": 2, "share": 28.6}
    assert [b["count"] for b in capital["bands"]] == [2, 2, 2, 1]
    assert [(b["min"], b["max"]) for b in capital["bands"]] == [
        (0, 10_000_000),
        (10_000_000, 30_000_000),
        (30_000_000, 100_000_000),
        (100_000_000, None),
    ]
    assert capital["mean"] == 40_000_000  # 279,999,997 / 7 = 39,999,999.57
    assert isinstance(capital["mean"], int)
    assert capital["median"] == 29_999_999
    assert isinstance(capital["median"], int)


def test_median_of_an_even_number_of_values():
    coop(GANGNAM, 10, 10_000_001)
    coop(GANGNAM, 15, 10_000_002)
    coop(GANGNAM, 4, 1)
    coop(GANGNAM, 40, 50_000_000)
    coop(GANGNAM, None, None)
    data = stats()
    assert data["members"]["known"] == 4
    assert data["members"]["median"] == 12.5  # 4 [10 15] 40
    assert data["members"]["mean"] == 17.3  # 69 / 4 = 17.25, half up
    # 1 [10,000,001 10,000,002] 50,000,000: 10,000,001.5, half up to whole won
    assert data["capital_krw"]["median"] == 10_000_002
    assert data["capital_krw"]["mean"] == 17_500_001  # 70,000,004 / 4


@pytest.mark.services("postgres")
def test_postgresql_takes_the_medians_from_percentile_cont_in_the_one_aggregate():
    from django.test.utils import CaptureQueriesContext

    for members in (4, 10, 15, 40):
        coop(GANGNAM, members, members * 1_000_001)
    with CaptureQueriesContext(connection) as queries:
        data = stats()
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum("percentile_cont(0.5)" in statement for statement in sql) == 1
    assert not any("OFFSET" in statement for statement in sql)
    assert data["members"]["median"] == 12.5
    assert data["capital_krw"]["median"] == 12_500_013  # 12,500,012.5 half up


def test_the_ordered_median_agrees_on_any_database():
    for members in (4, 10, 15, 40, None):
        coop(GANGNAM, members, None if members is None else members * 1_000_001)
    queryset = Cooperative.objects.all()
    assert _ordered_median(queryset, "members", 4, money=False) == 12.5
    assert _ordered_median(queryset, "capital_krw", 4, money=True) == 12_500_013
    assert _ordered_median(queryset.filter(members__lt=40), "members", 3, money=False) == 10.0


def test_a_single_value_is_its_own_median():
    coop(SEOCHO, 7, 5_000_000)
    data = stats()
    assert data["members"]["median"] == 7.0
    assert data["capital_krw"]["median"] == 5_000_000


def test_dimensions_list_every_choice_by_count_and_the_unknown_row(registry):
    data = stats()
    assert [(r["code"], r["count"], r["share"]) for r in data["by_type"]] == [
        ("general", 5, 62.5),
        ("social", 2, 25.0),
        ("federation", 1, 12.5),
        ("social_federation", 0, 0.0),
        ("mixed_federation", 0, 0.0),
    ]
    assert [(r["code"], r["count"]) for r in data["by_member_type"]] == [
        ("producer", 4),
        ("consumer", 1),
        ("worker", 1),
        ("multi_stakeholder", 1),
        ("", 1),  # not stated
        ("other", 0),
    ]
    industries = data["by_industry"]
    assert [(r["code"], r["count"]) for r in industries[:4]] == [
        ("G", 4),
        ("P", 2),
        ("J", 1),
        ("", 1),
    ]
    assert "K" not in {r["code"] for r in industries}  # co-ops may not run finance
    assert len(industries) == 21  # 20 allowed sections and the unknown row


def test_months_are_zero_filled_from_december_2012_with_a_cumulative_count(registry):
    data = stats()
    months = data["by_month"]
    assert months[:6] == [
        {"month": "2012-12", "count": 1, "cumulative": 1},
        {"month": "2013-01", "count": 2, "cumulative": 3},
        {"month": "2013-02", "count": 0, "cumulative": 3},
        {"month": "2013-03", "count": 2, "cumulative": 5},
        {"month": "2013-04", "count": 0, "cumulative": 5},
        {"month": "2013-05", "count": 2, "cumulative": 7},
    ]
    # ... through the as-of month, 2014-02; the co-op without a date is left out.
    assert months[-1] == {"month": "2014-02", "count": 0, "cumulative": 7}
    assert len(months) == 15
    assert data["dated"] == 7


def test_months_start_earlier_when_a_registration_does():
    coop(GANGNAM, 5, 5, registration_date=date(2012, 10, 31), data_as_of=date(2012, 12, 31))
    months = stats()["by_month"]
    assert [m["month"] for m in months] == ["2012-10", "2012-11", "2012-12"]
    assert [m["cumulative"] for m in months] == [1, 1, 1]


def test_operating_basis_counts_operating_co_ops_and_keeps_the_registered(registry):
    data = stats(basis="operating")
    assert data["basis"] == "operating"
    assert data["total"] == 6
    assert data["registered"] == 8
    assert data["operating"] == 6
    assert data["by_status"][0] == {"code": "operating", "count": 6, "share": 75.0}
    assert [(r["code"], r["count"]) for r in data["by_district"][:4]] == [
        (MAPO, 2),  # ties in code order
        (GANGNAM, 2),
        (JONGNO, 1),
        (SEOCHO, 1),
    ]
    members = data["members"]
    assert members["known"] == 5  # 9, 10, 30, 100, 3
    assert members["under_10"] == {"count": 2, "share": 40.0}
    assert members["median"] == 10.0
    assert members["mean"] == 30.4  # 152 / 5
    assert data["capital_krw"]["median"] == 10_000_000
    assert data["by_month"][-1]["cumulative"] == 5
    assert [r["count"] for r in data["by_type"][:2]] == [4, 1]


def test_filters_narrow_every_figure(registry):
    data = stats(district_id=GANGNAM)
    assert data["total"] == 3
    assert data["registered"] == 3
    assert data["operating"] == 2
    assert data["by_district"][0] == {
        "code": GANGNAM,
        "name_ko": "강남구",
        "name_en": "Gangnam-gu",
        "count": 3,
        "share": 100.0,
    }
    assert data["by_district"][1]["count"] == 0
    assert data["members"]["median"] == 10.0
    assert data["as_of"] == "2013-11-30"


def test_an_empty_set_has_zeros_and_no_means(registry):
    data = stats(district_id="11740")  # nobody in Gangdong-gu
    assert data["total"] == 0
    assert data["registered"] == 0
    assert all(r["share"] == 0.0 for r in data["by_district"])
    assert data["members"]["mean"] is None and data["members"]["median"] is None
    assert data["capital_krw"]["mean"] is None and data["capital_krw"]["median"] is None
    assert data["members"]["under_10"] == {"count": 0, "share": 0.0}
    assert data["by_month"] == []
    assert data["as_of"] == date.today().isoformat()


def test_unknown_basis_is_refused():
    with pytest.raises(ValueError, match="basis"):
        stats(basis="bogus")


# --- query counts and the cache ---------------------------------------------------------------


def expected_queries() -> int:
    # aggregate, district names, district/type/member type/industry/month GROUP BYs: 7;
    # SQLite adds one ORDER BY/OFFSET query per median (PostgreSQL has them in the aggregate).
    return 7 if connection.vendor == "postgresql" else 9


@pytest.mark.parametrize("size", [3, 60])
def test_a_fixed_number_of_queries_whatever_the_size(size, django_assert_num_queries):
    codes = [GANGNAM, SEOCHO, MAPO, JONGNO, "11740", "11500"]
    for index in range(size):
        coop(codes[index % len(codes)], index, index * 1_000_000)
    with django_assert_num_queries(expected_queries()):
        data = stats()
    assert data["total"] == size


def cached(basis="all", filters=None):
    filters = filters or {}
    return statistics_cached(
        filters=filters,
        basis=basis,
        queryset_for=lambda: Cooperative.objects.listed().filter(
            **{"district_id" if k == "district" else k: v for k, v in filters.items()}
        ),
    )


def test_cached_figures_need_no_query_and_are_plain_data(registry, django_assert_num_queries):
    with django_assert_num_queries(expected_queries()):
        first = cached()
    with django_assert_num_queries(0):
        again = cached()
    assert again == first
    assert type(again) is dict
    # Basis and filters are part of the key.
    assert cached(basis="operating")["total"] == 6
    assert cached(filters={"district": GANGNAM})["total"] == 3


@pytest.mark.django_db(transaction=True)
def test_an_edit_changes_the_figures_served(transactional_db, registry):
    assert cached()["members"]["under_10"]["count"] == 2
    edited = Cooperative.objects.get(members=29)
    edited.members = 5
    cooperative_save(cooperative=edited)
    assert cached()["members"]["under_10"]["count"] == 3


# --- labels, JSON shape and the home page -----------------------------------------------------


def test_labels_follow_the_language(registry):
    data = stats()
    with translation.override("en"):
        english = statistics_labelled(data)
    assert english["by_type"][0]["label"] == "General co-op"
    assert english["by_district"][0]["name"] == "Gangnam-gu"
    assert english["members"]["bands"][0]["label"] == "Under 10"
    assert [r["label"] for r in english["by_member_type"]][4] == "Not stated"
    with translation.override("ko"):
        korean = statistics_labelled(data)
    assert korean["by_district"][0]["name"] == "강남구"
    assert "label" not in data["by_type"][0]  # the cached figures are not changed


def test_json_shape(registry):
    with translation.override("en"):
        payload = statistics_json(stats(), filters={"district": GANGNAM})
    assert set(payload) >= {
        "as_of",
        "basis",
        "total",
        "by_district",
        "members",
        "capital_krw",
        "by_type",
        "by_member_type",
        "by_industry",
        "by_month",
    }
    assert payload["filters"] == {"district": GANGNAM}
    assert set(payload["by_district"][0]) == {"code", "name_ko", "name_en", "count", "share"}
    assert set(payload["members"]) == {"known", "under_10", "mean", "median", "bands"}
    assert set(payload["capital_krw"]) == {"known", "under_10m", "mean", "median", "bands"}
    assert set(payload["members"]["bands"][0]) == {"label", "min", "max", "count", "share"}
    assert payload["members"]["bands"][-1]["max"] is None
    assert set(payload["by_type"][0]) == {"code", "label", "count", "share"}
    assert set(payload["by_month"][0]) == {"month", "count", "cumulative"}


def test_home_figures_headline(registry):
    with translation.override("en"):
        figures = home_figures()
    assert figures == {
        "total": 8,
        "operating": 6,
        "top_districts": [
            {"name": "Gangnam-gu", "count": 3},
            {"name": "Mapo-gu", "count": 2},
            {"name": "Seocho-gu", "count": 2},
            {"name": "Jongno-gu", "count": 1},
        ],
        "as_of": date(2014, 2, 28),
    }


def test_home_figures_are_none_while_the_registry_is_empty():
    assert home_figures() is None
