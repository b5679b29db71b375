"""The demo: deterministic, and holding every case docs/design.md asks a newcomer to see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from models.demo import DemoNotEmptyError
from models.engine import fetch
from scorecards.publishing import load_demo
from tests.conftest import TODAY

DUMP_QUERIES = {
    "organization": "SELECT name, acronym, org_type, is_demo FROM organization ORDER BY id",
    "person": "SELECT email, name, seniority FROM person ORDER BY id",
    "role_assignment": "SELECT person, role, organization FROM role_assignment ORDER BY id",
    "commitment": "SELECT organization, area, title, description_visibility, target_date FROM commitment ORDER BY id",
    "milestone": "SELECT commitment, title, due_date, completed_on, status FROM milestone ORDER BY id",
    "progress_update": "SELECT commitment, cycle, self_level, narrative, visibility FROM progress_update ORDER BY id",
    "submission": "SELECT organization, cycle, status FROM submission ORDER BY id",
}


async def dump() -> dict[str, list[dict[str, Any]]]:
    return {table: await fetch(sql) for table, sql in DUMP_QUERIES.items()}


async def test_demo_loads_only_into_an_empty_database(demo: Any, db: str) -> None:
    before = await dump()
    with pytest.raises(DemoNotEmptyError):
        await load_demo(today=TODAY)
    assert await dump() == before


async def test_demo_twice_gives_the_same_rows(db: str) -> None:
    from tests.conftest import _TMP

    await load_demo(today=TODAY)
    first = await dump()
    # A second, fresh database built the same way holds the same rows.
    from models.engine import current_engine, is_sqlite

    if not is_sqlite(current_engine()):
        tables = ", ".join(DUMP_QUERIES) + ", evidence, comment, expectation_status, donor_expectation, cycle"
        await current_engine().run_ddl(
            f"TRUNCATE {tables}, role_assignment, person, organization RESTART IDENTITY CASCADE"
        )
    else:
        import shutil

        engine = current_engine()
        shutil.copyfile(str(_TMP / "template.sqlite"), engine.path + ".2")
        engine.path = engine.path + ".2"
    await load_demo(today=TODAY)
    assert await dump() == first


async def test_demo_has_every_case(demo: Any, db: str) -> None:
    orgs = await fetch("SELECT id, org_type, is_demo, name FROM organization")
    assert len(orgs) >= 12
    assert {o["org_type"] for o in orgs} == {"un_agency", "ngo", "consortium", "rcrc", "other"}
    assert all(o["is_demo"] and "(demo)" in o["name"] for o in orgs)

    cycles = await fetch("SELECT id, name FROM cycle ORDER BY period_start")
    assert [c["name"] for c in cycles] == ["2025-H2", "2026-H1", "2026-H2"]
    published = await fetch("SELECT DISTINCT cycle FROM submission WHERE status = 'published'")
    assert {p["cycle"] for p in published} == {cycles[0]["id"], cycles[1]["id"]}
    open_statuses = await fetch(f"SELECT DISTINCT status FROM submission WHERE cycle = {cycles[2]['id']}")
    assert "published" not in {s["status"] for s in open_statuses}

    areas = await fetch("SELECT DISTINCT a.key FROM commitment c JOIN area a ON a.id = c.area")
    assert {a["key"] for a in areas} == {"champion", "policy", "capacity", "reporting", "budget"}

    milestones = await fetch("SELECT due_date, status FROM milestone")

    def as_date(v: Any) -> dt.date:
        return v if isinstance(v, dt.date) else dt.date.fromisoformat(v)

    done = [m for m in milestones if m["status"] == "done"]
    open_ = [m for m in milestones if m["status"] != "done"]
    assert done
    assert any(as_date(m["due_date"]) < TODAY for m in open_), "an overdue milestone"
    assert any(TODAY <= as_date(m["due_date"]) <= TODAY + dt.timedelta(days=14) for m in open_), (
        "one due soon"
    )
    assert any(as_date(m["due_date"]) > TODAY + dt.timedelta(days=90) for m in open_), "one far off"

    visibilities = await fetch("SELECT DISTINCT visibility FROM progress_update")
    assert {v["visibility"] for v in visibilities} >= {"internal", "peer", "donor"}

    champions = await fetch(
        "SELECT o.id AS org, p.seniority FROM organization o "
        "LEFT JOIN role_assignment r ON r.organization = o.id AND r.role = 'champion' "
        "LEFT JOIN person p ON p.id = r.person"
    )
    assert any(c["seniority"] is None for c in champions), "an organization without a champion"
    assert any(c["seniority"] not in (None, "head", "deputy") for c in champions), "a junior champion"

    roles = await fetch("SELECT DISTINCT role FROM role_assignment")
    assert {r["role"] for r in roles} == {"secretariat", "focal_point", "champion", "peer_reviewer", "donor"}


async def test_demo_scales_for_benchmarks(db: str) -> None:
    summary = await load_demo(orgs=40, cycles=6, today=TODAY)
    assert summary.organizations == 40
    assert len(summary.cycles) == 6
    assert summary.milestones > 40 * 8 * 5 * 0.9


async def test_the_demo_logins_are_listed_again_from_the_database(demo: Any) -> None:
    """What a second `serve --demo` prints: the same sign-ins the first load printed, and only those
    whose password is still the demo one."""
    from models.demo import demo_logins
    from models.passwords import hash_password

    assert await demo_logins() == demo.logins
    changed = demo.logins[0][0]
    await fetch(
        "UPDATE person SET password_hash = {} WHERE email = {}", hash_password("another-pw-1"), changed
    )
    assert await demo_logins() == demo.logins[1:]
