"""Hand-written: every existing expectation's current text becomes its first wording, and an
organization answers an expectation once per cycle (a unique index)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import current_engine, fetch

ID = "2026-12-02T00:48:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "first wordings of existing expectations, one answer per expectation and cycle"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def run():
        await current_engine().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS expectation_answer_unique "
            "ON expectation_answer (organization, cycle, expectation)"
        )
        await current_engine().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS expectation_wording_unique "
            "ON expectation_wording (expectation, number)"
        )
        await fetch(
            "INSERT INTO expectation_wording (expectation, number, text, created_at) "
            "SELECT id, 1, text, created_at FROM donor_expectation "
            "WHERE id NOT IN (SELECT expectation FROM expectation_wording)"
        )

    manager.add_raw(run)
    return manager
