"""Hand-written: the frozen copies of commitments and milestones are append-only, one per cycle,
and the cycles published before they existed get one.

Outsiders (donors, peers, other organizations) read an organization's commitments and milestones
only as they stood when it published (docs/design.md "Audiences and visibility"). Cycles published
before this migration froze no copy; they get one of the rows as they stand now, the closest
record there is, so that a published organization does not vanish from its peers' view.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import current_engine, fetch, is_sqlite

ID = "2026-12-02T01:14:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "published commitments and milestones: append-only, backfilled"

UNIQUE_INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS published_commitment_unique "
    "ON published_commitment (cycle, commitment)",
    "CREATE UNIQUE INDEX IF NOT EXISTS published_milestone_unique ON published_milestone (cycle, milestone)",
]

APPEND_ONLY = {
    "published_commitment": "published commitments are frozen",
    "published_milestone": "published milestones are frozen",
}

PUBLISHED = "SELECT DISTINCT organization, cycle FROM scorecard_snapshot"

BACKFILL = [
    "INSERT INTO published_commitment (organization, cycle, commitment, area, title, description, "
    "description_visibility, target_date, status, last_update_at, version, created_at, frozen_at) "
    "SELECT c.organization, p.cycle, c.id, c.area, c.title, c.description, c.description_visibility, "
    "c.target_date, c.status, c.last_update_at, c.version, c.created_at, CURRENT_TIMESTAMP "
    f"FROM commitment c JOIN ({PUBLISHED}) p ON p.organization = c.organization",
    "INSERT INTO published_milestone (organization, cycle, milestone, commitment, title, due_date, "
    "timeframe_text, date_flags, completed_on, status, derived_state, version, created_at, frozen_at) "
    "SELECT c.organization, p.cycle, m.id, m.commitment, m.title, m.due_date, m.timeframe_text, "
    "m.date_flags, m.completed_on, m.status, m.derived_state, m.version, m.created_at, CURRENT_TIMESTAMP "
    "FROM milestone m JOIN commitment c ON c.id = m.commitment "
    f"JOIN ({PUBLISHED}) p ON p.organization = c.organization",
]


def trigger_statements(sqlite: bool) -> list[str]:
    """The same refusal as the other append-only tables (`cop_refuse_change` exists on PostgreSQL)."""
    statements: list[str] = []
    for table, message in APPEND_ONLY.items():
        if sqlite:
            for op in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
        else:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION cop_refuse_change('{message}')"
            )
    return statements


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def run():
        engine = current_engine()
        for statement in UNIQUE_INDEXES:
            await engine.run_ddl(statement)
        if not (await fetch("SELECT COUNT(*) AS n FROM published_commitment"))[0]["n"]:
            for statement in BACKFILL:
                await fetch(statement)
        for statement in trigger_statements(is_sqlite(engine)):
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
