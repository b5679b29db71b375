"""Hand-written: row -1 of `organization_version`, moved by every write to what one organization's
page reads of the others.

An organization's page shows who could help it: other organizations' names, their practice notes
and their published levels (docs/design.md "Reads kept in memory"). A worker keeps those rows in
memory while row -1 stands; triggers move it on every write to `organization`, `practice_note` and
`scorecard_snapshot`, whichever process writes, as the triggers of the organization's own row do
(models_2026_12_02t00_30_00_000000.py). Names start with `version_of_`, never with a table's name.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import current_engine, is_sqlite

ID = "2026-12-02T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "row -1 of organization_version, moved by writes to organizations, practice notes and snapshots"

ACROSS_ORGANIZATIONS = -1  # models.versions.ACROSS_ORGANIZATIONS, written out: a migration stays as it ran
TABLES = ("organization", "practice_note", "scorecard_snapshot")
OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def shared_version_statements(sqlite: bool) -> list[str]:
    row = ACROSS_ORGANIZATIONS
    if sqlite:
        return [
            f"CREATE TRIGGER IF NOT EXISTS version_of_shared_{table}_{operation.lower()} AFTER {operation} "
            f"ON {table} BEGIN INSERT INTO organization_version (id, version, changed_at) "
            f"VALUES ({row}, 1, strftime('%Y-%m-%d %H:%M:%f', 'now')) "
            "ON CONFLICT (id) DO UPDATE SET version = version + 1, changed_at = excluded.changed_at; END"
            for table in TABLES
            for operation in OPERATIONS
        ]
    # Once per transaction: publishing a cycle adds thousands of snapshots, and a row updated
    # thousands of times in one transaction costs more with each update.
    statements = [
        "CREATE OR REPLACE FUNCTION cop_version_shared() RETURNS trigger AS $$ BEGIN "
        "IF current_setting('cop.shared_version_moved', true) = txid_current()::text THEN RETURN NULL; END IF; "
        "PERFORM set_config('cop.shared_version_moved', txid_current()::text, true); "
        "INSERT INTO organization_version AS v (id, version, changed_at) "
        f"VALUES ({row}, 1, clock_timestamp()) ON CONFLICT (id) "
        "DO UPDATE SET version = v.version + 1, changed_at = EXCLUDED.changed_at; "
        "RETURN NULL; END; $$ LANGUAGE plpgsql"
    ]
    for table in TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS version_of_shared ON {table}")
        # Deferred to the commit, like the organization's own row: the version rows are the last
        # locks a transaction takes.
        statements.append(
            f"CREATE CONSTRAINT TRIGGER version_of_shared AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cop_version_shared()"
        )
    return statements


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def run():
        engine = current_engine()
        for statement in shared_version_statements(is_sqlite(engine)):
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
