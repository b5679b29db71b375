"""The assessment of each area in a cycle's report: the level the organization claims, why, and the
evidence for it. It decides the area's counted level after the evidence rules (docs/design.md
"Maturity levels"); the secretariat verifies or rejects its evidence.

Read by the organization's own people and the secretariat (internal); outsiders read assessments
only through published scorecard snapshots, where the loader filters each text by its visibility.
Writes are refused once the submission is submitted or published; an approved one reopens.
"""

from __future__ import annotations

from typing import Any

from models import audit
from models.caller import Caller
from models.clock import utcnow
from models.engine import fetch, one_or_not_found, write_transaction
from models.errors import Collect, Conflict, Forbidden, NotFound, UserError
from models.paging import Page, Paging
from models.services.areas import cycle_areas
from models.services.common import (
    check_version,
    one_line,
    read_audience,
    require_editor,
    text_block,
    visibility,
    web_link,
)
from models.services.cycles import cycle_by_name
from models.services.submissions import reopen_approved
from models.tables import Assessment, AssessmentEvidence
from models.vocabulary import LEVELS
from models.words import N_

MAX_EVIDENCE = 20
EVIDENCE_COLUMNS = (
    "e.id, e.assessment AS assessment_id, e.url, e.title, e.visibility, e.verified_at, e.rejected_at, "
    "e.rejection_reason, e.created_at, e.version"
)

NO_EVIDENCE = N_("no assessment evidence with id %(id)s")
LOCKED_STATUSES = ("submitted", "published")


