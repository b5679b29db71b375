"""Peer position and the comparison frame: where each organization stands among its peers.

The ranked population of a cycle is the set of organizations **published** in it, optionally
limited to one peer type (`org_type`). Within it:
  - rank: 1 for the highest value; ties share the rank and the next rank skips (1, 2, 2, 4);
    organizations outside the population (not published, or of another type) have no rank;
  - quartile: 1 + floor(4 x (number ranked strictly above) / (number ranked)), so 1 is the top
    quarter, ties share a quartile, and with fewer than four organizations some quartiles stay empty
    (two organizations are in quartiles 1 and 3; one is in quartile 1);
  - peer median: the median verified level per area, and the median index, of the population;
  - most improved: the largest positive index changes in the population (ties by acronym).
Ranks are computed on the rounded figures, so organizations that show the same index share a rank.

The comparison frame
--------------------
`comparison_frame(scores, areas, peer_type)` returns one row per organization (limited to the peer
type when given), sorted by rank (unranked last) then acronym. This one frame is what the JSON API
serialises (`items`) and what the spreadsheet's Summary sheet and the CSV write, column for column:

  org_id, acronym, name, org_type, org_type_label
      the organization and its peer type (key and wording)
  status, published
      the cycle's submission status; True when published in the cycle
  index, index_change, trend
      internalization index 0-100; change since the previous cycle (None without one);
      'up' / 'down' / 'same' / None
  rank, quartile
      overall peer position (None when not ranked)
  <area>_level, <area>_self, <area>_change, <area>_rank, <area>_quartile   for each area key in order
      verified level 0-4; self-assessed level 0-4; 'up' / 'down' / 'same' / None; area rank and quartile
  on_time_share, overdue, median_days_late
      timeliness: percent of milestones due in the cycle done on time (None if none due); count overdue;
      median days late (None if none late)
  evidence_share, verified_share
      percent of areas claimed at 3+ with evidence / with verified evidence (None if none claimed)
  expectations_met, expectations_total
      donor expectations met / active ones
  flags
      the organization's flag keys joined by "; " (see `scorecards.engine.FLAG_LABELS`)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from models.vocabulary import ORG_TYPE_LABELS
from scorecards.engine import Scores
from scorecards.rounding import round_series

MOST_IMPROVED_COUNT = 5


def rank_and_quartile(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Competition rank (ties share, highest first) and quartile (1 = top) of a population."""
    if values.empty:
        empty = pd.Series(dtype="Int64", index=values.index)
        return empty, empty.copy()
    rank = values.rank(method="min", ascending=False).astype("int64")
    quartile = (4 * (rank - 1)) // len(values) + 1
    return rank.astype("Int64"), quartile.astype("Int64")


def population_mask(orgs: pd.DataFrame, peer_type: str | None) -> pd.Series:
    mask = orgs["published"].astype(bool)
    if peer_type:
        mask &= orgs["org_type"] == peer_type
    return mask


@dataclass
class Positions:
    """Rank and quartile per organization and per area, plus the population's medians."""

    org_rank: pd.Series
    org_quartile: pd.Series
    area_rank: pd.DataFrame  # org_id x area_key
    area_quartile: pd.DataFrame
    median_levels: dict[str, float | None]
    median_index: float | None
    population: int
    most_improved: list[dict[str, Any]]


def place(scores: Scores, area_keys: list[str], peer_type: str | None = None) -> Positions:
    orgs = scores.orgs
    mask = population_mask(orgs, peer_type)
    ranked = orgs[mask]
    org_rank, org_quartile = rank_and_quartile(ranked["index"])
    levels = scores.areas["level"].unstack("area_key").reindex(columns=area_keys)
    ranked_levels = levels[levels.index.isin(ranked.index)]
    area_rank = pd.DataFrame(index=orgs.index, columns=area_keys, dtype="Int64")
    area_quartile = area_rank.copy()
    medians: dict[str, float | None] = {}
    for key in area_keys:
        rank, quartile = rank_and_quartile(ranked_levels[key])
        area_rank[key] = rank.reindex(orgs.index)
        area_quartile[key] = quartile.reindex(orgs.index)
        medians[key] = _median(ranked_levels[key])
    improved = ranked[ranked["index_change"] > 0].sort_values(
        ["index_change", "acronym"], ascending=[False, True]
    )
    most_improved = [
        {
            "org_id": int(org_id),
            "acronym": row["acronym"],
            "name": row["name"],
            "index": float(row["index"]),
            "index_change": float(row["index_change"]),
        }
        for org_id, row in improved.head(MOST_IMPROVED_COUNT).iterrows()
    ]
    return Positions(
        org_rank=org_rank.reindex(orgs.index),
        org_quartile=org_quartile.reindex(orgs.index),
        area_rank=area_rank,
        area_quartile=area_quartile,
        median_levels=medians,
        median_index=_median(ranked["index"]),
        population=int(mask.sum()),
        most_improved=most_improved,
    )


