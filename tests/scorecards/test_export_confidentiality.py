"""A marker planted in every internal field never reaches a donor or peer workbook or CSV.

The marker goes into every text that is internal by visibility or by nature (descriptions,
narratives, evidence links and titles, comments, drop reasons, expectation answers' notes), in a cycle that is then published,
so the snapshots are frozen with it present. Every part of the xlsx archive is searched (cells,
shared strings, sheet names, comments, charts, document properties), not just the cells a reader
shows. The internal workbook must carry it, or the test would prove nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.caller import SYSTEM
from models.engine import fetch
from scorecards.exports import comparison_file
from scorecards.snapshots import freeze_snapshots
from tests.conftest import TODAY
from tests.scorecards.workbooks import xml_parts

INTERNAL = "ZQXINTERNALMARKER"
PEER_ONLY = "ZQXPEERONLYMARKER"
OPEN_CYCLE = "2026-H2"


async def plant_markers() -> None:
    """Markers in every internal text of the open cycle, then publish it for every organization."""
    cycle_id = (await fetch("SELECT id FROM cycle WHERE name = {}", OPEN_CYCLE))[0]["id"]
    await fetch(
        "UPDATE commitment SET description = description || {} WHERE description_visibility = 'internal'",
        f" {INTERNAL} description",
    )
    await fetch(
        "UPDATE commitment SET description = description || {} WHERE description_visibility = 'peer'",
        f" {PEER_ONLY} description",
    )
    await fetch(
        "UPDATE milestone SET status = 'dropped', drop_reason = {} "
        "WHERE id IN (SELECT MIN(id) FROM milestone GROUP BY commitment)",
        f"{INTERNAL} drop reason",
    )
    created = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(8), tzinfo=dt.UTC)
    commitments = await fetch("SELECT id, organization FROM commitment ORDER BY id")
    for row in commitments:
        await fetch(
            "INSERT INTO progress_update (commitment, author, cycle, self_level, narrative, visibility, "
            "supersedes, created_at) VALUES ({}, NULL, {}, 4, {}, 'internal', NULL, {})",
            row["id"],
            cycle_id,
            f"{INTERNAL} narrative of commitment {row['id']}",
            created,
        )
    updates = await fetch("SELECT id FROM progress_update WHERE narrative LIKE {}", f"{INTERNAL}%")
    for row in updates:
        await fetch(
            "INSERT INTO evidence (progress_update, url, title, visibility, verified_by, verified_at, "
            "supersedes, version, created_at) VALUES ({}, {}, {}, 'internal', NULL, {}, NULL, 1, {})",
            row["id"],
            f"https://internal.example.org/{INTERNAL}/{row['id']}",
            f"{INTERNAL} evidence title",
            created,
            created,
        )
    orgs = await fetch("SELECT id FROM organization ORDER BY id")
    for org in orgs:
        await fetch(
            "INSERT INTO comment (organization, cycle, submission, area, author, kind, body, visibility, "
            "reply_to, created_at) VALUES ({}, {}, NULL, NULL, NULL, 'champion', {}, 'internal', NULL, {})",
            org["id"],
            cycle_id,
            f"{INTERNAL} champion comment",
            created,
        )
    # The previous cycle's expectation answers again in the open cycle, each with an internal note.
    await fetch(
        "INSERT INTO expectation_answer (organization, cycle, expectation, wording, answer, note, "
        "note_visibility, evidence, review, review_note, version, created_at, updated_at) "
        "SELECT organization, {}, expectation, wording, answer, {}, 'internal', '[]', review, '', 1, {}, {} "
        "FROM expectation_answer WHERE cycle = (SELECT id FROM cycle WHERE name = '2026-H1')",
        cycle_id,
        f"{INTERNAL} answer note",
        created,
        created,
    )
    await fetch(
        "UPDATE submission SET status = 'published', published_at = {} WHERE cycle = {}", created, cycle_id
    )
    for org in orgs:
        await freeze_snapshots(int(org["id"]), OPEN_CYCLE, TODAY)


def found_in(data: bytes, marker: str) -> list[str]:
    """Names of the archive parts (or "csv") that contain the marker, in any letter case."""
    needle = marker.lower().encode()
    if not data.startswith(b"PK"):
        return ["csv"] if needle in data.lower() else []
    return [name for name, part in xml_parts(data).items() if needle in part.lower()]


async def export(audience: str, fmt: str, cycle: str = OPEN_CYCLE) -> bytes:
    return (await comparison_file(SYSTEM, cycle, audience, None, fmt, today=TODAY)).content


@pytest.fixture
async def planted(demo) -> None:
    await plant_markers()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
async def test_internal_marker_never_reaches_donor_or_peer_files(planted, fmt: str) -> None:
    for audience in ("donor", "peer"):
        data = await export(audience, fmt)
        assert found_in(data, INTERNAL) == [], audience
        # Earlier cycles' files do not pick it up from live rows either.
        assert found_in(await export(audience, fmt, "2026-H1"), INTERNAL) == [], audience


async def test_peer_text_reaches_peers_but_not_donors(planted) -> None:
    assert found_in(await export("donor", "xlsx"), PEER_ONLY) == []
    assert found_in(await export("peer", "xlsx"), PEER_ONLY) != []


async def test_the_internal_workbook_does_carry_the_marker(planted) -> None:
    """The control: the marker is where the test looks, so its absence above means something."""
    assert found_in(await export("internal", "xlsx"), INTERNAL) != []
