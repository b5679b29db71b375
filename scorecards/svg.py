"""Charts drawn on the server, as inline SVG or (the levels chart) HTML blocks: readable without
JavaScript, printable, accessible.

Each chart is an image (`role="img"`) named by a title and a description that says in words what it
shows (screen readers read them), and every coloured mark also carries its number or word, so
colour is never the only signal. The pages put a table with the same figures beside each chart. All
text is escaped here; the functions return `Markup` for the templates.

Words and figures are in the reader's language, and a right-to-left reader's chart is mirrored: the
labels stand on the right, bars grow to the left, cycles follow from right to left (docs/design.md
"Languages"). SVG charts are drawn in left-to-right coordinates and `Mirror` turns them; the levels
chart is a table that the page's direction lays out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from models.words import (
    direction_of,
    end_side,
    format_figure,
    gettext,
    level_name,
    start_side,
    text_direction,
)

# Sequential blues, light to dark; the level number is printed on every cell in a colour that keeps
# at least 4.5:1 contrast with its fill.
LEVEL_FILL = {0: "#eef1f5", 1: "#d4e4f4", 2: "#9ec4e8", 3: "#2f6fa8", 4: "#0b3d6b"}
LEVEL_INK = {0: "#1b1f24", 1: "#1b1f24", 2: "#1b1f24", 3: "#ffffff", 4: "#ffffff"}
INK, MUTED, GRID, ACCENT = "#1b1f24", "#4a5562", "#c9d1da", "#c2410c"
FONT = 'font-family="system-ui, sans-serif"'


def _number(value: float | None) -> str:
    """Figures with one decimal, as the reader's locale writes them (levels are whole numbers)."""
    return gettext("none") if value is None else format_figure(float(value))


class Mirror:
    """x positions and text anchors of a chart `width` wide, mirrored for a right-to-left reader."""

    def __init__(self, width: float) -> None:
        self.width = width
        self.rtl = text_direction() == "rtl"

    def x(self, x: float, span: float = 0) -> float:
        """Where a point (or the left edge of something `span` wide) stands."""
        return self.width - x - span if self.rtl else x

    def anchor(self, anchor: str = "start") -> str:
        """A text's anchor: the svg's `direction` already turns start and end for a right-to-left
        reader, so a mirrored label keeps the anchor it has left to right."""
        return anchor


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    chart_id = str(escape(chart_id))
    direction = text_direction()
    # Never drawn so small that its smallest text falls under 12 px: on a phone the chart scrolls in
    # its own box instead (`.chart-wrap`).
    smallest = min((float(size) for size in re.findall(r'font-size="([\d.]+)"', "".join(body))), default=12.0)
    min_width = math.ceil(width * max(1.0, 12 / smallest)) + 1
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" style="max-width: {round(width * 1.35)}px; min-width: {min_width}px" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" direction="{direction}" {FONT}>'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


@dataclass(frozen=True)
class AreaBar:
    name: str
    level: int
    self_level: int
    median: float | None


