"""The commitments list is read through `fetch_kept`: served from memory between writes on SQLite,
it must still show every write at once, whoever makes it, and hand each caller rows of its own."""

from __future__ import annotations

import sqlite3

import pytest

from models.engine import current_engine, fetch, is_sqlite, write_transaction
from models.paging import Paging
from models.services import account, commitments
from models.services.reviews import review_record
from models.services.sessions import caller_for_person
from tests.api.support import FOCAL_NRA, org_id


async def focal_caller():  # type: ignore[no-untyped-def]
    rows = await fetch("SELECT id FROM person WHERE email = {}", FOCAL_NRA)
    return await caller_for_person(int(rows[0]["id"]))


async def titles(caller, nra: int) -> list[str]:  # type: ignore[no-untyped-def]
    page = await commitments.list_commitments(caller, nra)
    return [row["title"] for row in page.items]


async def test_a_kept_list_shows_a_write_of_this_process_and_of_another_connection(demo) -> None:
    caller, nra = await focal_caller(), await org_id("NRA")
    first = await commitments.list_commitments(caller, nra)
    target = first.items[0]["id"]

    async with write_transaction():
        await fetch("UPDATE commitment SET title = {} WHERE id = {}", "Written here", target)
    assert "Written here" in await titles(caller, nra)

    if is_sqlite():  # another process's connection, which this one never sees committing
        with sqlite3.connect(current_engine().path) as other:
            other.execute("UPDATE commitment SET title = 'Written elsewhere' WHERE id = ?", (target,))
    else:
        await fetch("UPDATE commitment SET title = {} WHERE id = {}", "Written elsewhere", target)
    assert "Written elsewhere" in await titles(caller, nra)


async def test_a_kept_list_hands_out_rows_the_caller_may_change_and_counts_every_page(demo) -> None:
    caller, nra = await focal_caller(), await org_id("NRA")
    page = await commitments.list_commitments(caller, nra, Paging(limit=2))
    page.items[0]["title"] = "changed by one caller"
    again = await commitments.list_commitments(caller, nra, Paging(limit=2))
    assert again.items[0]["title"] != "changed by one caller"
    everything = await commitments.list_commitments(caller, nra)
    assert again.total == len(everything.items) > 2


async def test_the_account_and_the_peer_review_record_are_read_once_between_writes(demo) -> None:
    """GET /api/auth/me reads the caller's account and every published scorecard its peer-review
    record: on SQLite a second read between writes runs no query, and a write shows at once."""
    if not is_sqlite():
        pytest.skip("PostgreSQL reads again each time")
    caller = await focal_caller()
    await account.get_account(caller)
    record = await review_record(None, "2026-H1", "donor")
    statements: list[str] = []
    reader = current_engine()._reader()
    reader.set_trace_callback(statements.append)
    try:
        await account.get_account(caller)
        assert await review_record(None, "2026-H1", "donor") == record
    finally:
        reader.set_trace_callback(None)
    assert [sql for sql in statements if not sql.startswith("PRAGMA data_version")] == []

    async with write_transaction():
        await fetch("UPDATE person SET job_title = {} WHERE id = {}", "Read again", caller.person_id)
    assert (await account.get_account(caller))["job_title"] == "Read again"
