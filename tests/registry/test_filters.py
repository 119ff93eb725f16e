"""The shared filter form: what a query string may say, and what it selects."""

from datetime import date

import pytest

from registry.filters import CooperativeFilterForm
from registry.models import Cooperative
from tests.registry.factories import CooperativeFactory

pytestmark = pytest.mark.django_db


def selected(query: dict) -> set[str]:
    form = CooperativeFilterForm(query)
    assert form.is_valid(), form.errors
    return set(form.apply(Cooperative.objects.all()).values_list("name", flat=True))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"district": "99999"}, "district"),
        ({"legal_type": "bank"}, "legal_type"),
        ({"industry": "K"}, "industry"),
        ({"members": "huge"}, "members"),
        ({"capital": "1"}, "capital"),
        ({"status": "asleep"}, "status"),
        ({"year_from": "abc"}, "year_from"),
        ({"year_from": "2011"}, "year_from"),
        ({"year_to": str(date.today().year + 1)}, "year_to"),
        ({"year_from": "2015", "year_to": "2014"}, "year_to"),
        ({"q": "두" * 101}, "q"),
        ({"sort": "random"}, "sort"),
    ],
)
def test_bad_values_are_reported_on_their_field(query, field):
    form = CooperativeFilterForm(query)
    assert not form.is_valid()
    assert field in form.errors
    assert any(line.startswith(str(form.fields[field].label)) for line in form.error_messages())


def test_search_matches_korean_substrings_in_name_business_and_number():
    CooperativeFactory(name="마을두레협동조합", main_business="도시락")
    CooperativeFactory(name="햇살협동조합", main_business="두레 밥상 운영")
    CooperativeFactory(name="바람협동조합", registration_no="두레-7")
    CooperativeFactory(name="달빛협동조합", main_business="출판")
    assert selected({"q": " 두레 "}) == {"마을두레협동조합", "햇살협동조합", "바람협동조합"}


def test_band_filters_respect_the_edges():
    CooperativeFactory(name="nine", members=9, capital_krw=9_999_999)
    CooperativeFactory(name="ten", members=10, capital_krw=10_000_000)
    CooperativeFactory(name="unknown", members=None, capital_krw=None)
    assert selected({"members": "under-10"}) == {"nine"}
    assert selected({"members": "10-29"}) == {"ten"}
    assert selected({"capital": "under-10m"}) == {"nine"}
    assert selected({"capital": "10m-30m"}) == {"ten"}


def test_year_range_includes_both_years():
    CooperativeFactory(name="2012", registration_date=date(2012, 12, 31))
    CooperativeFactory(name="2013", registration_date=date(2013, 1, 1))
    CooperativeFactory(name="2014", registration_date=date(2014, 12, 31))
    CooperativeFactory(name="2015", registration_date=date(2015, 1, 1))
    assert selected({"year_from": "2013", "year_to": "2014"}) == {"2013", "2014"}


def test_filters_combine():
    CooperativeFactory(name="hit", legal_type="social", status="operating")
    CooperativeFactory(name="wrong status", legal_type="social", status="dissolved")
    CooperativeFactory(name="wrong type", legal_type="general", status="operating")
    assert selected({"legal_type": "social", "status": "operating", "district": "11680"}) == {"hit"}


def test_query_string_keeps_valid_filters_and_drops_one():
    form = CooperativeFilterForm({"q": "두레", "district": "11680", "page": "3", "sort": "newest"})
    assert form.is_valid()
    assert form.query_string() == "q=%EB%91%90%EB%A0%88&district=11680&sort=newest"
    assert form.query_string(drop=("district",)) == "q=%EB%91%90%EB%A0%88&sort=newest"
