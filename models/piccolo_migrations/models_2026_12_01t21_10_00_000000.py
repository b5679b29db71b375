"""Hand-written: peer review is frozen once its round closes, replies and practice notes are history.

Written by hand because triggers are engine-specific (see the constraints migration for the first
append-only tables). What the database refuses, whatever the code above it does:
- a closed review round changes no more; nothing is added to it, changed or deleted in it;
- pairs and their reviewers change only while the round is a draft;
- a review comment changes only while its review is a draft (a submitted review is the record);
- replies and practice notes are never rewritten (a later note is the organization's new word).
`tests/reviews/test_frozen.py` checks these on both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import current_engine, is_sqlite

ID = "2026-12-01T21:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "peer review: frozen after the round closes; replies and practice notes append-only"

# The status of the round a row belongs to, as SQL; {row} is OLD or NEW.
ROUND_OF = {
    "review_round": "{row}.status",
    "review_pair": "(SELECT status FROM review_round WHERE id = {row}.review_round)",
    "reviewer_assignment": (
        "(SELECT r.status FROM review_round r JOIN review_pair p ON p.review_round = r.id "
        "WHERE p.id = {row}.review_pair)"
    ),
    "review": "(SELECT status FROM review_round WHERE id = {row}.review_round)",
    "review_comment": (
        "(SELECT r.status FROM review_round r JOIN review v ON v.review_round = r.id WHERE v.id = {row}.review)"
    ),
    "review_reply": (
        "(SELECT r.status FROM review_round r JOIN review v ON v.review_round = r.id "
        "JOIN review_comment c ON c.review = v.id WHERE c.id = {row}.comment)"
    ),
}

# (name, table, operations, condition with {row}, message)
GUARDS = [
    (
        f"{table}_closed_round",
        table,
        ("UPDATE", "DELETE") if table == "review_round" else ("INSERT", "UPDATE", "DELETE"),
        f"{status} = 'closed'",
        "the review round is closed: its reviews and replies are part of the record and change no more",
    )
    for table, status in ROUND_OF.items()
] + [
    (
        f"{table}_after_draft",
        table,
        ("UPDATE", "DELETE"),
        f"{ROUND_OF[table]} <> 'draft'",
        "pairs and reviewers change only before the round opens",
    )
    for table in ("review_pair", "reviewer_assignment")
] + [
    (
        "review_comment_submitted",
        "review_comment",
        ("UPDATE", "DELETE"),
        "(SELECT status FROM review WHERE id = {row}.review) <> 'draft'",
        "a submitted review is the record: its comments change no more",
    ),
    ("review_reply_append_only", "review_reply", ("UPDATE", "DELETE"), "1 = 1", "replies are append-only"),
    (
        "practice_note_append_only",
        "practice_note",
        ("UPDATE", "DELETE"),
        "1 = 1",
        "practice notes are append-only; write a new note",
    ),
]


def _row(operation: str) -> str:
    return "NEW" if operation == "INSERT" else "OLD"


def guard_statements(sqlite: bool) -> list[str]:
    statements: list[str] = []
    for name, table, operations, condition, message in GUARDS:
        if sqlite:
            for operation in operations:
                when = condition.format(row=_row(operation))
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {name}_{operation.lower()} BEFORE {operation} ON {table} "
                    f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
            continue
        old, new = condition.format(row="OLD"), condition.format(row="NEW")
        refuse = f"RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation';"
        statements.append(
            f"CREATE OR REPLACE FUNCTION cop_guard_{name}() RETURNS trigger AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN IF {new} THEN {refuse} END IF; "
            f"ELSIF {old} THEN {refuse} END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE {' OR '.join(operations)} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION cop_guard_{name}()"
        )
    return statements


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def run():
        engine = current_engine()
        for statement in guard_statements(is_sqlite(engine)):
            await engine.run_ddl(statement)
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS reviewer_assignment_unique "
            "ON reviewer_assignment (review_pair, person)"
        )
        await engine.run_ddl(
            "CREATE INDEX IF NOT EXISTS practice_note_latest ON practice_note (organization, area, id)"
        )

    manager.add_raw(run)
    return manager
