"""Hand-written: unique pairs, append-only triggers on both engines, and the five areas.

Written by hand because SQLite cannot add table constraints after creation and because triggers are
engine-specific; the same statements are what `tests/models/test_migrations.py` checks on both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import current_engine, is_sqlite

ID = "2026-11-22T05:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints, append-only triggers and the five areas"

UNIQUE_INDEXES = [
    # NULL organization (secretariat, donor) would make every row distinct: fold it to 0.
    "CREATE UNIQUE INDEX IF NOT EXISTS role_assignment_unique "
    "ON role_assignment (person, role, COALESCE(organization, 0))",
    "CREATE UNIQUE INDEX IF NOT EXISTS submission_unique ON submission (organization, cycle)",
    "CREATE UNIQUE INDEX IF NOT EXISTS review_pair_unique "
    "ON review_pair (review_round, reviewer, reviewee)",
    "CREATE UNIQUE INDEX IF NOT EXISTS scorecard_snapshot_unique "
    "ON scorecard_snapshot (organization, cycle, audience)",
    "CREATE UNIQUE INDEX IF NOT EXISTS expectation_status_unique "
    "ON expectation_status (expectation, organization)",
    # Latest update per commitment, read by the scorecards without scanning the table.
    "CREATE INDEX IF NOT EXISTS progress_update_latest "
    "ON progress_update (commitment, created_at, id, self_level)",
    "CREATE INDEX IF NOT EXISTS reminder_due ON reminder (status, next_attempt_at)",
]

# Tables whose rows are history: the database itself refuses to rewrite them.
APPEND_ONLY = {
    "progress_update": "progress updates are append-only; post a correction that supersedes it",
    "audit_event": "the audit log is append-only",
    "scorecard_snapshot": "published scorecard snapshots are frozen",
}

AREAS = [
    ("champion", "Senior champion", 1,
     "A named champion at deputy level or above, with terms of reference."),
    ("policy", "Policy", 2,
     "CoP written into organizational policy or strategy, formally adopted."),
    ("capacity", "Capacity", 3,
     "Staff guidance and training rolled out; dedicated protection expertise in place."),
    ("reporting", "Reporting and M&E", 4,
     "Progress on CoP reported through the organization's own reporting/M&E system."),
    ("budget", "Budget", 5, "CoP resourced: a budget line or allocation exists for it."),
]


def trigger_statements(sqlite: bool) -> list[str]:
    statements: list[str] = []
    if not sqlite:
        statements.append(
            "CREATE OR REPLACE FUNCTION cop_refuse_change() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END; "
            "$$ LANGUAGE plpgsql"
        )
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
        sqlite = is_sqlite(engine)
        for statement in UNIQUE_INDEXES + trigger_statements(sqlite):
            await engine.run_ddl(statement)
        from models.engine import fetch

        # Plain SQL with the columns the table has at this point: a later column added to the
        # `Area` class must not break this step on a fresh database.
        existing = {row["key"] for row in await fetch("SELECT key FROM area")}
        for key, name, position, descriptor in AREAS:
            if key not in existing:
                await fetch(
                    "INSERT INTO area (key, name, position, descriptor, weight, version) "
                    "VALUES ({}, {}, {}, {}, 1.0, 1)",
                    key, name, position, descriptor,
                )

    manager.add_raw(run)
    return manager
