"""What both halves of a backup (models/backup.py, and models/backup_postgres.py for PostgreSQL)
share: the error, the facts a backup vouches for, and the checks on them."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from models.errors import UserError

# Present in a freshly migrated database, which still counts as empty; organization_version is
# derived (moved by triggers), never data of its own.
NOT_DATA = {"migration", "area", "organization_version"}
# The migrations that make tables append-only (progress updates, audit events, published snapshots,
# published commitments and milestones), each listing its tables in APPEND_ONLY.
APPEND_ONLY_MIGRATIONS = (
    "models.piccolo_migrations.models_2026_11_22t05_55_00_000000",
    "models.piccolo_migrations.models_2026_12_02t01_14_30_000000",
)

Progress = Callable[[str], None]  # told what is happening now ("copying 42%"); may ignore it
OnSnapshot = Callable[[], Awaitable[None]]


class BackupError(UserError):
    """A backup that cannot be made or a file that must not be restored; nothing was changed."""


@dataclass(frozen=True)
class Facts:
    """What a database holds, as far as a backup vouches for it."""

    schema_version: str
    tables: dict[str, int]
    triggers: list[str]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def append_only_tables() -> list[str]:
    return sorted(
        table for name in APPEND_ONLY_MIGRATIONS for table in importlib.import_module(name).APPEND_ONLY
    )


def check_triggers(facts: Facts, where: str) -> None:
    """Each append-only table has its triggers: they are part of the schema a restore must bring back."""
    for table in append_only_tables():
        if table in facts.tables and not any(name.startswith(f"{table}_") for name in facts.triggers):
            raise BackupError(f"{where} lacks the append-only triggers of table {table}")


def not_empty() -> BackupError:
    return BackupError(
        "the target database is not empty; restore into an empty database, or pass --force to replace it"
    )
