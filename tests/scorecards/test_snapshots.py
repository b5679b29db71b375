"""Frozen snapshots: the demo's are real, publishing freezes one per audience, nothing changes them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from models.engine import fetch, write_transaction
from models.errors import NotFound
from models.tables import Assessment, AssessmentEvidence
from scorecards.cards import organization_scorecard
from scorecards.service import comparison, comparison_mapping, forget_published_cache
from scorecards.snapshots import freeze_snapshots
from tests.conftest import TODAY

CONFIDENTIAL_MARKERS = ("Confidential", "Internal note", "Internal planning note")


async def org_id(acronym: str) -> int:
    return int((await fetch("SELECT id FROM organization WHERE acronym = {}", acronym))[0]["id"])


async def snapshots(audience: str | None = None) -> list[dict[str, Any]]:
    rows = await fetch("SELECT organization, cycle, audience, payload FROM scorecard_snapshot ORDER BY id")
    out = []
    for row in rows:
        if audience is None or row["audience"] == audience:
            payload = row["payload"]
            out.append({**dict(row), "payload": json.loads(payload) if isinstance(payload, str) else payload})
    return out


async def test_the_demo_carries_a_snapshot_per_audience_for_every_published_submission(demo: Any) -> None:
    published = await fetch("SELECT organization, cycle FROM submission WHERE status = 'published'")
    frozen = await snapshots()
    assert len(published) == 28
    assert {(r["organization"], r["cycle"], a) for r in published for a in ("internal", "peer", "donor")} == {
        (r["organization"], r["cycle"], r["audience"]) for r in frozen
    }
    by_org = {(s["payload"]["organization"]["acronym"], s["payload"]["cycle"]["name"]): s["payload"]
              for s in frozen if s["audience"] == "donor"}  # fmt: skip
    junior = by_org[("RMC", "2026-H1")]
    assert junior["areas"][0]["key"] == "champion" and junior["areas"][0]["level"] <= 2
    assert "champion_below_deputy" in [f["key"] for f in junior["flags"]]
    vacant = by_org[("LRC", "2026-H1")]
    assert vacant["areas"][0]["level"] == 0
    assert "champion_missing" in [f["key"] for f in vacant["flags"]]


@pytest.mark.parametrize("audience", ["peer", "donor"])
async def test_peer_and_donor_snapshots_hold_no_internal_text(demo: Any, audience: str) -> None:
    frozen = await snapshots(audience)
    assert frozen
    text = json.dumps([s["payload"] for s in frozen])
    for marker in CONFIDENTIAL_MARKERS:
        assert marker not in text
    internal = json.dumps([s["payload"] for s in await snapshots("internal")])
    assert "Confidential" in internal and "Internal note" in internal  # the test can fail
    if audience == "donor":
        # Evidence links marked internal (every second one in the demo) stay out.
        assert "/cop/policy/1/" not in text and "/cop/policy/1/" in internal


async def test_published_scorecards_never_change_after_later_edits(demo: Any) -> None:
    nra = await org_id("NRA")
    before = {a: await organization_scorecard(nra, "2026-H1", a, TODAY) for a in ("peer", "donor")}
    live_before = await organization_scorecard(nra, "2026-H1", "internal", TODAY)
    # Later assessments of the published cycle claim a verified 4 in every area.
    async with write_transaction():
        await fetch("DELETE FROM assessment_evidence WHERE assessment IN "
                    "(SELECT id FROM assessment WHERE organization = {} AND cycle = 2)", nra)  # fmt: skip
        await fetch("DELETE FROM assessment WHERE organization = {} AND cycle = 2", nra)
        for area in await fetch("SELECT id FROM area"):
            rows = await Assessment.insert(
                Assessment(organization=nra, cycle=2, area=area["id"], self_level=4, justification="Later claim",
                           visibility="donor")
            ).returning(Assessment.id)  # fmt: skip
            await AssessmentEvidence.insert(
                AssessmentEvidence(assessment=rows[0]["id"], url="https://x.example", visibility="donor",
                                   verified_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
            )  # fmt: skip
    live_after = await organization_scorecard(nra, "2026-H1", "internal", TODAY)
    assert live_after["figures"]["index"] > live_before["figures"]["index"]
    for audience, card in before.items():
        assert await organization_scorecard(nra, "2026-H1", audience, TODAY) == card
    # Publishing again keeps the first snapshot; the database refuses to rewrite it.
    async with write_transaction():
        assert await freeze_snapshots(nra, "2026-H1", TODAY) == 0
    with pytest.raises(Exception, match="frozen"):
        async with write_transaction():
            await fetch("UPDATE scorecard_snapshot SET audience = 'peer' WHERE organization = {}", nra)
    with pytest.raises(Exception, match="frozen"):
        async with write_transaction():
            await fetch("DELETE FROM scorecard_snapshot WHERE organization = {}", nra)
    assert await organization_scorecard(nra, "2026-H1", "donor", TODAY) == before["donor"]


async def test_a_donor_never_sees_an_unpublished_cycle(demo: Any) -> None:
    with pytest.raises(NotFound):
        await comparison("2026-H2", "donor")
    with pytest.raises(NotFound):
        await organization_scorecard(await org_id("NRA"), "2026-H2", "donor", TODAY)
    # The open cycle's internal comparison exists, with nobody ranked yet.
    internal = await comparison("2026-H2", "internal", today=TODAY)
    assert internal.frame["rank"].isna().all() and len(internal.frame) == 14


async def test_publishing_freezes_inside_the_transaction_and_ranks_among_the_published(demo: Any) -> None:
    nra, usp = await org_id("NRA"), await org_id("USP")
    # A failed publication leaves nothing behind.
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await fetch(
                "UPDATE submission SET status = 'published' WHERE organization = {} AND cycle = 3", nra
            )
            assert await freeze_snapshots(nra, "2026-H2", TODAY) == 3
            raise RuntimeError("publication failed")
    assert await fetch("SELECT id FROM scorecard_snapshot WHERE cycle = 3") == []
    for org in (nra, usp):
        async with write_transaction():
            await fetch(
                "UPDATE submission SET status = 'published' WHERE organization = {} AND cycle = 3", org
            )
            await freeze_snapshots(org, "2026-H2", TODAY)
    donor = comparison_mapping(await comparison("2026-H2", "donor"))
    assert [item["acronym"] for item in donor["items"]] == sorted(
        ["NRA", "USP"], key=lambda a: -next(i["index"] for i in donor["items"] if i["acronym"] == a)
    )
    assert {item["quartile"] for item in donor["items"]} <= {1, 3}
    assert donor["ranked"] == 2


async def test_live_figures_of_a_published_cycle_equal_the_snapshots_until_data_changes(demo: Any) -> None:
    live = comparison_mapping(await comparison("2026-H1", "internal", today=TODAY))
    donor = comparison_mapping(await comparison("2026-H1", "donor"))
    assert live["columns"] == donor["columns"]
    assert live["items"] == donor["items"]
    assert live["peer_median"] == donor["peer_median"]
    assert live["most_improved"] == donor["most_improved"]


async def test_the_publish_service_freezes_the_snapshots_in_its_transaction(demo: Any) -> None:
    import time_machine

    from models.caller import SYSTEM
    from models.errors import Conflict
    from scorecards.publishing import publish

    wfl, nra = await org_id("WFL"), await org_id("NRA")  # approved, and still a draft, in 2026-H2
    with time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC), tick=False):
        with pytest.raises(Conflict):
            await publish(SYSTEM, nra, "2026-H2", early=True)
        await publish(SYSTEM, wfl, "2026-H2", early=True)
    frozen = await fetch("SELECT organization, audience FROM scorecard_snapshot WHERE cycle = 3")
    assert sorted((r["organization"], r["audience"]) for r in frozen) == [
        (wfl, "donor"),
        (wfl, "internal"),
        (wfl, "peer"),
    ]
    donor = comparison_mapping(await comparison("2026-H2", "donor"))
    assert [(i["acronym"], i["rank"], i["quartile"]) for i in donor["items"]] == [("WFL", 1, 1)]


async def test_a_weight_changed_after_publishing_changes_live_figures_only(demo: Any) -> None:
    donor_before = comparison_mapping(await comparison("2026-H1", "donor"))
    live_before = comparison_mapping(await comparison("2026-H1", "internal", today=TODAY))
    async with write_transaction():
        await fetch("UPDATE area SET weight = 3.0 WHERE key = 'budget'")
    forget_published_cache()  # rebuilt from the database, not served from memory
    donor_after = comparison_mapping(await comparison("2026-H1", "donor"))
    live_after = comparison_mapping(await comparison("2026-H1", "internal", today=TODAY))
    assert donor_after == donor_before
    assert [a["weight"] for a in donor_after["areas"]] == [1.0] * 5
    assert live_after["areas"][-1]["weight"] == 3.0
    assert [i["index"] for i in live_after["items"]] != [i["index"] for i in live_before["items"]]


async def test_a_publisher_holds_the_others_off_until_it_commits(demo: Any) -> None:
    """The published caches trust the newest snapshot id; on PostgreSQL that only holds if
    publications commit in id order, so a publishing transaction blocks the next one."""
    import asyncpg

    from models.engine import current_engine, is_sqlite
    from scorecards.snapshots import PUBLISH_LOCK, _one_publisher_at_a_time

    if is_sqlite():
        return  # one writer at a time already
    other = await asyncpg.connect(current_engine().config["dsn"])
    try:
        async with write_transaction():
            await _one_publisher_at_a_time()
            assert not await other.fetchval("SELECT pg_try_advisory_xact_lock($1)", PUBLISH_LOCK)
        async with other.transaction():
            assert await other.fetchval("SELECT pg_try_advisory_xact_lock($1)", PUBLISH_LOCK)
    finally:
        await other.close()
