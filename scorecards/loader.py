"""Reads the rows the engine scores, with SQL, into the frames of `scorecards.engine.ScoringInputs`.

An area's claim is the organization's assessment in the cycle's report: one row per organization
and area leaves the database, never whole tables. Confidential text is filtered here, in the queries, by the audience's
visibilities: what a query does not return cannot leak into a page, a spreadsheet or a snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from models.engine import fetch
from models.errors import NotFound
from models.vocabulary import visibilities_for
from models.words import N_
from scorecards.answers import load_answers
from scorecards.engine import CycleInfo, ScoringInputs


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("{}" for _ in values)


def _org_filter(column: str, org_ids: Sequence[int] | None) -> tuple[str, list[Any]]:
    if org_ids is None:
        return "", []
    if not org_ids:
        return " AND 1 = 0", []
    return f" AND {column} IN ({_placeholders(org_ids)})", list(org_ids)


def as_date(value: Any) -> dt.date | None:
    """A date from a DATE, a TIMESTAMPTZ, or the text SQLite returns for computed columns (UTC)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return as_date(dt.datetime.fromisoformat(text))


def _frame(rows: list[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(row[c] for c in columns) for row in rows], columns=columns)


async def load_cycles() -> list[CycleInfo]:
    rows = await fetch(
        "SELECT id, name, period_start, period_end, due_date FROM cycle ORDER BY period_start, id"
    )
    return [
        CycleInfo(
            id=int(r["id"]),
            name=r["name"],
            period_start=as_date(r["period_start"]),  # type: ignore[arg-type]
            period_end=as_date(r["period_end"]),  # type: ignore[arg-type]
            due_date=as_date(r["due_date"]),  # type: ignore[arg-type]
        )
        for r in rows
    ]


async def load_cycle_areas(cycle_id: int) -> pd.DataFrame:
    """The areas a cycle scores, in order: those frozen when it opened (an area added later applies
    from the next cycle), with their current names and weights."""
    rows = await fetch(
        "SELECT ar.key, ar.name, ar.weight FROM cycle_area ca JOIN area ar ON ar.id = ca.area "
        "WHERE ca.cycle = {} ORDER BY ca.position, ar.id",
        cycle_id,
    )
    if not rows:  # a cycle written without the services (by hand): every area, as before freezing
        rows = await fetch("SELECT key, name, weight FROM area ORDER BY position, id")
    return _frame(rows, ["key", "name", "weight"])


async def find_cycle(name: str) -> tuple[CycleInfo, CycleInfo | None, list[CycleInfo]]:
    """The named cycle, the one before it (or None), and every cycle in order."""
    cycles = await load_cycles()
    for position, cycle in enumerate(cycles):
        if cycle.name == name:
            return cycle, cycles[position - 1] if position else None, cycles
    raise NotFound(N_("no cycle named %(name)r; cycles are named like 2025-H2"), field="cycle", name=name)


# Evidence that counts: neither rejected by the secretariat nor removed by the organization.
LIVE_EVIDENCE = "e.rejected_at IS NULL AND e.removed_at IS NULL"


async def load_claims(cycle_ids: Sequence[int], org_ids: Sequence[int] | None) -> pd.DataFrame:
    """Each organization's assessment per area for the cycles, with its evidence and verification.

    The assessment in the cycle's report is the claim (docs/design.md "Maturity levels"); progress
    updates no longer decide a level. Counts use the index on assessment_evidence.assessment.
    """
    org_clause, org_args = _org_filter("a.organization", org_ids)
    sql = f"""
        SELECT a.organization AS org_id, ar.key AS area_key, a.cycle AS cycle_id, a.self_level,
               a.id AS assessment_id,
               (SELECT COUNT(*) FROM assessment_evidence e
                 WHERE e.assessment = a.id AND {LIVE_EVIDENCE}) AS evidence,
               (SELECT COUNT(*) FROM assessment_evidence e
                 WHERE e.assessment = a.id AND e.verified_at IS NOT NULL AND {LIVE_EVIDENCE}) AS verified
        FROM assessment a JOIN area ar ON ar.id = a.area
        WHERE a.cycle IN ({_placeholders(cycle_ids)}){org_clause}
    """
    rows = await fetch(sql, *cycle_ids, *org_args)
    columns = ["org_id", "area_key", "cycle_id", "self_level", "assessment_id", "evidence", "verified"]
    return _frame(rows, columns)


