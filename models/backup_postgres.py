"""Backups on PostgreSQL: `pg_dump --format=custom` of an exported snapshot, `pg_restore` in one
transaction. The client tools must be at least as new as the server (Debian's postgresql-client-N);
an older one is refused before anything is read or written, with the version to install.

models/backup.py owns the file around the archive and the checks common to both engines.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from models.backup_facts import NOT_DATA, BackupError, Facts, OnSnapshot, Progress, check_triggers, not_empty
from models.change_feed import CHANNEL


def _major(version_text: str) -> int:
    """15 from "pg_dump (PostgreSQL) 15.18 (Debian ...)" or from "150018"."""
    token = next((t for t in version_text.split() if t[:1].isdigit()), "")
    if token.isdigit() and len(token) >= 5:
        return int(token) // 10000
    return int(token.split(".")[0]) if token else 0


async def _run_tool(*args: str, progress: Progress | None = None, watch: Path | None = None) -> str:
    try:
        process = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
    except FileNotFoundError:
        raise BackupError(f"{args[0]} is not installed; install postgresql-client") from None
    waiting = asyncio.ensure_future(process.communicate())
    started = time.monotonic()
    while not waiting.done():
        await asyncio.wait([waiting], timeout=0.25)
        if progress is not None and watch is not None and watch.exists():
            progress(f"{args[0]}: {watch.stat().st_size / 1e6:.1f} MB, {time.monotonic() - started:.0f} s")
    out, err = waiting.result()
    if process.returncode != 0:
        lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
        raise BackupError(f"{args[0]} failed: {lines[-1] if lines else f'exit status {process.returncode}'}")
    return out.decode(errors="replace")


async def _pg_tool_major(tool: str) -> int:
    return _major(await _run_tool(tool, "--version"))


async def pg_facts(conn: Any) -> Facts:
    tables = [
        r["tablename"]
        for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    counts = {name: int(await conn.fetchval(f'SELECT COUNT(*) FROM "{name}"')) for name in tables}
    triggers = [
        r["tgname"]
        for r in await conn.fetch(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND NOT t.tgisinternal AND t.tgenabled <> 'D' ORDER BY t.tgname"
        )
    ]
    version = ""
    if "migration" in counts:
        version = await conn.fetchval("SELECT MAX(name) FROM migration WHERE app_name = 'models'") or ""
    return Facts(version, counts, triggers)


async def _pg_connect(dsn: str) -> Any:
    import asyncpg

    return await asyncpg.connect(dsn)


async def _pg_versions(conn: Any, tool: str) -> tuple[int, int]:
    server = _major(str(await conn.fetchval("SHOW server_version_num")))
    client = await _pg_tool_major(tool)
    if client < server:
        raise BackupError(
            f"{tool} is version {client} but the server is PostgreSQL {server}; "
            f"install postgresql-client-{server} (a {tool} at least as new as the server)"
        )
    return server, client


async def pg_dump(
    dsn: str, payload: Path, progress: Progress, on_snapshot: OnSnapshot | None
) -> tuple[Facts, dict[str, Any]]:
    conn = await _pg_connect(dsn)
    try:
        server, client = await _pg_versions(conn, "pg_dump")
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            # pg_dump reads the very snapshot the counts were taken in, so the manifest is exact.
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            if on_snapshot is not None:
                await on_snapshot()
            facts = await pg_facts(conn)
            await _run_tool(
                "pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-password",
                f"--file={payload}", f"--dbname={dsn}", progress=progress, watch=payload,
            )  # fmt: skip
        return facts, {"server_major": server, "pg_dump_major": client}
    finally:
        await conn.close()


def pg_database_is_empty(facts: Facts) -> bool:
    return all(rows == 0 for name, rows in facts.tables.items() if name not in NOT_DATA)


async def pg_restore(
    dsn: str, payload: Path, manifest: dict[str, Any], force: bool, progress: Progress
) -> Facts:
    listing = await _run_tool("pg_restore", "--list", str(payload))  # reads the whole table of contents
    toc_triggers = [line.split()[-2] for line in listing.splitlines() if " TRIGGER public " in line]
    check_triggers(
        Facts(manifest["schema_version"], manifest["tables"], toc_triggers), "the backup's archive"
    )
    conn = await _pg_connect(dsn)
    try:
        _, client = await _pg_versions(conn, "pg_restore")
        made_by = int(manifest.get("pg_dump_major", 0))
        if client < made_by:
            raise BackupError(f"the backup was made by pg_dump {made_by}; pg_restore {client} cannot read it")
        if not force and not pg_database_is_empty(await pg_facts(conn)):
            raise not_empty()
        # One transaction: either the whole backup replaces the tables, or nothing changes.
        await _run_tool(
            "pg_restore", "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
            "--no-owner", "--no-privileges", "--no-password", f"--dbname={dsn}", str(payload),
            progress=progress,
        )  # fmt: skip
        # The restore loads its rows before it creates the tables' triggers, so no change notice
        # was sent: running workers would keep what they read before (docs/design.md "Reads kept
        # in memory").
        await conn.execute(f"NOTIFY {CHANNEL}")
        return await pg_facts(conn)
    finally:
        await conn.close()