def area_levels_chart(chart_id: str, bars: Sequence[AreaBar], median_label: str | None = None) -> Markup:
    """Counted level per area as bars, the self-assessed level as a diamond, the peer median as a tick.

    Drawn as HTML blocks rather than SVG (docs/design.md "PDF briefs"): its words (area names, level
    words, scale, legend) are laid out as text, so the PDF shapes and orders Arabic as it does the
    rest of the page, where WeasyPrint draws an svg's text letter by letter; and each column is as
    wide as its longest words, so no label is cut in any language. A table of three columns (names,
    plot, words) that a right-to-left page lays out from the right, the marks placed from the
    scale's start side. Its styles are inline, so the page and the brief show it alike, and its
    sizes are in em: the brief prints it smaller by its font size alone."""
    median_label = median_label or gettext("peer median")
    chart_id = str(escape(chart_id))
    start, end = start_side(), end_side()

    def em(px: float) -> str:
        """A length of `px` at a text size of 12 px: the chart is drawn at 16 px on a page, as wide
        as its svg was drawn there, and at most 640 of these px wide."""
        return f"{round(px / 12, 4):g}em"

    def at(level: float, width: float) -> str:
        """A mark `width` px wide centred on `level` (0 to 4) of the scale."""
        return f"{start}:{round(float(level) * 25, 3):g}%;margin-{start}:-{em(width / 2)};width:{em(width)};"

    def words_of(bar: AreaBar) -> str:
        words = f"{bar.level} {level_name(bar.level)}"
        if bar.self_level != bar.level:
            words += " " + gettext("(self %(level)s)", level=bar.self_level)
        return words

    # The gridlines at levels 0 to 4 are the plot column's background, so they run unbroken from
    # row to row; the scale's row shows their last 6 px, under its numbers.
    def grid(height: str) -> str:
        return (
            f"background-image:linear-gradient(to right,{GRID} 1px,transparent 1px),"
            f"linear-gradient(to left,{GRID} 1px,transparent 1px);background-size:25% {height},100% {height};"
            "background-repeat:repeat-x,no-repeat;background-position:0 100%;"
        )

    cell = "display:table-cell;vertical-align:middle;"
    # Names and level words never wrap: each column takes the width of its longest label whole.
    label = f"{cell}white-space:nowrap;"
    name_cell = f'<div style="{label}text-align:{end};padding:{em(6)};padding-{end}:{em(14)}"'
    words_cell = f'<div style="{label}text-align:{start};padding:{em(6)};padding-{start}:{em(12)}">'
    plot = f'<div style="{cell}width:50%;padding:{em(6)} 0;{grid("100%")}"><div style="position:relative;height:{em(28)}">'
    scale = "".join(
        f'<span style="position:absolute;top:0;{at(level, 24)}text-align:center;color:{MUTED}">{level}</span>'
        for level in range(5)
    )
    rows = [
        f'{name_cell}></div><div style="{cell}padding-bottom:{em(6)};{grid(em(6))}">'
        f'<div style="position:relative;height:{em(16)}">{scale}</div></div>{words_cell}</div>'
    ]
    for bar in bars:
        marks = ""
        if bar.level > 0:
            marks += (f'<div style="position:absolute;top:{em(5)};height:{em(18)};{start}:0;width:{bar.level * 25}%;'
                      f'box-sizing:border-box;background:{LEVEL_FILL[bar.level]};border:0.5px solid {INK}"></div>')  # fmt: skip
        marks += (f'<div style="position:absolute;top:{em(8)};{at(bar.self_level, 12)}height:{em(12)};box-sizing:border-box;'
                  f'border:2px solid {ACCENT};background:#ffffff;transform:rotate(45deg)"></div>')  # fmt: skip
        if bar.median is not None:
            marks += f'<div style="position:absolute;top:0;{at(bar.median, 3)}height:{em(28)};background:{INK}"></div>'
        rows.append(
            f'{name_cell} dir="{direction_of(bar.name)}">{escape(bar.name)}</div>'
            f"{plot}{marks}</div></div>{words_cell}{escape(words_of(bar))}</div>"
        )
    legend = [
        (f"width:{em(14)};height:{em(10)};background:{LEVEL_FILL[3]}", gettext("counted level")),
        (f"width:{em(8)};height:{em(8)};margin:0 {em(2)};box-sizing:border-box;border:2px solid {ACCENT};"
         "background:#ffffff;transform:rotate(45deg)", gettext("self-assessed")),
        (f"width:{em(3)};height:{em(12)};margin:0 {em(3)};vertical-align:-{em(1)};background:{INK}", median_label),
    ]  # fmt: skip
    rows.append(
        f'{name_cell}></div><div style="{cell}padding-top:{em(8)};color:{MUTED}">'
        + "".join(
            f'<span style="display:inline-block;white-space:nowrap;margin-{end}:{em(18)}">'
            f'<span style="display:inline-block;{mark}"></span> {escape(words)}</span>'
            for mark, words in legend
        )
        + f"</div>{words_cell}</div>"
    )
    desc = "; ".join(
        gettext(
            "%(area)s: counted %(level)s, self-assessed %(self_level)s, %(median_label)s %(median)s",
            area=bar.name,
            level=bar.level,
            self_level=bar.self_level,
            median_label=median_label,
            median=_number(bar.median),
        )
        for bar in bars
    )
    title = gettext("Levels by area against the %(median_label)s", median_label=median_label)
    return Markup(
        f'<div class="levels-chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'dir="{text_direction()}" style="display:table;width:100%;max-width:{em(640)};margin:0.5rem 0 1rem;'
        f'font-size:16px;line-height:1.3;color:{INK}">'
        f'<span id="{chart_id}-title" hidden>{escape(title)}</span><span id="{chart_id}-desc" hidden>{escape(desc)}.</span>'
        + "".join(f'<div style="display:table-row">{row}</div>' for row in rows)
        + "</div>"
    )


