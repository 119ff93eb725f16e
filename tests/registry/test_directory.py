"""The public list of co-ops: search, filters, sorting, pagination, bad input and its queries."""

import datetime
import re
from html import unescape

import pytest
from django.template.loader import render_to_string

from registry import selectors
from registry.cache import registry_touch
from registry.filters import CooperativeFilterForm
from registry.models import Cooperative
from tests.registry.factories import CooperativeFactory, district

pytestmark = pytest.mark.django_db

LIST = "/en/registry/"
CARD_NAME = re.compile(r'id="coop-\d+-name"><a href="[^"]+" lang="ko">([^<]+)</a>')


def card_names(response) -> list[str]:
    return [unescape(name) for name in CARD_NAME.findall(response.content.decode())]


def body(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def sample():
    """Four co-ops that differ in every filter; the comments say what each one is for."""
    return {
        # "두레" in the name; 9 members and 9,999,999 won: just under both band edges.
        "a": CooperativeFactory(
            name="마을두레협동조합",
            main_business="도시락",
            district=district("11680"),
            legal_type="general",
            member_type="producer",
            industry="G",
            status="operating",
            registration_date=datetime.date(2013, 5, 1),
            members=9,
            capital_krw=9_999_999,
        ),
        # "두레" in the main business; 10 members and 10,000,000 won: on both band edges.
        "b": CooperativeFactory(
            name="햇살협동조합",
            main_business="두레 밥상 운영",
            district=district("11440"),
            legal_type="social",
            member_type="worker",
            industry="P",
            status="operating",
            registration_date=datetime.date(2014, 12, 31),
            members=10,
            capital_krw=10_000_000,
        ),
        # "두레" in the registration number.
        "c": CooperativeFactory(
            name="바람협동조합",
            main_business="출판",
            registration_no="두레-7",
            district=district("11110"),
            legal_type="federation",
            member_type="consumer",
            industry="J",
            status="dissolved",
            registration_date=datetime.date(2015, 1, 1),
            members=30,
            capital_krw=30_000_000,
        ),
        # No "두레" anywhere; size unknown.
        "d": CooperativeFactory(
            name="달빛협동조합",
            main_business="출판",
            district=district("11680"),
            legal_type="general",
            member_type="multi_stakeholder",
            industry="G",
            status="not_operating",
            registration_date=datetime.date(2012, 12, 31),
            members=None,
            capital_krw=None,
        ),
    }


def test_the_list_shows_every_co_op_with_its_count(client, sample):
    response = client.get(LIST)
    assert response.status_code == 200
    assert set(card_names(response)) == {c.name for c in sample.values()}
    text = body(response)
    assert ">4 co-ops</h2>" in text
    assert "As of Nov. 30, 2013." in text
    assert 'name="robots"' not in text  # the plain list may be indexed; filtered lists not


def test_the_count_uses_thousands_separators(client):
    gangnam = district("11680")
    Cooperative.objects.bulk_create(CooperativeFactory.build(district=gangnam) for _ in range(1001))
    assert ">1,001 co-ops</h2>" in body(client.get(LIST))


def test_search_matches_korean_substrings_in_name_business_and_number(client, sample):
    response = client.get(LIST, {"q": "두레"})
    assert response.status_code == 200
    assert set(card_names(response)) == {"마을두레협동조합", "햇살협동조합", "바람협동조합"}
    assert ">3 co-ops</h2>" in body(response)
    assert card_names(client.get(LIST, {"q": "두레-7"})) == ["바람협동조합"]
    # Spaces around and between words are collapsed; the words are matched as one phrase.
    assert card_names(client.get(LIST, {"q": "  밥상   운영 "})) == ["햇살협동조합"]
    assert card_names(client.get(LIST, {"q": "운영 밥상"})) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"district": "11680"}, {"a", "d"}),
        ({"legal_type": "social"}, {"b"}),
        ({"member_type": "consumer"}, {"c"}),
        ({"industry": "G"}, {"a", "d"}),
        ({"status": "operating"}, {"a", "b"}),
        ({"status": "dissolved"}, {"c"}),
        ({"year_from": "2013"}, {"a", "b", "c"}),
        ({"year_to": "2014"}, {"a", "b", "d"}),
        ({"year_from": "2013", "year_to": "2014"}, {"a", "b"}),
        ({"year_from": "2015", "year_to": "2015"}, {"c"}),
        ({"year_from": "2012", "year_to": "2012"}, {"d"}),
        ({"members": "under-10"}, {"a"}),
        ({"members": "10-29"}, {"b"}),
        ({"members": "30-99"}, {"c"}),
        ({"capital": "under-10m"}, {"a"}),
        ({"capital": "10m-30m"}, {"b"}),
        ({"capital": "30m-100m"}, {"c"}),
        ({"district": "11680", "status": "operating", "members": "under-10"}, {"a"}),
        ({"q": "두레", "legal_type": "general"}, {"a"}),
        ({"q": "두레", "industry": "P", "year_from": "2014", "capital": "10m-30m"}, {"b"}),
        ({"district": "11440", "legal_type": "general"}, set()),
    ],
)
def test_filters_select_and_combine(client, sample, query, expected):
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert set(card_names(response)) == {sample[key].name for key in expected}
    count = len(expected)
    assert f">{count} co-op{'' if count == 1 else 's'}</h2>" in body(response)
    assert '<meta name="robots" content="noindex, follow">' in body(response)
    if not expected:
        assert "No co-op matches these filters." in body(response)


