"""The rows of the Commitments, Milestones and Donor expectations sheets, read for one audience.

These sheets list records, not scores, so they are read here rather than by the scorecard engine.
Confidential text is filtered where it is read: a commitment's description leaves the database only
when its visibility is open to the audience (the SQL blanks it otherwise); narratives, comments,
evidence and drop reasons are never selected at all.

Peers and donors read the commitments and milestones as frozen when the organization published the
exported cycle (`models.services.published`), never the live rows; the organization's own people
and the secretariat read them live.

Which organizations appear is decided by the caller: the organizations of the Summary, in the
Summary's order (by rank), so every sheet covers the same ones in the same order. Commitments and
milestones are read a batch of organizations at a time, so that a workbook of thousands of
organizations never holds all their rows at once (see `scorecards.exports`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from models.engine import fetch, json_number
from models.services import published
from models.vocabulary import visibilities_for
from models.words import gettext, status_label

MILESTONE_HORIZON_DAYS = 90
BATCH_ORGANIZATIONS = 100
# The leading columns of the commitment and milestone queries.
RECORD_COLUMNS = ["id", "org_id", "acronym", "organization", "area", "area_position"]
RECORD_JOINS = "JOIN organization o ON o.id = c.organization JOIN area a ON a.id = c.area"


def batches(org_ids: Sequence[int], size: int = BATCH_ORGANIZATIONS) -> list[list[int]]:
    return [list(org_ids[start : start + size]) for start in range(0, len(org_ids), size)]


def marks(values: Sequence[object]) -> str:
    return ", ".join("{}" for _ in values) or "NULL"


def as_dates(values: pd.Series) -> pd.Series:
    """Dates from either engine (SQLite returns computed dates as text) as `datetime.date` or None."""
    if values.empty:
        return values.astype("object")
    parsed = pd.to_datetime(values, errors="coerce")
    return pd.Series([None if pd.isna(v) else v.date() for v in parsed], index=values.index, dtype="object")


def record_sources(cycle_id: int, audience: str, closed: bool = False) -> tuple[str, str]:
    """The commitment and milestone tables the audience reads for this cycle.

    Outsiders read the copies frozen when each organization published the cycle. The internal
    reader reads live rows, or, for a `closed` cycle, the same copies where the organization
    published it (live rows where it has not).
    """
    if audience != published.LIVE_AUDIENCE:
        return published.commitments_as_published(cycle_id), published.milestones_as_published(cycle_id)
    if closed:
        return published.commitments_as_closed(cycle_id), published.milestones_as_closed(cycle_id)
    return "commitment", "milestone"


def in_given_order(frame: pd.DataFrame, org_ids: Sequence[int], *then: str) -> pd.DataFrame:
    """Rows ordered like `org_ids` (the Summary's order), then by the given columns."""
    position = {org: index for index, org in enumerate(org_ids)}
    frame = frame.assign(_org_order=frame["org_id"].map(position))
    return frame.sort_values(["_org_order", *then]).drop(columns="_org_order").reset_index(drop=True)


async def commitment_rows(
    org_ids: Sequence[int], cycle_id: int, audience: str, closed: bool = False
) -> pd.DataFrame:
    """One row per commitment: area, title, description (at its visibility), status, the latest
    self-assessed level reported for it in the cycle, milestones done / total, next due date; of a
    `closed` cycle, the commitments and milestones as each organization published them, at every
    audience (`record_sources`).

    The level is the commitment's latest update in the cycle that no correction superseded (only the
    number is read, never the narrative); for peers and donors, as it stood at publishing.
    """
    visible = visibilities_for(audience)
    commitments, milestones = record_sources(cycle_id, audience, closed)
    # Peers and donors read the level as it stood when the organization published the cycle: later
    # updates and corrections do not count for them, as they do not change the published scorecard.
    if audience == "internal":
        as_published = "k.supersedes IS NULL"
    else:
        as_published = "pu.created_at <= mine.published_at AND (k.supersedes IS NULL OR k.corrected_at > mine.published_at)"
    rows = await fetch(
        f"""
        WITH mine AS (
            SELECT c.id, s.published_at FROM {commitments} c
              LEFT JOIN submission s ON s.organization = c.organization AND s.cycle = {{}}
             WHERE c.organization IN ({marks(org_ids)})
        ),
        counts AS (
            SELECT m.commitment,
                   SUM(CASE WHEN m.status = 'done' THEN 1 ELSE 0 END) AS milestones_done,
                   SUM(CASE WHEN m.status <> 'dropped' THEN 1 ELSE 0 END) AS milestones_total,
                   MIN(CASE WHEN m.status NOT IN ('done', 'dropped') THEN m.due_date END) AS next_due
              FROM {milestones} m JOIN mine ON mine.id = m.commitment
             GROUP BY m.commitment
        ),
        corrections AS (
            SELECT supersedes, MIN(created_at) AS corrected_at FROM progress_update
             WHERE supersedes IS NOT NULL GROUP BY supersedes
        ),
        latest AS (
            SELECT commitment, self_level FROM (
                SELECT pu.commitment, pu.self_level,
                       ROW_NUMBER() OVER (
                           PARTITION BY pu.commitment ORDER BY pu.created_at DESC, pu.id DESC
                       ) AS position
                  FROM progress_update pu JOIN mine ON mine.id = pu.commitment
                  LEFT JOIN corrections k ON k.supersedes = pu.id
                 WHERE pu.cycle = {{}} AND pu.self_level IS NOT NULL AND {as_published}
            ) ranked WHERE position = 1
        )
        SELECT c.id, c.organization AS org_id, o.acronym, o.name AS organization,
               a.name AS area, a.position AS area_position, c.title,
               CASE WHEN c.description_visibility IN ({marks(visible)}) THEN c.description ELSE '' END
                   AS description,
               c.status, latest.self_level AS level, c.target_date,
               COALESCE(counts.milestones_done, 0) AS milestones_done,
               COALESCE(counts.milestones_total, 0) AS milestones_total,
               counts.next_due
          FROM {commitments} c {RECORD_JOINS}
          JOIN mine ON mine.id = c.id
          LEFT JOIN counts ON counts.commitment = c.id
          LEFT JOIN latest ON latest.commitment = c.id
        """,
        cycle_id,
        *org_ids,
        cycle_id,
        *visible,
    )
    columns = [*RECORD_COLUMNS, "title", "description", "status", "level", "target_date"]
    columns += ["milestones_done", "milestones_total", "next_due"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["level"] = frame["level"].astype("Int64")
    frame["next_due"] = as_dates(frame["next_due"])
    frame["target_date"] = as_dates(frame["target_date"])
    frame["status"] = labels_of(frame["status"])
    return in_given_order(frame, org_ids, "area_position", "id")


def labels_of(statuses: pd.Series) -> pd.Series:
    """Statuses as a reader names them (in_progress reads In progress), in the reader's language."""
    labels = {status: status_label(status) for status in statuses.dropna().unique()}
    return statuses.map(labels)


async def milestone_rows(
    org_ids: Sequence[int],
    today: dt.date,
    cycle_id: int,
    audience: str,
    closed: bool = False,
    counted_at: Mapping[int, dt.date] | None = None,
) -> pd.DataFrame:
    """Open milestones overdue or due within the next 90 days, as of `today`; of a `closed` cycle,
    the milestones as each organization published them, at every audience (`record_sources`).

    `counted_at` moves `today` back, per organization, to another day (a closed cycle's: the day
    the organization published it and its milestones were frozen)."""
    counted_at = counted_at or {}
    horizon = max([today, *counted_at.values()]) + dt.timedelta(days=MILESTONE_HORIZON_DAYS)
    commitments, milestones = record_sources(cycle_id, audience, closed)
    rows = await fetch(
        f"""
        SELECT m.id, c.organization AS org_id, o.acronym, o.name AS organization,
               a.name AS area, a.position AS area_position, c.title AS commitment,
               m.title, m.due_date, m.status
          FROM {milestones} m
          JOIN {commitments} c ON c.id = m.commitment {RECORD_JOINS}
         WHERE c.organization IN ({marks(org_ids)})
           AND m.status NOT IN ('done', 'dropped') AND c.status <> 'dropped' AND m.due_date <= {{}}
        """,
        *org_ids,
        horizon,
    )
    frame = pd.DataFrame(rows, columns=[*RECORD_COLUMNS, "commitment", "title", "due_date", "status"])
    frame["due_date"] = as_dates(frame["due_date"])
    day_of = [counted_at.get(int(org), today) for org in frame["org_id"]]
    days = [(day - due).days for day, due in zip(day_of, frame["due_date"], strict=True)]
    frame["days"] = pd.Series(days, index=frame.index, dtype="int64")
    frame = frame[frame["days"] >= -MILESTONE_HORIZON_DAYS].copy()
    days = list(frame["days"])
    overdue, due_soon = gettext("overdue"), gettext("due soon")
    frame["state"] = [overdue if d > 0 else due_soon for d in days]
    frame["status"] = labels_of(frame["status"])
    return in_given_order(frame, org_ids, "due_date", "id")


async def first_published_on(cycle_id: int) -> dict[int, dt.date]:
    """The day each organization first published the cycle: its commitments and milestones were
    copied then (`models.services.published`)."""
    return await snapshot_days("MIN", cycle_id)


async def published_on(cycle_id: int, audience: str) -> dict[int, dt.date]:
    """The day each organization's scorecard of the cycle was frozen for the audience."""
    return await snapshot_days("MAX", cycle_id, audience)


async def snapshot_days(first_or_last: str, cycle_id: int, audience: str | None = None) -> dict[int, dt.date]:
    """The day of each organization's first (MIN) or last (MAX) scorecard snapshot of the cycle."""
    assert first_or_last in ("MIN", "MAX")
    for_audience = "" if audience is None else " AND audience = {}"
    rows = await fetch(
        f"SELECT organization, {first_or_last}(created_at) AS frozen_at FROM scorecard_snapshot "
        f"WHERE cycle = {{}}{for_audience} GROUP BY organization",
        cycle_id,
        *([] if audience is None else [audience]),
    )
    days = as_dates(pd.Series([r["frozen_at"] for r in rows], dtype="object"))
    return {int(r["organization"]): day for r, day in zip(rows, days, strict=True) if day is not None}


async def expectation_rows(
    org_ids: Sequence[int], as_of: dt.date, frozen_on: dict[int, dt.date] | None = None
) -> pd.DataFrame:
    """Organization x active donor expectation: met or not met as of `as_of`, and since when.

    `as_of` is the date the scorecard counts expectations at (met, and since on or before it), so
    the sheet agrees with the Summary's "expectations met" count. `frozen_on` (for peers and
    donors) moves it back, per organization, to the day its scorecard was published: a standing
    recorded since reaches them with the next publication (docs/design.md "Donor expectations").
    """
    expectations = await fetch(
        "SELECT e.id AS expectation_id, e.text AS expectation, a.name AS area, a.position AS area_position "
        "FROM donor_expectation e LEFT JOIN area a ON a.id = e.area WHERE e.active = {}",
        True,
    )
    statuses = await fetch(
        "SELECT es.expectation AS expectation_id, es.organization AS org_id, es.met, es.since "
        "FROM expectation_status es JOIN donor_expectation e ON e.id = es.expectation WHERE e.active = {}",
        True,
    )
    orgs = await fetch("SELECT id AS org_id, acronym, name AS organization FROM organization")
    org_frame = pd.DataFrame(orgs, columns=["org_id", "acronym", "organization"])
    org_frame = org_frame[org_frame["org_id"].isin(set(org_ids))]
    expectation_frame = pd.DataFrame(
        expectations, columns=["expectation_id", "expectation", "area", "area_position"]
    )
    grid = org_frame.merge(expectation_frame, how="cross")
    status = pd.DataFrame(statuses, columns=["expectation_id", "org_id", "met", "since"])
    status["since"] = as_dates(status["since"])
    grid = grid.merge(status, how="left", on=["expectation_id", "org_id"])
    frozen_on = frozen_on or {}
    limits = [min(as_of, frozen_on.get(int(org), as_of)) for org in grid["org_id"]]
    met = [
        bool(m) and (since is None or since <= limit)
        for m, since, limit in zip(grid["met"].fillna(False), grid["since"], limits, strict=True)
    ]
    met_word, not_met_word = gettext("met"), gettext("not met")
    grid["met"] = [met_word if m else not_met_word for m in met]
    grid["since"] = [since if m else None for since, m in zip(grid["since"], met, strict=True)]
    return in_given_order(grid, org_ids, "area_position", "expectation_id")


async def frozen_indexes(cycle_id: int, audience: str) -> dict[int, float]:
    """The index each organization published in a cycle, from its frozen snapshot at `audience`.

    Only the one figure is read out of each payload (in SQL), so a trend over many cycles costs
    a few bytes per organization instead of whole scorecards; it is the same `figures.index` the
    engine rebuilds its published frames from.
    """
    index = json_number("payload", "figures", "index")
    rows = await fetch(
        f"SELECT organization, {index} AS value FROM scorecard_snapshot WHERE cycle = {{}} AND audience = {{}}",
        cycle_id,
        audience,
    )
    return {int(r["organization"]): float(r["value"]) for r in rows if r["value"] is not None}
