"""The live levels on an organization's page come from memory, and any write to the organization,
from this process or another connection, shows on the next view."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import Any

import httpx
import pytest

from models.engine import current_engine, fetch, is_sqlite
from models.services.cycles import open_cycle
from scorecards.service import LIVE_LEVELS_CACHE, live_area_levels
from tests.conftest import TODAY
from tests.pages.support import visitor


async def write_elsewhere(sql: str, *args: Any) -> None:
    """A write on a connection of its own, as another web worker or the CLI would make it."""
    engine = current_engine()
    if is_sqlite(engine):
        with sqlite3.connect(engine.path) as other:
            other.execute(sql.replace("{}", "?"), args)
        return
    conn = await engine.get_new_connection()
    try:
        numbered = sql
        for position in range(1, len(args) + 1):
            numbered = numbered.replace("{}", f"${position}", 1)
        await conn.execute(numbered, *args)
    finally:
        await conn.close()


async def nra_claim(demo: Any) -> tuple[int, str, dict[str, Any]]:
    org = int((await fetch("SELECT id FROM organization WHERE acronym = 'NRA'"))[0]["id"])
    cycle = await open_cycle()
    assert cycle is not None
    rows = await fetch(
        "SELECT a.id, ar.key, a.self_level FROM assessment a JOIN area ar ON ar.id = a.area "
        "WHERE a.organization = {} AND a.cycle = {} AND a.self_level >= 2 ORDER BY a.id",
        org,
        cycle["id"],
    )
    assert rows, "the demo's NRA has claims of 2 or more in the open cycle"
    return org, cycle["name"], rows[0]


async def test_a_write_from_another_connection_shows_on_the_next_read(demo: Any) -> None:
    org, cycle, claim = await nra_claim(demo)
    before = await live_area_levels(org, cycle, TODAY)
    assert await live_area_levels(org, cycle, TODAY) is before  # served from memory
    assert before[claim["key"]]["self_level"] == claim["self_level"]

    await write_elsewhere("UPDATE assessment SET self_level = {} WHERE id = {}", 0, claim["id"])
    after = await live_area_levels(org, cycle, TODAY)
    assert after[claim["key"]]["self_level"] == 0
    assert after[claim["key"]]["level"] == 0

    # The champion leaving (a people write) counts too: no champion counts 0.
    await write_elsewhere("DELETE FROM role_assignment WHERE organization = {} AND role = 'champion'", org)
    assert (await live_area_levels(org, cycle, TODAY))["champion"]["level"] == 0


async def test_a_write_to_another_organization_keeps_the_figures_in_memory(demo: Any) -> None:
    org, cycle, _ = await nra_claim(demo)
    other = int((await fetch("SELECT id FROM organization WHERE acronym = 'USP'"))[0]["id"])
    before = await live_area_levels(org, cycle, TODAY)
    await write_elsewhere("UPDATE assessment SET self_level = 0 WHERE organization = {}", other)
    assert await live_area_levels(org, cycle, TODAY) is before
    LIVE_LEVELS_CACHE.clear()
    assert await live_area_levels(org, cycle, TODAY) == before  # and they were right


def area_badges(page: str) -> list[str]:
    """The self-assessed and counted levels in the dashboard's table of areas."""
    table = page.split('id="areas-heading"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'class="badge level-(\d)"', table)


async def test_the_dashboard_shows_a_new_claim_at_once(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    org, _, _ = await nra_claim(demo)
    focal = await visitor(client, sign_in, "focal.nra")
    first = area_badges((await focal.get(f"/organizations/{org}")).text)
    assert any(level != "0" for level in first)
    assert area_badges((await focal.get(f"/organizations/{org}")).text) == first
    await write_elsewhere("UPDATE assessment SET self_level = 0 WHERE organization = {}", org)
    await write_elsewhere("DELETE FROM role_assignment WHERE organization = {} AND role = 'champion'", org)
    assert set(area_badges((await focal.get(f"/organizations/{org}")).text)) == {"0"}


async def test_views_that_miss_together_wait_for_one_computation(
    demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scorecards.service as service

    org, cycle, _ = await nra_claim(demo)
    computed = []
    real = service.live_cycle_scores

    async def counted(*args: Any) -> Any:
        computed.append(args)
        return await real(*args)

    monkeypatch.setattr(service, "live_cycle_scores", counted)
    LIVE_LEVELS_CACHE.clear()
    views = await asyncio.gather(*(live_area_levels(org, cycle, TODAY) for _ in range(8)))
    assert len(computed) == 1 and all(view is views[0] for view in views)
