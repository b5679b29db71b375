"""Hand-written: a version per organization, moved by the database on every write that concerns it.

The live figures on an organization's page are kept in memory per web worker (docs/design.md
"Scorecards"); a worker may serve them only while nothing they were computed from has changed, in
any process. Triggers, not the services, move the version: an import, a restore, the CLI, a second
worker or a hand-written statement all count the same. Row 0 is moved by writes that concern every
organization (areas, cycles, donor expectations, people). A row's `id` is the organization's id.
Trigger names start with `version_of_`, never with a table's name, which the append-only triggers'
check reads (models/backup_facts.py). `changed_at` tells apart two databases (or two emptied test
databases) whose counters happen to match.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import current_engine, is_sqlite

ID = "2026-12-02T00:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "organization_version, moved by triggers on every write that concerns an organization"

_VIA_COMMITMENT = "(SELECT organization FROM commitment WHERE id = {row}.commitment)"
# table -> the organization a row concerns, as SQL ({row} is NEW or OLD); "0" concerns them all.
ORGANIZATION_OF = {
    "organization": "{row}.id",
    "commitment": "{row}.organization",
    "milestone": _VIA_COMMITMENT,
    "progress_update": _VIA_COMMITMENT,
    "evidence": (
        "(SELECT c.organization FROM progress_update u JOIN commitment c ON c.id = u.commitment "
        "WHERE u.id = {row}.progress_update)"
    ),
    "assessment": "{row}.organization",
    "assessment_evidence": "(SELECT organization FROM assessment WHERE id = {row}.assessment)",
    "submission": "{row}.organization",
    "comment": "{row}.organization",
    "role_assignment": "{row}.organization",
    "expectation_status": "{row}.organization",
    "person": "0",
    "area": "0",
    "cycle": "0",
    "cycle_area": "0",
    "donor_expectation": "0",
}
OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def _row(operation: str) -> str:
    return "OLD" if operation == "DELETE" else "NEW"


def version_statements(sqlite: bool) -> list[str]:
    if sqlite:
        statements = [
            "CREATE TABLE IF NOT EXISTS organization_version (id INTEGER PRIMARY KEY, "
            "version INTEGER NOT NULL, changed_at TEXT NOT NULL)"
        ]
        for table, organization in ORGANIZATION_OF.items():
            for operation in OPERATIONS:
                org = organization.format(row=_row(operation))
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS version_of_{table}_{operation.lower()} AFTER {operation} "
                    f"ON {table} BEGIN INSERT INTO organization_version (id, version, changed_at) "
                    f"VALUES (COALESCE({org}, 0), 1, strftime('%Y-%m-%d %H:%M:%f', 'now')) "
                    "ON CONFLICT (id) DO UPDATE SET version = version + 1, "
                    "changed_at = excluded.changed_at; END"
                )
        return statements
    statements = [
        "CREATE TABLE IF NOT EXISTS organization_version (id INTEGER PRIMARY KEY, "
        "version BIGINT NOT NULL, changed_at TIMESTAMPTZ NOT NULL)"
    ]
    for table, organization in ORGANIZATION_OF.items():
        statements.append(
            f"CREATE OR REPLACE FUNCTION cop_version_{table}() RETURNS trigger AS $$ "
            "DECLARE org integer; BEGIN "
            f"IF TG_OP = 'DELETE' THEN org := {organization.format(row='OLD')}; "
            f"ELSE org := {organization.format(row='NEW')}; END IF; "
            "INSERT INTO organization_version AS v (id, version, changed_at) "
            "VALUES (COALESCE(org, 0), 1, clock_timestamp()) ON CONFLICT (id) "
            "DO UPDATE SET version = v.version + 1, changed_at = EXCLUDED.changed_at; "
            "RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
        statements.append(f"DROP TRIGGER IF EXISTS version_of_{table} ON {table}")
        # Deferred to the commit, so the version row is always the last lock a transaction takes:
        # a write that bumped it first and then locked a record would deadlock with one that did
        # the opposite (an update to a commitment against a progress update on it).
        statements.append(
            f"CREATE CONSTRAINT TRIGGER version_of_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cop_version_{table}()"
        )
    return statements


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def run():
        engine = current_engine()
        for statement in version_statements(is_sqlite(engine)):
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