def test_sort_orders_put_unknown_values_last(client, sample):
    by = {c.name: key for key, c in sample.items()}

    def order(sort):
        return [by[name] for name in card_names(client.get(LIST, {"sort": sort}))]

    assert order("name") == ["d", "a", "c", "b"]  # 달빛, 마을두레, 바람, 햇살
    assert order("newest") == ["c", "b", "a", "d"]
    assert order("oldest") == ["d", "a", "b", "c"]
    assert order("members") == ["c", "b", "a", "d"]  # d has no member count: last
    assert order("capital") == ["c", "b", "a", "d"]


def test_unknown_registration_dates_go_last_both_ways(client):
    CooperativeFactory(name="unknown", registration_date=None)
    CooperativeFactory(name="early", registration_date=datetime.date(2013, 1, 1))
    CooperativeFactory(name="late", registration_date=datetime.date(2020, 1, 1))
    assert card_names(client.get(LIST, {"sort": "newest"})) == ["late", "early", "unknown"]
    assert card_names(client.get(LIST, {"sort": "oldest"})) == ["early", "late", "unknown"]


def test_pagination_keeps_the_filters(client, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for n in range(5):
        CooperativeFactory(name=f"두레{n}", registration_date=datetime.date(2013, 1, n + 1))
    CooperativeFactory(name="다른곳", district=district("11110"))
    query = {"q": "두레", "district": "11680", "sort": "oldest"}

    first = client.get(LIST, query)
    assert card_names(first) == ["두레0", "두레1"]
    assert ">5 co-ops</h2>" in body(first)
    assert "Page 1 of 3" in body(first)
    next_link = "?q=%EB%91%90%EB%A0%88&amp;district=11680&amp;sort=oldest&amp;page=2"
    assert f'href="{next_link}" rel="next"' in first.content.decode()

    last = client.get(LIST, {**query, "page": "3"})
    assert card_names(last) == ["두레4"]
    assert "Page 3 of 3" in body(last)
    assert "· Page 3 ·" in body(last)  # in the title
    assert 'rel="prev"' in last.content.decode()
    assert 'rel="next"' not in last.content.decode()


def test_links_keep_the_filters_and_chips_drop_one(client, sample):
    response = client.get(LIST, {"q": "두레", "district": "11680", "sort": "newest"})
    html = response.content.decode()
    q = "q=%EB%91%90%EB%A0%88"
    assert f'href="/en/registry/export.csv?{q}&amp;district=11680&amp;sort=newest"' in html
    assert f'href="/en/registry/export.json?{q}&amp;district=11680&amp;sort=newest"' in html
    assert f'href="/en/registry/stats/?{q}&amp;district=11680"' in html
    # One chip per filter; each link keeps the other filters and the sort.
    chips = re.findall(r'<a class="directory-chip" href="([^"]+)">(.*?)</a>', html)
    assert [(unescape(href), re.sub("<[^>]+>", "", text)) for href, text in chips] == [
        (
            "/en/registry/?district=11680&sort=newest",
            "Remove the filter Search: 두레\N{MULTIPLICATION SIGN}",
        ),
        (
            f"/en/registry/?{q}&sort=newest",
            "Remove the filter District: Gangnam-gu\N{MULTIPLICATION SIGN}",
        ),
    ]


def test_chips_name_choices_by_their_label(client, sample):
    html = body(client.get(LIST, {"legal_type": "social", "members": "10-29"}))
    assert "Legal type: Social co-op" in html
    assert "Members: 10 to 29" in html


BAD_INPUT = [
    ({"district": "99999"}, 400, "District: Select a valid choice."),
    ({"legal_type": "bogus"}, 400, "Legal type: Select a valid choice."),
    ({"members": "huge"}, 400, "Members: Select a valid choice."),
    ({"capital": "1"}, 400, "Share capital: Select a valid choice."),
    ({"sort": "random"}, 400, "Sort by: Select a valid choice."),
    ({"year_from": "abc"}, 400, "Registered from (year): Enter a whole number."),
    ({"year_from": "2015", "year_to": "2014"}, 400, "The end year is before the start year."),
    ({"year_from": "1999"}, 400, "Registered from (year): Ensure this value is greater than"),
    ({"q": "두" * 101}, 400, "Search: Ensure this value has at most 100 characters"),
    ({"page": "abc"}, 400, "The page number must be a whole number, such as 2."),
    ({"page": "-1"}, 400, "The page number must be a whole number, such as 2."),
    (
        {"page": "\N{FULLWIDTH DIGIT ONE}"},
        400,
        "The page number must be a whole number, such as 2.",
    ),
    ({"page": "0"}, 400, "The page number must be 1 or more."),
    ({"page": "9999"}, 404, "There is no page 9999: this list has 1 page."),
    ({"page": "9" * 30}, 404, "There is no page 999999"),
]


@pytest.mark.parametrize(("query", "status", "message"), BAD_INPUT)
def test_bad_input_gets_a_clear_message_never_a_500(client, sample, query, status, message):
    response = client.get(LIST, query)
    assert response.status_code == status
    html = body(response)
    assert 'role="alert"' in html
    assert message in html
    assert card_names(response) == []
    assert "<h1>Co-op registry</h1>" in html
    assert '<meta name="robots" content="noindex, follow">' in html
    # The form is still there, to correct the input.
    assert '<form class="directory-filters" method="get" action="/en/registry/"' in html


def test_an_invalid_field_is_marked_on_the_form(client, sample):
    html = client.get(LIST, {"district": "99999", "q": "두레"}).content.decode()
    assert 'id="id_district" aria-invalid="true" aria-describedby="id_district_errors"' in html
    assert 'id="id_district_errors"' in html
    assert 'value="두레"' in html  # the valid input is kept


def test_a_page_past_the_end_shows_how_long_the_list_is(client, sample):
    response = client.get(LIST, {"status": "operating", "page": "2"})
    assert response.status_code == 404
    html = body(response)
    assert "There is no page 2: this list has 1 page." in html
    assert ">2 co-ops</h2>" in html
    assert 'href="/en/registry/?status=operating">Go to the first page of this list' in html


def test_deep_pages_are_capped_with_a_message(client, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "MAX_PAGES", 2)
    CooperativeFactory.create_batch(7)  # four pages, two of them browsable
    first = client.get(LIST)
    assert "Page 1 of 2" in body(first)
    assert "The first 4 co-ops of this list can be browsed page by page." in body(first)
    assert ">7 co-ops</h2>" in body(first)
    assert client.get(LIST, {"page": "2"}).status_code == 200

    capped = client.get(LIST, {"page": "3"})
    assert capped.status_code == 404
    assert "Only the first 2 pages of a list can be browsed." in body(capped)
    past = client.get(LIST, {"page": "5"})
    assert past.status_code == 404
    assert "There is no page 5: this list has 2 pages." in body(past)


def test_the_filter_form_works_without_javascript(client, sample):
    html = client.get(LIST).content.decode()
    form = html[html.index('<form class="directory-filters"') : html.index("</form>")]
    assert 'method="get" action="/en/registry/"' in form
    assert '<button class="btn btn-brand" type="submit">' in form
    assert '<a class="btn btn-outline-brand" href="/en/registry/">Clear filters</a>' in form
    controls = re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', form)
    labels = re.findall(r'<label class="form-label" for="([^"]+)"', form)
    names = set(re.findall(r'<(?:input|select)[^>]* name="([^"]+)"', form))
    assert names == {*CooperativeFilterForm.FILTER_FIELDS, "sort"}
    assert sorted(controls) == sorted(labels)
    assert "<script" not in form and "style=" not in form


def test_the_filter_partial_takes_only_form_and_action():
    """The statistics page includes it with its own form and URL: no sort unless asked."""
    form = CooperativeFilterForm({"district": "11680"})
    html = render_to_string("registry/_filters.html", {"form": form, "action": "/stats/"})
    assert 'action="/stats/"' in html
    assert 'href="/stats/">' in html
    assert 'name="sort"' not in html
    assert '<option value="11680" selected>' in html
    with_sort = render_to_string(
        "registry/_filters.html", {"form": form, "action": "/x/", "show_sort": True}
    )
    assert 'name="sort"' in with_sort


def test_a_selected_filter_is_shown_selected(client, sample):
    html = client.get(LIST, {"legal_type": "social", "year_from": "2014"}).content.decode()
    assert '<option value="social" selected>' in html
    assert 'name="year_from" id="id_year_from" value="2014"' in html


def test_cards_show_the_main_facts(client, sample):
    html = body(client.get(LIST, {"q": "햇살"}))
    for text in (
        "Operating",
        "Social co-op",
        "Mapo-gu",
        "두레 밥상 운영",
        "Worker",
        "Education",
        "Dec. 31, 2014",
        f'href="/en/registry/{sample["b"].pk}/"',
    ):
        assert text in html


def test_other_query_parameters_change_nothing(client, sample):
    plain = client.get(LIST, {"q": "두레"})
    tagged = client.get(LIST, {"q": "두레", "utm_source": "newsletter"})
    assert card_names(tagged) == card_names(plain)
    assert tagged.status_code == 200


def test_the_list_is_cached_until_the_registry_changes(
    client, sample, django_capture_on_commit_callbacks
):
    assert ">4 co-ops</h2>" in body(client.get(LIST))
    Cooperative.objects.filter(pk=sample["d"].pk).update(name="새이름협동조합")
    assert "새이름협동조합" not in card_names(client.get(LIST))  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        CooperativeFactory(name="새협동조합")  # the save signal bumps the registry version
    response = client.get(LIST)
    assert ">5 co-ops</h2>" in body(response)
    assert {"새협동조합", "새이름협동조합"} <= set(card_names(response))


def test_the_korean_list_is_served_at_the_unprefixed_url(client, sample):
    response = client.get("/registry/", {"q": "두레"})
    assert response.status_code == 200
    assert '<html lang="ko">' in response.content.decode()
    assert len(card_names(response)) == 3


# --- Queries -----------------------------------------------------------------------------

# A first request reads the district choices, the count and date of the set, and the page's
# rows (with their districts); a later one is served from the cache without a query.
LIST_QUERIES_COLD = 3
LIST_QUERIES_WARM = 0


@pytest.mark.parametrize("coops", [3, 30])
@pytest.mark.parametrize(
    "query", [{}, {"q": "협동", "district": "11680", "sort": "members", "page": "1"}]
)
def test_the_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, coops, query):
    CooperativeFactory.create_batch(coops)
    registry_touch()
    with django_assert_num_queries(LIST_QUERIES_COLD):
        response = client.get(LIST, query)
    assert len(card_names(response)) == min(coops, selectors.PAGE_SIZE)
    with django_assert_num_queries(LIST_QUERIES_WARM):
        assert client.get(LIST, query).status_code == 200


