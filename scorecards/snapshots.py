"""Frozen scorecards: publishing writes one snapshot per audience, and nothing rewrites it.

`freeze_snapshots` runs inside the publishing write transaction (see
`scorecards.publishing.publish`), so a submission is published if and only if its snapshots
exist. The `scorecard_snapshot` table refuses UPDATE and DELETE (a trigger), and a unique index on
(organization, cycle, audience) keeps the first snapshot: publishing again never replaces what peers
and donors already saw.

The same transaction freezes the organization's commitments and milestones as they stand
(`models.services.published`): outsiders read those copies, never the live rows.

Each snapshot holds the organization's own figures and the texts its audience may read, filtered in
the queries of `scorecards.loader`; see `scorecards.payload` for its shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from models import clock
from models.bulk import bulk_insert, next_ids
from models.engine import fetch, serialize_writers
from models.services.published import freeze_every_publication, freeze_records
from models.vocabulary import AUDIENCES
from scorecards.loader import as_date, load_texts
from scorecards.payload import PayloadParts, organization_payload, payload_parts
from scorecards.service import forget_published_cache, live_cycle_scores

SNAPSHOT_COLUMNS = ("id", "organization", "cycle", "audience", "payload", "created_at")
_encoder = msgspec.json.Encoder()


def encode(payload: dict[str, Any]) -> str:
    return _encoder.encode(payload).decode()


def _published(parts: PayloadParts) -> None:
    """What is frozen is, by definition, the published scorecard."""
    for org in parts.orgs.values():
        org["status"] = "published"
        org["published"] = True


async def _existing(cycle_id: int, org_ids: list[int] | None) -> set[tuple[int, str]]:
    rows = await fetch("SELECT organization, audience FROM scorecard_snapshot WHERE cycle = {}", cycle_id)
    wanted = None if org_ids is None else set(org_ids)
    return {
        (int(r["organization"]), r["audience"])
        for r in rows
        if wanted is None or int(r["organization"]) in wanted
    }


async def snapshot_rows(
    cycle_name: str, org_ids: list[int] | None, today: dt.date, only: set[int] | None = None
) -> list[tuple[int, int, str, dict[str, Any]]]:
    """(organization, cycle id, audience, payload) for every missing snapshot of these organizations.

    `org_ids` limits what is read (None: every organization); `only` limits what is frozen.
    """
    scores = await live_cycle_scores(cycle_name, today, org_ids)
    wanted = [org for org in scores.scores.orgs.index if only is None or org in only]
    existing = await _existing(scores.cycle.id, wanted)
    missing = [org for org in wanted if any((org, a) not in existing for a in AUDIENCES)]
    if not missing:
        return []
    parts = payload_parts(scores.scores.orgs.loc[missing], scores.scores.areas.loc[missing], scores.areas)
    _published(parts)
    rows = []
    texts_by_audience = await load_texts(scores.cycle, AUDIENCES, None if org_ids is None else missing)
    for audience, texts in texts_by_audience.items():
        for org_id in missing:
            if (org_id, audience) in existing:
                continue
            payload = organization_payload(parts, org_id, texts, scores.cycle, audience, scores.as_of)
            rows.append((int(org_id), scores.cycle.id, audience, payload))
    return rows


async def preview_payloads(
    org_id: int, cycle_name: str, today: dt.date, audiences: tuple[str, ...] = ("peer", "donor")
) -> dict[str, dict[str, Any]]:
    """What publishing today would freeze for each audience, built as `snapshot_rows` builds it but
    written nowhere: the secretariat's preview before it confirms."""
    scores = await live_cycle_scores(cycle_name, today, [org_id])
    if org_id not in scores.scores.orgs.index:
        return {}
    orgs = scores.scores.orgs.loc[[org_id]].copy()
    orgs["published_early"] = today <= scores.cycle.period_end
    parts = payload_parts(orgs, scores.scores.areas.loc[[org_id]], scores.areas)
    _published(parts)
    texts_by_audience = await load_texts(scores.cycle, audiences, [org_id])
    return {
        audience: organization_payload(parts, org_id, texts, scores.cycle, audience, scores.as_of)
        for audience, texts in texts_by_audience.items()
    }


PUBLISH_LOCK = 0x636F_7073  # any constant every CoP Tracker process agrees on


async def _one_publisher_at_a_time() -> None:
    """Publications commit in the order of their snapshot ids.

    The published-scorecard caches are valid while the newest snapshot id is unchanged
    (`snapshot_fingerprint`). On PostgreSQL two publishing transactions could otherwise take ids
    N+1 then N and commit N last, unseen. This transaction-scoped lock makes the second publisher
    wait for the first to commit before it takes its ids; SQLite writers are serialized already.
    """
    await serialize_writers(PUBLISH_LOCK)


async def freeze_snapshots(org_id: int, cycle_name: str, today: dt.date | None = None) -> int:
    """Freeze the organization's scorecard of the cycle for every audience; returns rows written.

    Call it inside the write transaction that publishes the submission.
    """
    from models.tables import ScorecardSnapshot

    await _one_publisher_at_a_time()
    rows = await snapshot_rows(cycle_name, [org_id], today or clock.today())
    for organization, cycle_id, audience, payload in rows:
        await ScorecardSnapshot.insert(
            ScorecardSnapshot(
                organization=organization, cycle=cycle_id, audience=audience, payload=encode(payload)
            )
        )
    for organization, cycle_id in {(row[0], row[1]) for row in rows}:
        await freeze_records(organization, cycle_id)
    forget_published_cache()
    return len(rows)


async def freeze_all_published(today: dt.date) -> int:
    """Snapshots for every published submission that has none yet (the demo loader's last step).

    Scores each cycle once for all its organizations and writes with one bulk insert, so the demo
    stays fast at thousands of organizations.
    """
    published = await fetch(
        "SELECT s.organization, s.published_at, c.name AS cycle_name FROM submission s "
        "JOIN cycle c ON c.id = s.cycle WHERE s.status = 'published' ORDER BY c.period_start, s.organization"
    )
    by_cycle: dict[str, dict[int, Any]] = {}
    for row in published:
        by_cycle.setdefault(row["cycle_name"], {})[int(row["organization"])] = row["published_at"]
    batch: list[tuple[Any, ...]] = []
    first_id = (await next_ids(["scorecard_snapshot"]))["scorecard_snapshot"]
    now = clock.utcnow()
    for cycle_name, published_at in by_cycle.items():
        for organization, cycle_id, audience, payload in await snapshot_rows(
            cycle_name, None, today, only=set(published_at)
        ):
            at = published_at[organization]
            created = (
                at
                if isinstance(at, dt.datetime)
                else (dt.datetime.combine(as_date(at), dt.time(), tzinfo=dt.UTC) if at else now)
            )
            batch.append((first_id + len(batch), organization, cycle_id, audience, encode(payload), created))
    await bulk_insert([("scorecard_snapshot", SNAPSHOT_COLUMNS, batch)])
    await freeze_every_publication()
    forget_published_cache()
    return len(batch)
