"""Charts as inline SVG, drawn on the server: readable without JavaScript, printable, accessible.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that says in words what it shows
(screen readers read them), and every coloured mark also carries its number or word, so colour is
never the only signal. The pages put a table with the same figures beside each chart. All text is
escaped here; the functions return `Markup` for the templates.

Words and figures are in the reader's language, and a right-to-left reader's chart is mirrored: the
labels stand on the right, bars grow to the left, cycles follow from right to left (docs/design.md
"Languages"). Charts are drawn in left-to-right coordinates and `Mirror` turns them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from models.words import format_figure, gettext, level_name, text_direction

# Sequential blues, light to dark; the level number is printed on every cell in a colour that keeps
# at least 4.5:1 contrast with its fill.
LEVEL_FILL = {0: "#eef1f5", 1: "#d4e4f4", 2: "#9ec4e8", 3: "#2f6fa8", 4: "#0b3d6b"}
LEVEL_INK = {0: "#1b1f24", 1: "#1b1f24", 2: "#1b1f24", 3: "#ffffff", 4: "#ffffff"}
INK, MUTED, GRID, ACCENT = "#1b1f24", "#4a5562", "#c9d1da", "#c2410c"
FONT = 'font-family="system-ui, sans-serif"'


def _number(value: float | None) -> str:
    """Figures with one decimal, as the reader's locale writes them (levels are whole numbers)."""
    return gettext("none") if value is None else format_figure(float(value))


# What a text of `font-size` 1 takes per letter in the sans-serif fonts a browser or the PDF renderer
# picks (Noto Sans, DejaVu Sans): an estimate on the wide side, so that a label whose width is
# reserved from it is never cut at the chart's edge. WeasyPrint draws an svg's Arabic letter by
# letter in their wider isolated forms.
WIDE_LETTER, LETTER = 0.8, 0.62


def text_width(text: str, size: float) -> float:
    """About how wide `text` is drawn at `size` px, never less: combining marks take no room,
    capitals, M, W and right-to-left letters take more than other letters."""
    ems = 0.0
    for char in text:
        if unicodedata.combining(char):
            continue
        wide = char.isupper() or char in "mw" or unicodedata.bidirectional(char) in ("R", "AL")
        ems += WIDE_LETTER if wide else LETTER
    return math.ceil(ems * size)


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
    """Counted level per area as bars, the self-assessed level as a diamond, the peer median as a tick."""
    median_label = median_label or gettext("peer median")
    plot_w, row_h, top, gap = 320, 40, 28, 8

    def words_of(bar: AreaBar) -> str:
        words = f"{bar.level} {level_name(bar.level)}"
        if bar.self_level != bar.level:
            words += " " + gettext("(self %(level)s)", level=bar.self_level)
        return words

    # Every label is whole in every language: the columns on either side of the plot, and the legend's
    # places, are at least as wide as their longest text (docs/design.md "PDF briefs").
    names = [text_width(bar.name, 12) for bar in bars]
    label_w = max([170, *(w + 14 + gap for w in names)])
    words_w = max([150, *(text_width(words_of(bar), 12) + 12 + gap for bar in bars)])
    legend = [gettext("counted level"), gettext("self-assessed"), median_label]
    lx = max(label_w + 112, label_w + 18 + text_width(legend[0], 11) + 5 + 2 * gap)
    mx = max(label_w + 215, lx + 10 + text_width(legend[1], 11) + 2 * gap)
    width = max(label_w + plot_w + words_w, mx + 7 + text_width(legend[2], 11) + gap)
    height = top + row_h * len(bars) + 44
    m = Mirror(width)

    def x(level: float) -> float:
        return m.x(label_w + plot_w * level / 4)

    body = []
    for level in range(5):
        body.append(f'<line x1="{x(level)}" y1="{top - 6}" x2="{x(level)}" y2="{top + row_h * len(bars)}" '
                    f'stroke="{GRID}" stroke-width="1"/>')  # fmt: skip
        body.append(
            f'<text x="{x(level)}" y="{top - 10}" font-size="11" text-anchor="middle" fill="{MUTED}">{level}</text>'
        )
    for i, bar in enumerate(bars):
        y = top + i * row_h
        body.append(
            f'<text x="{m.x(label_w - 14)}" y="{y + 21}" font-size="12" text-anchor="{m.anchor("end")}" fill="{INK}">{escape(bar.name)}</text>'
        )
        if bar.level > 0:
            bar_w = plot_w * bar.level / 4
            body.append(f'<rect x="{m.x(label_w, bar_w)}" y="{y + 8}" width="{bar_w}" height="18" '
                        f'fill="{LEVEL_FILL[bar.level]}" stroke="{INK}" stroke-width="0.5"/>')  # fmt: skip
        sx, sy = x(bar.self_level), y + 17
        body.append(f'<path d="M{sx} {sy - 7} L{sx + 7} {sy} L{sx} {sy + 7} L{sx - 7} {sy} Z" fill="#ffffff" '
                    f'stroke="{ACCENT}" stroke-width="2"/>')  # fmt: skip
        if bar.median is not None:
            mx_bar = x(bar.median)
            body.append(
                f'<line x1="{mx_bar}" y1="{y + 3}" x2="{mx_bar}" y2="{y + 31}" stroke="{INK}" stroke-width="3"/>'
            )
        body.append(
            f'<text x="{m.x(label_w + plot_w + 12)}" y="{y + 21}" font-size="12" text-anchor="{m.anchor()}" '
            f'fill="{INK}">{escape(words_of(bar))}</text>'
        )
    legend_y = top + row_h * len(bars) + 24
    body.append(f'<rect x="{m.x(label_w, 14)}" y="{legend_y - 10}" width="14" height="10" fill="{LEVEL_FILL[3]}"/>'
                f'<text x="{m.x(label_w + 18)}" y="{legend_y}" font-size="11" text-anchor="{m.anchor()}" '
                f'fill="{MUTED}">{escape(legend[0])}</text>')  # fmt: skip
    body.append(f'<path d="M{m.x(lx)} {legend_y - 10} L{m.x(lx + 5)} {legend_y - 5} L{m.x(lx)} {legend_y} '
                f'L{m.x(lx - 5)} {legend_y - 5} Z" fill="#ffffff" stroke="{ACCENT}" stroke-width="2"/>'
                f'<text x="{m.x(lx + 10)}" y="{legend_y}" font-size="11" text-anchor="{m.anchor()}" '
                f'fill="{MUTED}">{escape(legend[1])}</text>')  # fmt: skip
    body.append(f'<line x1="{m.x(mx)}" y1="{legend_y - 11}" x2="{m.x(mx)}" y2="{legend_y + 1}" stroke="{INK}" stroke-width="3"/>'
                f'<text x="{m.x(mx + 7)}" y="{legend_y}" font-size="11" text-anchor="{m.anchor()}" '
                f'fill="{MUTED}">{escape(median_label)}</text>')  # fmt: skip
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
    return _svg(chart_id, width, height, title, desc + ".", body)


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