def test_bad_input_runs_at_most_the_district_query(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get(LIST, {"legal_type": "bogus"}).status_code == 400


# --- Indexes (PostgreSQL) ------------------------------------------------------------------


def plan(query: dict, *, disable: tuple[str, ...] = ("seqscan",)) -> str:
    """EXPLAIN of a page of the list, with the given plans discouraged: a test database is
    too small for the planner to prefer an index, so this checks that one *can* serve it."""
    from django.db import connection

    form = selectors.directory_filter_form(query)
    assert form.is_valid()
    queryset = selectors.directory_queryset(form)[: selectors.PAGE_SIZE]
    with connection.cursor() as cursor:
        for name in disable:
            cursor.execute(f"SET LOCAL enable_{name} = off")
    return queryset.explain()


@pytest.mark.services("postgres")
def test_the_search_can_use_the_trigram_indexes():
    CooperativeFactory.create_batch(3)
    # Without plain index scans (which would walk the name order), the matches are found
    # through the three trigram indexes. (A search of fewer than three characters has no
    # trigram to look up and scans the table; its count is cached.)
    explained = plan({"q": "마을두레"}, disable=("seqscan", "indexscan"))
    for index in ("name", "main_business", "registration_no"):
        assert f"registry_coop_{index}_trgm" in explained, explained


@pytest.mark.services("postgres")
@pytest.mark.parametrize(
    ("query", "indexes"),
    [
        ({}, {"registry_coop_name_idx"}),
        # Either B-tree that starts with the district (the planner picks by its statistics).
        (
            {"district": "11680", "status": "operating"},
            {"registry_coop_district_idx", "registry_cooperative_district_id_"},
        ),
        ({"sort": "oldest"}, {"registry_coop_regdate_idx"}),
    ],
)
def test_list_pages_can_use_an_index(query, indexes):
    CooperativeFactory.create_batch(3)
    explained = plan(query)
    assert "Seq Scan on registry_cooperative " not in explained, explained
    assert any(index in explained for index in indexes), explained
