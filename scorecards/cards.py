"""One organization's scorecard at an audience: its own figures, its peer position, its trend.

Internal callers get the live scorecard; peers and donors get the frozen snapshot of their audience
(`NotFound` when the organization has not published in the cycle), with the position computed among
the published organizations, overall and within the organization's own type.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pandas as pd

from models import clock
from models.errors import NotFound
from models.words import N_
from scorecards.loader import load_texts
from scorecards.payload import organization_payload, payload_parts
from scorecards.positions import Positions, place
from scorecards.service import (
    CARD_CACHE,
    CycleScores,
    check_audience,
    live_cycle_scores,
    published_comparison,
    published_cycle_scores,
    snapshot_fingerprint,
)
from scorecards.shapes import PeerReviewEntry, ScorecardRead


def position_mapping(positions: Positions, org_id: int, area_keys: list[str]) -> dict[str, Any]:
    def number(value: Any) -> int | None:
        return None if value is None or pd.isna(value) else int(value)

    return {
        "rank": number(positions.org_rank.get(org_id)),
        "quartile": number(positions.org_quartile.get(org_id)),
        "ranked": positions.population,
        "median_index": positions.median_index,
        "areas": {
            key: {
                "rank": number(positions.area_rank.at[org_id, key]),
                "quartile": number(positions.area_quartile.at[org_id, key]),
                "median": positions.median_levels[key],
            }
            for key in area_keys
        },
    }


async def _live_card(org_id: int, cycle_name: str, today: dt.date) -> dict[str, Any]:
    scores = await live_cycle_scores(cycle_name, today)
    orgs = scores.scores.orgs
    if org_id not in orgs.index:
        raise NotFound(N_("no active organization with id %(org_id)s"), field="org_id", org_id=org_id)
    texts = (await load_texts(scores.cycle, ["internal"], [org_id]))["internal"]
    parts = payload_parts(orgs.loc[[org_id]], scores.scores.areas.loc[[org_id]], scores.areas)
    card = organization_payload(parts, org_id, texts, scores.cycle, "internal", scores.as_of)
    area_keys = list(scores.areas["key"])
    card["position"] = position_mapping(place(scores.scores, area_keys), org_id, area_keys)
    org_type = card["organization"]["org_type"]
    card["type_position"] = position_mapping(place(scores.scores, area_keys, org_type), org_id, area_keys)
    history = []
    for cycle in scores.cycles:
        if cycle.period_start > scores.cycle.period_start:
            break
        earlier = (
            scores if cycle.id == scores.cycle.id else await live_cycle_scores(cycle.name, today, [org_id])
        )
        if org_id in earlier.scores.orgs.index:
            history.append({"cycle": cycle.name, "index": float(earlier.scores.orgs.at[org_id, "index"])})
    card["history"] = history
    return card


_encode = msgspec.json.Encoder().encode


async def _published_card(
    org_id: int, cycle_name: str, audience: str
) -> tuple[dict[str, Any], ScorecardRead, bytes]:
    fingerprint = await snapshot_fingerprint()
    key = (cycle_name, audience, org_id)
    cached = CARD_CACHE.get(key, fingerprint)
    if cached is not None:
        return cached
    overall, _ = await published_comparison(cycle_name, audience, None)
    scores: CycleScores = overall.scores  # type: ignore[assignment]
    if org_id not in scores.payloads:
        raise NotFound(
            N_("this organization has not published a scorecard for %(cycle_name)s"),
            field="cycle",
            cycle_name=cycle_name,
        )
    card = dict(scores.payloads[org_id])
    area_keys = list(scores.areas["key"])
    own_type, _ = await published_comparison(cycle_name, audience, card["organization"]["org_type"])
    card["position"] = position_mapping(overall.positions, org_id, area_keys)
    card["type_position"] = position_mapping(own_type.positions, org_id, area_keys)
    history = []
    for cycle in scores.cycles:
        if cycle.period_start > scores.cycle.period_start:
            break
        earlier = await published_cycle_scores(cycle.name, audience, fingerprint)
        if org_id in earlier.payloads:
            history.append({"cycle": cycle.name, "index": float(earlier.scores.orgs.at[org_id, "index"])})
    card["history"] = history
    read = msgspec.convert(card, ScorecardRead)
    return CARD_CACHE.put(key, fingerprint, (card, read, _encode(read)))


async def organization_scorecard(
    org_id: int, cycle_name: str, audience: str, today: dt.date | None = None
) -> dict[str, Any]:
    """One organization's scorecard at an audience, as a plain mapping."""
    check_audience(audience)
    if audience == "internal":
        return await _live_card(org_id, cycle_name, today or clock.today())
    return dict((await _published_card(org_id, cycle_name, audience))[0])


async def scorecard_read(
    org_id: int, cycle_name: str, audience: str, today: dt.date | None = None
) -> ScorecardRead:
    """The same scorecard as a response Struct (for the API and the page)."""
    check_audience(audience)
    if audience == "internal":
        return msgspec.convert(await _live_card(org_id, cycle_name, today or clock.today()), ScorecardRead)
    return (await _published_card(org_id, cycle_name, audience))[1]


_EMPTY_REVIEW_TAIL = b',"peer_review":[]}'


async def peer_review_record(org_id: int, cycle_name: str, audience: str) -> list[PeerReviewEntry]:
    """The closed rounds' reviews of the organization in the cycle that the audience may read."""
    from models.services.reviews import review_record

    rows = await review_record(org_id, cycle_name, audience)
    for entry in rows:
        for comment in entry["comments"]:
            comment["replies"] = [{**r, "created_at": str(r["created_at"])} for r in comment["replies"]]
    return msgspec.convert(rows, list[PeerReviewEntry], strict=False)


def with_peer_review(card_json: bytes, record: list[PeerReviewEntry]) -> bytes:
    """The card's JSON with its peer-review record, without encoding the frozen card again."""
    if not record:
        return card_json
    assert card_json.endswith(_EMPTY_REVIEW_TAIL)
    return card_json[: -len(_EMPTY_REVIEW_TAIL)] + b',"peer_review":' + _encode(record) + b"}"


async def scorecard_json(org_id: int, cycle_name: str, audience: str, today: dt.date | None = None) -> bytes:
    """`scorecard_read` as JSON. A published scorecard is frozen, so its JSON is encoded once and
    served from memory until another snapshot is published."""
    check_audience(audience)
    if audience == "internal":
        return _encode(await scorecard_read(org_id, cycle_name, audience, today))
    return (await _published_card(org_id, cycle_name, audience))[2]
