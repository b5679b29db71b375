"""Scorecards at an audience: the functions the API, the pages, the exports and the CLI call.

- `internal` (an organization's own people, the secretariat): live figures, computed from the
  current rows, with every text.
- `peer` and `donor`: published snapshots only, with the texts frozen for that audience. An
  organization that has not published in the cycle does not exist for them.

Peer position is always computed when served, among the organizations published in the cycle: on
live figures for `internal`, on the frozen figures for `peer` and `donor`. Published snapshots never
change (the database refuses it), so everything built from them is cached in memory and reused
until a new snapshot appears: one primary-key lookup per request tells (`snapshot_fingerprint`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import zlib
from collections.abc import Awaitable, Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pandas as pd

from models import clock
from models.engine import database_identity, fetch, fetch_kept
from models.errors import Forbidden, NotFound
from models.paging import EVERYTHING, Paging
from models.services.common import choice
from models.versions import held_versions, read_versions
from models.vocabulary import AUDIENCES, ORG_TYPE_LABELS, ORG_TYPES
from models.words import N_
from scorecards.engine import CycleInfo, Scores, score_cycle
from scorecards.loader import find_cycle, load_inputs
from scorecards.payload import EARLY_NOTE, cycle_mapping, scores_from_payloads
from scorecards.positions import Positions, placed_comparison_frame, records
from scorecards.shapes import ComparisonRead, comparison_read_type


def check_audience(audience: str) -> None:
    choice(
        audience,
        AUDIENCES,
        "audience",
        N_("audience must be one of %(audiences)s (got %(audience)r)"),
        listed="audiences",
        got="audience",
    )


def check_peer_type(peer_type: str | None) -> None:
    if peer_type:
        choice(
            peer_type,
            ORG_TYPES,
            "peer_type",
            N_("peer_type must be one of %(org_types)s (got %(peer_type)r)"),
            listed="org_types",
            got="peer_type",
        )


def resolve_audience(widest: str | None, requested: str | None) -> str:
    """The audience to read at: the caller's widest (None: no access), or a narrower one asked for.

    AUDIENCES runs from the widest (internal) to the narrowest (donor): the secretariat may preview
    what donors see, a donor may never ask for more.
    """
    if widest is None:
        raise Forbidden(
            N_("scorecards are for the secretariat, organizations' staff, peer reviewers and donors")
        )
    if not requested:
        return widest
    check_audience(requested)
    allowed = AUDIENCES[AUDIENCES.index(widest) :]
    if requested not in allowed:
        raise Forbidden(
            N_("you may read this scorecard at: %(allowed)s"), field="audience", allowed=", ".join(allowed)
        )
    return requested


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
    payloads: Mapping[int, dict[str, Any]] = field(default_factory=dict)


class FrozenPayloads(Mapping[int, dict[str, Any]]):
    """A cycle's snapshots by organization, held as their compressed JSON text and decoded at each
    read.

    Decoded, the payloads of five thousand organizations hold some 70 MB of dicts and strings; their
    text, a fifth of that, and compressed a third of the text again. A reader gets its own fresh
    copy, and one going through them all (the Summary's frames, the donor matrix) holds one at a
    time."""

    def __init__(self, texts: dict[int, Any]) -> None:
        self._texts = texts

    def __getitem__(self, org_id: int) -> dict[str, Any]:
        return _decode(self._texts[org_id])

    def __iter__(self) -> Iterator[int]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, org_id: object) -> bool:
        return org_id in self._texts


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


async def organization_fingerprint(org_id: int) -> tuple[Any, ...]:
    """What the organization's live figures were computed from: its row and row 0 of
    `organization_version` (models/versions.py), as the view holds them, else one indexed read.

    Triggers move the organization's row on every write that concerns it, and row 0 on writes
    that concern every organization (areas, cycles, people, donor expectations), whichever process
    or connection writes: a worker holding figures under an older fingerprint computes them again."""
    versions = held_versions(org_id) or await read_versions(org_id)
    return versions.fingerprint(org_id)


async def live_area_levels(org_id: int, cycle_name: str, today: dt.date) -> dict[str, dict[str, Any]]:
    """One organization's live figures per area key (self_level, level, change...): internal only.

    Served from memory until a write concerns the organization (`organization_fingerprint`), so
    its page costs the same with a hundred organizations as with five thousand. The fingerprint is
    read before the figures: a write that lands while they are computed only makes the next view
    compute them again. Only internal figures are kept here, never a text of any visibility.

    Views that miss at the same moment (a worker's first minute, the views right after a write)
    wait for one computation instead of each running its own."""
    fingerprint = await organization_fingerprint(org_id)
    key = (org_id, cycle_name, today)
    cached = LIVE_LEVELS_CACHE.get(key, fingerprint)
    if cached is not None:
        return cached

    async def compute() -> dict[str, dict[str, Any]]:
        frame = (await live_cycle_scores(cycle_name, today, [org_id])).scores.areas
        levels = {
            str(area): {name: row[name] for name in frame.columns}
            for (row_org, area), row in frame.iterrows()
            if int(row_org) == org_id
        }
        return LIVE_LEVELS_CACHE.put(key, fingerprint, levels)

    return await computed_once((key, fingerprint), compute)


_computing: dict[Hashable, asyncio.Task[Any]] = {}


async def computed_once(flight: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
    """`compute()`, run once for every caller that asks for the same `flight` while it runs, in a
    task of its own: a caller that goes away (a closed connection) cancels its wait, never the
    computation the others wait for."""
    task = _computing.get(flight)
    if task is None or task.get_loop() is not asyncio.get_running_loop():
        task = _computing[flight] = asyncio.ensure_future(compute())

        def done(finished: asyncio.Task[Any]) -> None:
            if _computing.get(flight) is finished:
                del _computing[flight]
            if not finished.cancelled():
                finished.exception()  # retrieved here: every waiter may have gone

        task.add_done_callback(done)
    return await asyncio.shield(task)


class FrozenCache:
    """Derived values, each valid while the fingerprint it was stored under still holds (for
    published figures: no snapshot added since; for live ones: no write to the organization)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.entries: dict[Hashable, tuple[Hashable, Any]] = {}

    def get(self, key: Hashable, fingerprint: Hashable) -> Any:
        entry = self.entries.get(key)
        return entry[1] if entry is not None and entry[0] == fingerprint else None

    def put(self, key: Hashable, fingerprint: Hashable, value: Any) -> Any:
        if key not in self.entries and len(self.entries) >= self.limit:
            self.entries.pop(next(iter(self.entries)))
        self.entries[key] = (fingerprint, value)
        return value

    def clear(self) -> None:
        self.entries.clear()


CYCLE_CACHE = FrozenCache(limit=64)
COMPARISON_CACHE = FrozenCache(limit=256)
CARD_CACHE = FrozenCache(limit=4096)
MATRIX_CACHE = FrozenCache(limit=64)  # (cycle, audience, peer type) -> the donor matrix
LIVE_LEVELS_CACHE = FrozenCache(limit=8192)  # (organization, cycle, day) -> live internal levels


NEWEST_SNAPSHOT = "SELECT id, created_at FROM scorecard_snapshot ORDER BY id DESC LIMIT 1"


async def snapshot_fingerprint() -> tuple[Any, ...]:
    """Snapshots are never updated or deleted, so the newest row identifies the whole table.

    Read on most requests for published scorecards, so kept in memory until the database changes
    (`fetch_kept`): on SQLite it then costs one look at the database's change counter."""
    rows = await fetch_kept(NEWEST_SNAPSHOT)
    newest = (rows[0]["id"], str(rows[0]["created_at"])) if rows else (0, "")
    return (database_identity(), *newest)


def forget_published_cache() -> None:
    for cache in (CYCLE_CACHE, COMPARISON_CACHE, CARD_CACHE, MATRIX_CACHE):
        cache.clear()


async def area_weights() -> list[dict[str, Any]]:
    """The areas in display order, with their weights and what level 3 looks like."""
    rows = await fetch("SELECT key, name, weight, descriptor FROM area ORDER BY position, id")
    return [
        {"key": r["key"], "name": r["name"], "weight": float(r["weight"]), "descriptor": r["descriptor"]}
        for r in rows
    ]


async def _areas() -> pd.DataFrame:
    return pd.DataFrame(await area_weights(), columns=["key", "name", "weight"])


async def published_cycle_scores(
    cycle_name: str, audience: str, fingerprint: tuple[Any, ...] | None = None
) -> CycleScores:
    """Frames rebuilt from the cycle's snapshots for one audience (cached until a snapshot is added)."""
    fingerprint = fingerprint or await snapshot_fingerprint()
    key = (cycle_name, audience)
    cached = CYCLE_CACHE.get(key, fingerprint)
    if cached is not None:
        return cached
    cycle, previous, cycles = await find_cycle(cycle_name)
    payloads = await frozen_payloads(cycle.id, audience)
    result = CycleScores(
        cycle=cycle,
        previous=previous,
        cycles=cycles,
        audience=audience,
        areas=_frozen_areas(payloads) if payloads else await _areas(),
        scores=scores_from_payloads(payloads.values()),
        as_of=None,
        payloads=payloads,
    )
    return CYCLE_CACHE.put(key, fingerprint, result)


SNAPSHOTS_PER_READ = 500


async def frozen_payloads(cycle_id: int, audience: str) -> FrozenPayloads:
    """The cycle's snapshots at `audience`, read a batch of organizations at a time and compressed
    as they arrive: the texts of a whole cycle are never held uncompressed at once."""
    texts: dict[int, Any] = {}
    after = 0
    while True:
        rows = await fetch(
            "SELECT organization, payload FROM scorecard_snapshot WHERE cycle = {} AND audience = {} "
            "AND organization > {} ORDER BY organization LIMIT {}",
            cycle_id,
            audience,
            after,
            SNAPSHOTS_PER_READ,
        )
        for row in rows:
            texts[int(row["organization"])] = _compressed(row["payload"])
        if len(rows) < SNAPSHOTS_PER_READ:
            return FrozenPayloads(texts)
        after = int(rows[-1]["organization"])


def _compressed(payload: Any) -> Any:
    return zlib.compress(payload.encode(), 1) if isinstance(payload, str) else payload


async def publication_note(cycle_name: str, audience: str) -> str | None:
    """ "published before the cycle closed" when a scorecard of the cycle was published early."""
    scores = await published_cycle_scores(cycle_name, "peer" if audience == "internal" else audience)
    return EARLY_NOTE if published_early(scores) else None


def published_early(scores: CycleScores) -> bool:
    """Whether any scorecard of these was published before the cycle closed (read from the frame,
    not by decoding every payload)."""
    return bool(scores.scores.orgs["published_early"].any()) if len(scores.scores.orgs) else False


def _frozen_areas(payloads: Mapping[int, dict[str, Any]]) -> pd.DataFrame:
    """The areas (order, names, weights) as frozen in the cycle's snapshots, not as edited since."""
    first = payloads[min(payloads)]
    return pd.DataFrame(
        [(a["key"], a["name"], float(a["weight"])) for a in first["areas"]], columns=["key", "name", "weight"]
    )


def _decode(payload: Any) -> dict[str, Any]:
    if isinstance(payload, bytes):
        return json.loads(zlib.decompress(payload))  # type: ignore[no-any-return]
    return json.loads(payload) if isinstance(payload, str) else dict(payload)


async def cycle_scores(cycle_name: str, audience: str, today: dt.date | None = None) -> CycleScores:
    check_audience(audience)
    if audience == "internal":
        return await live_cycle_scores(cycle_name, today or clock.today())
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
    scores: CycleScores | None = None


def _comparison_of(scores: CycleScores, peer_type: str | None) -> Comparison:
    if scores.audience != "internal" and scores.scores.orgs.empty:
        raise NotFound(
            N_("no scorecards have been published for %(name)s yet"), field="cycle", name=scores.cycle.name
        )
    frame, positions = placed_comparison_frame(scores.scores, list(scores.areas["key"]), peer_type)
    return Comparison(
        cycle=scores.cycle,
        audience=scores.audience,
        peer_type=peer_type,
        areas=scores.areas,
        frame=frame,
        positions=positions,
        as_of=scores.as_of,
        scores=scores,
    )


async def published_comparison(
    cycle_name: str, audience: str, peer_type: str | None
) -> tuple[Comparison, ComparisonRead]:
    fingerprint = await snapshot_fingerprint()
    key = (cycle_name, audience, peer_type or None)
    cached = COMPARISON_CACHE.get(key, fingerprint)
    if cached is None:
        result = _comparison_of(await published_cycle_scores(cycle_name, audience, fingerprint), peer_type)
        cached = COMPARISON_CACHE.put(key, fingerprint, (result, comparison_struct(result)))
    return cached


async def comparison(
    cycle_name: str, audience: str, peer_type: str | None = None, today: dt.date | None = None
) -> Comparison:
    """Organizations x areas for one cycle at one audience (see `scorecards.positions`)."""
    check_audience(audience)
    check_peer_type(peer_type)
    if audience == "internal":
        return _comparison_of(await live_cycle_scores(cycle_name, today or clock.today()), peer_type)
    return (await published_comparison(cycle_name, audience, peer_type))[0]


def comparison_mapping(result: Comparison) -> dict[str, Any]:
    """The JSON shape of `/api/scorecards/{cycle}`: `items` are the comparison frame's rows."""
    early = bool(result.frame["published_early"].any()) if len(result.frame) else False
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
        "total": len(result.frame),
        "limit": len(result.frame),
        "offset": 0,
        "ranked": result.positions.population,
        "peer_median": {"index": result.positions.median_index, **result.positions.median_levels},
        "most_improved": result.positions.most_improved,
        "published_early": early,
        "publication_note": EARLY_NOTE if early else None,
    }


def comparison_struct(result: Comparison) -> ComparisonRead:
    area_keys = tuple(result.areas["key"])
    return msgspec.convert(comparison_mapping(result), comparison_read_type(area_keys))


async def comparison_read(
    cycle_name: str,
    audience: str,
    peer_type: str | None = None,
    today: dt.date | None = None,
    paging: Paging = EVERYTHING,
) -> ComparisonRead:
    """One page of the comparison as a response Struct (built once per new snapshot for peers and
    donors).

    This list alone is paged after it is computed: a rank, a quartile or a peer median is a figure
    of the whole peer group, so the frame is scored whole (and cached) and then only its rows are
    cut to the page; `total` counts the organizations of the peer group asked for.
    """
    if audience == "internal":
        whole = comparison_struct(await comparison(cycle_name, audience, peer_type, today))
    else:
        check_audience(audience)
        check_peer_type(peer_type)
        whole = (await published_comparison(cycle_name, audience, peer_type))[1]
    if paging.limit is None:
        return whole
    rows = whole.items[paging.offset : paging.offset + paging.limit]
    return msgspec.structs.replace(whole, items=rows, limit=paging.limit, offset=paging.offset)
