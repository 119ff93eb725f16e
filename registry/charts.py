"""Geometry of the statistics' charts, drawn as inline SVG by the templates.

Everything here is pure: numbers in, coordinates, colours and (already fitted) text out, so the
layout is tested without a browser. The templates `registry/_chart_*.html` and
`registry/_district_map.html` only place what these functions return, with presentation
attributes (the Content-Security-Policy allows no inline styles). Widths are viewBox units; the
SVG scales to its container.

The district map is a tile grid: one square per district, placed roughly where the district
lies (north at the top), shaded on a five-step sequential scale by count. Tile text is dark or
white, whichever contrasts more with the tile; every step of the scale reaches WCAG AA (4.5:1).
"""

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Colours (the site's palette; the ratios are tested).
BAR_FILL = "#155e3b"  # 7.8:1 on white: bars stand out from the page (WCAG 1.4.11 asks 3:1)
AREA_FILL = "#cfe6d8"
LINE_STROKE = "#0e4229"
GRID_STROKE = "#c5d3ca"
AXIS_STROKE = "#4a5750"
TEXT_FILL = "#1d2a24"  # 14.8:1 on white
TEXT_DARK, TEXT_LIGHT = TEXT_FILL, "#ffffff"
TILE_STROKE = "#4a5750"  # 7.6:1 on white: the palest tiles keep a visible edge

COLOURS = {
    "bar": BAR_FILL,
    "area": AREA_FILL,
    "line": LINE_STROKE,
    "grid": GRID_STROKE,
    "axis": AXIS_STROKE,
    "text": TEXT_FILL,
    "tile_stroke": TILE_STROKE,
}

# Five steps from pale to dark green, light enough for dark text on the first three and dark
# enough for white text on the last two.
MAP_PALETTE: tuple[str, ...] = ("#eef6f1", "#b7dcc4", "#6fbf8e", "#2b7a4b", "#0e4229")

# Where each district's tile sits: (column, row), north at the top, 7 columns by 6 rows.
DISTRICT_TILES: dict[str, tuple[int, int]] = {
    "11320": (4, 0),  # Dobong
    "11350": (5, 0),  # Nowon
    "11380": (2, 1),  # Eunpyeong
    "11110": (3, 1),  # Jongno
    "11305": (4, 1),  # Gangbuk
    "11260": (5, 1),  # Jungnang
    "11440": (1, 2),  # Mapo
    "11410": (2, 2),  # Seodaemun
    "11140": (3, 2),  # Jung
    "11290": (4, 2),  # Seongbuk
    "11230": (5, 2),  # Dongdaemun
    "11500": (0, 3),  # Gangseo
    "11470": (1, 3),  # Yangcheon
    "11560": (2, 3),  # Yeongdeungpo
    "11170": (3, 3),  # Yongsan
    "11200": (4, 3),  # Seongdong
    "11215": (5, 3),  # Gwangjin
    "11740": (6, 3),  # Gangdong
    "11530": (1, 4),  # Guro
    "11590": (3, 4),  # Dongjak
    "11650": (4, 4),  # Seocho
    "11680": (5, 4),  # Gangnam
    "11710": (6, 4),  # Songpa
    "11545": (2, 5),  # Geumcheon
    "11620": (3, 5),  # Gwanak
}
MAP_COLUMNS, MAP_ROWS = 7, 6
EN_DASH = "\u2013"


# --- text -----------------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    """A generous estimate of the rendered width: wide (Hangul, CJK) characters take a full em,
    others 0.6 em."""
    ems = sum(1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6 for char in text)
    return ems * size


def fit_text(text: str, width: float, size: float) -> str:
    """text, shortened with an ellipsis if it would be wider than width."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip(" ,;") + "…"


def wrap_text(text: str, width: float, size: float, max_lines: int = 3) -> list[str]:
    """text broken at spaces into lines no wider than width; the last line is shortened."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [fit_text(line, width, size) for line in lines]


def count_text(count: int, share: float | None = None) -> str:
    """'1,234' or '1,234 (12.5%)': digits, commas and percent read the same in both languages."""
    return f"{count:,}" if share is None else f"{count:,} ({share:.1f}%)"


# --- scales ---------------------------------------------------------------------------------


AXIS_FACTORS = (1, 2, 2.5, 5, 10)
CLASS_FACTORS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)  # finer, so that the top classes are used


def nice_step(raw: float, factors: Sequence[float] = AXIS_FACTORS) -> int:
    """The smallest whole step of the form factor times a power of ten that is >= raw."""
    if raw <= 1:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    for factor in factors:
        step = factor * power
        if step >= raw and step == int(step):
            return int(step)
    return int(10 * power)  # pragma: no cover (10 * power always qualifies)


def axis_ticks(maximum: int, count: int = 4) -> list[int]:
    """Round tick values from 0 to at least maximum, about `count` intervals."""
    step = nice_step(max(maximum, 1) / count)
    top = step * math.ceil(max(maximum, 1) / step)
    return list(range(0, top + 1, step))


# --- horizontal bars (ranked categories) ----------------------------------------------------


@dataclass(frozen=True)
class HBar:
    lines: list[str]  # the label as drawn: wrapped, the last line shortened if need be
    full_label: str
    value: str
    label_y: float
    bar_y: float
    bar_width: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class HBarChart:
    width: int
    height: int
    bar_height: int
    label_size: int
    value_size: int
    line_height: int
    bars: list[HBar]


def bar_chart(rows: Sequence[tuple[str, int, float]], *, width: int = 480) -> HBarChart:
    """Ranked categories, one row each: the label above (up to two lines), the bar below, the
    count and share at its end. rows: (label, count, share)."""
    label_size, value_size, line_height, bar_height, gap = 15, 14, 18, 18, 12
    value_space = round(text_width("00,000 (100.0%)", value_size)) + 8
    largest = max((count for _label, count, _share in rows), default=0)
    span = width - value_space
    bars = []
    top = 0.0
    for label, count, row_share in rows:
        lines = wrap_text(label, width, label_size, max_lines=2)
        length = span * count / largest if largest else 0
        if count and length < 2:
            length = 2  # a non-zero count stays visible
        bar_y = top + len(lines) * line_height + 4
        bars.append(
            HBar(
                lines=lines,
                full_label=label,
                value=count_text(count, row_share),
                label_y=top + label_size,
                bar_y=bar_y,
                bar_width=round(length, 1),
                value_x=round(length + 6, 1),
                value_y=bar_y + bar_height - 4,
            )
        )
        top = bar_y + bar_height + gap
    return HBarChart(
        width=width,
        height=int(top),
        bar_height=bar_height,
        label_size=label_size,
        value_size=value_size,
        line_height=line_height,
        bars=bars,
    )


# --- vertical bars (size bands) -------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    lines: list[str]
    value: str
    x: float
    bar_width: float
    bar_y: float
    bar_height: float
    center: float
    value_y: float


@dataclass(frozen=True)
class Tick:
    value: str
    y: float


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    tick_label_x: int
    baseline: float
    label_y: float
    line_height: int
    ticks: list[Tick]
    columns: list[Column]


def column_chart(
    rows: Sequence[tuple[str, int, float]], *, width: int = 480, plot_height: int = 200
) -> ColumnChart:
    """Size bands side by side: one column each, count and share above, the band's label below
    (wrapped). rows: (label, count, share)."""
    left, right, top, label_size, line_height = 48, 4, 28, 14, 17
    ticks = axis_ticks(max((count for _l, count, _s in rows), default=0))
    ceiling = ticks[-1]
    plot_width = width - left - right
    slot = plot_width / max(len(rows), 1)
    baseline = top + plot_height
    columns = []
    for index, (label, count, row_share) in enumerate(rows):
        height = plot_height * count / ceiling
        if count and height < 2:
            height = 2
        bar_width = slot * 0.6
        x = left + index * slot + (slot - bar_width) / 2
        columns.append(
            Column(
                lines=wrap_text(label, slot - 8, label_size),
                value=count_text(count, row_share),
                x=round(x, 1),
                bar_width=round(bar_width, 1),
                bar_y=round(baseline - height, 1),
                bar_height=round(height, 1),
                center=round(left + index * slot + slot / 2, 1),
                value_y=round(baseline - height - 8, 1),
            )
        )
    longest = max((len(c.lines) for c in columns), default=1)
    return ColumnChart(
        width=width,
        height=int(baseline + 12 + longest * line_height),
        plot_left=left,
        plot_right=width - right,
        tick_label_x=left - 8,
        baseline=baseline,
        label_y=baseline + 20,
        line_height=line_height,
        ticks=[
            Tick(value=f"{tick:,}", y=round(baseline - plot_height * tick / ceiling, 1))
            for tick in ticks
        ],
        columns=columns,
    )


# --- registrations per month and cumulative -------------------------------------------------


@dataclass(frozen=True)
class MonthBar:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Panel:
    top: float
    baseline: float
    ticks: list[Tick]

    @property
    def label_y(self) -> float:
        """Where the panel's name is written, above it."""
        return self.top - 14


@dataclass(frozen=True)
class YearTick:
    label: str
    x: float


@dataclass(frozen=True)
class MonthsChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    tick_label_x: int
    cumulative: Panel
    monthly: Panel
    line: str  # SVG path of the cumulative count
    area: str  # the same, closed down to the baseline
    bars: list[MonthBar]
    years: list[YearTick]
    year_tick_y: float
    year_label_y: float


def months_chart(rows: Sequence[dict], *, width: int = 600) -> MonthsChart:
    """Two panels over one time axis: the cumulative count as a line and area on top, the
    registrations of each month as bars below. rows: by_month entries (month, count,
    cumulative), consecutive months."""
    left, right = 56, 12
    plot_width = width - left - right
    months = max(len(rows), 1)
    step = plot_width / months

    def x_of(index: int) -> float:
        return left + index * step

    top_panel = Panel(top=24, baseline=24 + 170, ticks=[])
    bottom_panel = Panel(
        top=top_panel.baseline + 44, baseline=top_panel.baseline + 44 + 110, ticks=[]
    )

    def panel_ticks(panel: Panel, maximum: int) -> tuple[Panel, int]:
        values = axis_ticks(maximum, count=3)
        ceiling = values[-1]
        height = panel.baseline - panel.top
        ticks = [
            Tick(value=f"{value:,}", y=round(panel.baseline - height * value / ceiling, 1))
            for value in values
        ]
        return Panel(top=panel.top, baseline=panel.baseline, ticks=ticks), ceiling

    top_panel, top_ceiling = panel_ticks(
        top_panel, max((row["cumulative"] for row in rows), default=0)
    )
    bottom_panel, bottom_ceiling = panel_ticks(
        bottom_panel, max((row["count"] for row in rows), default=0)
    )

    top_height = top_panel.baseline - top_panel.top
    points = [
        (
            round(x_of(index) + step / 2, 1),
            round(top_panel.baseline - top_height * row["cumulative"] / top_ceiling, 1),
        )
        for index, row in enumerate(rows)
    ]
    line = "M" + " L".join(f"{x},{y}" for x, y in points) if points else ""
    area = (
        f"M{points[0][0]},{top_panel.baseline} L"
        + " L".join(f"{x},{y}" for x, y in points)
        + f" L{points[-1][0]},{top_panel.baseline} Z"
        if points
        else ""
    )

    bottom_height = bottom_panel.baseline - bottom_panel.top
    bar_width = max(step * 0.8, 0.6)
    bars = []
    for index, row in enumerate(rows):
        if not row["count"]:
            continue
        height = max(bottom_height * row["count"] / bottom_ceiling, 1.0)
        bars.append(
            MonthBar(
                x=round(x_of(index) + (step - bar_width) / 2, 2),
                y=round(bottom_panel.baseline - height, 2),
                width=round(bar_width, 2),
                height=round(height, 2),
            )
        )

    # A label at each January, thinned so that labels never overlap; a span without a January
    # is labelled at its first month.
    label_room = text_width("2000", 12) + 8
    every = max(1, math.ceil(label_room / (12 * step)))
    januaries = [index for index, row in enumerate(rows) if row["month"].endswith("-01")]
    years = [
        YearTick(label=rows[index]["month"][:4], x=round(x_of(index), 1))
        for index in januaries or [0][: len(rows)]
        if every == 1 or int(rows[index]["month"][:4]) % every == 0 or not januaries
    ]
    return MonthsChart(
        width=width,
        height=int(bottom_panel.baseline + 34),
        plot_left=left,
        plot_right=width - right,
        tick_label_x=left - 8,
        cumulative=top_panel,
        monthly=bottom_panel,
        line=line,
        area=area,
        bars=bars,
        years=years,
        year_tick_y=bottom_panel.baseline + 5,
        year_label_y=bottom_panel.baseline + 20,
    )


# --- colour and contrast --------------------------------------------------------------------


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(fill: str) -> str:
    """Dark or white text, whichever contrasts more with fill."""
    return max((TEXT_DARK, TEXT_LIGHT), key=lambda text: contrast_ratio(text, fill))


# --- the district map -----------------------------------------------------------------------


@dataclass(frozen=True)
class ColourClass:
    low: int
    high: int
    fill: str
    text_fill: str

    @property
    def label(self) -> str:
        return f"{self.low:,}" if self.low == self.high else f"{self.low:,}{EN_DASH}{self.high:,}"


def colour_classes(maximum: int, steps: int = len(MAP_PALETTE)) -> list[ColourClass]:
    """Five equal ranges of whole numbers from 0 that together cover 0..maximum."""
    width = nice_step((maximum + 1) / steps, CLASS_FACTORS)
    return [
        ColourClass(
            low=index * width,
            high=(index + 1) * width - 1,
            fill=MAP_PALETTE[index],
            text_fill=text_colour_on(MAP_PALETTE[index]),
        )
        for index in range(steps)
    ]


def colour_class_of(count: int, classes: Sequence[ColourClass]) -> ColourClass:
    for colour in classes:
        if colour.low <= count <= colour.high:
            return colour
    return classes[-1]


@dataclass(frozen=True)
class Tile:
    code: str
    name: str  # full name, for the accessible label
    short_name: str  # as drawn
    count: int
    share: float
    href: str
    x: int
    y: int
    size: int
    fill: str
    text_fill: str
    center: float
    name_y: float
    name_size: float
    count_y: float
    count_size: int


@dataclass(frozen=True)
class LegendItem:
    x: float
    y: float
    size: int
    fill: str
    label: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class DistrictMap:
    width: int
    height: int
    tiles: list[Tile]
    legend: list[LegendItem]
    legend_title_y: float


def tile_name(name: str) -> str:
    """The name drawn on a tile: English names lose their '-gu' to fit (the label keeps it)."""
    return name[:-3] if name.endswith("-gu") else name


def district_map(rows: Sequence[dict], *, tile: int = 96, gap: int = 4) -> DistrictMap:
    """The 25 tiles. rows: by_district entries with a `name` (in the page's language) and an
    `href`; districts without a tile position are ignored."""
    pitch = tile + gap
    classes = colour_classes(max((row["count"] for row in rows), default=0))
    tiles = []
    for row in rows:
        position = DISTRICT_TILES.get(row["code"])
        if position is None:
            continue
        column, line = position
        colour = colour_class_of(row["count"], classes)
        short = tile_name(row["name"])
        name_size = min(18.0, round((tile - 10) / max(text_width(short, 1), 1), 1))
        x, y = column * pitch, line * pitch
        tiles.append(
            Tile(
                code=row["code"],
                name=row["name"],
                short_name=short,
                count=row["count"],
                share=row["share"],
                href=row.get("href", ""),
                x=x,
                y=y,
                size=tile,
                fill=colour.fill,
                text_fill=colour.text_fill,
                center=x + tile / 2,
                name_y=y + tile * 0.42,
                name_size=name_size,
                count_y=y + tile * 0.8,
                count_size=26,
            )
        )
    width = MAP_COLUMNS * pitch - gap
    legend_top = MAP_ROWS * pitch + 30
    item_width = width / len(classes)
    legend = [
        LegendItem(
            x=round(index * item_width, 1),
            y=legend_top,
            size=18,
            fill=colour.fill,
            label=colour.label,
            label_x=round(index * item_width + 24, 1),
            label_y=legend_top + 15,
        )
        for index, colour in enumerate(classes)
    ]
    return DistrictMap(
        width=width,
        height=legend_top + 26,
        tiles=tiles,
        legend=legend,
        legend_title_y=MAP_ROWS * pitch + 16,
    )
