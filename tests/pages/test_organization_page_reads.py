"""An organization's page reads that organization's rows, never every organization's: one view, its
live levels computed afresh, issues as many queries and reads as many rows with 60 organizations in
the database as with 14 (docs/design.md "Scorecards"). On SQLite the work inside the database is
counted too (virtual machine steps), so a query that scans a table to answer for one organization
fails here even when it returns a single row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from models.engine import PooledPostgresEngine, ReadingSQLiteEngine, current_engine, fetch, is_sqlite
from models.versions import forget_kept_reads
from scorecards.service import LIVE_LEVELS_CACHE
from tests.conftest import TODAY, empty_database
from tests.pages.support import demo_email

STEP = 100  # SQLite calls the progress handler every STEP virtual machine instructions


@dataclass
class Reads:
    queries: list[tuple[str, int]] = field(default_factory=list)  # (SQL, rows returned)
    steps: int = 0

    @property
    def rows(self) -> int:
        return sum(rows for _, rows in self.queries)


@contextmanager
def reads_recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    """Every query the app issues while the block runs, with the rows it returned."""
    with monkeypatch.context() as patched:
        yield from _recorded(patched)


def _recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    reads = Reads()

    def counting(method: Any) -> Any:
        async def run(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
            rows = await method(self, querystring, *args, **kwargs)
            reads.queries.append((str(querystring), len(rows or [])))
            return rows

        return run

    if is_sqlite():
        rows_of = ReadingSQLiteEngine._rows  # noqa: SLF001 - the reads that skip Piccolo's path

        def counted_rows(self: Any, query: str, args: Any) -> list[dict[str, Any]]:
            rows = rows_of(self, query, args)
            reads.queries.append((query, len(rows)))
            return rows

        monkeypatch.setattr(ReadingSQLiteEngine, "_rows", counted_rows)
        monkeypatch.setattr(SQLiteEngine, "run_querystring", counting(SQLiteEngine.run_querystring))
        reader = current_engine()._reader()  # noqa: SLF001

        def step() -> int:
            reads.steps += STEP
            return 0

        reader.set_progress_handler(step, STEP)
        try:
            yield reads
        finally:
            reader.set_progress_handler(None, STEP)
        return
    monkeypatch.setattr(PostgresEngine, "run_querystring", counting(PostgresEngine.run_querystring))
    run_now = PooledPostgresEngine.run_now  # `fetch` outside a transaction

    async def counted_run_now(self: Any, sql: str, args: Any) -> Any:
        rows = await run_now(self, sql, args)
        if rows is not None:
            reads.queries.append((sql, len(rows)))
        return rows

    monkeypatch.setattr(PooledPostgresEngine, "run_now", counted_run_now)
    yield reads


async def one_view(client: httpx.AsyncClient, sign_in: Any, monkeypatch: pytest.MonkeyPatch) -> Reads:
    """The first organization's page as its focal point, nothing of it in memory (its live levels,
    the reads kept under its versions)."""
    org = int((await fetch("SELECT id FROM organization WHERE acronym = 'NRA'"))[0]["id"])
    headers = {"Cookie": (await sign_in(demo_email("focal.nra")))["Cookie"]}
    assert (await client.get(f"/organizations/{org}", headers=headers)).status_code == 200
    LIVE_LEVELS_CACHE.clear()
    forget_kept_reads()
    with reads_recorded(monkeypatch) as reads:
        page = await client.get(f"/organizations/{org}", headers=headers)
    assert page.status_code == 200
    return reads


@pytest.mark.slow  # loads a second, larger demo
async def test_the_page_reads_the_same_with_more_organizations(
    client: httpx.AsyncClient, demo: Any, sign_in: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scorecards.publishing import load_demo

    few = await one_view(client, sign_in, monkeypatch)
    await empty_database()
    await load_demo(orgs=60, today=TODAY)
    many = await one_view(client, sign_in, monkeypatch)

    assert len(many.queries) == len(few.queries), [sql for sql, _ in many.queries]
    # The same rows, give or take the demo's helpers in "who could help" (the strongest per area).
    assert many.rows <= few.rows + 5, (few.rows, many.rows)
    if is_sqlite():
        assert many.steps <= few.steps * 1.25 + 10 * STEP, (few.steps, many.steps)


async def test_the_levels_in_memory_reach_no_one_outside_the_organization(
    client: httpx.AsyncClient, demo: Any, sign_in: Any
) -> None:
    """The live levels are kept per organization, at the internal audience only: once its focal
    point's view has put them in memory, a peer, its reviewer and a donor still get no page."""
    org = int((await fetch("SELECT id FROM organization WHERE acronym = 'NRA'"))[0]["id"])
    own = {"Cookie": (await sign_in(demo_email("focal.nra")))["Cookie"]}
    assert (await client.get(f"/organizations/{org}", headers=own)).status_code == 200
    assert LIVE_LEVELS_CACHE.entries, "the view put the levels in memory"
    for outsider in ("focal.usp", "reviewer.usp", "donor"):
        other = {"Cookie": (await sign_in(demo_email(outsider)))["Cookie"]}
        answer = await client.get(f"/organizations/{org}", headers=other)
        assert answer.status_code == 404, outsider
