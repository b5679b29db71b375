"""Hand-written: people who chose the weekly digest keep it as their email frequency, and the
reminders already held for a weekly digest keep going out in it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import fetch

ID = "2026-12-02T00:34:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "weekly digest choices become the weekly email frequency"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def run():
        await fetch("UPDATE person SET email_frequency = 'weekly' WHERE weekly_digest = {}", True)
        await fetch("UPDATE reminder SET batch = 'weekly' WHERE status = 'held'")

    manager.add_raw(run)
    return manager