async def load_inputs(cycle_name: str, today: dt.date, org_ids: Sequence[int] | None = None) -> ScoringInputs:
    """Everything `score_cycle` needs for one cycle (optionally only some organizations)."""
    cycle, previous, _ = await find_cycle(cycle_name)
    as_of = min(today, cycle.due_date)
    cycle_ids = [cycle.id] + ([previous.id] if previous else [])

    org_clause, org_args = _org_filter("id", org_ids)
    organizations = _frame(
        await fetch(
            f"SELECT id AS org_id, acronym, name, org_type FROM organization WHERE active = TRUE{org_clause}",
            *org_args,
        ),
        ["org_id", "acronym", "name", "org_type"],
    )
    areas = await load_cycle_areas(cycle.id)
    org_clause, org_args = _org_filter("ra.organization", org_ids)
    champions = _frame(
        await fetch(
            "SELECT ra.organization AS org_id, p.seniority FROM role_assignment ra "
            "JOIN person p ON p.id = ra.person WHERE ra.role = 'champion' AND p.active = TRUE" + org_clause,
            *org_args,
        ),
        ["org_id", "seniority"],
    )
    org_clause, org_args = _org_filter("c.organization", org_ids)
    milestones = _frame(
        await fetch(
            "SELECT c.organization AS org_id, m.due_date, m.completed_on, m.status FROM milestone m "
            "JOIN commitment c ON c.id = m.commitment "
            "WHERE m.due_date >= {} AND m.due_date <= {} AND m.status <> 'dropped' AND c.status <> 'dropped'"
            + org_clause,
            cycle.period_start,
            min(cycle.period_end, as_of),
            *org_args,
        ),
        ["org_id", "due_date", "completed_on", "status"],
    )
    last = await fetch(
        "SELECT c.organization AS org_id, MAX(pu.created_at) AS last_update_at FROM progress_update pu "
        "JOIN commitment c ON c.id = pu.commitment WHERE pu.created_at < {}"
        + org_clause
        + " GROUP BY c.organization",
        dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
        *org_args,
    )
    last_updates = pd.DataFrame(
        [(r["org_id"], as_date(r["last_update_at"])) for r in last], columns=["org_id", "last_update_on"]
    )
    org_clause, org_args = _org_filter("organization", org_ids)
    submission_rows = await fetch(
        "SELECT organization AS org_id, status, submitted_at, published_at FROM submission WHERE cycle = {}"
        + org_clause,
        cycle.id,
        *org_args,
    )
    submissions = pd.DataFrame(
        [
            (r["org_id"], r["status"], as_date(r["submitted_at"]), as_date(r["published_at"]))
            for r in submission_rows
        ],
        columns=["org_id", "status", "submitted_on", "published_on"],
    )
    org_clause, org_args = _org_filter("es.organization", org_ids)
    expectations = _frame(
        await fetch(
            "SELECT es.organization AS org_id, COUNT(*) AS met FROM expectation_status es "
            "JOIN donor_expectation de ON de.id = es.expectation "
            "WHERE de.active = TRUE AND es.met = TRUE AND (es.since IS NULL OR es.since <= {})"
            + org_clause
            + " GROUP BY es.organization",
            as_of,
            *org_args,
        ),
        ["org_id", "met"],
    )
    total = await fetch("SELECT COUNT(*) AS n FROM donor_expectation WHERE active = TRUE")
    return ScoringInputs(
        cycle=cycle,
        previous=previous,
        today=today,
        organizations=organizations,
        areas=areas,
        claims=await load_claims(cycle_ids, org_ids),
        champions=champions,
        milestones=milestones,
        last_updates=last_updates,
        submissions=submissions,
        expectations=expectations,
        expectations_total=int(total[0]["n"]),
    )