def index_history_chart(chart_id: str, points: Sequence[tuple[str, float]]) -> Markup:
    """The internalization index (0-100) in each cycle, as a line with its values printed."""
    left, top, plot_h, plot_w = 44, 20, 150, 440
    step = plot_w / max(len(points) - 1, 1)
    width, height = left + plot_w + 60, top + plot_h + 40
    m = Mirror(width)

    def y(index: float) -> float:
        return top + plot_h * (1 - index / 100)

    def x(i: int) -> float:
        return m.x(left + 20 + i * step)

    body = []
    for mark in (0, 25, 50, 75, 100):
        body.append(
            f'<line x1="{m.x(left)}" y1="{y(mark)}" x2="{m.x(width - 10)}" y2="{y(mark)}" stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(
            f'<text x="{m.x(left - 6)}" y="{y(mark) + 4}" font-size="11" text-anchor="{m.anchor("end")}" '
            f'fill="{MUTED}">{format_figure(mark, 0)}</text>'
        )
    if len(points) > 1:
        path = " ".join(f"{x(i)},{y(value)}" for i, (_, value) in enumerate(points))
        body.append(f'<polyline points="{path}" fill="none" stroke="#0b4f8a" stroke-width="2.5"/>')
    for i, (cycle, value) in enumerate(points):
        body.append(f'<circle cx="{x(i)}" cy="{y(value)}" r="5" fill="#0b4f8a"/>')
        body.append(
            f'<text x="{x(i)}" y="{y(value) - 10}" font-size="12" text-anchor="middle" fill="{INK}">{_number(value)}</text>'
        )
        body.append(
            f'<text x="{x(i)}" y="{top + plot_h + 22}" font-size="12" text-anchor="middle" fill="{INK}">{escape(cycle)}</text>'
        )
    desc = "; ".join(f"{cycle}: {_number(value)}" for cycle, value in points) or gettext(
        "no published cycle yet"
    )
    title = gettext("Internalization index by cycle (0 to 100)")
    return _svg(chart_id, width, height, title, desc + ".", body)


@dataclass(frozen=True)
class HeatRow:
    label: str
    levels: tuple[int, ...]
    index: float


def heat_map(chart_id: str, area_names: Sequence[str], rows: Sequence[HeatRow]) -> Markup:
    """Organizations x areas, each cell coloured by the counted level and showing its number."""
    label_w, cell_w, cell_h, top = 84, 104, 26, 40
    width = label_w + cell_w * len(area_names) + 80
    height = top + cell_h * len(rows) + 8
    m = Mirror(width)
    body = []
    for j, name in enumerate(area_names):
        cx = m.x(label_w + j * cell_w + cell_w / 2)
        body.append(
            f'<text x="{cx}" y="{top - 12}" font-size="11" text-anchor="middle" fill="{INK}">{escape(name)}</text>'
        )
    body.append(f'<text x="{m.x(label_w + cell_w * len(area_names) + 40)}" y="{top - 12}" font-size="11" '
                f'text-anchor="middle" fill="{INK}">{escape(gettext("Index"))}</text>')  # fmt: skip
    for i, row in enumerate(rows):
        y = top + i * cell_h
        # No links inside: the chart is one image to assistive technology; the table below links.
        body.append(
            f'<text x="{m.x(label_w - 8)}" y="{y + 17}" font-size="12" text-anchor="{m.anchor("end")}" '
            f'fill="{INK}">{escape(row.label)}</text>'
        )
        for j, level in enumerate(row.levels):
            x = label_w + j * cell_w
            body.append(f'<rect x="{m.x(x + 1, cell_w - 2)}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{LEVEL_FILL[level]}"/>'
                        f'<text x="{m.x(x + cell_w / 2)}" y="{y + 17}" font-size="12" text-anchor="middle" '
                        f'fill="{LEVEL_INK[level]}">{level}</text>')  # fmt: skip
        body.append(f'<text x="{m.x(label_w + cell_w * len(area_names) + 40)}" y="{y + 17}" font-size="12" '
                    f'text-anchor="middle" fill="{INK}">{_number(row.index)}</text>')  # fmt: skip
    desc = gettext(
        "Counted level (0 to 4) of %(organizations)s organizations in %(areas)s areas, in ranking order; "
        "darker cells are higher levels and each cell shows its number. The table below lists the same figures.",
        organizations=len(rows),
        areas=len(area_names),
    )
    return _svg(chart_id, width, height, gettext("Levels by organization and area"), desc, body)
