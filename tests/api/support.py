"""Small helpers the API tests share: demo logins and ids by acronym."""

from __future__ import annotations

from typing import Any

from models.demo import DEMO_DOMAIN
from models.engine import fetch


def email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


FOCAL_NRA = email("focal.nra")
CHAMPION_NRA = email("champion.nra")
FOCAL_USP = email("focal.usp")
CHAMPION_USP = email("champion.usp")
SECRETARIAT = email("secretariat")
DONOR = email("donor")
REVIEWER_OF_NRA = email("reviewer.usp")


async def org_id(acronym: str) -> int:
    rows = await fetch("SELECT id FROM organization WHERE acronym = {}", acronym)
    return int(rows[0]["id"])


async def first_commitment(acronym: str, visibility: str | None = None) -> dict[str, Any]:
    sql = (
        "SELECT c.* FROM commitment c JOIN organization o ON o.id = c.organization "
        "WHERE o.acronym = {}"
        + (" AND c.description_visibility = {}" if visibility else "")
        + " ORDER BY c.id"
    )
    rows = await fetch(sql, acronym, *([visibility] if visibility else []))
    return rows[0]


async def row_count(table: str) -> int:
    rows = await fetch(f"SELECT COUNT(*) AS n FROM {table}")
    return int(rows[0]["n"])
