"""Backups: one file that says what it holds, and a restore that refuses anything that does not match.

A backup file is an uncompressed tar with two members, in this order:

- `manifest.json`: the format (`cop-tracker-backup`, version 1), the engine, the schema version (the
  latest migration applied), when it was made, the rows of every table, the triggers, and the
  payload's name, size and sha256;
- the payload: `database.sqlite`, a self-contained copy made by SQLite's online backup API, or
  `database.pgdump`, a `pg_dump --format=custom` archive (see models/backup_postgres.py);
- then the evidence files (docs/design.md "Evidence files"), `files/<stored name>`, each listed in the
  manifest's `files` with its size and sha256. Files are only ever added, so those present once the
  snapshot is copied include every file its rows name.

`tar -xOf FILE manifest.json` shows what a file holds. A backup is taken while the server runs and
writes go on: it holds exactly what was committed when its snapshot was taken (a read transaction
held over the whole copy on SQLite, an exported snapshot shared with pg_dump on PostgreSQL).

Restore checks everything it can before it touches the target (checksum, size, engine, schema, row
counts of a SQLite payload, the append-only triggers, an empty target unless forced), so a refusal
leaves the target unchanged. A live SQLite file is written only through the backup API, never by
moving a file over it: the server's open connections then see the restored data, not a deleted inode.
Once the restore has committed, the files in the upload folder that no restored row names (those of
the replaced database) are removed; a refused or failed restore removes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import importlib
import io
import json
import os
import pkgutil
import sqlite3
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from models import evidence_files
from models.backup_facts import (
    NOT_DATA,
    BackupError,
    Facts,
    OnSnapshot,
    Progress,
    check_triggers,
    not_empty,
)

FORMAT = "cop-tracker-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES = "files"
PAYLOADS = {"sqlite": "database.sqlite", "postgres": "database.pgdump"}
SQLITE_STEP_PAGES = 4096  # 16 MB of 4 KB pages per step of the backup API, between progress reports
CHUNK = 1 << 20
BUSY_TIMEOUT_SECONDS = 30.0
# The migration that makes progress updates, audit events and published snapshots append-only.


@dataclass(frozen=True)
class Summary:
    """What `write_backup` wrote or `restore_backup` restored."""

    path: Path
    manifest: dict[str, Any]
    seconds: float
    # Files of the replaced database that no restored row names, removed once the restore committed.
    removed: int = 0

    @property
    def tables(self) -> int:
        return len(self.manifest["tables"])

    @property
    def rows(self) -> int:
        return sum(self.manifest["tables"].values())

    @property
    def megabytes(self) -> float:
        return self.path.stat().st_size / 1e6


def _quiet(_: str) -> None:
    pass


# The schema the code knows, and the one a database holds.


def code_schema_versions() -> list[str]:
    """The ids of the migrations this code carries, oldest first."""
    from models import piccolo_migrations

    ids = []
    for module in pkgutil.iter_modules(piccolo_migrations.__path__):
        ids.append(importlib.import_module(f"{piccolo_migrations.__name__}.{module.name}").ID)
    return sorted(ids)


def check_schema(version: str) -> None:
    known = code_schema_versions()
    if version in known:
        return
    if version > known[-1]:
        raise BackupError(
            f"the backup's schema ({version}) is newer than this CoP Tracker's (latest migration "
            f"{known[-1]}); upgrade CoP Tracker, then restore"
        )
    raise BackupError(f"the backup's schema ({version}) is a migration this CoP Tracker does not know")


def check_counts(expected: dict[str, int], found: Facts, where: str) -> None:
    if found.tables != expected:
        differ = sorted(
            name
            for name in expected.keys() | found.tables.keys()
            if expected.get(name) != found.tables.get(name)
        )
        detail = ", ".join(
            f"{n} {found.tables.get(n, 'missing')} (manifest {expected.get(n, 'none')})" for n in differ
        )
        raise BackupError(f"{where} does not hold the rows the manifest lists: {detail}")


# SQLite


def sqlite_facts(conn: sqlite3.Connection) -> Facts:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables}
    triggers = [
        r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name")
    ]
    version = ""
    if "migration" in counts:
        row = conn.execute("SELECT MAX(name) FROM migration WHERE app_name = 'models'").fetchone()
        version = row[0] or ""
    return Facts(version, counts, triggers)


@contextmanager
def _sqlite(path: Path | str, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"file:{path}?mode=ro" if read_only else f"file:{path}"
    conn = sqlite3.connect(
        uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False
    )
    try:
        yield conn
    finally:
        conn.close()


def _step_reporter(progress: Progress, verb: str) -> Callable[[int, int, int], None]:
    def report(status: int, remaining: int, total: int) -> None:
        if total:
            progress(f"{verb} {100 * (total - remaining) // total}% of {total * 4096 / 1e6:.0f} MB")

    return report


async def _sqlite_copy(
    source: Path, payload: Path, progress: Progress, on_snapshot: OnSnapshot | None
) -> Facts:
    if not source.exists():
        raise BackupError(f"no database at {source}; check DATABASE_URL")
    with _sqlite(source, read_only=True) as conn, _sqlite(payload) as copy:
        # The read transaction fixes the snapshot: the stepwise copy sees no later commit (WAL
        # readers never block writers) and never restarts, however much the server writes meanwhile.
        conn.execute("BEGIN")
        conn.execute("SELECT COUNT(*) FROM sqlite_schema").fetchone()
        if on_snapshot is not None:
            await on_snapshot()
        await asyncio.to_thread(
            conn.backup, copy, pages=SQLITE_STEP_PAGES, progress=_step_reporter(progress, "copying")
        )
        conn.execute("COMMIT")
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        return sqlite_facts(copy)


def sqlite_is_empty(target: Path) -> bool:
    if not target.exists() or target.stat().st_size == 0:
        return True
    try:
        with _sqlite(target, read_only=True) as conn:
            facts = sqlite_facts(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{target} is not a SQLite database ({exc}); check DATABASE_URL") from None
    return all(rows == 0 for name, rows in facts.tables.items() if name not in NOT_DATA)


async def _sqlite_restore(payload: Path, target: Path, manifest: dict[str, Any], progress: Progress) -> Facts:
    with _sqlite(payload, read_only=True) as conn:
        facts = sqlite_facts(conn)
    check_counts(manifest["tables"], facts, "the backup's database")
    if facts.schema_version != manifest["schema_version"]:
        raise BackupError("the backup's database is not at the schema version its manifest states")
    check_triggers(facts, "the backup's database")
    with _sqlite(payload, read_only=True) as source, _sqlite(target) as live:
        # Pages are written into the live file under its write lock, in one transaction: the
        # server's connections wait for it (busy timeout), then read the restored data.
        await asyncio.to_thread(
            source.backup, live, pages=SQLITE_STEP_PAGES, progress=_step_reporter(progress, "restoring")
        )
        live.execute("PRAGMA journal_mode=WAL")
        return sqlite_facts(live)


# The file


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest(
    engine: str, facts: Facts, payload: Path, extra: dict[str, Any], files: list[Path]
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "engine": engine,
        "schema_version": facts.schema_version,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tables": facts.tables,
        "triggers": facts.triggers,
        "payload": {"name": PAYLOADS[engine], "bytes": payload.stat().st_size, "sha256": _sha256(payload)},
        "files": [{"name": f.name, "bytes": f.stat().st_size, "sha256": _sha256(f)} for f in files],
        **extra,
    }


def _write_container(path: Path, manifest: dict[str, Any], payload: Path, uploads: Path) -> None:
    """Write next to `path`, then rename: a crash leaves the old file or none, never half a backup."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        # A backup holds password hashes and confidential text: readable by its owner only.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with (
            os.fdopen(descriptor, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(time.time())
            tar.addfile(info, io.BytesIO(data))
            tar.add(payload, arcname=manifest["payload"]["name"], recursive=False)
            for item in manifest["files"]:
                tar.add(uploads / item["name"], arcname=f"{FILES}/{item['name']}", recursive=False)
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    except OSError as exc:
        raise BackupError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)


