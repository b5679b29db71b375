"""The scoring engine: rows in, pandas frames out. No HTTP, no database, no clock.

`score_cycle(inputs)` computes every organization's own figures for one cycle (docs/design.md
"Maturity levels and the evidence rules" and "Scorecards"); `scorecards.positions` then places
them among their peers.
Everything is vectorized over all organizations at once: the same call scores one organization or
two thousand.

What counts as an organization's level for an area in a cycle
--------------------------------------------------------------
The *claim* for (organization, area, cycle) is the organization's assessment of the area in that
cycle's report (one per area and cycle; progress updates feed the report but do not decide the
level). Its `self_level` is the **self-assessed level**. No assessment means level 0. The
**verified level** (the one that counts) applies, in order:
  1. evidence: a claim of 3 or 4 needs at least one evidence link on the assessment that is
     neither rejected nor removed, otherwise it counts 2; a claim of 4 also needs that evidence
     verified by the secretariat, otherwise it counts 3;
  2. champion seniority (champion area only): no champion at all counts 0; a champion below
     deputy level (`models.vocabulary.champion_gap`) caps the area at 2. Both raise a flag.

Other figures, per organization, as of `as_of = min(today, cycle due date)`:
  - index: sum(weight x verified level) / sum(weight) / 4 x 100;
  - timeliness over the milestones due in the cycle up to `as_of` (dropped ones excluded):
    on-time share = done on or before the due date / due; overdue = not done and due before
    `as_of`; median days late over the late ones (done late: completion - due; still open:
    `as_of` - due); no milestone due gives no share (None), 0 overdue and no median;
  - evidence coverage over the areas claimed at 3 or more: share with evidence, share verified;
  - change: verified levels and index against the previous cycle computed the same way;
  - donor expectations: active expectations marked met (since on or before `as_of`) / active ones;
  - flags: champion missing, champion below deputy, no progress update in the 90 days up to
    `as_of`, submission late (submitted after the due date, or not submitted and `today` past it),
    an area at 0, milestones overdue by more than 30 days, fewer than half of the due milestones
    done on time (only where some were due).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from models.timeline import STALE_DAYS
from models.vocabulary import champion_gap
from models.words import N_
from scorecards.rounding import percent, round_series

MAX_LEVEL = 4

# Organization-level flags, in display order, with the words the pages and spreadsheets show.
FLAG_LABELS = {
    "champion_missing": N_("No senior champion"),
    "champion_below_deputy": N_("Champion below deputy level"),
    "no_update_90_days": N_("No progress update in 90 days"),
    "submission_late": N_("Submission late"),
    "area_at_zero": N_("An area at level 0"),
    "milestones_overdue_30": N_("Milestones overdue by more than 30 days"),
    "on_time_below_half": N_("Fewer than half of the cycle's due milestones done on time"),
}
LONG_OVERDUE_DAYS = 30
ON_TIME_FLOOR = 50.0
# Area-level flags.
AREA_FLAG_LABELS = {
    "champion_missing": N_("No senior champion: counts 0"),
    "champion_below_deputy": N_("Champion below deputy level: capped at 2"),
    "evidence_missing": N_("Claimed 3 or more without evidence: counts 2"),
    "not_verified": N_("Claimed 4, evidence not verified: counts 3"),
    "area_at_zero": N_("Level 0"),
}


@dataclass(frozen=True)
class CycleInfo:
    id: int
    name: str
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date


def _frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


@dataclass
class ScoringInputs:
    """The rows one cycle's scores are computed from (built by `scorecards.loader`, or by hand in tests).

    organizations: org_id, acronym, name, org_type
    areas: key, name, weight (in display order)
    claims: org_id, area_key, cycle_id, self_level, evidence, verified (counts on the claim's update),
            for this cycle and the previous one
    champions: org_id, seniority (one row per active champion)
    milestones: org_id, due_date, completed_on, status (due within this cycle's period, not dropped)
    last_updates: org_id, last_update_on (date of the latest progress update on or before as_of)
    submissions: org_id, status, submitted_on, published_on (dates or None)
    expectations: org_id, met (count of active expectations met on or before as_of)
    """

    cycle: CycleInfo
    previous: CycleInfo | None
    today: dt.date
    organizations: pd.DataFrame
    areas: pd.DataFrame
    claims: pd.DataFrame = field(
        default_factory=lambda: _frame(
            ["org_id", "area_key", "cycle_id", "self_level", "evidence", "verified"]
        )
    )
    champions: pd.DataFrame = field(default_factory=lambda: _frame(["org_id", "seniority"]))
    milestones: pd.DataFrame = field(
        default_factory=lambda: _frame(["org_id", "due_date", "completed_on", "status"])
    )
    last_updates: pd.DataFrame = field(default_factory=lambda: _frame(["org_id", "last_update_on"]))
    submissions: pd.DataFrame = field(default_factory=lambda: _frame(["org_id", "status", "submitted_on"]))
    expectations: pd.DataFrame = field(default_factory=lambda: _frame(["org_id", "met"]))
    expectations_total: int = 0

    @property
    def as_of(self) -> dt.date:
        return min(self.today, self.cycle.due_date)


@dataclass
class Scores:
    """One cycle's own figures: `orgs` indexed by org_id, `areas` by (org_id, area_key)."""

    orgs: pd.DataFrame
    areas: pd.DataFrame


def champion_status(org_ids: pd.Index, champions: pd.DataFrame) -> pd.Series:
    """'ok', 'below_deputy' or 'missing' per organization: the rule of `champion_gap`."""
    by_org = champions.groupby("org_id")["seniority"].agg(list).reindex(org_ids)
    gaps = [champion_gap(seniorities if isinstance(seniorities, list) else []) for seniorities in by_org]
    return pd.Series([gap or "ok" for gap in gaps], index=org_ids, dtype="object")


def area_levels(
    claims: pd.DataFrame, cycle_id: int, org_ids: pd.Index, area_keys: list[str], champions: pd.Series
) -> pd.DataFrame:
    """Self-assessed and verified level per (org_id, area_key), with the evidence and champion rules."""
    grid = pd.MultiIndex.from_product([org_ids, area_keys], names=["org_id", "area_key"])
    mine = claims[claims["cycle_id"] == cycle_id].set_index(["org_id", "area_key"]).reindex(grid)
    self_level = mine["self_level"].astype("float64").fillna(0).clip(0, MAX_LEVEL).astype("int64")
    has_evidence = mine["evidence"].astype("float64").fillna(0) > 0
    verified = mine["verified"].astype("float64").fillna(0) > 0
    level = np.where(
        self_level <= 2,
        self_level,
        np.where((self_level == 4) & verified, 4, np.where(has_evidence, 3, 2)),
    )
    frame = pd.DataFrame(
        {
            "self_level": self_level,
            "level": level.astype("int64"),
            "has_evidence": has_evidence,
            "verified": verified,
        },
        index=grid,
    )
    flags: list[list[str]] = [[] for _ in range(len(frame))]
    for position in np.flatnonzero((self_level >= 3) & ~has_evidence):
        flags[position].append("evidence_missing")
    for position in np.flatnonzero((self_level == 4) & has_evidence & ~verified):
        flags[position].append("not_verified")
    if "champion" in area_keys:
        is_champion_area = frame.index.get_level_values("area_key") == "champion"
        status = champions.reindex(frame.index.get_level_values("org_id")).to_numpy()
        missing = is_champion_area & (status == "missing")
        below = is_champion_area & (status == "below_deputy")
        frame.loc[missing, "level"] = 0
        frame.loc[below, "level"] = np.minimum(frame.loc[below, "level"], 2)
        for position in np.flatnonzero(missing):
            flags[position].append("champion_missing")
        for position in np.flatnonzero(below):
            flags[position].append("champion_below_deputy")
    for position in np.flatnonzero(frame["level"].to_numpy() == 0):
        flags[position].append("area_at_zero")
    frame["flags"] = [tuple(f) for f in flags]
    return frame


def weighted_index(levels: pd.DataFrame, areas: pd.DataFrame) -> pd.Series:
    """Weighted mean of the verified levels / 4 x 100, per organization (rounded)."""
    weights = areas.set_index("key")["weight"].astype("float64")
    total = float(weights.sum())
    level = levels["level"].unstack("area_key").reindex(columns=weights.index).astype("float64")
    if total <= 0:
        raw = level.mean(axis=1)
    else:
        raw = (level * weights).sum(axis=1) / total
    return round_series(raw / MAX_LEVEL * 100.0)


def timeliness(milestones: pd.DataFrame, org_ids: pd.Index, cycle: CycleInfo, as_of: dt.date) -> pd.DataFrame:
    """due, on-time share, overdue count and median days late per organization."""
    m = milestones
    if len(m):
        due = pd.to_datetime(m["due_date"])
        completed = pd.to_datetime(m["completed_on"])
        in_cycle = (
            (due >= pd.Timestamp(cycle.period_start))
            & (due <= pd.Timestamp(cycle.period_end))
            & (due <= pd.Timestamp(as_of))
            & (m["status"] != "dropped")
        )
        m, due, completed = m[in_cycle], due[in_cycle], completed[in_cycle]
        done = m["status"] == "done"
        on_time = done & (completed.isna() | (completed <= due))
        done_late = done & completed.notna() & (completed > due)
        overdue = ~done & (due < pd.Timestamp(as_of))
        long_overdue = overdue & ((pd.Timestamp(as_of) - due).dt.days > LONG_OVERDUE_DAYS)
        days_late = pd.Series(np.nan, index=m.index)
        days_late[done_late] = (completed[done_late] - due[done_late]).dt.days
        days_late[overdue] = (pd.Timestamp(as_of) - due[overdue]).dt.days
        per = pd.DataFrame(
            {
                "org_id": m["org_id"],
                "on_time": on_time,
                "overdue": overdue,
                "long_overdue": long_overdue,
                "days_late": days_late,
            }
        ).groupby("org_id")
        due_count = per.size()
        on_time_count = per["on_time"].sum()
        overdue_count = per["overdue"].sum()
        long_overdue_count = per["long_overdue"].sum()
        median_late = per["days_late"].median()
    else:
        due_count = on_time_count = overdue_count = long_overdue_count = median_late = pd.Series(
            dtype="float64"
        )
    out = pd.DataFrame(index=org_ids)
    out["due_count"] = due_count.reindex(org_ids).fillna(0).astype("int64")
    out["on_time_share"] = percent(on_time_count.reindex(org_ids).fillna(0), out["due_count"])
    out["overdue"] = overdue_count.reindex(org_ids).fillna(0).astype("int64")
    out["overdue_30"] = long_overdue_count.reindex(org_ids).fillna(0).astype("int64")
    out["median_days_late"] = round_series(median_late.reindex(org_ids).astype("float64"))
    return out


def evidence_coverage(levels: pd.DataFrame) -> pd.DataFrame:
    """Over the areas claimed at 3 or more: share with evidence and share verified (percent)."""
    claimed = levels[levels["self_level"] >= 3]
    per = claimed.groupby(level="org_id")
    org_ids = levels.index.get_level_values("org_id").unique()
    counted = per.size().reindex(org_ids).fillna(0)
    return pd.DataFrame(
        {
            "evidence_share": percent(per["has_evidence"].sum().reindex(org_ids).fillna(0), counted),
            "verified_share": percent(per["verified"].sum().reindex(org_ids).fillna(0), counted),
        },
        index=org_ids,
    )


def trend_of(change: pd.Series) -> pd.Series:
    """'up', 'down' or 'same' from a numeric change; None where there is nothing to compare with."""
    values = np.select([change > 0, change < 0, change == 0], ["up", "down", "same"], default="")
    return pd.Series(values, index=change.index, dtype="object").replace("", None)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=False, errors="coerce")


def organization_flags(
    org_ids: pd.Index,
    champion: pd.Series,
    levels: pd.DataFrame,
    inputs: ScoringInputs,
    timely: pd.DataFrame,
) -> pd.Series:
    as_of = pd.Timestamp(inputs.as_of)
    last = _dates(inputs.last_updates.set_index("org_id")["last_update_on"]).reindex(org_ids)
    stale = last.isna() | ((as_of - last).dt.days > STALE_DAYS)
    submissions = inputs.submissions.set_index("org_id").reindex(org_ids)
    submitted = _dates(submissions["submitted_on"])
    due = pd.Timestamp(inputs.cycle.due_date)
    late = (submitted.notna() & (submitted > due)) | (submitted.isna() & (pd.Timestamp(inputs.today) > due))
    at_zero = (levels["level"] == 0).groupby(level="org_id").any().reindex(org_ids).fillna(False)
    columns = {
        "champion_missing": (champion == "missing").to_numpy(),
        "champion_below_deputy": (champion == "below_deputy").to_numpy(),
        "no_update_90_days": stale.to_numpy(),
        "submission_late": late.to_numpy(),
        "area_at_zero": at_zero.to_numpy(dtype=bool),
        "milestones_overdue_30": (timely["overdue_30"] > 0).to_numpy(),
        "on_time_below_half": (timely["on_time_share"].astype("float64") < ON_TIME_FLOOR).to_numpy(),
    }
    flags = [tuple(name for name, on in columns.items() if on[i]) for i in range(len(org_ids))]
    return pd.Series(flags, index=org_ids, dtype="object")


def published_early(published: pd.Series, submissions: pd.DataFrame, cycle: CycleInfo) -> pd.Series:
    """Published on or before the last day of the cycle's period (docs/design.md "Cycles, submissions and publishing")."""
    if "published_on" not in submissions.columns:
        return pd.Series(False, index=published.index, dtype=bool)
    on = submissions["published_on"]
    early = on.map(lambda day: day is not None and not pd.isna(day) and day <= cycle.period_end)
    return (published & early.astype(bool)).astype(bool)


def score_cycle(inputs: ScoringInputs) -> Scores:
    """Every organization's own figures for `inputs.cycle` (rounded; not yet placed among peers)."""
    orgs = inputs.organizations.set_index("org_id").sort_index()
    org_ids = orgs.index
    area_keys = list(inputs.areas["key"])
    champion = champion_status(org_ids, inputs.champions)
    levels = area_levels(inputs.claims, inputs.cycle.id, org_ids, area_keys, champion)
    index = weighted_index(levels, inputs.areas)

    if inputs.previous is not None:
        previous = area_levels(inputs.claims, inputs.previous.id, org_ids, area_keys, champion)
        levels["previous_level"] = previous["level"].astype("Int64")
        previous_index = weighted_index(previous, inputs.areas)
    else:
        levels["previous_level"] = pd.array([pd.NA] * len(levels), dtype="Int64")
        previous_index = pd.Series(np.nan, index=org_ids)
    levels["change"] = trend_of((levels["level"] - levels["previous_level"]).astype("float64"))

    out = orgs[["acronym", "name", "org_type"]].copy()
    submissions = inputs.submissions.set_index("org_id").reindex(org_ids)
    out["status"] = submissions["status"].fillna("draft").astype("object")
    out["published"] = (out["status"] == "published").astype(bool)
    out["published_early"] = published_early(out["published"], submissions, inputs.cycle)
    out["index"] = index
    out["previous_index"] = previous_index
    out["index_change"] = round_series(index - previous_index)
    out["trend"] = trend_of(out["index_change"])
    timely = timeliness(inputs.milestones, org_ids, inputs.cycle, inputs.as_of)
    out = out.join(timely)
    out = out.join(evidence_coverage(levels))
    met = (
        inputs.expectations.set_index("org_id")["met"].reindex(org_ids) if len(inputs.expectations) else None
    )
    out["expectations_met"] = (met.fillna(0) if met is not None else pd.Series(0, index=org_ids)).astype(
        "int64"
    )
    out["expectations_total"] = int(inputs.expectations_total)
    out["champion_status"] = champion
    out["flags"] = organization_flags(org_ids, champion, levels, inputs, timely)
    return Scores(orgs=out, areas=levels)
