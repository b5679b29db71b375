"""Applying the committed migrations, for the CLI, the server's start and the tests alike."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards

from models.engine import current_engine, fetch, prepare_sqlite_file


class MigrationError(RuntimeError):
    """A migration did not apply; the message is Piccolo's."""


async def apply_migrations() -> None:
    """Apply the committed migrations (both engines) and switch SQLite to WAL mode."""
    engine = current_engine()
    await prepare_sqlite_file(engine)
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo narrates each step; we say it once
        result = await run_forwards(app_name="models", migration_id="all", fake=False)
    if not result.success:
        raise MigrationError(f"migrations failed: {result.message}")


async def database_is_empty() -> bool:
    """Whether no organization exists yet (`serve --demo` loads demo data only then)."""
    rows = await fetch("SELECT COUNT(*) AS n FROM organization")
    return int(rows[0]["n"]) == 0
