"""Backups: taken while writes go on, restored with every row committed before them and the
append-only triggers intact; a file that does not match, a newer schema or a non-empty target is
refused with the target unchanged. Runs on whichever engine DATABASE_URL names."""

from __future__ import annotations

import asyncio
import io
import json
import re
import sqlite3
import tarfile
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from models import backup as backup_module
from models.backup import BackupError, restore_backup, write_backup
from models.caller import SYSTEM
from models.engine import current_engine, engine_from_url, fetch, is_sqlite
from models.services.organizations import create_organization
from models.services.updates import create_update
from tests.conftest import run_cli

ON_POSTGRES = not is_sqlite()
# pg_dump and pg_restore are subprocesses: on PostgreSQL every backup test is a slow one.
slow_on_postgres = pytest.mark.slow if ON_POSTGRES else (lambda test: test)


@dataclass
class Target:
    """A database other than the test's own, to restore into; read with plain SQL."""

    url: str
    engine: Engine

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if isinstance(self.engine, PostgresEngine):
            conn = await _pg(self.url)
            try:
                return [tuple(r.values()) for r in await conn.fetch(sql)]
            finally:
                await conn.close()
        with sqlite3.connect(self.engine.path) as conn:
            return conn.execute(sql).fetchall()

    async def count(self, table: str) -> int:
        return int((await self.rows(f"SELECT COUNT(*) FROM {table}"))[0][0])


async def _pg(url: str) -> Any:
    import asyncpg

    return await asyncpg.connect(url)


@pytest.fixture
async def fresh(db: str, tmp_path: Path) -> AsyncIterator[Target]:
    """A brand-new, empty database (not even migrated)."""
    if not ON_POSTGRES:
        url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
        yield Target(url, engine_from_url(url))
        return
    base, name = db.rsplit("/", 1)
    url = f"{base}/{name}_restored"
    admin = await _pg(db)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}_restored" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}_restored"')
    yield Target(url, engine_from_url(url))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}_restored" WITH (FORCE)')
    await admin.close()


async def counts() -> dict[str, int]:
    tables = ("organization", "commitment", "milestone", "progress_update", "audit_event", "person")
    return {t: int((await fetch(f"SELECT COUNT(*) AS n FROM {t}"))[0]["n"]) for t in tables}


async def first_commitment() -> int:
    return int((await fetch("SELECT MIN(id) AS id FROM commitment"))[0]["id"])


