"""Hand-written: evidence files beside links, and the secretariat's rejection of evidence with a reason."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import current_engine, is_sqlite

ID = "2026-12-02T07:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "evidence: file columns, rejection with a reason"

COLUMNS = [
    "file_key VARCHAR(64) NOT NULL DEFAULT ''",
    "file_name VARCHAR(255) NOT NULL DEFAULT ''",
    "file_type VARCHAR(100) NOT NULL DEFAULT ''",
    "file_size INTEGER NOT NULL DEFAULT 0",
    "rejected_at {timestamptz} DEFAULT NULL",
    "rejection_reason TEXT NOT NULL DEFAULT ''",
    "rejected_by INTEGER DEFAULT NULL REFERENCES person(id) ON DELETE CASCADE",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def run():
        engine = current_engine()
        timestamptz = "TIMESTAMPTZ" if is_sqlite(engine) else "TIMESTAMP WITH TIME ZONE"
        for column in COLUMNS:
            await engine.run_ddl(f"ALTER TABLE evidence ADD COLUMN {column.format(timestamptz=timestamptz)}")

    manager.add_raw(run)
    return manager
