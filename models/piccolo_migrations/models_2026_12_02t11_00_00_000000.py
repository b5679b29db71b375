"""Hand-written: the index that finds the update correcting a progress update.

Every read of an update asks which later update supersedes it (`superseded_by_id`); without an
index on `supersedes` that is a scan of the whole table per update read, a cost that grows with
every update ever written.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import current_engine

ID = "2026-12-02T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index on the update a progress update supersedes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def run():
        await current_engine().run_ddl(
            "CREATE INDEX IF NOT EXISTS progress_update_supersedes ON progress_update (supersedes)"
        )

    manager.add_raw(run)
    return manager
