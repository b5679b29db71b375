"""The rows of the Commitments, Milestones and Donor expectations sheets, read for one audience.

These sheets list records, not scores, so they are read here rather than by the scorecard engine.
Confidential text is filtered where it is read: a commitment's description leaves the database only
when its visibility is open to the audience (the SQL blanks it otherwise); narratives, comments,
evidence and drop reasons are never selected at all. Which organizations appear is decided by the
caller (the organizations of the Summary, so every sheet covers the same ones).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from models.engine import fetch
from models.vocabulary import visibilities_for

MILESTONE_HORIZON_DAYS = 90
# The leading columns of the commitment and milestone queries.
RECORD_COLUMNS = ["id", "org_id", "acronym", "organization", "area", "area_position"]


def as_dates(values: pd.Series) -> pd.Series:
    """Dates from either engine (SQLite returns computed dates as text) as `datetime.date` or None."""
    if values.empty:
        return values.astype("object")
    parsed = pd.to_datetime(values, errors="coerce")
    return pd.Series([None if pd.isna(v) else v.date() for v in parsed], index=values.index, dtype="object")


def _keep(frame: pd.DataFrame, org_ids: Iterable[int]) -> pd.DataFrame:
    return frame[frame["org_id"].isin(set(org_ids))].reset_index(drop=True) if len(frame) else frame


async def commitment_rows(org_ids: Iterable[int], cycle_id: int, audience: str) -> pd.DataFrame:
    """One row per commitment: area, title, description (at its visibility), status, the latest
    self-assessed level reported for it in the cycle, milestones done / total, next due date."""
    visible = visibilities_for(audience)
    marks = ", ".join("{}" for _ in visible)
    rows = await fetch(
        f"""
        SELECT c.id, c.organization AS org_id, o.acronym, o.name AS organization,
               a.name AS area, a.position AS area_position, c.title,
               CASE WHEN c.description_visibility IN ({marks}) THEN c.description ELSE '' END
                   AS description,
               c.status, c.target_date,
               (SELECT COUNT(*) FROM milestone m
                 WHERE m.commitment = c.id AND m.status = 'done') AS milestones_done,
               (SELECT COUNT(*) FROM milestone m
                 WHERE m.commitment = c.id AND m.status <> 'dropped') AS milestones_total,
               (SELECT MIN(m.due_date) FROM milestone m
                 WHERE m.commitment = c.id AND m.status NOT IN ('done', 'dropped')) AS next_due
          FROM commitment c
          JOIN organization o ON o.id = c.organization
          JOIN area a ON a.id = c.area
        """,
        *visible,
    )
    columns = [
        *RECORD_COLUMNS,
        "title",
        "description",
        "status",
        "target_date",
        "milestones_done",
        "milestones_total",
        "next_due",
    ]
    frame = _keep(pd.DataFrame(rows, columns=columns), org_ids)
    levels = await latest_levels(cycle_id)
    frame["level"] = frame["id"].map(levels).astype("Int64") if len(frame) else pd.Series(dtype="Int64")
    frame["next_due"] = as_dates(frame["next_due"])
    frame["target_date"] = as_dates(frame["target_date"])
    return frame.sort_values(["acronym", "area_position", "id"]).reset_index(drop=True)


async def latest_levels(cycle_id: int) -> dict[int, int]:
    """Per commitment, the self-assessed level of its latest update in the cycle not superseded by a
    correction (the same claim the engine scores; only numbers are read, never the narrative)."""
    rows = await fetch(
        """
        SELECT pu.id, pu.commitment, pu.self_level, pu.created_at
          FROM progress_update pu
         WHERE pu.cycle = {} AND pu.self_level IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM progress_update s WHERE s.supersedes = pu.id)
        """,
        cycle_id,
    )
    if not rows:
        return {}
    frame = pd.DataFrame(rows).sort_values(["commitment", "created_at", "id"])
    latest = frame.drop_duplicates("commitment", keep="last")
    return dict(zip(latest["commitment"].astype(int), latest["self_level"].astype(int), strict=True))


async def milestone_rows(org_ids: Iterable[int], today: dt.date) -> pd.DataFrame:
    """Open milestones overdue or due within the next 90 days, as of `today`."""
    horizon = today + dt.timedelta(days=MILESTONE_HORIZON_DAYS)
    rows = await fetch(
        """
        SELECT m.id, c.organization AS org_id, o.acronym, o.name AS organization,
               a.name AS area, a.position AS area_position, c.title AS commitment,
               m.title, m.due_date, m.status
          FROM milestone m
          JOIN commitment c ON c.id = m.commitment
          JOIN organization o ON o.id = c.organization
          JOIN area a ON a.id = c.area
         WHERE m.status NOT IN ('done', 'dropped') AND c.status <> 'dropped' AND m.due_date <= {}
        """,
        horizon,
    )
    columns = [
        *RECORD_COLUMNS,
        "commitment",
        "title",
        "due_date",
        "status",
    ]
    frame = _keep(pd.DataFrame(rows, columns=columns), org_ids)
    frame["due_date"] = as_dates(frame["due_date"])
    days = [(today - due).days for due in frame["due_date"]]
    frame["days"] = pd.Series(days, index=frame.index, dtype="int64")
    frame["state"] = ["overdue" if d > 0 else "due soon" for d in days]
    return frame.sort_values(["acronym", "due_date", "id"]).reset_index(drop=True)


async def expectation_rows(org_ids: Iterable[int], as_of: dt.date) -> pd.DataFrame:
    """Organization x active donor expectation: met or not met as of `as_of`, and since when.

    `as_of` is the date the scorecard counts expectations at, so the sheet agrees with the
    Summary's "expectations met" count; a status met later reads "not met" here.
    """
    expectations = await fetch(
        """
        SELECT e.id AS expectation_id, e.text AS expectation, a.name AS area, a.position AS area_position
          FROM donor_expectation e LEFT JOIN area a ON a.id = e.area
         WHERE e.active = {}
        """,
        True,
    )
    statuses = await fetch(
        """
        SELECT es.expectation AS expectation_id, es.organization AS org_id, es.met, es.since
          FROM expectation_status es JOIN donor_expectation e ON e.id = es.expectation
         WHERE e.active = {}
        """,
        True,
    )
    orgs = await fetch("SELECT id AS org_id, acronym, name AS organization FROM organization")
    org_frame = _keep(pd.DataFrame(orgs, columns=["org_id", "acronym", "organization"]), org_ids)
    expectation_frame = pd.DataFrame(
        expectations, columns=["expectation_id", "expectation", "area", "area_position"]
    )
    grid = org_frame.merge(expectation_frame, how="cross")
    status = pd.DataFrame(statuses, columns=["expectation_id", "org_id", "met", "since"])
    status["since"] = as_dates(status["since"])
    grid = grid.merge(status, how="left", on=["expectation_id", "org_id"])
    met = [
        bool(m) and (since is None or since <= as_of)
        for m, since in zip(grid["met"].fillna(False), grid["since"], strict=True)
    ]
    grid["met"] = ["met" if m else "not met" for m in met]
    grid["since"] = [since if m else None for since, m in zip(grid["since"], met, strict=True)]
    return grid.sort_values(["acronym", "area_position", "expectation_id"]).reset_index(drop=True)