@dataclass
class Texts:
    """The words on a scorecard an audience may read, per organization (filtered in the queries)."""

    narratives: dict[tuple[int, str], str] = field(default_factory=dict)
    evidence: dict[tuple[int, str], list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    expectations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


async def load_texts(
    cycle: CycleInfo, audiences: Sequence[str], org_ids: Sequence[int] | None = None
) -> dict[str, Texts]:
    """Justifications of the assessments, their evidence links and the cycle's comments, per audience.

    The queries return only text of a visibility one of `audiences` may read, and each row is
    handed to exactly the audiences whose visibilities include it: one read serves the three
    snapshots of a publication without any text crossing to an audience that may not see it.
    """
    allowed = {audience: set(visibilities_for(audience)) for audience in audiences}
    visible = sorted(set().union(*allowed.values()))
    marks = _placeholders(visible)
    texts = {audience: Texts() for audience in audiences}

    def readers(*visibilities: str) -> list[Texts]:
        return [texts[a] for a, seen in allowed.items() if all(v in seen for v in visibilities)]

    org_clause, org_args = _org_filter("a.organization", org_ids)
    justification_sql = f"""
        SELECT a.organization AS org_id, ar.key AS area_key, a.justification, a.visibility
        FROM assessment a JOIN area ar ON ar.id = a.area
        WHERE a.cycle = {{}} AND a.visibility IN ({marks}) AND a.justification <> ''{org_clause}
    """
    for row in await fetch(justification_sql, cycle.id, *visible, *org_args):
        for reader in readers(row["visibility"]):
            reader.narratives[(int(row["org_id"]), row["area_key"])] = row["justification"]
    evidence_sql = f"""
        SELECT a.organization AS org_id, ar.key AS area_key, e.url, e.title, e.verified_at, e.visibility,
               a.visibility AS assessment_visibility
        FROM assessment a JOIN area ar ON ar.id = a.area
        JOIN assessment_evidence e ON e.assessment = a.id
        WHERE a.cycle = {{}} AND {LIVE_EVIDENCE} AND e.visibility IN ({marks}) AND a.visibility IN ({marks})
              {org_clause}
        ORDER BY a.organization, ar.key, e.id
    """
    for row in await fetch(evidence_sql, cycle.id, *visible, *visible, *org_args):
        item = {"url": row["url"], "title": row["title"], "verified": row["verified_at"] is not None}
        # A link is read by those who may read both it and its assessment.
        for reader in readers(row["visibility"], row["assessment_visibility"]):
            reader.evidence.setdefault((int(row["org_id"]), row["area_key"]), []).append(item)
    org_clause, org_args = _org_filter("co.organization", org_ids)
    comment_sql = f"""
        SELECT co.id, co.organization AS org_id, a.key AS area_key, co.kind, co.body, co.reply_to,
               co.created_at, co.visibility, p.name AS author
        FROM comment co
        LEFT JOIN area a ON a.id = co.area
        LEFT JOIN person p ON p.id = co.author
        WHERE co.cycle = {{}} AND co.visibility IN ({marks}){org_clause}
        ORDER BY co.organization, co.created_at, co.id
    """
    for row in await fetch(comment_sql, cycle.id, *visible, *org_args):
        item = {
            "id": int(row["id"]),
            "area": row["area_key"],
            "kind": row["kind"],
            "body": row["body"],
            "author": row["author"] or "",
            "reply_to": row["reply_to"],
            "created_on": (as_date(row["created_at"]) or cycle.period_end).isoformat(),
        }
        for reader in readers(row["visibility"]):
            reader.comments.setdefault(int(row["org_id"]), []).append(item)
    answering = org_ids
    if answering is None:
        answering = [int(r["id"]) for r in await fetch("SELECT id FROM organization ORDER BY id")]
    for audience, per_org in (await load_answers(cycle.id, audiences, answering)).items():
        texts[audience].expectations = per_org
    return texts
