"""Workflow emails queued the moment something happens, through the same outbox as reminders.

A rejected piece of assessment evidence tells the organization's focal points, with the
secretariat's reason (written for them, so it may go in the email).

A confirmed or questioned answer to a donor expectation tells the organization's focal points; a
question is addressed to the organization, so it goes in the email (the organization's own note never
does).

A submitted review tells the reviewee's focal points and champion at once. The daily check applies
the same rule (`reminders.review_rules`) with the same keys, so a mail missed here is queued by the
next check, and one queued here is never queued twice.
"""

from __future__ import annotations

from typing import Any

from models.caller import Caller
from models.clock import utcnow
from models.engine import fetch, write_transaction
from models.services import assessments, evidence, expectation_answers
from models.settings import Settings
from reminders import outbox
from reminders.check import _outbox_row
from reminders.emails import context_json, mail_domain, message_id_for
from reminders.facts import Today
from reminders.review_facts import load_review_facts
from reminders.review_rules import REVIEW_SUBMITTED, review_rules
from reminders.rules import muted_rules


async def queue_review_submitted(settings: Settings, review_id: int) -> list[str]:
    """Queue the "review submitted" emails of one review; returns the keys newly queued."""
    reviews, _ = await load_review_facts("AND v.id = {}", review_id)
    today = Today(now=utcnow())
    intents = [i for r in reviews for i in review_rules(r, today.utc) if i.rule == REVIEW_SUBMITTED]
    base_url = settings.base_url.rstrip("/")
    domain = mail_domain(settings.smtp.sender, base_url)
    return await outbox.queue([_outbox_row(intent, base_url, domain, today, {}) for intent in intents])


def told(
    key: str, rule: str, person: dict[str, Any], org_id: int, link: str, context: str, domain: str
) -> outbox.OutboxRow:
    """The outbox row of a workflow email to one person (sent at once, never batched)."""
    return outbox.OutboxRow(
        dedupe_key=key,
        rule=rule,
        recipient_id=int(person["id"]),
        recipient_email=person["email"],
        organization_id=org_id,
        link=link,
        context=context,
        message_id=message_id_for(key, domain),
    )


EVIDENCE_REJECTED = "evidence_rejected"
EVIDENCE_VERIFIED = "evidence_verified"


# Who decides a piece of evidence, by where it was given (docs/design.md "Evidence files").
DECIDE = {"assessment": assessments.decide_evidence, "update": evidence.decide_evidence}


async def decide_evidence(
    settings: Settings, caller: Caller, evidence_id: int, decision: str, reason: str, kind: str = "assessment"
) -> dict[str, Any]:
    """Verify or reject an assessment's link, or a progress update's link or file (`kind`), as the
    secretariat, and tell the focal points in the same transaction."""
    async with write_transaction():
        row = await DECIDE[kind](caller, evidence_id, decision, reason)
        await queue_evidence_decision(settings, evidence_id, kind)
    return row


# The decided evidence, from an assessment or from a progress update (docs/design.md "Evidence files").
DECIDED = {
    "assessment": (
        "SELECT e.id, e.url, e.title, e.rejection_reason, e.rejected_at, e.verified_at, ar.key AS area_key, "
        "ar.name AS area_name, y.name AS cycle_name, o.id AS organization_id, o.acronym, o.name AS org_name "
        "FROM assessment_evidence e JOIN assessment a ON a.id = e.assessment JOIN area ar ON ar.id = a.area "
        "JOIN cycle y ON y.id = a.cycle JOIN organization o ON o.id = a.organization "
    ),
    "update": (
        "SELECT e.id, e.url, e.title, e.rejection_reason, e.rejected_at, e.verified_at, ar.key AS area_key, "
        "ar.name AS area_name, COALESCE(y.name, '') AS cycle_name, o.id AS organization_id, o.acronym, "
        "o.name AS org_name, "
        "u.id AS update_id, c.id AS commitment_id, e.file_key FROM evidence e "
        "JOIN progress_update u ON u.id = e.progress_update JOIN commitment c ON c.id = u.commitment "
        "JOIN area ar ON ar.id = c.area LEFT JOIN cycle y ON y.id = u.cycle "
        "JOIN organization o ON o.id = c.organization "
    ),
}


