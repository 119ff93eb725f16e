"""Chart geometry and colours, without a browser."""

import importlib
import itertools

import pytest

from registry import charts

# The legend of a largest count of 96: five ranges of 20, with en dashes.
RANGES_UP_TO_99 = [f"{low}\u2013{low + 19}" for low in range(0, 100, 20)]
DISTRICTS = importlib.import_module("registry.migrations.0002_districts").DISTRICTS


# --- text and scales ---------------------------------------------------------------------------


def test_wide_characters_count_a_full_em():
    assert charts.text_width("강남구", 10) == 30
    assert charts.text_width("Mapo", 10) == pytest.approx(24)


def test_fit_text_shortens_with_an_ellipsis_within_the_width():
    assert charts.fit_text("Education", 200, 14) == "Education"
    long = "Business facilities management, business support and rental"
    fitted = charts.fit_text(long, 200, 14)
    assert fitted.endswith("…")
    assert charts.text_width(fitted, 14) <= 200


def test_wrap_text_breaks_at_spaces_and_keeps_to_the_line_count():
    lines = charts.wrap_text("10,000,000 to under 30,000,000 won", 140, 13)
    assert " ".join(lines) == "10,000,000 to under 30,000,000 won"
    assert all(charts.text_width(line, 13) <= 140 for line in lines)
    assert len(charts.wrap_text("a b c d e f g h", 10, 13, max_lines=2)) == 2


@pytest.mark.parametrize(
    ("raw", "step"), [(0.2, 1), (1.2, 2), (3, 5), (7, 10), (19.4, 20), (21, 25), (160, 200)]
)
def test_nice_steps(raw, step):
    assert charts.nice_step(raw) == step


def test_axis_ticks_start_at_zero_and_reach_the_maximum():
    assert charts.axis_ticks(638) == [0, 200, 400, 600, 800]
    assert charts.axis_ticks(0) == [0, 1]
    assert charts.axis_ticks(96)[-1] >= 96


def test_count_text():
    assert charts.count_text(1234) == "1,234"
    assert charts.count_text(638, 72.1) == "638 (72.1%)"
    assert charts.count_text(0, 0.0) == "0 (0.0%)"


# --- bars --------------------------------------------------------------------------------------


def test_bar_lengths_are_proportional_and_leave_room_for_the_value():
    chart = charts.bar_chart([("A", 960, 50.0), ("B", 480, 25.0), ("C", 1, 0.5), ("D", 0, 0.0)])
    longest = chart.bars[0].bar_width
    # 1 of 960 would be half a unit wide: a non-zero count is drawn at least 2 wide.
    assert [bar.bar_width for bar in chart.bars] == [longest, longest / 2, 2, 0]
    assert chart.bars[0].value == "960 (50.0%)"
    for bar in chart.bars:
        assert bar.value_x == bar.bar_width + 6
        value_end = bar.value_x + charts.text_width(bar.value, chart.value_size)
        assert value_end <= chart.width
    tops = [bar.bar_y for bar in chart.bars]
    assert tops == sorted(tops)
    assert chart.height >= tops[-1] + chart.bar_height


def test_long_labels_wrap_onto_two_lines_above_their_bar():
    long = "Business facilities management, business support and rental"
    chart = charts.bar_chart([(long, 5, 100.0), ("Education", 3, 60.0)])
    first, second = chart.bars
    assert len(first.lines) == 2 and " ".join(first.lines) == long
    assert second.lines == ["Education"]
    assert all(charts.text_width(line, chart.label_size) <= chart.width for line in first.lines)
    assert first.bar_y == first.label_y - chart.label_size + 2 * chart.line_height + 4
    assert second.label_y > first.bar_y + chart.bar_height


def test_bar_chart_of_nothing_draws_no_bar():
    chart = charts.bar_chart([("A", 0, 0.0)])
    assert chart.bars[0].bar_width == 0


