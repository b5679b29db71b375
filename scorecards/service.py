"""Scorecards at an audience: the functions the API, the pages, the exports and the CLI call.

- `internal` (an organization's own people, the secretariat): live figures, computed from the
  current rows, with every text.
- `peer` and `donor`: published snapshots only, with the texts frozen for that audience. An
  organization that has not published in the cycle does not exist for them.

Peer position is always computed when served, among the organizations published in the cycle: on
live figures for `internal`, on the frozen figures for `peer` and `donor`. Published snapshots never
change (the database refuses it), so the frames built from them are cached in memory and reused
until a new snapshot appears (one primary-key lookup per request tells).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from models.engine import current_engine, fetch
from models.errors import NotFound, UserError
from models.vocabulary import AUDIENCES, ORG_TYPE_LABELS, ORG_TYPES
from scorecards.engine import CycleInfo, Scores, score_cycle
from scorecards.loader import find_cycle, load_inputs, load_texts
from scorecards.payload import cycle_mapping, organization_payload, payload_parts, scores_from_payloads
from scorecards.positions import Positions, comparison_frame, place, records


def check_audience(audience: str) -> None:
    if audience not in AUDIENCES:
        raise UserError(
            f"audience must be one of {', '.join(AUDIENCES)} (got {audience!r})", field="audience"
        )


def check_peer_type(peer_type: str | None) -> None:
    if peer_type and peer_type not in ORG_TYPES:
        raise UserError(
            f"peer_type must be one of {', '.join(ORG_TYPES)} (got {peer_type!r})", field="peer_type"
        )


@dataclass
class CycleScores:
    """All organizations' own figures in one cycle at one audience, with their payloads if frozen."""

    cycle: CycleInfo
    previous: CycleInfo | None
    cycles: list[CycleInfo]
    audience: str
    areas: pd.DataFrame
    scores: Scores
    as_of: dt.date | None
    payloads: dict[int, dict[str, Any]] = field(default_factory=dict)


async def _areas() -> pd.DataFrame:
    rows = await fetch("SELECT key, name, weight FROM area ORDER BY position, id")
    return pd.DataFrame(
        [(r["key"], r["name"], float(r["weight"])) for r in rows], columns=["key", "name", "weight"]
    )


async def live_cycle_scores(cycle_name: str, today: dt.date, org_ids: list[int] | None = None) -> CycleScores:
    inputs = await load_inputs(cycle_name, today, org_ids)
    _, _, cycles = await find_cycle(cycle_name)
    return CycleScores(
        cycle=inputs.cycle,
        previous=inputs.previous,
        cycles=cycles,
        audience="internal",
        areas=inputs.areas,
        scores=score_cycle(inputs),
        as_of=inputs.as_of,
    )


# (database, cycle id, audience) -> (fingerprint, CycleScores)
_published_cache: dict[tuple[str, int, str], tuple[tuple[Any, ...], CycleScores]] = {}


def _database_identity() -> str:
    engine = current_engine()
    return str(getattr(engine, "path", None) or engine.config.get("dsn", ""))  # type: ignore[attr-defined]


async def snapshot_fingerprint() -> tuple[Any, ...]:
    """Snapshots are never updated or deleted, so the newest row identifies the whole table."""
    rows = await fetch("SELECT id, created_at FROM scorecard_snapshot ORDER BY id DESC LIMIT 1")
    return (rows[0]["id"], str(rows[0]["created_at"])) if rows else (0, "")


def forget_published_cache() -> None:
    _published_cache.clear()


async def published_cycle_scores(cycle_name: str, audience: str) -> CycleScores:
    """Frames rebuilt from the cycle's snapshots for one audience (cached until a snapshot is added)."""
    cycle, previous, cycles = await find_cycle(cycle_name)
    key = (_database_identity(), cycle.id, audience)
    fingerprint = await snapshot_fingerprint()
    cached = _published_cache.get(key)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    rows = await fetch(
        "SELECT organization, payload FROM scorecard_snapshot WHERE cycle = {} AND audience = {} "
        "ORDER BY organization",
        cycle.id,
        audience,
    )
    payloads = {int(r["organization"]): _decode(r["payload"]) for r in rows}
    result = CycleScores(
        cycle=cycle,
        previous=previous,
        cycles=cycles,
        audience=audience,
        areas=await _areas(),
        scores=scores_from_payloads(list(payloads.values())),
        as_of=None,
        payloads=payloads,
    )
    _published_cache[key] = (fingerprint, result)
    return result


def _decode(payload: Any) -> dict[str, Any]:
    return json.loads(payload) if isinstance(payload, (str, bytes)) else dict(payload)


async def cycle_scores(cycle_name: str, audience: str, today: dt.date | None = None) -> CycleScores:
    check_audience(audience)
    if audience == "internal":
        return await live_cycle_scores(cycle_name, today or dt.date.today())
    return await published_cycle_scores(cycle_name, audience)


