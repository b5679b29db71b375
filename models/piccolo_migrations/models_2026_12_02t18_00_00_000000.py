"""Hand-written: on PostgreSQL, every table says at each commit that changed it that something changed.

A statement trigger on each table sends `NOTIFY cop_changed` (PostgreSQL delivers it at the commit,
once per transaction, to every listening connection of every process). A worker serving requests
listens and keeps reads in memory until it hears one (models/change_feed.py, docs/design.md "Reads
kept in memory"). A table created by a later migration needs the same trigger:
`tests/test_change_feed.py` fails on a table without it. SQLite needs none: its `PRAGMA
data_version` tells a reader that another connection committed. The trigger's name starts with no
table's name, so the backup's append-only check never takes it for one of a table's own.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import current_engine, is_sqlite

ID = "2026-12-02T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "PostgreSQL: NOTIFY cop_changed from every table at each commit that changed it"

CHANNEL = "cop_changed"  # models.change_feed.CHANNEL, written out: a migration stays as it ran


def notify_statements(tables: list[str]) -> list[str]:
    statements = [
        "CREATE OR REPLACE FUNCTION cop_notify_changed() RETURNS trigger AS $$ BEGIN "
        f"PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END; $$ LANGUAGE plpgsql"
    ]
    for table in tables:
        statements.append(f'DROP TRIGGER IF EXISTS notify_cop_changed ON "{table}"')
        statements.append(
            f'CREATE TRIGGER notify_cop_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION cop_notify_changed()"
        )
    return statements


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def run():
        engine = current_engine()
        if is_sqlite(engine):
            return
        rows = await engine.run_ddl("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        for statement in notify_statements(sorted(row["tablename"] for row in rows)):
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
