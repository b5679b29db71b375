"""Transactions on both engines, and the SQLite engine's connections (docs/design.md "Running it").

On SQLite every write transaction of a process runs in turn on one writer connection: these check
that two never interleave, that a failure or a cancellation rolls everything back and leaves the
connection usable, that readers see only committed state, and that no thread is started per
transaction.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading

import pytest

from models.engine import current_engine, fetch, is_sqlite, read_transaction, write_transaction
from models.tables import Organization


async def _names() -> list[str]:
    rows = await fetch("SELECT acronym FROM organization ORDER BY id")
    return [row["acronym"] for row in rows]


async def _add(acronym: str) -> None:
    await Organization(name=f"{acronym} org", acronym=acronym, org_type="ngo").save()


async def test_concurrent_write_transactions_never_interleave(db: str) -> None:
    order: list[str] = []

    async def writer(name: str) -> None:
        async with write_transaction():
            order.append(f"{name} begins")
            await _add(f"{name}1")
            await asyncio.sleep(0.01)  # the other task runs meanwhile, and must wait for this one
            await _add(f"{name}2")
            order.append(f"{name} ends")

    await asyncio.gather(writer("A"), writer("B"))
    assert sorted(await _names()) == ["A1", "A2", "B1", "B2"]
    if not is_sqlite():
        return  # PostgreSQL runs them side by side, each on its own connection
    assert order in (
        ["A begins", "A ends", "B begins", "B ends"],
        ["B begins", "B ends", "A begins", "A ends"],
    )
    assert sorted(await _names()) == ["A1", "A2", "B1", "B2"]


async def test_a_failed_transaction_rolls_back_all_of_it_and_the_next_one_works(db: str) -> None:
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await _add("ONE")
            async with write_transaction():  # nested: part of the outer one
                await _add("TWO")
            raise RuntimeError("refused")
    assert await _names() == []
    with pytest.raises(Exception, match="(?i)unique"):
        async with write_transaction():
            await _add("SAME")
            await _add("SAME")
    assert await _names() == []
    async with write_transaction():
        await _add("THREE")
    assert await _names() == ["THREE"]


async def test_readers_see_only_committed_state(db: str) -> None:
    seen: list[list[str]] = []
    async with write_transaction():
        await _add("NEW")
        seen.append(await asyncio.create_task(_names_outside()))  # another task: outside the transaction
        seen.append(await _names())  # inside: its own write
    seen.append(await _names())
    assert seen == [[], ["NEW"], ["NEW"]]


async def _names_outside() -> list[str]:
    engine = current_engine()
    engine.current_transaction.set(None)  # this task's copy of the context only
    return await _names()


async def test_a_cancelled_transaction_is_rolled_back_and_frees_the_writer(db: str) -> None:
    started = asyncio.Event()

    async def stuck() -> None:
        async with write_transaction():
            await _add("HALF")
            started.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(stuck())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with write_transaction():
        await _add("AFTER")
    assert await _names() == ["AFTER"]


async def test_a_read_transaction_sees_one_state(db: str) -> None:
    # Another connection commits between the two reads (on PostgreSQL a read transaction is
    # REPEATABLE READ: READ COMMITTED would show the second read the new row).
    await _add("FIRST")
    async with read_transaction():
        before = await _names()
        await asyncio.create_task(_add_outside("SECOND"))
        during = await _names()
    assert before == during == ["FIRST"]
    assert await _names() == ["FIRST", "SECOND"]


@pytest.mark.slow  # PostgreSQL only
async def test_a_postgresql_read_transaction_is_repeatable_read_and_writes_nothing(db: str) -> None:
    if is_sqlite():
        pytest.skip("PostgreSQL's isolation levels")
    async with read_transaction():
        (row,) = await fetch(
            "SELECT current_setting('transaction_isolation') AS isolation, "
            "current_setting('transaction_read_only') AS read_only"
        )
        assert (row["isolation"], row["read_only"]) == ("repeatable read", "on")
    with pytest.raises(Exception, match="read-only transaction"):
        async with read_transaction():
            await _add("WRITTEN")
    # Inside a write transaction it is part of that one, which may write.
    async with write_transaction():
        async with read_transaction():
            await _add("INSIDE")
            (row,) = await fetch("SELECT current_setting('transaction_isolation') AS isolation")
    assert row["isolation"] == "read committed" and await _names() == ["INSIDE"]


async def _add_outside(acronym: str) -> None:
    current_engine().current_transaction.set(None)
    await _add(acronym)


async def test_sqlite_writes_start_no_thread_and_wait_for_another_process_lock(db: str) -> None:
    """Another connection (as another worker process would) holds the write lock: a write waits on
    the event loop, which keeps serving, and goes through once the lock is released."""
    if not is_sqlite():
        return
    await _add("WARM")
    threads = threading.active_count()
    for index in range(20):
        async with write_transaction():
            await _add(f"T{index}")
    assert threading.active_count() == threads

    other = sqlite3.connect(current_engine().path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    clock = asyncio.create_task(ticking())
    write = asyncio.create_task(_add("WAITED"))
    await asyncio.sleep(0.2)
    assert not write.done()
    other.execute("ROLLBACK")
    other.close()
    await asyncio.wait_for(write, 5)
    clock.cancel()
    assert ticks >= 10  # the loop went on while the write waited
    assert "WAITED" in await _names()


def test_a_forked_worker_writes_on_a_connection_of_its_own(demo) -> None:
    """Like the readers (test_sessions.py): a child process never uses its parent's writer."""
    if not is_sqlite():
        return
    engine = current_engine()

    async def write() -> sqlite3.Connection:
        await _add("PARENT")
        return engine._writers.writer.connection

    inherited = asyncio.new_event_loop().run_until_complete(write())
    pid = os.fork()
    if pid == 0:  # the child: answer through the exit status only
        ok = False
        try:
            asyncio.new_event_loop().run_until_complete(_add("CHILD"))
            ok = engine._writers.writer.connection is not inherited
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert engine._writers.writer.connection is inherited
    names = sqlite3.connect(engine.path).execute("SELECT acronym FROM organization").fetchall()
    assert {("PARENT",), ("CHILD",)} <= set(names)


async def test_cancelling_long_work_in_a_transaction_interrupts_it_and_rolls_back(db: str) -> None:
    """The timeline check's statements run in a thread on the transaction's connection: a cancelled
    request or job interrupts the statement, waits for the thread, then rolls back."""
    from models.bulk import fetch_in_transaction

    started = asyncio.Event()
    endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT MAX(x) AS x FROM n"

    async def long_check() -> None:
        async with write_transaction():
            await _add("HALF")
            started.set()
            await fetch_in_transaction(endless, [])

    task = asyncio.create_task(long_check())
    await started.wait()
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    async with write_transaction():
        await _add("AFTER")
    assert await _names() == ["AFTER"]