def _checked_manifest(data: bytes) -> dict[str, Any]:
    manifest = json.loads(data)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a CoP Tracker backup (its manifest.json names no cop-tracker-backup format)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format version {manifest.get('format_version')} is not one this CoP Tracker reads"
        )
    tables, payload = manifest.get("tables"), manifest.get("payload")
    if (
        manifest.get("engine") not in PAYLOADS
        or not isinstance(manifest.get("schema_version"), str)
        or not isinstance(tables, dict)
        or not all(isinstance(n, int) for n in tables.values())
        or not isinstance(payload, dict)
        or payload.get("name") != PAYLOADS[manifest["engine"]]
        or not isinstance(payload.get("bytes"), int)
        or not isinstance(payload.get("sha256"), str)
        or not isinstance(manifest.setdefault("files", []), list)
        or not all(
            isinstance(f, dict)
            and evidence_files.KEY.fullmatch(str(f.get("name")))
            and isinstance(f.get("bytes"), int)
            for f in manifest["files"]
        )
    ):
        raise BackupError("the backup's manifest.json is incomplete or corrupt")
    return manifest


def _extract(
    tar: tarfile.TarFile, member: tarfile.TarInfo, out_path: Path, progress: Progress
) -> tuple[int, str]:
    """Copy one member out; its size and sha256."""
    digest, done = hashlib.sha256(), 0
    with tar.extractfile(member) as stream, out_path.open("wb") as out:  # type: ignore[union-attr]
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            done += len(chunk)
            progress(f"reading {100 * done // max(member.size, 1)}% of {member.size / 1e6:.0f} MB")
    return done, digest.hexdigest()


