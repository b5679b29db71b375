"""Reads kept in memory on PostgreSQL between the changes a worker hears of (models/change_feed.py).

What must hold: a kept read is never served after a change the worker heard of or made itself;
nothing is kept while the worker does not listen; a signed-out session, a removed role or a
revoked token stops working on another server process as soon as the change is heard."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from models import change_feed
from models.change_feed import ChangeListener, KeptReads
from models.engine import current_engine, fetch, fetch_kept, numbered_placeholders, write_transaction
from models.tables import Person
from tests.api.support import FOCAL_NRA, org_id
from tests.scorecards.test_live_levels_cache import write_elsewhere

HEARD_WITHIN_SECONDS = (
    2.0  # a notice crosses loopback in well under a millisecond; this only bounds a failure
)

postgres_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL: SQLite's readers ask PRAGMA data_version instead",
)


# --- without a database ---------------------------------------------------------------------------


def test_a_read_under_way_when_a_change_is_heard_is_handed_out_but_not_kept() -> None:
    kept = KeptReads()
    kept.listen(True)
    generation = kept.generation
    kept.forget()  # a change heard while the read was on its way
    rows = kept.keep(("SELECT 1", ()), generation, [{"a": 1}])
    assert [dict(row) for row in rows] == [{"a": 1}]
    assert kept.get(("SELECT 1", ())) is None

    kept.keep(("SELECT 1", ()), kept.generation, [{"a": 2}])
    assert [dict(row) for row in kept.get(("SELECT 1", ())) or ()] == [{"a": 2}]
    with pytest.raises(TypeError):  # shared between callers: nobody may change them
        kept.get(("SELECT 1", ()))[0]["a"] = 3  # type: ignore[index]


def test_nothing_is_kept_or_served_while_not_listening() -> None:
    kept = KeptReads()
    kept.keep(("q", ()), kept.generation, [{"a": 1}])
    assert kept.get(("q", ())) is None
    kept.listen(True)
    kept.keep(("q", ()), kept.generation, [{"a": 1}])
    assert kept.get(("q", ())) is not None
    kept.listen(False)
    assert kept.get(("q", ())) is None
    kept.listen(True)  # listening again: what was read before the gap is gone
    assert kept.get(("q", ())) is None


class SilentConnection:
    """A listening connection whose server stops answering: its heartbeat never returns."""

    def __init__(self) -> None:
        self.terminated = False

    def add_termination_listener(self, callback: Any) -> None:
        pass

    async def add_listener(self, channel: str, callback: Any) -> None:
        assert channel == change_feed.CHANNEL

    async def fetchval(self, sql: str) -> Any:
        await asyncio.sleep(3600)

    def terminate(self) -> None:
        self.terminated = True


async def test_an_unanswered_heartbeat_stops_keeping_and_the_listener_connects_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(change_feed, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(change_feed, "RECONNECT_SECONDS", (0.05,))
    connections: list[SilentConnection] = []

    async def connect() -> SilentConnection:
        connections.append(SilentConnection())
        return connections[-1]

    kept = KeptReads()
    listener = ChangeListener(connect, kept)
    await listener.start()
    try:
        assert kept.listening
        kept.keep(("q", ()), kept.generation, [{"a": 1}])
        deadline = time.monotonic() + HEARD_WITHIN_SECONDS
        while len(connections) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert len(connections) >= 2, "the listener never gave up its silent connection"
        assert connections[0].terminated
        assert kept.get(("q", ())) is None  # the gap's notices are lost: what was kept is gone
    finally:
        await listener.stop()
    assert not kept.listening


async def test_a_listener_that_cannot_connect_leaves_every_read_to_the_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(change_feed, "RECONNECT_SECONDS", (0.01,))
    attempts = 0

    async def refused() -> Any:
        nonlocal attempts
        attempts += 1
        raise OSError("connection refused")

    kept = KeptReads()
    listener = ChangeListener(refused, kept)
    await listener.start()
    try:
        await asyncio.sleep(0.1)
        assert attempts >= 2 and not kept.listening
        kept.keep(("q", ()), kept.generation, [{"a": 1}])
        assert kept.get(("q", ())) is None
    finally:
        await listener.stop()


# --- on PostgreSQL --------------------------------------------------------------------------------

NAME_OF = "SELECT name FROM person WHERE email = {}"


@pytest.fixture
async def listening(db: str) -> AsyncIterator[Any]:
    engine = current_engine()
    await engine.start_listening()
    try:
        yield engine
    finally:
        await engine.stop_listening()


async def a_person(email: str = "kept@example.org", name: str = "Before") -> str:
    await Person.insert(Person(email=email, name=name, password_hash="x", active=True))
    return email


async def name_of(email: str) -> str:
    return str((await fetch_kept(NAME_OF, email))[0]["name"])


async def until_read(email: str, expected: str) -> float:
    """Seconds until `fetch_kept` reads `expected` (fails past HEARD_WITHIN_SECONDS)."""
    started = time.monotonic()
    while await name_of(email) != expected:
        assert time.monotonic() - started < HEARD_WITHIN_SECONDS, f"still {await name_of(email)!r}"
        await asyncio.sleep(0.001)
    return time.monotonic() - started


async def unheard_write(sql: str, *args: Any) -> None:
    """A write that sends no notice (triggers off for its session): only a read of the database sees it."""
    conn = await current_engine().get_new_connection()
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute(numbered_placeholders(sql), *args)
    finally:
        await conn.close()


@pytest.mark.slow  # PostgreSQL only
@postgres_only
async def test_every_table_tells_of_its_changes(db: str) -> None:
    missing = await fetch(
        "SELECT t.tablename AS name FROM pg_tables t WHERE t.schemaname = current_schema() AND NOT EXISTS ("
        "SELECT 1 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
        "WHERE c.relname = t.tablename AND g.tgname = 'notify_cop_changed') ORDER BY 1"
    )
    assert [row["name"] for row in missing] == [], (
        "a table without the notify_cop_changed trigger: a migration that creates a table must add it "
        "(models/piccolo_migrations/models_2026_12_02t18_00_00_000000.py)"
    )


@pytest.mark.slow  # PostgreSQL only
@postgres_only
async def test_a_kept_read_stands_until_a_change_is_heard_from_another_connection(listening: Any) -> None:
    email = await a_person()
    assert await name_of(email) == "Before"
    assert (NAME_OF, (email,)) in listening.kept.rows

    # Proof that it is served from memory: a write that sends no notice is not seen.
    await unheard_write("UPDATE person SET name = 'Unheard' WHERE email = {}", email)
    assert await name_of(email) == "Before"

    await write_elsewhere("UPDATE person SET name = 'After' WHERE email = {}", email)
    assert await until_read(email, "After") < HEARD_WITHIN_SECONDS


@pytest.mark.slow  # PostgreSQL only
@postgres_only
async def test_this_processs_own_writes_are_read_at_once(listening: Any) -> None:
    email = await a_person()
    assert await name_of(email) == "Before"
    async with write_transaction():
        await fetch("UPDATE person SET name = 'In a transaction' WHERE email = {}", email)
    assert await name_of(email) == "In a transaction"  # no wait for the notice

    await fetch("UPDATE person SET name = 'Outside a transaction' WHERE email = {}", email)
    assert await name_of(email) == "Outside a transaction"

    await Person.update({Person.name: "Through the ORM"}).where(Person.email == email)
    assert await name_of(email) == "Through the ORM"


@pytest.mark.slow  # PostgreSQL only
@postgres_only
async def test_a_lost_listener_reads_the_database_until_it_listens_again(
    listening: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = await a_person()
    assert await name_of(email) == "Before"
    pid = listening._listener.connection.get_server_pid()
    await fetch("SELECT pg_terminate_backend({})", pid)
    deadline = time.monotonic() + HEARD_WITHIN_SECONDS
    while listening.kept.listening and time.monotonic() < deadline:
        await asyncio.sleep(0.001)
    assert not listening.kept.listening

    await unheard_write("UPDATE person SET name = 'While deaf' WHERE email = {}", email)
    assert await name_of(email) == "While deaf"  # read from the database, not from memory

    while not listening.kept.listening and time.monotonic() < deadline + HEARD_WITHIN_SECONDS:
        await asyncio.sleep(0.01)
    assert listening.kept.listening, "the listener did not connect again"
    assert listening._listener.connection.get_server_pid() != pid
    await unheard_write("UPDATE person SET name = 'Listening again' WHERE email = {}", email)
    assert await name_of(email) == "Listening again"  # nothing of before the gap was kept


@pytest.mark.slow  # a server in a process of its own, on PostgreSQL
@postgres_only
async def test_signing_out_and_losing_a_role_stop_working_on_another_server_process(
    live_server: Any, sign_in: Any
) -> None:
    """The other process keeps who is calling in memory; a sign-out or a removed role made here
    must reach it at its next request after the notice."""
    from models.services.sessions import logout

    nra = await org_id("NRA")
    headers = await sign_in(FOCAL_NRA)
    cookie = {"Cookie": headers["Cookie"]}
    url = f"/api/organizations/{nra}/commitments"
    async with httpx.AsyncClient(base_url=live_server.url, trust_env=False, timeout=30) as other:

        async def until(status: int, path: str, given: dict[str, str]) -> float:
            started = time.monotonic()
            while (answer := await other.get(path, headers=given)).status_code != status:
                assert time.monotonic() - started < HEARD_WITHIN_SECONDS, answer.status_code
                await asyncio.sleep(0.001)
            return time.monotonic() - started

        for _ in range(3):  # in the other process's memory now
            internal = await other.get(url, headers=cookie)
            assert internal.status_code == 200 and "description" in internal.text
        person = (await fetch("SELECT id FROM person WHERE email = {}", FOCAL_NRA))[0]["id"]
        await fetch(
            "DELETE FROM role_assignment WHERE person = {} AND organization = {} AND role = 'focal_point'",
            person,
            nra,
        )
        deadline = time.monotonic() + HEARD_WITHIN_SECONDS
        while "focal_point" in (await other.get("/api/auth/me", headers=cookie)).text:
            assert time.monotonic() < deadline, "the removed role still works on the other process"
            await asyncio.sleep(0.001)

        await logout(headers["Cookie"].split("=", 1)[1])
        assert await until(401, "/api/auth/me", cookie) < HEARD_WITHIN_SECONDS
        assert (await other.get(url, headers=cookie)).status_code == 401


@pytest.mark.slow  # PostgreSQL only; pg_dump and pg_restore are subprocesses
@postgres_only
async def test_a_restore_reaches_a_listening_worker(listening: Any, demo: Any, tmp_path: Any) -> None:
    """pg_restore loads rows before it creates the triggers, so the restore sends the notice."""
    from models.backup import restore_backup, write_backup
    from models.caller import SYSTEM
    from models.services.organizations import create_organization

    count = "SELECT COUNT(*) AS n FROM organization"
    backup = (await write_backup(listening, tmp_path / "demo.cop-backup")).path
    before = (await fetch_kept(count))[0]["n"]
    await create_organization(SYSTEM, {"name": "Added after the backup", "acronym": "AAB", "org_type": "ngo"})
    assert (await fetch_kept(count))[0]["n"] == before + 1
    assert (count, ()) in listening.kept.rows

    await restore_backup(listening, backup, force=True)
    started = time.monotonic()
    while (await fetch_kept(count))[0]["n"] != before:
        assert time.monotonic() - started < HEARD_WITHIN_SECONDS, (
            "the worker kept what it read before the restore"
        )
        await asyncio.sleep(0.001)
