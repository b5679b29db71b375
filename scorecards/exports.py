"""Comparison downloads (xlsx workbook, CSV of the Summary): the service the API and the CLI call.

The Summary is the scorecard engine's comparison frame for the same cycle, audience and peer type,
written column for column (so it equals `/api/scorecards/{cycle}` cell for cell); the Trend sheet
holds the engine's index of earlier cycles at the same audience; the other sheets list records read
by `scorecards.export_rows` for the organizations of the Summary. Nothing is scored here.

The file is rendered in a worker thread: writing a large workbook is CPU work that would otherwise
hold the event loop, and with it every other request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO

import anyio.from_thread
import anyio.to_thread
import pandas as pd

from models import clock
from models.caller import Caller
from models.services.areas import cycle_areas
from models.services.common import choice
from models.words import N_, gettext
from scorecards import export_rows
from scorecards.csv_export import frame_csv_bytes
from scorecards.donor_matrix import expectation_matrix
from scorecards.loader import find_cycle
from scorecards.service import Comparison, comparison, cycle_scores, resolve_audience
from scorecards.summary_columns import index_columns, level_columns, summary_columns
from scorecards.workbook.answers import answers_sheet
from scorecards.workbook.builder import ComparisonExport, write_comparison_workbook
from scorecards.workbook.sheet import Column

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"  # Litestar adds "; charset=utf-8" to text types itself
FORMATS = {"xlsx": XLSX_MEDIA_TYPE, "csv": CSV_MEDIA_TYPE}
OUTSIDER_RECORDS = N_("Commitments and milestones as each organization published the cycle.")
CLOSED_RECORDS = N_(
    "The cycle is closed: commitments and milestones as each organization published the cycle (the "
    "levels with later corrections); those of an organization that has not published it, as they "
    "stand today."
)


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes
    organizations: int


def check_format(fmt: str) -> None:
    choice(
        fmt,
        FORMATS,
        "format",
        N_("format must be one of %(formats)s (got %(fmt)r)"),
        listed="formats",
        got="fmt",
    )


def safe_filename(cycle: str, audience: str, peer_type: str | None, fmt: str) -> str:
    """`cop-comparison-2025-H2-donor.xlsx`: letters, digits, dash and underscore, one dot."""
    parts = ["cop-comparison", cycle, audience] + ([peer_type] if peer_type else [])
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(parts)).strip("-")[:100]
    return f"{stem}.{fmt}"


async def trend_frame(result: Comparison, today: dt.date) -> tuple[pd.DataFrame, list[str]]:
    """The engine's index per organization in each cycle up to the exported one, at its audience:
    live for `internal`, as published (frozen) for peers and donors.

    Rows are the Summary's organizations in the Summary's order (by rank); a cycle in which an
    organization has no scorecard its audience may see is an empty cell.
    """
    frame = result.frame
    trend = pd.DataFrame(
        {
            "org_id": frame["org_id"].to_numpy(),
            "organization": frame["name"].to_numpy(),
            "org_type": frame["org_type_label"].to_numpy(),
        }
    )
    names = []
    _, _, cycles = await find_cycle(result.cycle.name)
    for cycle in cycles:
        if cycle.period_start > result.cycle.period_start:
            break
        if cycle.id == result.cycle.id:
            index = frame.set_index("org_id")["index"]
        elif result.audience == "internal":
            index = (await cycle_scores(cycle.name, result.audience, today)).scores.orgs["index"]
        else:
            index = pd.Series(await export_rows.frozen_indexes(cycle.id, result.audience), dtype="float64")
        trend[cycle.name] = trend["org_id"].map(index).astype("float64").to_numpy()
        names.append(cycle.name)
    return trend, names


async def comparison_export(
    caller: Caller,
    cycle: str,
    audience: str | None,
    peer_type: str | None = None,
    today: dt.date | None = None,
    summary_only: bool = False,
) -> ComparisonExport:
    """Everything the workbook shows, read and filtered for the audience (no file written yet).

    `summary_only` (the CSV) skips reading what only the workbook's other sheets show.
    """
    audience = resolve_audience(caller.comparison_audience, audience)
    now = clock.utcnow()
    today = today or now.date()
    result = await comparison(cycle, audience, peer_type, today)
    frame = result.frame
    areas = [(a.key, a.name, float(a.weight)) for a in result.areas.itertuples()]
    export = ComparisonExport(
        cycle=result.cycle.name,
        audience=audience,
        peer_type=peer_type,
        generated_at=now,
        summary=frame,
        summary_columns=summary_columns(frame, areas),
        level_columns=level_columns(areas),
        index_columns=index_columns(),
        areas=areas,
    )
    if summary_only:
        return export
    org_ids = [int(org) for org in frame["org_id"]]
    # The date the scorecard counted donor expectations at (the engine's as-of rule).
    as_of = result.as_of or min(today, result.cycle.due_date)
    export.trend, export.trend_cycles = await trend_frame(result, today)
    # A closed cycle's commitments and milestones are read as they were published, whoever reads them.
    closed = today > result.cycle.period_end
    export.commitments = read_in_batches(
        org_ids,
        partial(export_rows.commitment_rows, cycle_id=result.cycle.id, audience=audience, closed=closed),
    )
    if audience != "internal":
        export.records_note = OUTSIDER_RECORDS
    elif closed:
        export.records_note = CLOSED_RECORDS
    # ... and their days overdue are counted on the day each organization published it, the day
    # their statuses were frozen (docs/design.md "Spreadsheets").
    counted_at = await export_rows.first_published_on(result.cycle.id) if closed else None
    export.milestones_counted_at_publishing = closed
    export.milestones = read_in_batches(
        org_ids,
        partial(
            export_rows.milestone_rows,
            today=today,
            cycle_id=result.cycle.id,
            audience=audience,
            closed=closed,
            counted_at=counted_at,
        ),
    )
    frozen_on = None if audience == "internal" else await export_rows.published_on(result.cycle.id, audience)
    export.expectations = await export_rows.expectation_rows(org_ids, as_of, frozen_on)
    export.rubrics = {area["key"]: area["rubric"] for area in await cycle_areas(result.cycle.id)}
    export.peer_review = await peer_review_rows(result.cycle.name, audience, set(frame["acronym"]))
    if audience == "donor":
        export.answers = answers_sheet(await expectation_matrix(result.cycle.name, audience, peer_type))
    return export


async def peer_review_rows(cycle: str, audience: str, acronyms: set[str]) -> pd.DataFrame:
    """One row per comment of the cycle's closed review rounds that the audience may read."""
    from models.services.reviews import review_record
    from models.vocabulary import ASSESSMENT_LABELS

    rows = []
    for entry in await review_record(None, cycle, audience):
        if entry["reviewee_acronym"] not in acronyms:
            continue
        for comment in entry["comments"]:
            parts = [
                ("Strengths: " + comment["strengths"]) if comment["strengths"] else "",
                ("Recommendations: " + comment["recommendations"]) if comment["recommendations"] else "",
            ]
            rows.append(
                {
                    "acronym": entry["reviewee_acronym"],
                    "organization": entry["reviewee_name"],
                    "area": comment["area_name"],
                    "reviewer": entry["reviewer_acronym"],
                    "assessment": ASSESSMENT_LABELS[comment["assessment"]],
                    "comment": "\n".join(p for p in parts if p),
                    "visibility": comment["visibility"],
                    "reply": "\n".join(reply["body"] for reply in comment["replies"]),
                }
            )
    columns = ["acronym", "organization", "area", "reviewer", "assessment", "comment", "visibility", "reply"]
    return pd.DataFrame(rows, columns=columns)