@dataclass
class Comparison:
    cycle: CycleInfo
    audience: str
    peer_type: str | None
    areas: pd.DataFrame
    frame: pd.DataFrame
    positions: Positions
    as_of: dt.date | None


async def comparison(
    cycle_name: str, audience: str, peer_type: str | None = None, today: dt.date | None = None
) -> Comparison:
    """Organizations x areas for one cycle at one audience (see `scorecards.positions`)."""
    check_peer_type(peer_type)
    scores = await cycle_scores(cycle_name, audience, today)
    if audience != "internal" and scores.scores.orgs.empty:
        raise NotFound(f"no scorecards have been published for {cycle_name} yet", field="cycle")
    area_keys = list(scores.areas["key"])
    frame = comparison_frame(scores.scores, area_keys, peer_type)
    return Comparison(
        cycle=scores.cycle,
        audience=audience,
        peer_type=peer_type,
        areas=scores.areas,
        frame=frame,
        positions=frame.attrs["positions"],
        as_of=scores.as_of,
    )


async def comparison_frame_for(
    cycle_name: str, audience: str, peer_type: str | None = None, today: dt.date | None = None
) -> pd.DataFrame:
    """The comparison frame alone: what the spreadsheet's Summary sheet and the CSV write."""
    return (await comparison(cycle_name, audience, peer_type, today)).frame


def comparison_mapping(result: Comparison) -> dict[str, Any]:
    """The JSON shape of `/api/scorecards/{cycle}`: `items` are the comparison frame's rows."""
    return {
        "cycle": cycle_mapping(result.cycle),
        "audience": result.audience,
        "peer_type": result.peer_type,
        "peer_type_label": ORG_TYPE_LABELS.get(result.peer_type or "", None),
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "areas": [
            {"key": a.key, "name": a.name, "weight": float(a.weight)} for a in result.areas.itertuples()
        ],
        "columns": list(result.frame.columns),
        "items": records(result.frame),
        "ranked": result.positions.population,
        "peer_median": {"index": result.positions.median_index, **result.positions.median_levels},
        "most_improved": result.positions.most_improved,
    }


def _position(positions: Positions, org_id: int, area_keys: list[str]) -> dict[str, Any]:
    def number(series: pd.Series | pd.DataFrame, *where: Any) -> int | None:
        value = series.loc[where] if len(where) > 1 else series.get(where[0])
        return None if value is None or pd.isna(value) else int(value)

    return {
        "rank": number(positions.org_rank, org_id),
        "quartile": number(positions.org_quartile, org_id),
        "ranked": positions.population,
        "median_index": positions.median_index,
        "areas": {
            key: {
                "rank": number(positions.area_rank, org_id, key),
                "quartile": number(positions.area_quartile, org_id, key),
                "median": positions.median_levels[key],
            }
            for key in area_keys
        },
    }


async def organization_scorecard(
    org_id: int, cycle_name: str, audience: str, today: dt.date | None = None
) -> dict[str, Any]:
    """One organization's scorecard at an audience, with its peer position and its index over cycles."""
    today = today or dt.date.today()
    scores = await cycle_scores(cycle_name, audience, today)
    area_keys = list(scores.areas["key"])
    if audience == "internal":
        if org_id not in scores.scores.orgs.index:
            raise NotFound(f"no active organization with id {org_id}", field="org_id")
        texts = (await load_texts(scores.cycle, ["internal"], [org_id]))["internal"]
        parts = payload_parts(
            scores.scores.orgs.loc[[org_id]], scores.scores.areas.loc[[org_id]], scores.areas
        )
        payload = organization_payload(parts, org_id, texts, scores.cycle, "internal", scores.as_of)
    else:
        if org_id not in scores.payloads:
            raise NotFound(f"this organization has not published a scorecard for {cycle_name}", field="cycle")
        payload = dict(scores.payloads[org_id])
    org_type = payload["organization"]["org_type"]
    payload["position"] = _position(place(scores.scores, area_keys), org_id, area_keys)
    payload["type_position"] = _position(place(scores.scores, area_keys, org_type), org_id, area_keys)
    payload["history"] = await index_history(org_id, scores, audience, today)
    return payload


async def index_history(
    org_id: int, current: CycleScores, audience: str, today: dt.date
) -> list[dict[str, Any]]:
    """The organization's index in every cycle up to this one that its audience may see."""
    history = []
    for cycle in current.cycles:
        if cycle.period_start > current.cycle.period_start:
            break
        if cycle.id == current.cycle.id:
            scores = current
        elif audience == "internal":
            scores = await live_cycle_scores(cycle.name, today, [org_id])
        else:
            scores = await published_cycle_scores(cycle.name, audience)
        if org_id in scores.scores.orgs.index and (audience == "internal" or org_id in scores.payloads):
            history.append({"cycle": cycle.name, "index": float(scores.scores.orgs.loc[org_id, "index"])})
    return history