@slow_on_postgres
async def test_a_backup_taken_during_writes_restores_every_row_committed_before_it(
    demo: Any, fresh: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commitment = await first_commitment()
    committed: list[int] = []
    wrote = asyncio.Event()
    stop = False

    async def keep_writing() -> None:
        while not stop:
            row = await create_update(
                SYSTEM, commitment, {"narrative": f"written during backup {len(committed)}"}
            )
            committed.append(int(row["id"]))
            wrote.set()
            wrote_in_thread.set()

    wrote_in_thread = threading.Event()
    begun_after_snapshot: list[int] = []

    async def while_the_snapshot_is_held() -> None:
        start = len(committed)
        while len(committed) < start + 3:  # writes that began after the snapshot and committed
            wrote.clear()
            await wrote.wait()
        begun_after_snapshot.extend(committed[start + 1 : start + 3])

    copy_steps: list[int] = []

    def between_copy_steps(status: str) -> None:
        """Runs in the copying thread: each step waits for a commit, so writes land mid-copy."""
        if status.startswith("copying"):
            copy_steps.append(len(committed))
            assert len(copy_steps) < 200, "the copy restarts at every commit: its snapshot is not held"
            wrote_in_thread.clear()
            assert wrote_in_thread.wait(timeout=30)

    monkeypatch.setattr(backup_module, "SQLITE_STEP_PAGES", 32)  # many steps even for the demo
    writer = asyncio.create_task(keep_writing())
    while len(committed) < 2:
        wrote.clear()
        await wrote.wait()
    before_backup = list(committed)
    summary = await write_backup(
        current_engine(),
        tmp_path / "during.cop-backup",
        on_snapshot=while_the_snapshot_is_held,
        progress=between_copy_steps,
    )
    written_during_copy = len(committed)
    stop = True
    await writer
    assert len(committed) > len(before_backup) + 2 and written_during_copy > len(before_backup)
    if not ON_POSTGRES:
        assert len(copy_steps) > 3 and copy_steps[-1] > copy_steps[0]  # commits landed between steps

    await restore_backup(fresh.engine, summary.path)
    restored = {r[0] for r in await fresh.rows("SELECT id FROM progress_update")}
    assert set(before_backup) <= restored
    assert not set(begun_after_snapshot) & restored
    in_backup = [update for update in committed if update in restored]
    assert in_backup == committed[: len(in_backup)]  # a point in time: no later row without the earlier
    assert await fresh.count("progress_update") == summary.manifest["tables"]["progress_update"]
    assert await fresh.count("audit_event") == summary.manifest["tables"]["audit_event"]
    assert sum(summary.manifest["tables"].values()) == summary.rows

    with pytest.raises(Exception, match="append-only"):
        await fresh.rows(f"UPDATE progress_update SET narrative = 'rewritten' WHERE id = {before_backup[0]}")
    with pytest.raises(Exception, match="append-only"):
        await fresh.rows("DELETE FROM audit_event")


@slow_on_postgres
async def test_restore_refuses_a_target_with_data_unless_forced(demo: Any, tmp_path: Path) -> None:
    backup = (await write_backup(current_engine(), tmp_path / "demo.cop-backup")).path
    kept = await counts()
    await create_organization(SYSTEM, {"name": "Added after the backup", "acronym": "AAB", "org_type": "ngo"})
    changed = await counts()

    with pytest.raises(BackupError, match="not empty.*--force"):
        await restore_backup(current_engine(), backup)
    assert await counts() == changed

    await restore_backup(current_engine(), backup, force=True)
    assert await counts() == kept
    assert not await fetch("SELECT id FROM organization WHERE acronym = 'AAB'")


@slow_on_postgres
async def test_a_backup_of_a_newer_schema_is_refused(demo: Any, fresh: Target, tmp_path: Path) -> None:
    newer = "2099-01-01T00:00:00:000000"
    await fetch(
        "INSERT INTO migration (name, app_name, ran_on) VALUES ({}, 'models', CURRENT_TIMESTAMP)", newer
    )
    try:
        backup = (await write_backup(current_engine(), tmp_path / "newer.cop-backup")).path
    finally:  # PostgreSQL keeps the migration table between tests
        await fetch("DELETE FROM migration WHERE name = {}", newer)
    with pytest.raises(BackupError, match=r"newer than this CoP Tracker's.*upgrade"):
        await restore_backup(fresh.engine, backup)
    assert not await fresh.rows(
        "SELECT 1 FROM sqlite_schema"
        if not ON_POSTGRES
        else "SELECT 1 FROM pg_tables WHERE schemaname = 'public'"
    )


def rewritten(source: Path, dest: Path, change: Any) -> Path:
    """A copy of a backup file whose manifest went through `change`."""
    with tarfile.open(source) as tar, tarfile.open(dest, "w") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return dest


@slow_on_postgres
async def test_a_manifest_that_misstates_the_rows_is_refused(
    demo: Any, fresh: Target, tmp_path: Path
) -> None:
    backup = (await write_backup(current_engine(), tmp_path / "demo.cop-backup")).path

    def one_more_organization(manifest: dict[str, Any]) -> None:
        manifest["tables"]["organization"] += 1

    lying = rewritten(backup, tmp_path / "lying.cop-backup", one_more_organization)
    with pytest.raises(BackupError, match="organization"):
        await restore_backup(fresh.engine, lying)


@slow_on_postgres
async def test_a_manifest_naming_a_file_outside_the_stored_names_is_refused(
    demo: Any, fresh: Target, tmp_path: Path
) -> None:
    # A stored file's name is 32 hexadecimal digits, the whole name: one with a trailing newline
    # (which `^…$` let through) would be written into the upload folder under that name.
    backup = (await write_backup(current_engine(), tmp_path / "demo.cop-backup")).path

    def newline_name(manifest: dict[str, Any]) -> None:
        manifest["files"].append({"name": "0123456789abcdef0123456789abcdef\n", "bytes": 1, "sha256": "0"})

    odd = rewritten(backup, tmp_path / "odd.cop-backup", newline_name)
    with pytest.raises(BackupError, match="incomplete or corrupt"):
        await restore_backup(fresh.engine, odd)
    assert not await fresh.rows(
        "SELECT 1 FROM sqlite_schema"
        if not ON_POSTGRES
        else "SELECT 1 FROM pg_tables WHERE schemaname = 'public'"
    )


def damaged(backup: Path, how: str) -> Path:
    data = bytearray(backup.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "corrupt":
        data[len(data) // 2] ^= 0xFF  # one byte inside the payload
    else:  # not a backup at all
        data = bytearray(b"SQLite format 3\x00" + bytes(4096))
    path = backup.with_name(f"{how}.cop-backup")
    path.write_bytes(bytes(data))
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("truncated", "is truncated or corrupt"),
        ("corrupt", "does not match the checksum"),
        ("foreign", "not a CoP Tracker backup"),
    ],
)
async def test_the_command_refuses_a_damaged_file_in_one_line_leaving_the_target_unchanged(
    demo: Any, db: str, fresh: Target, tmp_path: Path, how: str, message: str
) -> None:
    backup = (await write_backup(current_engine(), tmp_path / "demo.cop-backup")).path
    await create_organization(SYSTEM, {"name": "Since the backup", "acronym": "SIN", "org_type": "ngo"})
    before = await counts()

    for target, args in ((db, ["--force"]), (fresh.url, [])):
        out = run_cli(target, "restore", str(damaged(backup, how)), *args)
        assert out.returncode == 2, (out.stdout, out.stderr)
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("cop-tracker: error: ") and message in lines[0], (
            out.stderr
        )
        assert out.stdout == ""
    assert await counts() == before
    if ON_POSTGRES:
        assert not await fresh.rows("SELECT 1 FROM pg_tables WHERE schemaname = 'public'")
    else:
        assert not Path(fresh.engine.path).exists()


@pytest.mark.slow
async def test_the_commands_back_up_and_restore_with_a_one_line_summary(
    demo: Any, db: str, fresh: Target, tmp_path: Path
) -> None:
    backup = tmp_path / "nightly.cop-backup"
    out = run_cli(db, "backup", str(backup))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"Backup written: {backup}, ") and " MB in " in out.stdout
    assert re.search(r", \d+ tables, \d+ rows, ", out.stdout), out.stdout
    assert out.stderr == ""  # not a terminal: no progress

    refused = run_cli(db, "restore", str(backup))
    assert refused.returncode == 2 and "--force" in refused.stderr

    restored = run_cli(fresh.url, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith(f"Backup restored: {backup} (made ")
    assert re.search(r" files, .* s; \d+ files of the replaced database removed$", restored.stdout), (
        restored.stdout
    )
    assert await fresh.count("milestone") == (await counts())["milestone"]

    missing = run_cli(fresh.url, "restore", str(tmp_path / "absent.cop-backup"))
    assert missing.returncode == 2 and missing.stderr.strip() == (
        f"cop-tracker: error: no backup file {tmp_path / 'absent.cop-backup'}"
    )


@slow_on_postgres
async def test_evidence_files_are_backed_up_and_restored(demo: Any, tmp_path: Path) -> None:
    from models import evidence_files
    from tests.evidence_samples import pdf

    content = pdf("signed policy")
    created = await create_update(
        SYSTEM,
        await first_commitment(),
        {"narrative": "Policy signed", "files": [{"name": "policy.pdf", "data": content}]},
    )
    key = (await fetch("SELECT file_key FROM evidence WHERE progress_update = {}", created["id"]))[0][
        "file_key"
    ]
    summary = await write_backup(current_engine(), tmp_path / "files.cop-backup")
    assert key in [f["name"] for f in summary.manifest["files"]]
    with tarfile.open(summary.path) as tar:
        assert f"files/{key}" in tar.getnames()
    evidence_files.file_path(key).unlink()

    await restore_backup(current_engine(), summary.path, force=True)
    assert evidence_files.read(key) == content
    assert not [p for p in evidence_files.upload_dir().iterdir() if p.name.startswith(".restore-")]


@slow_on_postgres
async def test_a_forced_restore_removes_the_replaced_databases_files_once_it_committed(
    demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from models import evidence_files
    from tests.evidence_samples import pdf

    summary = await write_backup(current_engine(), tmp_path / "before.cop-backup")
    created = await create_update(
        SYSTEM, await first_commitment(), {"narrative": "x", "files": [{"name": "a.pdf", "data": pdf("new")}]}
    )
    new_key = (await fetch("SELECT file_key FROM evidence WHERE progress_update = {}", created["id"]))[0][
        "file_key"
    ]
    uploads = evidence_files.upload_dir()
    before = sorted(p.name for p in uploads.iterdir())
    assert new_key in before

    # A refused file, and a restore that fails after writing the database: no file is touched.
    with pytest.raises(BackupError):
        await restore_backup(current_engine(), damaged(summary.path, "corrupt"), force=True)

    def fails_afterwards(expected: Any, found: Any, where: str) -> None:
        if where == "the restored database":
            raise BackupError("the restored database is wrong")

    with monkeypatch.context() as patch:
        patch.setattr(backup_module, "check_counts", fails_afterwards)
        with pytest.raises(BackupError, match="is wrong"):
            await restore_backup(current_engine(), summary.path, force=True)
    assert sorted(p.name for p in uploads.iterdir()) == before

    restored = await restore_backup(current_engine(), summary.path, force=True)
    assert restored.removed == 1 and not evidence_files.file_path(new_key).exists()
    for item in summary.manifest["files"]:
        assert backup_module._sha256(uploads / item["name"]) == item["sha256"]
    assert sorted(p.name for p in evidence_files.stored_files()) == sorted(
        item["name"] for item in summary.manifest["files"]
    )


@slow_on_postgres
async def test_a_backup_missing_an_evidence_file_is_refused(demo: Any, tmp_path: Path) -> None:
    from tests.evidence_samples import pdf

    await create_update(
        SYSTEM, await first_commitment(), {"narrative": "x", "files": [{"name": "a.pdf", "data": pdf()}]}
    )
    summary = await write_backup(current_engine(), tmp_path / "files.cop-backup")
    cut = tmp_path / "cut.cop-backup"
    with tarfile.open(summary.path) as source, tarfile.open(cut, "w", format=tarfile.PAX_FORMAT) as out:
        for member in source.getmembers():
            if not member.name.startswith("files/"):
                out.addfile(member, source.extractfile(member))
    kept = await counts()
    with pytest.raises(BackupError, match="evidence file .* is missing"):
        await restore_backup(current_engine(), cut, force=True)
    assert await counts() == kept