def test_column_heights_follow_the_axis():
    chart = charts.column_chart([("Under 10", 638, 72.1), ("10 to 29", 200, 22.6)])
    ceiling = 800  # ticks 0..800
    assert chart.ticks[-1].value == "800"
    assert chart.ticks[0].y == chart.baseline
    first, second = chart.columns
    assert first.bar_height == pytest.approx(200 * 638 / ceiling, abs=0.1)
    assert first.bar_y == pytest.approx(chart.baseline - first.bar_height, abs=0.1)
    assert second.bar_height == pytest.approx(200 * 200 / ceiling, abs=0.1)
    assert first.value == "638 (72.1%)"
    assert first.center < second.center


def test_column_labels_are_wrapped_to_their_slot():
    chart = charts.column_chart([("10,000,000 to under 30,000,000 won", 1, 100.0)] * 4)
    slot = (chart.plot_right - chart.plot_left) / 4
    for column in chart.columns:
        assert 1 < len(column.lines) <= 3
        assert all(charts.text_width(line, 13) <= slot - 8 for line in column.lines)


# --- months ------------------------------------------------------------------------------------


def month_rows(counts):
    rows, total = [], 0
    year, month = 2012, 12
    for count in counts:
        total += count
        rows.append({"month": f"{year}-{month:02d}", "count": count, "cumulative": total})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows


def test_months_chart_draws_a_bar_per_busy_month_and_a_rising_line():
    rows = month_rows([3, 0, 5, 2])
    chart = charts.months_chart(rows)
    assert len(chart.bars) == 3  # no bar for a month without registrations
    points = chart.line[1:].split(" L")
    assert len(points) == 4
    heights = [float(point.split(",")[1]) for point in points]
    assert heights == sorted(heights, reverse=True)  # y falls as the total grows
    assert heights[-1] == pytest.approx(
        chart.cumulative.baseline - (chart.cumulative.baseline - chart.cumulative.top) * 10 / 10
    )
    assert chart.area.endswith("Z")
    assert [year.label for year in chart.years] == ["2013"]  # Januaries are labelled


def test_year_labels_never_overlap_over_many_years():
    chart = charts.months_chart(month_rows([1] * 160))
    xs = [year.x for year in chart.years]
    assert len(xs) >= 5
    assert all(b - a >= charts.text_width("2000", 12) for a, b in itertools.pairwise(xs))


def test_a_span_without_a_january_is_labelled_at_its_start():
    chart = charts.months_chart(month_rows([1, 2]))  # 2012-12 and 2013-01
    assert [year.label for year in chart.years] == ["2013"]
    rows = month_rows([1])  # 2012-12 only
    assert [year.label for year in charts.months_chart(rows).years] == ["2012"]


# --- colours and the map -----------------------------------------------------------------------


def test_contrast_ratio_matches_wcag():
    assert charts.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert charts.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    assert charts.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("fill", charts.MAP_PALETTE)
def test_tile_text_meets_wcag_aa_on_every_shade(fill):
    assert charts.contrast_ratio(charts.text_colour_on(fill), fill) >= 4.5


def test_the_palette_runs_from_light_to_dark():
    luminances = [charts.relative_luminance(fill) for fill in charts.MAP_PALETTE]
    assert luminances == sorted(luminances, reverse=True)
    assert len(charts.MAP_PALETTE) == 5


def test_chart_colours_stand_out_from_the_page():
    white = "#ffffff"
    assert charts.contrast_ratio(charts.TEXT_FILL, white) >= 4.5
    assert charts.contrast_ratio(charts.BAR_FILL, white) >= 3
    assert charts.contrast_ratio(charts.LINE_STROKE, white) >= 3
    assert charts.contrast_ratio(charts.TILE_STROKE, white) >= 3