async def queue_evidence_decision(settings: Settings, evidence_id: int, kind: str = "assessment") -> int:
    """Queue one email per active focal point of the organization about the latest decision on a
    piece of evidence (verified, or rejected with the secretariat's reason); returns how many were new."""
    rows = await fetch(
        DECIDED[kind] + "WHERE e.id = {} AND (e.rejected_at IS NOT NULL OR e.verified_at IS NOT NULL)",
        evidence_id,
    )
    if not rows:
        return 0
    row = rows[0]
    rule = EVIDENCE_REJECTED if row["rejected_at"] is not None else EVIDENCE_VERIFIED
    people = await focal_points(int(row["organization_id"]), rule)
    values = {
        "organization_name": row["org_name"],
        "organization_acronym": row["acronym"],
        "area_name": row["area_name"],
        "cycle_name": row["cycle_name"],
        # A file is named by its address: its name and title are the organization's own words.
        "evidence_title": row["url"] if row.get("file_key") else row["title"] or row["url"],
    }
    if rule == EVIDENCE_REJECTED:
        values["reason"] = row["rejection_reason"]
    context = context_json(values)
    base_url = settings.base_url.rstrip("/")
    if kind == "update":
        link = f"{base_url}/organizations/{row['organization_id']}/commitments/{row['commitment_id']}"
        link += f"#update-{row['update_id']}"
    else:
        link = f"{base_url}/organizations/{row['organization_id']}/submissions/{row['cycle_name']}"
        link += f"#assessment-{row['area_key']}"
    domain = mail_domain(settings.smtp.sender, base_url)
    stamp = str(row["rejected_at"] if rule == EVIDENCE_REJECTED else row["verified_at"])
    queued = []
    for person in people:
        key = f"{rule}:{'' if kind == 'assessment' else 'update-'}{evidence_id}:{stamp}:{person['id']}"
        queued.append(told(key, rule, person, int(row["organization_id"]), link, context, domain))
    return len(await outbox.queue(queued))


EXPECTATION_CONFIRMED = "expectation_confirmed"
EXPECTATION_QUESTIONED = "expectation_questioned"


async def review_expectation_answer(
    settings: Settings,
    caller: Caller,
    org_id: int,
    cycle: str,
    expectation_id: int,
    decision: str,
    question: str = "",
) -> dict[str, Any]:
    """Confirm or question an answer (secretariat) and tell the focal points in the same transaction."""
    async with write_transaction():
        row = await expectation_answers.review_answer(
            caller, org_id, cycle, expectation_id, decision, question
        )
        await queue_expectation_decision(settings, org_id, cycle, expectation_id)
    return row


async def queue_expectation_decision(settings: Settings, org_id: int, cycle: str, expectation_id: int) -> int:
    """One email per active focal point of the organization about the secretariat's latest review of
    its answer: confirmed, or questioned with the question (addressed to the organization, so it may
    go in the email). The organization's own note is never in it. Returns how many were new."""
    rows = await fetch(
        "SELECT a.id, a.review, a.review_note, a.reviewed_at, e.text AS expectation_text, "
        "o.name AS org_name, o.acronym FROM expectation_answer a JOIN cycle y ON y.id = a.cycle "
        "JOIN donor_expectation e ON e.id = a.expectation JOIN organization o ON o.id = a.organization "
        "WHERE a.organization = {} AND y.name = {} AND a.expectation = {} "
        "AND a.review IN ('confirmed', 'questioned')",
        org_id,
        cycle,
        expectation_id,
    )
    if not rows:
        return 0
    row = rows[0]
    rule = EXPECTATION_CONFIRMED if row["review"] == "confirmed" else EXPECTATION_QUESTIONED
    values = {
        "organization_name": row["org_name"],
        "organization_acronym": row["acronym"],
        "cycle_name": cycle,
        "expectation_text": row["expectation_text"],
    }
    if rule == EXPECTATION_QUESTIONED:
        values["question"] = row["review_note"]
    base_url = settings.base_url.rstrip("/")
    link = f"{base_url}/organizations/{org_id}/expectations/{cycle}#expectation-{expectation_id}"
    domain = mail_domain(settings.smtp.sender, base_url)
    context = context_json(values)
    stamp = (
        row["reviewed_at"].isoformat()
        if hasattr(row["reviewed_at"], "isoformat")
        else str(row["reviewed_at"])
    )
    queued = []
    for person in await focal_points(org_id, rule):
        key = f"{rule}|answer:{row['id']}@{stamp}|person:{person['id']}"
        queued.append(told(key, rule, person, org_id, link, context, domain))
    return len(await outbox.queue(queued))


async def focal_points(org_id: int, rule: str) -> list[dict[str, Any]]:
    """The organization's active focal points, by id, without those who turned `rule` off."""
    return [
        person
        for person in await fetch(
            "SELECT p.id, p.email, p.muted_rules FROM role_assignment r JOIN person p ON p.id = r.person "
            "WHERE r.role = 'focal_point' AND r.organization = {} AND p.active ORDER BY p.id",
            org_id,
        )
        if rule not in muted_rules(person["muted_rules"])
    ]
