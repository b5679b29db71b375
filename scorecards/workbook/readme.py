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

from models.vocabulary import LEVELS, ORG_TYPE_LABELS
from scorecards.cells import text_cell, xlsx_value
from scorecards.workbook import styles

AUDIENCE_NOTES = {
    "internal": "Internal: everything, including internal narratives. For the secretariat and the "
    "organizations' own staff; do not forward.",
    "peer": "Peer review: published and shared content; no confidential narratives or internal comments.",
    "donor": "Protection Donor Group: published scorecards only; no confidential or internal text.",
}
LEVEL_MEANINGS = {
    0: ("no commitment recorded", ""),
    1: ("commitment with an owner and dated milestones", ""),
    2: ("implementation under way, at least one milestone done", ""),
    3: ("the area's core deliverable exists", "evidence required"),
    4: ("embedded, reviewed within the cycle, used in decisions", "evidence verified by the secretariat"),
}
METHOD = [
    "Each organization reports per cycle on the cycle's areas (listed with their weights below). Each "
    "area gets a level from 0 (not started) to 4 (institutionalized).",
    "Each area is assessed once per cycle in the organization's report: the level claimed, a "
    "justification and the evidence. The verified level counts: a claim of 3 without evidence counts "
    "as 2, a claim of 4 without the secretariat's verification counts as 3, rejected evidence counts "
    "as absent. A champion below deputy level caps the champion area at 2.",
    "Internalization index (0-100): the weighted mean of the area levels divided by 4, times 100.",
    "Rank: position by index among the organizations published in the same cycle (1 = highest). "
    "Trend: change of the index since the previous cycle.",
    "Figures are rounded once, where they are computed: these sheets, the scorecard pages and the CSV "
    "show the same numbers.",
]
SHEETS = [
    ("Summary", "organizations x areas: levels, index, rank, trend, organization type"),
    ("Trend", "index per organization per cycle, with a chart"),
    ("Commitments", "one row per commitment: area, status, level, milestones done/total, next due"),
    ("Milestones", "milestones overdue or due in the next 90 days"),
    ("Donor expectations", "organization x expectation: met or not met, since when"),
]


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
) -> Any:
    ws = wb.create_sheet(title="Read me")
    for letter, width in (("A", 24), ("B", 70), ("C", 36)):
        ws.column_dimensions[letter].width = width

    def label(text: str) -> Cell:
        return text_cell(ws, text, font=styles.LABEL_FONT)

    def wrapped(text: str) -> Cell:
        return text_cell(ws, text, alignment=styles.WRAP)

    ws.append([text_cell(ws, f"Centrality of Protection: comparison for {cycle}", font=styles.TITLE_FONT)])
    ws.append([])
    generated = WriteOnlyCell(ws, value=xlsx_value(ws, generated_at))
    generated.number_format = styles.DATETIME_FORMAT
    generated.alignment = styles.LEFT
    facts: list[tuple[str, Any]] = [
        ("Cycle", cycle),
        ("Audience", wrapped(f"{audience}. {AUDIENCE_NOTES[audience]}")),
        ("Organizations", organizations),
        ("Peer type", ORG_TYPE_LABELS.get(peer_type, peer_type) if peer_type else "All types"),
        ("Generated (UTC)", generated),
    ]
    for name, value in facts:
        ws.append([label(name), value if isinstance(value, Cell) else xlsx_value(ws, value)])
    ws.append([])
    ws.append([label("Method")])
    for paragraph in METHOD:
        ws.append([None, wrapped(paragraph)])
    if areas:
        weights = ", ".join(f"{name} {weight:g}" for _key, name, weight in areas)
        ws.append([None, wrapped(f"Area weights: {weights}.")])
    ws.append([])
    ws.append([styles.header_cell(ws, h) for h in ("Level", "Name and meaning", "Evidence")])
    for level, name in LEVELS.items():
        meaning, evidence = LEVEL_MEANINGS[level]
        ws.append([level, wrapped(f"{name}: {meaning}"), xlsx_value(ws, evidence or None)])
    if rubrics:
        ws.append([])
        ws.append([label("Rubric")])
        ws.append(
            [
                None,
                wrapped("What an organization must show for each level, area by area (as the cycle opened)."),
            ]
        )
        for key, name, _weight in areas:
            for level, text in sorted((rubrics.get(key) or {}).items()):
                if text:
                    ws.append([xlsx_value(ws, f"{name}, level {level}"), wrapped(text)])
    ws.append([])
    ws.append([styles.header_cell(ws, h) for h in ("Sheet", "What it holds")])
    for name, what in SHEETS:
        ws.append([xlsx_value(ws, name), wrapped(what)])
    return ws
