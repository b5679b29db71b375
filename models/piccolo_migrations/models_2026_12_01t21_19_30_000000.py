"""Hand-written: one assessment per area per cycle, taken over from the data that decided levels so far.

Until now the latest progress update with a level, on any commitment of an area, decided the area's
level. From now on the organization's assessment in the cycle's report decides it. So that no
figure moves, every (organization, area, cycle) that had such a latest update gets an assessment
with that update's level, narrative (as the justification, same visibility) and live evidence
(with its verification). Published snapshots are frozen rows and are not touched.

Also: the unique pairs of the new tables, the seeded rubric of the five areas, and the areas each
existing cycle scores (every area, as until now).
"""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from models.engine import current_engine, fetch, is_sqlite

ID = "2026-12-01T21:19:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "assessments from the latest claims, rubrics, and the areas of existing cycles"

UNIQUE_INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS assessment_unique ON assessment (organization, cycle, area)",
    "CREATE UNIQUE INDEX IF NOT EXISTS cycle_area_unique ON cycle_area (cycle, area)",
]

COMMON = {
    "0": "Nothing recorded yet for this area.",
    "1": "A commitment for this area with a named owner and dated milestones.",
    "2": "Implementation under way: at least one milestone of the area done.",
}
RUBRICS = {
    "champion": {
        **COMMON,
        "3": "A named senior champion at deputy level or above, with written terms of reference.",
        "4": "The champion reports on CoP to the senior leadership within the cycle, and CoP is part "
        "of the leadership's decisions (for example in a management meeting's minutes).",
    },
    "policy": {
        **COMMON,
        "3": "CoP written into an organizational policy or strategy that has been formally adopted.",
        "4": "The policy was reviewed within the cycle and is applied: plans or decisions cite it.",
    },
    "capacity": {
        **COMMON,
        "3": "Staff guidance and training on CoP rolled out, and dedicated protection expertise in place.",
        "4": "Training is part of induction or regular learning, reviewed within the cycle, and "
        "protection advice is used in operational decisions.",
    },
    "reporting": {
        **COMMON,
        "3": "Progress on CoP is reported through the organization's own reporting or M&E system.",
        "4": "The reporting is reviewed within the cycle and its findings are used in decisions.",
    },
    "budget": {
        **COMMON,
        "3": "CoP is resourced: a budget line or an allocation exists for it.",
        "4": "The allocation is renewed in the budget cycle and its use is reviewed within the cycle.",
    },
}

# The latest non-superseded update with a level per (organization, area, cycle), on commitments that
# are not dropped: the rule that decided levels before this migration (frozen here as it was).
LATEST_CLAIMS = """
    SELECT * FROM (
        SELECT c.organization AS org_id, c.area AS area_id, pu.cycle AS cycle_id,
               pu.self_level AS self_level, pu.id AS update_id, pu.narrative AS narrative,
               pu.visibility AS visibility, pu.author AS author, pu.created_at AS created_at,
               ROW_NUMBER() OVER (
                   PARTITION BY c.organization, c.area, pu.cycle
                   ORDER BY pu.created_at DESC, pu.id DESC
               ) AS position
        FROM progress_update pu
        JOIN commitment c ON c.id = pu.commitment
        WHERE pu.cycle IS NOT NULL
          AND pu.self_level IS NOT NULL
          AND c.status <> 'dropped'
          AND pu.id NOT IN (SELECT supersedes FROM progress_update WHERE supersedes IS NOT NULL)
    ) ranked WHERE position = 1
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="models", description=DESCRIPTION)

    async def run():
        engine = current_engine()
        json_value = "{}" if is_sqlite(engine) else "CAST({} AS JSON)"
        for statement in UNIQUE_INDEXES:
            await engine.run_ddl(statement)
        for key, rubric in RUBRICS.items():
            await fetch(f"UPDATE area SET rubric = {json_value} WHERE key = {{}}", json.dumps(rubric), key)
        areas = await fetch("SELECT id, position, rubric FROM area ORDER BY position, id")
        for cycle in await fetch("SELECT id FROM cycle"):
            for area in areas:
                rubric = area["rubric"] if isinstance(area["rubric"], str) else json.dumps(area["rubric"])
                await fetch(
                    f"INSERT INTO cycle_area (cycle, area, position, rubric) VALUES ({{}}, {{}}, {{}}, {json_value})",
                    cycle["id"],
                    area["id"],
                    area["position"],
                    rubric,
                )
        await fetch(
            "INSERT INTO assessment (organization, cycle, area, self_level, justification, visibility, "
            "author, version, created_at, updated_at) "
            "SELECT org_id, cycle_id, area_id, self_level, narrative, visibility, author, 1, created_at, "
            f"created_at FROM ({LATEST_CLAIMS}) claim"
        )
        await fetch(
            "INSERT INTO assessment_evidence (assessment, url, title, visibility, verified_by, verified_at, "
            "rejected_by, rejected_at, rejection_reason, removed_at, version, created_at) "
            "SELECT a.id, e.url, e.title, e.visibility, e.verified_by, e.verified_at, NULL, NULL, '', NULL, 1, "
            f"e.created_at FROM ({LATEST_CLAIMS}) claim "
            "JOIN assessment a ON a.organization = claim.org_id AND a.area = claim.area_id "
            "AND a.cycle = claim.cycle_id "
            "JOIN evidence e ON e.progress_update = claim.update_id "
            "WHERE e.id NOT IN (SELECT supersedes FROM evidence WHERE supersedes IS NOT NULL) "
            "ORDER BY e.id"
        )

    manager.add_raw(run)
    return manager
