"""The statistics page and stats.json: what they show, their shape, bad input, queries, cache."""

import itertools
import json
import re
from html.parser import HTMLParser

import pytest
from django.db import connection

from registry.models import Cooperative, Status
from registry.services import cooperative_save
from tests.core.test_pages import Page
from tests.registry.test_statistics import GANGNAM, MAPO, coop, registry

pytestmark = pytest.mark.django_db

__all__ = ["registry"]  # a fixture shared with the statistics tests

PAGE, JSON = "/en/registry/stats/", "/en/registry/stats.json"


class Tables(HTMLParser):
    """Each table of a page by its caption: a list of rows, each a list of cell texts."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_caption = False
        self._caption_text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._caption_text = [], []
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._rows.append([])
        elif tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in {"td", "th"} and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self.tables[" ".join("".join(self._caption_text).split())] = self._rows

    def handle_data(self, data):
        if self._in_caption:
            self._caption_text.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def body(response) -> str:
    return response.content.decode()


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, body(response)
    assert response["Content-Type"] == "application/json"
    return response, json.loads(response.content)


# --- the page ------------------------------------------------------------------------------------


def test_page_states_n_as_of_basis_and_band_edges(client, registry):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = body(response)
    page = Page(html)
    assert page.h1 == ["Co-op statistics"]
    assert "/static/css/registry-stats.css" in page.stylesheets
    assert "Co-ops counted (N)" in html
    assert '<dd class="stats-key-number">8</dd>' in html
    assert '<time datetime="2014-02-28">Feb. 28, 2014</time>' in html
    assert "All registered co-ops, whatever their status" in html
    assert "8 registered, 6 operating" in html
    words = " ".join(html.split())
    assert "N = 8 co-ops. Basis: All registered co-ops, whatever their status. As of" in words
    assert "N = 7 co-ops whose number of members is known, of 8." in words
    assert "“Under 10” means 0 to 9 members, “10 to 29” means 10 to 29 members inclusive" in words
    assert "“Under 10,000,000 won” means 0 to 9,999,999 won." in words
    assert "includes its lower edge and excludes its upper edge" in words
    levels = [level for level, _text in page.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1


def test_the_page_keeps_to_the_content_security_policy(client, registry):
    page = Page(body(client.get(PAGE)))
    assert page.inline_styles == 0
    assert page.style_blocks == 0
    assert all(script.get("src") for script in page.scripts)


def test_key_figures_of_members_and_capital(client, registry):
    html = body(client.get(PAGE))
    assert re.search(
        r"Fewer than 10 members</dt>\s*<dd><span class=\"stats-key-number\">2</span>"
        r" co-ops \(28.6%\)",
        html,
    )
    assert "40.0 members" in html  # mean
    assert "29.0 members" in html  # median
    assert "40,000,000 won" in html  # mean capital
    assert "29,999,999 won" in html  # median capital


def test_every_chart_is_an_image_with_a_title_and_a_table(client, registry):
    html = body(client.get(PAGE))
    charts = re.findall(r'<svg class="stats-chart[^"]*"[^>]*>', html)
    assert len(charts) == 8
    for svg in charts:
        assert 'role="img"' in svg
        ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
        for element_id in ids:
            assert f'id="{element_id}"' in html
    assert html.count("<title id=") == 9  # the eight charts and the map
    tables = Tables(html).tables
    assert set(tables) >= {
        "Co-ops by district, ranked",
        "Co-ops by number of members",
        "Co-ops by share capital (won)",
        "Co-ops by legal type",
        "Co-ops by membership structure",
        "Co-ops by industry",
        "Registrations per month and cumulative",
        "Registered co-ops by status",
    }
    assert tables["Co-ops by district, ranked"][1:5] == [
        ["1", "Gangnam-gu", "3", "37.5"],
        ["2", "Mapo-gu", "2", "25.0"],
        ["3", "Seocho-gu", "2", "25.0"],
        ["4", "Jongno-gu", "1", "12.5"],
    ]
    assert tables["Co-ops by district, ranked"][-1] == ["", "Total (N)", "8", "100.0"]
    assert tables["Co-ops by number of members"][1:] == [
        ["Under 10", "0", "10", "2", "28.6"],
        ["10 to 29", "10", "30", "2", "28.6"],
        ["30 to 99", "30", "100", "2", "28.6"],
        ["100 or more", "100", "no upper edge", "1", "14.3"],
        ["Total (N)", "", "", "7", "100.0"],
    ]
    assert tables["Co-ops by share capital (won)"][1] == [
        "Under 10,000,000 won",
        "0",
        "10,000,000",
        "2",
        "28.6",
    ]
    assert tables["Co-ops by legal type"][1] == ["General co-op", "5", "62.5"]
    assert ["Not stated", "1", "12.5"] in tables["Co-ops by membership structure"]
    assert tables["Registrations per month and cumulative"][1:3] == [
        ["2012-12", "1", "1"],
        ["2013-01", "2", "3"],
    ]
    assert tables["Registered co-ops by status"][1] == ["Operating", "6", "75.0"]
    # Each chart's numbers are drawn on it as well.
    assert "3 (37.5%)" in html and "2 (28.6%)" in html


def test_the_map_has_25_labelled_tiles_linking_to_the_list(client, registry):
    html = body(client.get(PAGE))
    tiles = re.findall(r'<a class="stats-map-tile" href="([^"]+)" aria-label="([^"]+)"', html)
    assert len(tiles) == 25
    assert (
        f"/en/registry/?district={GANGNAM}",
        "Gangnam-gu: 3 co-ops (37.5%), show them in the list",
    ) in tiles
    assert ("/en/registry/?district=11110", "Jongno-gu: 1 co-op (12.5%), show it in the list") in (
        tiles
    )
    assert re.search(r'<svg class="stats-map"[^>]*role="group"', html)


def test_korean_page(client, registry):
    html = body(client.get("/registry/stats/"))
    page = Page(html)
    assert page.html_lang == "ko"
    assert any(a["href"] == "/registry/stats.json" for a in page.links)
    assert re.search(r'href="/registry/\?district=11680" aria-label="강남구: 협동조합 3개', html)
    assert "2014년 2월 28일" in html


def test_links_keep_the_filters_and_the_basis(client, registry):
    html = body(client.get(f"{PAGE}?district={GANGNAM}&basis=operating&sort=name"))
    page = Page(html)
    assert page.link(text="See these co-ops in the list")["href"] == (
        f"/en/registry/?district={GANGNAM}&status=operating"
    )
    assert page.link(text="These figures as JSON (open data)")["href"] == (
        f"/en/registry/stats.json?district={GANGNAM}&basis=operating"
    )
    assert page.link(text="Download these co-ops as CSV")["href"] == (
        f"/en/registry/export.csv?district={GANGNAM}&status=operating"
    )
    current = [a for a in page.links if a.get("aria-current") == "true" and "co-ops" in a["text"]]
    assert [a["href"] for a in current] == [f"{PAGE}?district={GANGNAM}&basis=operating"]
    assert page.link(text="All registered co-ops, whatever their status")["href"] == (
        f"{PAGE}?district={GANGNAM}"
    )


def test_a_new_search_keeps_the_operating_basis(client, registry):
    operating = body(client.get(f"{PAGE}?basis=operating"))
    assert '<input type="hidden" name="basis" value="operating">' in operating
    default = body(client.get(PAGE))
    assert 'name="basis"' not in default.split('role="search"')[1].split("</form>")[0]


def test_operating_basis_on_the_page(client, registry):
    html = body(client.get(f"{PAGE}?basis=operating"))
    assert '<dd class="stats-key-number">6</dd>' in html
    assert "Basis: Operating co-ops only." in html
    # The status section still counts every registered co-op.
    assert Tables(html).tables["Registered co-ops by status"][-1] == ["Total (N)", "8", "100.0"]


def test_filters_narrow_the_page(client, registry):
    html = body(client.get(f"{PAGE}?district={MAPO}"))
    assert '<dd class="stats-key-number">2</dd>' in html
    assert "Only the co-ops that match the filters above are counted." in html
    assert Tables(html).tables["Co-ops by district, ranked"][1] == ["1", "Mapo-gu", "2", "100.0"]


def test_an_empty_set_says_so(client, registry):
    response = client.get(f"{PAGE}?district=11740")
    assert response.status_code == 200
    html = body(response)
    assert "No co-op matches these filters on this basis" in html
    assert "<svg" not in html
    assert '<dd class="stats-key-number">0</dd>' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("basis=bogus", "Basis: “bogus” is not one of the choices"),
        ("district=99999", "District: Select a valid choice."),
        ("year_from=abc", "Registered from (year): Enter a whole number."),
        ("members=huge&basis=all", "Members: Select a valid choice."),
    ],
)
def test_bad_input_is_a_400_with_the_reason(client, registry, query, message):
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 400
    html = body(response)
    assert message in html
    assert "These figures cannot be shown" in html
    assert "<svg" not in html

    response, payload = get_json(client, f"{JSON}?{query}", status=400)
    assert list(payload) == ["errors"]
    assert any(line.startswith(message) for line in payload["errors"])


def test_cached_sections_are_kept_apart_by_language_basis_and_filters(client, registry):
    english = body(client.get(PAGE))
    assert '<dd class="stats-key-number">8</dd>' in english
    korean = body(client.get("/registry/stats/"))
    assert "Gangnam-gu" not in korean and "강남구" in korean
    assert '<dd class="stats-key-number">6</dd>' in body(client.get(f"{PAGE}?basis=operating"))
    assert '<dd class="stats-key-number">2</dd>' in body(client.get(f"{PAGE}?district={MAPO}"))
    assert (
        Page(body(client.get(f"{PAGE}?district={MAPO}&sort=newest"))).link(
            text="See these co-ops in the list"
        )["href"]
        == f"/en/registry/?district={MAPO}"
    )


def test_an_unknown_sort_does_not_matter_here(client, registry):
    assert client.get(f"{PAGE}?sort=random").status_code == 200
    assert client.get(f"{JSON}?sort=random").status_code == 200


def test_only_get(client):
    assert client.post(PAGE).status_code == 405
    assert client.post(JSON).status_code == 405


# --- stats.json ----------------------------------------------------------------------------------


def test_json_shape_and_values(client, registry):
    response, data = get_json(client, JSON)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=300"
    assert list(data) == [
        "as_of",
        "basis",
        "filters",
        "total",
        "registered",
        "operating",
        "by_status",
        "by_district",
        "members",
        "capital_krw",
        "by_type",
        "by_member_type",
        "by_industry",
        "by_month",
        "dated",
    ]
    assert data["as_of"] == "2014-02-28"
    assert data["basis"] == "all"
    assert data["filters"] == {}
    assert data["total"] == 8

    districts = data["by_district"]
    assert len(districts) == 25
    assert districts[0] == {
        "code": GANGNAM,
        "name_ko": "강남구",
        "name_en": "Gangnam-gu",
        "count": 3,
        "share": 37.5,
    }
    counts = [row["count"] for row in districts]
    assert counts == sorted(counts, reverse=True)

    members = data["members"]
    assert list(members) == ["known", "under_10", "mean", "median", "bands"]
    assert members["under_10"] == {"count": 2, "share": 28.6}
    assert members["bands"][0] == {
        "label": "Under 10",
        "min": 0,
        "max": 10,
        "count": 2,
        "share": 28.6,
    }
    assert members["bands"][-1]["max"] is None

    capital = data["capital_krw"]
    assert list(capital) == ["known", "under_10m", "mean", "median", "bands"]
    assert capital["mean"] == 40_000_000 and isinstance(capital["mean"], int)
    assert capital["median"] == 29_999_999 and isinstance(capital["median"], int)
    assert capital["bands"][1] == {
        "label": "10,000,000 to under 30,000,000 won",
        "min": 10_000_000,
        "max": 30_000_000,
        "count": 2,
        "share": 28.6,
    }

    for key in ("by_type", "by_member_type", "by_industry", "by_status"):
        rows = data[key]
        assert all(list(row) == ["code", "label", "count", "share"] for row in rows)
        assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)
    assert data["by_type"][0] == {
        "code": "general",
        "label": "General co-op",
        "count": 5,
        "share": 62.5,
    }
    assert data["by_month"][0] == {"month": "2012-12", "count": 1, "cumulative": 1}
    assert data["by_month"][-1] == {"month": "2014-02", "count": 0, "cumulative": 7}


def test_json_shares_have_one_decimal_and_money_is_whole(client, registry):
    response, data = get_json(client, JSON)
    raw = body(response)
    shares = re.findall(r'"share": ([0-9.]+)', raw)
    assert len(shares) > 60
    assert all(re.fullmatch(r"[0-9]+\.[0-9]", value) for value in shares)
    capital = data["capital_krw"]
    money = [capital["mean"], capital["median"]]
    money += [band["min"] for band in capital["bands"]]
    money += [band["max"] for band in capital["bands"] if band["max"] is not None]
    assert all(type(value) is int for value in money)
    assert type(data["members"]["mean"]) is float  # one decimal


def test_json_speaks_the_language_of_its_address(client, registry):
    raw = body(client.get("/registry/stats.json"))
    assert "강남구" in raw  # not escaped: ensure_ascii is off
    _response, english = get_json(client, JSON)
    assert english["by_status"][0]["label"] == "Operating"


def test_json_filters_and_basis(client, registry):
    _response, data = get_json(client, f"{JSON}?district={GANGNAM}&basis=operating&q=+")
    assert data["basis"] == "operating"
    assert data["filters"] == {"district": GANGNAM}
    assert data["total"] == 2
    assert data["registered"] == 3


def test_json_of_an_empty_set(client, registry):
    _response, data = get_json(client, f"{JSON}?district=11740")
    assert data["total"] == 0
    assert all(row["share"] == 0.0 for row in data["by_district"])
    assert data["members"]["mean"] is None and data["members"]["median"] is None
    assert data["capital_krw"]["mean"] is None and data["capital_krw"]["median"] is None
    assert data["by_month"] == []


# --- queries and the cache -----------------------------------------------------------------------


def cold_queries() -> int:
    # The district choices of the filter form, then the statistics (see test_statistics).
    return 1 + (7 if connection.vendor == "postgresql" else 9)


@pytest.mark.parametrize("size", [3, 60])
def test_the_page_runs_a_fixed_number_of_queries(client, size, django_assert_num_queries):
    codes = [GANGNAM, MAPO, "11110", "11500", "11740", "11320", "11710"]
    for index in range(size):
        coop(codes[index % len(codes)], index, index * 700_000)
    with django_assert_num_queries(cold_queries()):
        assert client.get(PAGE).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(PAGE).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(JSON).status_code == 200  # shares the page's cached figures


def test_json_runs_the_same_queries(client, registry, django_assert_num_queries):
    with django_assert_num_queries(cold_queries()):
        client.get(f"{JSON}?basis=operating")
    with django_assert_num_queries(0):
        client.get(f"{JSON}?basis=operating")


def test_equivalent_filters_share_one_cache_entry(client, registry, django_assert_num_queries):
    client.get(f"{JSON}?district={GANGNAM}&q=")
    with django_assert_num_queries(0):
        client.get(f"{JSON}?q=&sort=newest&district={GANGNAM}&basis=all")


@pytest.mark.django_db(transaction=True)
def test_an_edit_changes_the_figures_served(client, transactional_db, registry):
    assert get_json(client, JSON)[1]["operating"] == 6
    assert '<dd class="stats-key-number">6</dd>' in body(client.get(f"{PAGE}?basis=operating"))
    dissolved = Cooperative.objects.get(status=Status.DISSOLVED)
    dissolved.status = Status.OPERATING
    cooperative_save(cooperative=dissolved)
    assert get_json(client, JSON)[1]["operating"] == 7
    assert '<dd class="stats-key-number">7</dd>' in body(client.get(f"{PAGE}?basis=operating"))