def _level(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
        raise UserError(N_("choose a level from 0 to 4"), field="self_level")
    return value


EVIDENCE_STATES = (N_("provided"), N_("verified"), N_("rejected"))  # the words pages show for each state


def evidence_state(row: dict[str, Any]) -> str:
    if row["rejected_at"] is not None:
        return "rejected"
    return "verified" if row["verified_at"] is not None else "provided"


async def _assessment_rows(org_id: int, cycle_id: int) -> dict[str, dict[str, Any]]:
    rows = await fetch(
        "SELECT a.id, ar.key AS area_key, a.self_level, a.justification, a.visibility, a.version, "
        "a.updated_at FROM assessment a JOIN area ar ON ar.id = a.area "
        "WHERE a.organization = {} AND a.cycle = {}",
        org_id,
        cycle_id,
    )
    return {r["area_key"]: r for r in rows}


async def _evidence_of(assessment_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not assessment_ids:
        return {}
    marks = ", ".join("{}" for _ in assessment_ids)
    rows = await fetch(
        f"SELECT {EVIDENCE_COLUMNS} FROM assessment_evidence e "
        f"WHERE e.assessment IN ({marks}) AND e.removed_at IS NULL ORDER BY e.id",
        *assessment_ids,
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(int(row["assessment_id"]), []).append({**row, "state": evidence_state(row)})
    return out


async def _suggestions(org_id: int, cycle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What pre-fills an area not yet assessed: the latest claim of a progress update in this cycle,
    else the previous cycle's assessment."""
    suggestions: dict[str, dict[str, Any]] = {}
    previous = await fetch(
        "SELECT ar.key AS area_key, a.self_level, a.justification, a.visibility FROM assessment a "
        "JOIN area ar ON ar.id = a.area JOIN cycle y ON y.id = a.cycle "
        "WHERE a.organization = {} AND y.period_start < {} ORDER BY y.period_start",
        org_id,
        cycle["period_start"],
    )
    for row in previous:  # later cycles overwrite earlier ones
        suggestions[row["area_key"]] = {**row, "source": N_("the previous cycle's assessment")}
    updates = await fetch(
        "SELECT ar.key AS area_key, u.self_level FROM progress_update u "
        "JOIN commitment c ON c.id = u.commitment JOIN area ar ON ar.id = c.area "
        "WHERE c.organization = {} AND u.cycle = {} AND u.self_level IS NOT NULL "
        "AND u.id NOT IN (SELECT supersedes FROM progress_update WHERE supersedes IS NOT NULL) "
        "ORDER BY u.created_at, u.id",
        org_id,
        cycle["id"],
    )
    for row in updates:  # the latest wins
        base = suggestions.get(row["area_key"], {"justification": "", "visibility": "internal"})
        suggestions[row["area_key"]] = {
            **base,
            "area_key": row["area_key"],
            "self_level": row["self_level"],
            "source": N_("the latest progress update of this cycle"),
        }
    return suggestions


async def list_assessments(caller: Caller, org_id: int, cycle_name: str) -> list[dict[str, Any]]:
    """Per area of the cycle: its frozen rubric, the assessment (or a suggestion) and its evidence."""
    if read_audience(caller, org_id) != "internal":
        raise NotFound(N_("no assessments for that organization"))
    cycle = await cycle_by_name(cycle_name)
    areas = await cycle_areas(int(cycle["id"]))
    assessed = await _assessment_rows(org_id, int(cycle["id"]))
    evidence = await _evidence_of([int(a["id"]) for a in assessed.values()])
    suggestions = await _suggestions(org_id, cycle)
    out = []
    for area in areas:
        row = assessed.get(area["key"])
        suggestion = suggestions.get(area["key"])
        out.append(
            {
                "area": area["key"],
                "area_name": area["name"],
                "rubric": area["rubric"],
                "assessed": row is not None,
                "id": row["id"] if row else None,
                "self_level": row["self_level"] if row else None,
                "justification": row["justification"] if row else "",
                "visibility": row["visibility"] if row else "internal",
                "version": row["version"] if row else 0,
                "evidence": evidence.get(int(row["id"]), []) if row else [],
                "suggested_level": suggestion["self_level"] if suggestion and not row else None,
                "suggested_justification": suggestion["justification"] if suggestion and not row else "",
                "suggested_from": suggestion["source"] if suggestion and not row else "",
            }
        )
    return out


async def assessments_page(
    caller: Caller, org_id: int, cycle_name: str, paging: Paging
) -> Page[dict[str, Any]]:
    """`list_assessments` in the API's list shape: one row per area of the cycle (a handful)."""
    rows = await list_assessments(caller, org_id, cycle_name)
    end = None if paging.limit is None else paging.offset + paging.limit
    return Page(items=rows[paging.offset : end], total=len(rows), limit=paging.limit, offset=paging.offset)


def clean_assessment(data: dict[str, Any], checks: Collect | None = None) -> dict[str, Any]:
    """An assessment's fields, every refusal collected (raised together unless `checks` is given)."""
    check = checks or Collect()
    clean = {
        "self_level": check(_level, data.get("self_level")),
        "justification": check(text_block, str(data.get("justification", "")), "justification"),
        "visibility": check(visibility, str(data.get("visibility", "internal"))),
        "evidence": check(clean_links, data.get("evidence", []), check),
    }
    if checks is None:
        check.raise_any()
    return clean


def clean_links(links: Any, checks: Collect | None = None) -> list[dict[str, str]]:
    """Evidence links as typed: each an http(s) address, an optional title and a visibility."""
    if not isinstance(links, list) or len(links) > MAX_EVIDENCE:
        raise UserError(
            N_("evidence: a list of at most %(count)s links"), field="evidence", count=MAX_EVIDENCE
        )
    check = checks or Collect()
    clean = [
        {
            "url": check(web_link, str(link.get("url", "")), f"evidence[{i}].url"),
            "title": check(one_line, str(link.get("title", "")), f"evidence[{i}].title", 300, required=False),
            "visibility": check(
                visibility, str(link.get("visibility", "internal")), f"evidence[{i}].visibility"
            ),
        }
        for i, link in enumerate(links)
    ]
    if checks is None:
        check.raise_any()
    return clean


async def save_assessment(
    caller: Caller, org_id: int, cycle_name: str, area_key: str, data: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    """Create or change one area's assessment (focal points, secretariat). Evidence is the full list
    of links: a link left out is removed (kept on record), a new one added, one kept keeps its
    verification. `expected_version` is 0 for an area not yet assessed."""
    require_editor(caller, org_id, "assessment")
    clean = clean_assessment(data)
    cycle = await cycle_by_name(cycle_name)
    areas = {a["key"]: a for a in await cycle_areas(int(cycle["id"]))}
    if area_key not in areas:
        raise NotFound(
            N_("the cycle %(cycle)s has no area %(area)r"), field="area", cycle=cycle_name, area=area_key
        )
    now = utcnow()
    async with write_transaction():
        status = await fetch(
            "SELECT status FROM submission WHERE organization = {} AND cycle = {}", org_id, cycle["id"]
        )
        if status and status[0]["status"] in LOCKED_STATUSES:
            raise Conflict(
                N_(
                    "the %(cycle)s report is %(status)s: assessments change only in a draft or returned report"
                ),
                field="status",
                cycle=cycle_name,
                status=status[0]["status"],
            )
        before = (await _assessment_rows(org_id, int(cycle["id"]))).get(area_key)
        fields = {k: clean[k] for k in ("self_level", "justification", "visibility")}
        if before is None:
            if expected_version != 0:
                raise Conflict(N_("this area has no assessment yet: send version 0"), field="version")
            inserted = await Assessment.insert(
                Assessment(
                    organization=org_id,
                    cycle=cycle["id"],
                    area=areas[area_key]["id"],
                    author=caller.person_id,
                    created_at=now,
                    updated_at=now,
                    **fields,
                )
            ).returning(Assessment.id)
            assessment_id = int(inserted[0]["id"])
        else:
            check_version(before, expected_version, "assessment")
            assessment_id = int(before["id"])
            await Assessment.update(
                {
                    **{getattr(Assessment, k): v for k, v in fields.items()},
                    Assessment.author: caller.person_id,
                    Assessment.updated_at: now,
                    Assessment.version: int(before["version"]) + 1,
                }
            ).where((Assessment.id == assessment_id) & (Assessment.version == expected_version))
        kept = (await _evidence_of([assessment_id])).get(assessment_id, [])
        wanted = {link["url"]: link for link in clean["evidence"]}
        for old in kept:
            if old["url"] not in wanted:
                await AssessmentEvidence.update({AssessmentEvidence.removed_at: now}).where(
                    AssessmentEvidence.id == old["id"]
                )
            else:
                link = wanted.pop(old["url"])
                if (link["title"], link["visibility"]) != (old["title"], old["visibility"]):
                    await AssessmentEvidence.update(
                        {
                            AssessmentEvidence.title: link["title"],
                            AssessmentEvidence.visibility: link["visibility"],
                            AssessmentEvidence.version: int(old["version"]) + 1,
                        }
                    ).where(AssessmentEvidence.id == old["id"])
        for link in wanted.values():
            await AssessmentEvidence.insert(
                AssessmentEvidence(assessment=assessment_id, created_at=now, **link)
            )
        after = {**fields, "area": area_key, "cycle": cycle_name, "evidence": clean["evidence"]}
        await audit.record(
            caller, "update" if before else "create", "assessment", assessment_id, before, after
        )
        await reopen_approved(caller, org_id, f"the {area_key} assessment of {cycle_name} changed")
    return next(a for a in await list_assessments(caller, org_id, cycle_name) if a["area"] == area_key)


async def _evidence_row(evidence_id: int) -> dict[str, Any]:
    return await one_or_not_found(
        f"SELECT {EVIDENCE_COLUMNS}, a.organization AS organization_id FROM assessment_evidence e "
        "JOIN assessment a ON a.id = e.assessment WHERE e.id = {} AND e.removed_at IS NULL",
        evidence_id,
        missing=NO_EVIDENCE,
        id=evidence_id,
    )


async def decide_evidence(
    caller: Caller, evidence_id: int, decision: str, reason: str = ""
) -> dict[str, Any]:
    """The secretariat verifies a link, or rejects it with a reason (it then counts as absent)."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat verifies or rejects evidence"))
    if decision not in ("verify", "reject"):
        raise UserError(N_("decision is verify or reject"), field="decision")
    reason = text_block(reason, "reason", 2000).strip() if decision == "reject" else ""
    if decision == "reject" and not reason:
        raise UserError(N_("a rejection needs a reason the organization can act on"), field="reason")
    now = utcnow()
    async with write_transaction():
        before = await _evidence_row(evidence_id)
        changes: dict[Any, Any] = {AssessmentEvidence.version: int(before["version"]) + 1}
        if decision == "verify":
            changes.update(
                {
                    AssessmentEvidence.verified_by: caller.person_id,
                    AssessmentEvidence.verified_at: now,
                    AssessmentEvidence.rejected_by: None,
                    AssessmentEvidence.rejected_at: None,
                    AssessmentEvidence.rejection_reason: "",
                }
            )
        else:
            changes.update(
                {
                    AssessmentEvidence.rejected_by: caller.person_id,
                    AssessmentEvidence.rejected_at: now,
                    AssessmentEvidence.rejection_reason: reason,
                    AssessmentEvidence.verified_by: None,
                    AssessmentEvidence.verified_at: None,
                }
            )
        await AssessmentEvidence.update(changes).where(AssessmentEvidence.id == evidence_id)
        after = {"decision": decision, "reason": reason}
        await audit.record(caller, decision, "assessment_evidence", evidence_id, before, after)
    row = await _evidence_row(evidence_id)
    return {**row, "state": evidence_state(row)}


async def evidence_to_decide(caller: Caller, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Assessment evidence no one has decided on yet, level-4 claims first (secretariat)."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat verifies evidence"))
    return await fetch(
        f"SELECT {EVIDENCE_COLUMNS}, a.self_level, ar.key AS area_key, ar.name AS area_name, "
        "y.name AS cycle, o.id AS organization_id, o.acronym FROM assessment_evidence e "
        "JOIN assessment a ON a.id = e.assessment JOIN area ar ON ar.id = a.area "
        "JOIN cycle y ON y.id = a.cycle JOIN organization o ON o.id = a.organization "
        "WHERE e.removed_at IS NULL AND e.verified_at IS NULL AND e.rejected_at IS NULL "
        "AND a.self_level >= 3 ORDER BY a.self_level DESC, e.created_at, e.id LIMIT {} OFFSET {}",
        limit,
        offset,
    )
