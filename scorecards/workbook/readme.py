"""The "Read me" sheet: what the workbook is, for whom, when it was made, and how to read a level.

A donor forwards a spreadsheet without its email; the first sheet has to say by itself which cycle
and audience it shows and how the figures were made.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

from models.cells import text_cell, xlsx_value
from models.vocabulary import LEVELS, ORG_TYPE_LABELS
from models.words import N_, audience_label, gettext
from scorecards.workbook import styles
from scorecards.workbook.sheet import print_setup

AUDIENCE_NOTES = {
    "internal": N_(
        "Internal: everything, including internal narratives. For the secretariat and the "
        "organizations' own staff; do not forward."
    ),
    "peer": N_("Peer review: published and shared content; no confidential narratives or internal comments."),
    "donor": N_("Protection Donor Group: published scorecards only; no confidential or internal text."),
}
LEVEL_MEANINGS = {
    0: (N_("no commitment recorded"), ""),
    1: (N_("commitment with an owner and dated milestones"), ""),
    2: (N_("implementation under way, at least one milestone done"), ""),
    3: (N_("the area's core deliverable exists"), N_("evidence required")),
    4: (
        N_("embedded, reviewed within the cycle, used in decisions"),
        N_("evidence verified by the secretariat"),
    ),
}
METHOD = [
    N_(
        "Each organization reports per cycle on the cycle's areas (listed with their weights below). Each "
        "area gets a level from 0 (not started) to 4 (institutionalized)."
    ),
    N_(
        "Each area is assessed once per cycle in the organization's report: the level claimed, a "
        "justification and the evidence. The verified level counts: a claim of 3 without evidence counts "
        "as 2, a claim of 4 without the secretariat's verification counts as 3, rejected evidence counts "
        "as absent. A champion below deputy level caps the champion area at 2."
    ),
    N_("Internalization index (0-100): the weighted mean of the area levels divided by 4, times 100."),
    N_(
        "Rank: position by index among the organizations published in the same cycle (1 = highest). "
        "Trend: change of the index since the previous cycle."
    ),
    N_(
        "Figures are rounded once, where they are computed: these sheets, the scorecard pages and the CSV "
        "show the same numbers."
    ),
]
COUNTED_AT_PUBLISHING = N_(
    "Milestones: days overdue or to go counted on the day each organization published the cycle "
    "(today for one that has not)."
)
COLOUR_NOTE = N_(
    "Colours: the Summary and Trend shade levels and the index from light yellow (low) to grey-blue "
    "(high), as the Level column above shows; the shades read the same with any colour vision and "
    "in black and white, and every shaded cell also holds its number."
)
SHEETS = [
    (N_("Summary"), N_("organizations x areas: levels, index, rank, trend, organization type")),
    (N_("Trend"), N_("index per organization per cycle, with a chart")),
    (N_("Commitments"), N_("one row per commitment: area, status, level, milestones done/total, next due")),
    (N_("Milestones"), N_("milestones overdue or due in the next 90 days")),
    (N_("Donor expectations"), N_("organization x expectation: met or not met, since when")),
    (
        N_("Peer review"),
        N_("closed review rounds: per comment, the reviewer, its view of the level, the reply"),
    ),
    (
        N_("Expectation answers"),
        N_(
            "donor workbook: expectation x organization, the counted answer; how many meet it, and the change"
        ),
    ),
]


def index_shade(ws: Any, value: int) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.fill = styles.fill(styles.scale_colour(value, 0, 100))
    return cell


def write_readme_sheet(
    wb: Any,
    *,
    cycle: str,
    audience: str,
    peer_type: str | None,
    generated_at: dt.datetime,
    organizations: int,
    areas: Sequence[tuple[str, str, float]],
    rubrics: Mapping[str, Mapping[str, str]] | None = None,
    publication_note: str | None = None,
    records_note: str | None = None,
    milestones_counted_at_publishing: bool = False,
) -> Any:
    ws = wb.create_sheet(title=gettext("Read me"))
    for letter, width in (("A", 24), ("B", 70), ("C", 36)):
        ws.column_dimensions[letter].width = width
    print_setup(ws, orientation="portrait", pages_tall=1)

    def label(text: str) -> Cell:
        return text_cell(ws, gettext(text), font=styles.LABEL_FONT)

    def wrapped(text: str) -> Cell:
        return text_cell(ws, text, alignment=styles.WRAP)

    title = gettext("Centrality of Protection: comparison for %(cycle)s", cycle=cycle)
    ws.append([text_cell(ws, title, font=styles.TITLE_FONT)])
    ws.append([])
    generated = WriteOnlyCell(ws, value=xlsx_value(ws, generated_at))
    generated.number_format = styles.DATETIME_FORMAT
    generated.alignment = styles.LEFT
    facts: list[tuple[str, Any]] = [
        (N_("Cycle"), cycle),
        (N_("Audience"), wrapped(f"{audience_label(audience)}. {gettext(AUDIENCE_NOTES[audience])}")),
        (N_("Organizations"), organizations),
        (
            N_("Peer type"),
            gettext(ORG_TYPE_LABELS.get(peer_type, peer_type)) if peer_type else gettext("All types"),
        ),
        (N_("Generated (UTC)"), generated),
    ]
    if publication_note:  # a scorecard of the cycle was published before its period ended
        facts.append((N_("Publication"), wrapped(gettext(publication_note).capitalize() + ".")))
    if records_note:  # which commitments and milestones the sheets list: frozen or live
        facts.append((N_("Records"), wrapped(gettext(records_note))))
    if milestones_counted_at_publishing:  # a closed cycle's Milestones sheet: as each organization published
        facts.append((N_("Days overdue"), wrapped(gettext(COUNTED_AT_PUBLISHING))))
    for name, value in facts:
        ws.append([label(name), value if isinstance(value, Cell) else xlsx_value(ws, value)])
    ws.append([])
    ws.append([label(N_("Method"))])
    for paragraph in METHOD:
        ws.append([None, wrapped(gettext(paragraph))])
    if areas:
        weights = ", ".join(f"{name} {weight:g}" for _key, name, weight in areas)
        ws.append([None, wrapped(gettext("Area weights: %(weights)s.", weights=weights))])
    ws.append([])
    ws.append(
        [styles.header_cell(ws, gettext(h)) for h in (N_("Level"), N_("Name and meaning"), N_("Evidence"))]
    )
    for level, name in LEVELS.items():
        meaning, evidence = LEVEL_MEANINGS[level]
        line = gettext("%(name)s: %(meaning)s", name=gettext(name), meaning=gettext(meaning))
        shade = WriteOnlyCell(ws, value=level)
        shade.fill = styles.fill(styles.scale_colour(level, 0, 4))
        ws.append([shade, wrapped(line), xlsx_value(ws, gettext(evidence) if evidence else None)])
    ws.append([None, wrapped(gettext(COLOUR_NOTE))])
    ws.append([label(N_("Index colours"))] + [index_shade(ws, value) for value in (0, 50, 100)])
    if rubrics:
        ws.append([])
        ws.append([label(gettext("Rubric"))])
        intro = gettext("What an organization must show for each level, area by area (as the cycle opened).")
        ws.append([None, wrapped(intro)])
        for key, name, _weight in areas:
            for level, text in sorted((rubrics.get(key) or {}).items()):
                if text:
                    where = gettext("%(area)s, level %(level)s", area=name, level=level)
                    ws.append([xlsx_value(ws, where), wrapped(text)])
    ws.append([])
    ws.append([styles.header_cell(ws, gettext(h)) for h in (N_("Sheet"), N_("What it holds"))])
    for name, what in SHEETS:
        ws.append([xlsx_value(ws, gettext(name)), wrapped(gettext(what))])
    return ws