def _median(values: pd.Series) -> float | None:
    if values.empty:
        return None
    median = round_series(pd.Series([float(values.astype("float64").median())])).iloc[0]
    return None if math.isnan(median) else float(median)


def comparison_frame(scores: Scores, area_keys: list[str], peer_type: str | None = None) -> pd.DataFrame:
    """The organizations x areas frame described in the module docstring."""
    return placed_comparison_frame(scores, area_keys, peer_type)[0]


def placed_comparison_frame(
    scores: Scores, area_keys: list[str], peer_type: str | None = None
) -> tuple[pd.DataFrame, Positions]:
    """The comparison frame and the positions it was ranked by. The positions are not kept in the
    frame's `attrs`: pandas deep-copies those on every operation on the frame and its slices."""
    positions = place(scores, area_keys, peer_type)
    orgs = scores.orgs
    frame = pd.DataFrame(index=orgs.index)
    frame["org_id"] = orgs.index.astype("int64")
    for column in ("acronym", "name", "org_type"):
        frame[column] = orgs[column].astype("object")
    frame["org_type_label"] = orgs["org_type"].map(ORG_TYPE_LABELS).fillna(orgs["org_type"]).astype("object")
    frame["status"] = orgs["status"].astype("object")
    frame["published"] = orgs["published"].astype(bool)
    frame["index"] = orgs["index"].astype("float64")
    frame["index_change"] = orgs["index_change"].astype("float64")
    frame["trend"] = orgs["trend"]
    frame["rank"] = positions.org_rank
    frame["quartile"] = positions.org_quartile
    areas = scores.areas
    for key in area_keys:
        if key in areas.index.get_level_values("area_key"):
            one = areas.xs(key, level="area_key").reindex(orgs.index)
        else:  # no organization at all (a fresh install with a cycle): empty columns, same shape
            one = pd.DataFrame({"level": 0, "self_level": 0, "change": None}, index=orgs.index)
        frame[f"{key}_level"] = one["level"].astype("int64")
        frame[f"{key}_self"] = one["self_level"].astype("int64")
        frame[f"{key}_change"] = one["change"]
        frame[f"{key}_rank"] = positions.area_rank[key]
        frame[f"{key}_quartile"] = positions.area_quartile[key]
    frame["on_time_share"] = orgs["on_time_share"].astype("float64")
    frame["overdue"] = orgs["overdue"].astype("int64")
    for column in ("median_days_late", "evidence_share", "verified_share"):
        frame[column] = orgs[column].astype("float64")
    for column in ("expectations_met", "expectations_total"):
        frame[column] = orgs[column].astype("int64")
    frame["flags"] = orgs["flags"].map(lambda flags: "; ".join(flags)).astype("object")
    # Last, so rows frozen before it existed keep their columns in place.
    early = orgs["published_early"] if "published_early" in orgs.columns else False
    frame["published_early"] = pd.Series(early, index=orgs.index).astype(bool)
    if peer_type:
        frame = frame[frame["org_type"] == peer_type]
    unranked = frame["rank"].isna()
    frame = frame.assign(_unranked=unranked, _rank=frame["rank"].fillna(0)).sort_values(
        ["_unranked", "_rank", "acronym"]
    )
    frame = frame.drop(columns=["_unranked", "_rank"]).reset_index(drop=True)
    return frame, positions


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain Python values (None for missing), for JSON and templates."""
    plain_values = frame.astype(object).where(frame.notna(), None)
    return plain_values.to_dict("records")