def read_container(
    path: Path, payload_path: Path, engine: str, progress: Progress, files_dir: Path | None = None
) -> dict[str, Any]:
    """The manifest, once the payload is extracted to `payload_path` (and the evidence files to
    `files_dir`) and each matches its checksum."""
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    try:
        tar = tarfile.open(path, mode="r:*")
    except tarfile.ReadError:
        raise BackupError(f"{path} is not a CoP Tracker backup (not a tar archive)") from None
    try:
        with tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(f"{path} is not a CoP Tracker backup (it does not start with {MANIFEST})")
            manifest = _checked_manifest(tar.extractfile(first).read())  # type: ignore[union-attr]
            if manifest["engine"] != engine:
                raise BackupError(
                    f"{path} is a backup of a {manifest['engine']} database; the target (DATABASE_URL) is {engine}"
                )
            check_schema(manifest["schema_version"])
            member = tar.next()
            expected = manifest["payload"]
            if member is None or member.name != expected["name"] or member.size != expected["bytes"]:
                raise BackupError(
                    f"{path} is truncated or corrupt: its payload is missing or of the wrong size"
                )
            done, digest = _extract(tar, member, payload_path, progress)
            if done != expected["bytes"] or digest != expected["sha256"]:
                raise BackupError(
                    f"{path} is corrupt: its payload does not match the checksum in its manifest"
                )
            for item in manifest["files"]:
                member = tar.next()
                if member is None or member.name != f"{FILES}/{item['name']}" or files_dir is None:
                    raise BackupError(
                        f"{path} is truncated or corrupt: evidence file {item['name']} is missing"
                    )
                if _extract(tar, member, files_dir / item["name"], progress) != (
                    item["bytes"],
                    item["sha256"],
                ):
                    raise BackupError(
                        f"{path} is corrupt: evidence file {item['name']} does not match its checksum"
                    )
    except (tarfile.TarError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise BackupError(f"{path} is truncated or corrupt ({reason})") from None
    return manifest


@contextmanager
def _scratch(beside: Path, suffix: str) -> Iterator[Path]:
    """A temporary file on the same disk as `beside` (the payload can be as big as the database)."""
    handle, name = tempfile.mkstemp(prefix=".cop-backup-", suffix=suffix, dir=beside.parent)
    os.close(handle)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def _engine_name(engine: Engine) -> str:
    return "sqlite" if isinstance(engine, SQLiteEngine) else "postgres"


async def write_backup(
    engine: Engine, path: Path, *, progress: Progress = _quiet, on_snapshot: OnSnapshot | None = None
) -> Summary:
    """Back up the database of `engine` to `path`. `on_snapshot` is awaited once the backup's
    snapshot is fixed: whatever commits from then on is not in this backup."""
    started = time.monotonic()
    kind = _engine_name(engine)
    path = path.resolve()
    if not path.parent.is_dir():
        raise BackupError(f"cannot write {path}: no directory {path.parent}")
    with _scratch(path, ".payload") as payload:
        if isinstance(engine, SQLiteEngine):
            facts, extra = await _sqlite_copy(Path(engine.path), payload, progress, on_snapshot), {}
        else:
            from models.backup_postgres import pg_dump  # asyncpg and the client tools: PostgreSQL only

            facts, extra = await pg_dump(engine.config["dsn"], payload, progress, on_snapshot)
        if not facts.schema_version:
            raise BackupError("the database has no migrations applied; run cop-tracker migrate first")
        progress("writing the checksum")
        uploads = evidence_files.upload_dir(engine)
        manifest = _manifest(kind, facts, payload, extra, evidence_files.stored_files(engine))
        _write_container(path, manifest, payload, uploads)
    return Summary(path, manifest, time.monotonic() - started)


async def restore_backup(
    engine: Engine, path: Path, *, force: bool = False, progress: Progress = _quiet
) -> Summary:
    """Restore `path` into the database of `engine`, which must be empty unless `force`."""
    started = time.monotonic()
    kind = _engine_name(engine)
    path = path.resolve()
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    target = Path(engine.path).resolve() if isinstance(engine, SQLiteEngine) else None
    if target is not None and not force and not sqlite_is_empty(target):
        raise not_empty()  # said before reading a large file
    uploads = evidence_files.upload_dir(engine)
    uploads.mkdir(parents=True, exist_ok=True, mode=0o700)
    present = evidence_files.stored_files(engine)
    with (
        _scratch(target or path, ".payload") as payload,
        tempfile.TemporaryDirectory(prefix=".restore-", dir=uploads) as files_dir,
    ):
        manifest = read_container(path, payload, kind, progress, Path(files_dir))
        if target is not None:
            found = await _sqlite_restore(payload, target, manifest, progress)
        else:
            from models.backup_postgres import pg_restore

            found = await pg_restore(engine.config["dsn"], payload, manifest, force, progress)
        check_counts(manifest["tables"], found, "the restored database")
        check_triggers(found, "the restored database")
        for item in manifest["files"]:
            os.replace(Path(files_dir) / item["name"], uploads / item["name"])
    kept = await referenced_files(engine, target, found) | {item["name"] for item in manifest["files"]}
    removed = remove_orphans(present, kept)
    return Summary(path, manifest, time.monotonic() - started, removed)


# The tables whose rows name a stored file, and the column that names it.
FILE_COLUMNS = {"evidence": "file_key", "expectation_answer_file": "file_key"}


async def referenced_files(engine: Engine, target: Path | None, facts: Facts) -> set[str]:
    """The stored files the rows of the restored database name (tables its schema has)."""
    queries = [
        f'SELECT DISTINCT "{column}" FROM "{table}"'
        for table, column in FILE_COLUMNS.items()
        if table in facts.tables
    ]
    keys: set[str] = set()
    if target is not None:
        with _sqlite(target, read_only=True) as conn:
            for query in queries:
                keys.update(row[0] for row in conn.execute(query))
    else:
        from models.backup_postgres import _pg_connect

        conn = await _pg_connect(engine.config["dsn"])
        try:
            for query in queries:
                keys.update(row[0] for row in await conn.fetch(query))
        finally:
            await conn.close()
    return {key for key in keys if key}


def remove_orphans(present: list[Path], kept: set[str]) -> int:
    """Remove the files that were stored before the restore began and are not in `kept`; a file
    written since (by a write the server took meanwhile, its row perhaps not yet committed) is left."""
    orphans = [stored for stored in present if stored.name not in kept]
    for stored in orphans:
        stored.unlink(missing_ok=True)
    return len(orphans)
