"""The comparison workbook: six sheets written from frames that were filtered for one audience.

Everything here is formatting. The figures come from the scorecard engine and the rows from the
export loader (`scorecards.export_data`), both already filtered for the audience where the data was
read; this module only lays them out, so the Summary shows exactly what the scorecard JSON shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import pandas as pd
from openpyxl import Workbook

from models.words import N_, audience_label, gettext
from scorecards.payload import EARLY_NOTE
from scorecards.workbook import styles
from scorecards.workbook.readme import write_readme_sheet
from scorecards.workbook.sheet import Column, SheetSpec, write_frame_sheet
from scorecards.workbook.trend import write_trend_sheet

COMMITMENT_COLUMNS = [
    Column("acronym", N_("Acronym")),
    Column("organization", N_("Organization")),
    Column("area", N_("Area")),
    Column("title", N_("Commitment")),
    Column("description", N_("Description"), width=50),
    Column("status", N_("Status")),
    Column("level", N_("Level (self-assessed, latest in the cycle)")),
    Column("milestones_done", N_("Milestones done")),
    Column("milestones_total", N_("Milestones total")),
    Column("next_due", N_("Next due"), number_format=styles.DATE_FORMAT),
    Column("target_date", N_("Target date"), number_format=styles.DATE_FORMAT),
]
MILESTONE_COLUMNS = [
    Column("acronym", N_("Acronym")),
    Column("organization", N_("Organization")),
    Column("area", N_("Area")),
    Column("commitment", N_("Commitment")),
    Column("title", N_("Milestone")),
    Column("due_date", N_("Due"), number_format=styles.DATE_FORMAT),
    Column("status", N_("Status")),
    Column("state", N_("State")),
    Column("days", N_("Days overdue (+) or to go (-)")),
]
PEER_REVIEW_COLUMNS = [
    Column("acronym", "Acronym"),
    Column("organization", "Organization"),
    Column("area", "Area"),
    Column("reviewer", "Reviewer organization"),
    Column("assessment", "Assessment of the level"),
    Column("comment", "Comment", width=60),
    Column("visibility", "Visibility"),
    Column("reply", "Reply", width=60),
]
EXPECTATION_COLUMNS = [
    Column("acronym", N_("Acronym")),
    Column("organization", N_("Organization")),
    Column("expectation", N_("Expectation"), width=60),
    Column("area", N_("Area")),
    Column("met", N_("Met")),
    Column("since", N_("Since"), number_format=styles.DATE_FORMAT),
]


# A sheet's rows: one frame, or a function giving frames one batch at a time (read while writing).
Rows = pd.DataFrame | Callable[[], Iterable[pd.DataFrame]]


def frames_of(rows: Rows) -> pd.DataFrame | Iterable[pd.DataFrame]:
    return rows if isinstance(rows, pd.DataFrame) else rows()


@dataclass
class ComparisonExport:
    """What one workbook shows: everything already filtered for `audience`."""

    cycle: str
    audience: str
    peer_type: str | None
    generated_at: dt.datetime
    summary: pd.DataFrame
    summary_columns: Sequence[Column]
    level_columns: Sequence[str] = ()  # Summary columns holding levels 0-4 (coloured)
    index_columns: Sequence[str] = ()  # Summary columns holding the 0-100 index (coloured)
    areas: Sequence[tuple[str, str, float]] = ()  # (key, name, weight)
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend_cycles: Sequence[str] = ()
    commitments: Rows = field(default_factory=pd.DataFrame)
    milestones: Rows = field(default_factory=pd.DataFrame)
    expectations: Rows = field(default_factory=pd.DataFrame)
    rubrics: dict[str, dict[str, str]] = field(default_factory=dict)  # area key -> level -> text
    peer_review: Rows = field(default_factory=pd.DataFrame)  # closed review rounds of the cycle
    answers: tuple[SheetSpec, pd.DataFrame] | None = None  # the donor matrix (donor workbooks only)
    records_note: str | None = None  # where the Commitments and Milestones rows were read
    milestones_counted_at_publishing: bool = False  # a closed cycle: days overdue at each publication


def early_note(summary: pd.DataFrame) -> str | None:
    """The Read me's "published before the cycle closed", when a Summary row was published early."""
    early = "published_early" in summary.columns and bool(summary["published_early"].any())
    return EARLY_NOTE if early else None


def summary_spec(export: ComparisonExport) -> SheetSpec:
    return SheetSpec(
        title=N_("Summary"),
        columns=export.summary_columns,
        freeze="D2",  # the header row and the id, acronym and name columns
        autofilter=True,
        colour_scales=[
            (list(export.level_columns), styles.level_colour_scale()),
            (list(export.index_columns), styles.index_colour_scale()),
        ],
    )


def write_comparison_workbook(export: ComparisonExport, target: str | BinaryIO) -> None:
    """Write the workbook to a path or a binary file object."""
    wb = Workbook(write_only=True)
    set_properties(wb, export)
    write_readme_sheet(
        wb,
        cycle=export.cycle,
        audience=export.audience,
        peer_type=export.peer_type,
        generated_at=export.generated_at,
        organizations=len(export.summary),
        areas=export.areas,
        rubrics=export.rubrics,
        publication_note=early_note(export.summary),
        records_note=export.records_note,
        milestones_counted_at_publishing=export.milestones_counted_at_publishing,
    )
    write_frame_sheet(wb, summary_spec(export), export.summary)
    write_trend_sheet(wb, export.trend, export.trend_cycles, export.cycle)
    write_frame_sheet(
        wb,
        SheetSpec(N_("Commitments"), COMMITMENT_COLUMNS, table_name="Commitments"),
        frames_of(export.commitments),
    )
    write_frame_sheet(
        wb,
        SheetSpec(N_("Milestones"), MILESTONE_COLUMNS, table_name="Milestones"),
        frames_of(export.milestones),
    )
    write_frame_sheet(
        wb,
        SheetSpec(N_("Donor expectations"), EXPECTATION_COLUMNS, table_name="DonorExpectations"),
        frames_of(export.expectations),
    )
    write_frame_sheet(
        wb,
        SheetSpec("Peer review", PEER_REVIEW_COLUMNS, table_name="PeerReview"),
        frames_of(export.peer_review),
    )
    if export.answers is not None:
        write_frame_sheet(wb, *export.answers)
    wb.save(target)


def set_properties(wb: Any, export: ComparisonExport) -> None:
    """Document properties say what the file is, and nothing more (they travel with the file), in
    the reader's language: the audience by its label, never its code."""
    props = wb.properties
    audience = audience_label(export.audience)
    props.title = gettext("CoP comparison %(cycle)s (%(audience)s)", cycle=export.cycle, audience=audience)
    props.subject = gettext("Centrality of Protection: comparison of organizations")
    props.creator = gettext("CoP Tracker")
    props.lastModifiedBy = gettext("CoP Tracker")
    props.keywords = f"CoP; {export.cycle}; {audience}"
    props.description = None
    generated = export.generated_at.astimezone(dt.UTC).replace(tzinfo=None)
    props.created = generated
    props.modified = generated