@pytest.mark.parametrize("maximum", [0, 1, 3, 4, 5, 50, 96, 1234])
def test_colour_classes_cover_every_count_from_zero(maximum):
    classes = charts.colour_classes(maximum)
    assert len(classes) == 5
    assert classes[0].low == 0
    for before, after in itertools.pairwise(classes):
        assert after.low == before.high + 1
    assert classes[-1].high >= maximum
    assert charts.colour_class_of(maximum, classes) is not classes[0] or maximum == 0


def test_colour_class_labels():
    classes = charts.colour_classes(96)
    assert [c.label for c in classes] == RANGES_UP_TO_99
    assert [c.label for c in charts.colour_classes(3)] == ["0", "1", "2", "3", "4"]


def map_rows(counts: dict[str, int] | None = None):
    counts = counts or {}
    return [
        {
            "code": code,
            "name": name_en,
            "count": counts.get(code, 0),
            "share": 0.0,
            "href": f"/registry/?district={code}",
        }
        for code, _ko, name_en in DISTRICTS
    ]


def test_every_district_has_its_own_tile():
    assert set(charts.DISTRICT_TILES) == {code for code, _ko, _en in DISTRICTS}
    positions = list(charts.DISTRICT_TILES.values())
    assert len(set(positions)) == 25
    assert all(0 <= c < charts.MAP_COLUMNS and 0 <= r < charts.MAP_ROWS for c, r in positions)


def test_tiles_lie_roughly_where_the_districts_are():
    col = {code: charts.DISTRICT_TILES[code][0] for code in charts.DISTRICT_TILES}
    row = {code: charts.DISTRICT_TILES[code][1] for code in charts.DISTRICT_TILES}
    dobong, nowon, gangseo, gangnam, songpa, gangdong = (
        "11320",
        "11350",
        "11500",
        "11680",
        "11710",
        "11740",
    )
    jongno, jung, eunpyeong = "11110", "11140", "11380"
    assert row[dobong] == row[nowon] == 0  # the north
    assert col[nowon] >= 4
    assert col[gangseo] == 0  # the west
    assert min(col[gangnam], col[songpa], col[gangdong]) >= 4  # the south-east
    assert min(row[gangnam], row[songpa], row[gangdong]) >= 3
    assert 2 <= col[jongno] <= 4 and 2 <= col[jung] <= 4  # the centre
    assert col[eunpyeong] < col[jongno]


def test_map_tiles_are_shaded_by_count_and_labelled():
    counts = {"11680": 96, "11650": 69, "11440": 64, "11560": 58, "11110": 57, "11320": 3}
    geometry = charts.district_map(map_rows(counts))
    assert len(geometry.tiles) == 25
    tiles = {tile.code: tile for tile in geometry.tiles}
    assert tiles["11680"].fill == charts.MAP_PALETTE[-1]  # 96: the darkest
    assert tiles["11650"].fill == charts.MAP_PALETTE[3]  # 69 in 60-79
    assert tiles["11320"].fill == charts.MAP_PALETTE[0]
    assert tiles["11740"].count == 0 and tiles["11740"].fill == charts.MAP_PALETTE[0]
    for tile in geometry.tiles:
        assert charts.contrast_ratio(tile.text_fill, tile.fill) >= 4.5
        assert charts.text_width(tile.short_name, tile.name_size) <= tile.size - 8
        assert tile.href == f"/registry/?district={tile.code}"
    assert tiles["11560"].short_name == "Yeongdeungpo"
    assert tiles["11560"].name == "Yeongdeungpo-gu"
    assert [item.label for item in geometry.legend] == RANGES_UP_TO_99
    assert geometry.width == 7 * 100 - 4
    assert geometry.height > 6 * 100


def test_korean_tile_names_are_whole():
    rows = [dict(row, name=ko) for row, (_c, ko, _e) in zip(map_rows(), DISTRICTS, strict=True)]
    tiles = charts.district_map(rows).tiles
    assert {tile.short_name for tile in tiles} >= {"영등포구", "강남구"}
    assert all(tile.name_size >= 12 for tile in tiles)