def read_in_batches(
    org_ids: list[int], read: Callable[[list[int]], Awaitable[pd.DataFrame]]
) -> Callable[[], Iterator[pd.DataFrame]]:
    """Rows read a batch of organizations at a time, while the sheet is being written.

    The workbook is written in a worker thread (see `render_into`); the batches are read on the event
    loop, the next one while the current one is being written, and each is dropped once written, so
    memory holds two batches at most and the writer rarely waits for the database.
    """

    async def start(batch: list[int]) -> asyncio.Task[pd.DataFrame]:
        return asyncio.create_task(read(batch))

    async def finish(task: asyncio.Task[pd.DataFrame]) -> pd.DataFrame:
        return await task

    def frames() -> Iterator[pd.DataFrame]:
        groups = export_rows.batches(org_ids)
        if not groups:
            return
        pending: asyncio.Task[pd.DataFrame] | None = anyio.from_thread.run(start, groups[0])
        try:
            for following in [*groups[1:], None]:
                frame = anyio.from_thread.run(finish, pending)
                pending = anyio.from_thread.run(start, following) if following is not None else None
                yield frame
        finally:
            if pending is not None and not pending.done():
                anyio.from_thread.run_sync(pending.cancel)

    return frames


def csv_table(export: ComparisonExport) -> tuple[pd.DataFrame, list[Column]]:
    """The Summary with the cycle and the audience first on every row: a CSV has no Read me, and
    rows pasted together from several files still say where they came from."""
    leading = [Column("csv_cycle", gettext("Cycle")), Column("csv_audience", gettext("Audience"))]
    frame = export.summary.assign(csv_cycle=export.cycle, csv_audience=export.audience)
    return frame, [*leading, *export.summary_columns]


def render_into(export: ComparisonExport, fmt: str, out: BinaryIO) -> None:
    """Write the file into `out` (CPU work: call it in a worker thread from async code)."""
    if fmt == "csv":
        out.write(frame_csv_bytes(*csv_table(export)))
    else:
        write_comparison_workbook(export, out)


def render(export: ComparisonExport, fmt: str) -> bytes:
    """The file's bytes (CPU work: call it in a worker thread from async code)."""
    buffer = io.BytesIO()
    render_into(export, fmt, buffer)
    return buffer.getvalue()


async def comparison_file(
    caller: Caller,
    cycle: str,
    audience: str | None,
    peer_type: str | None,
    fmt: str,
    today: dt.date | None = None,
) -> ExportFile:
    """The comparison of one cycle as a downloadable file, for what the caller may read."""
    check_format(fmt)
    export = await comparison_export(
        caller, cycle, audience, peer_type or None, today, summary_only=fmt == "csv"
    )
    content = await anyio.to_thread.run_sync(render, export, fmt)
    return ExportFile(
        filename=safe_filename(export.cycle, export.audience, peer_type, fmt),
        media_type=FORMATS[fmt],
        content=content,
        organizations=len(export.summary),
    )
