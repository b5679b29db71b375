"""Workflow emails that go at once, through the same outbox as reminders (deterministic keys,
exactly once, retries): today, a rejected piece of assessment evidence, told to the organization's
focal points with the secretariat's reason (docs/design.md "Maturity levels and the evidence rules").

Only what the recipients may read: the focal points are the organization's own people, so the
area, the cycle, the link's title and the reason (written for them) may go in the email.
"""

from __future__ import annotations

from models.engine import fetch
from models.settings import Settings
from reminders import outbox
from reminders.emails import context_json, mail_domain, message_id_for

EVIDENCE_REJECTED = "evidence_rejected"


async def queue_evidence_rejected(settings: Settings, evidence_id: int) -> int:
    """Queue one email per active focal point of the organization; returns how many were new."""
    rows = await fetch(
        "SELECT e.id, e.url, e.title, e.rejection_reason, e.rejected_at, ar.key AS area_key, "
        "ar.name AS area_name, y.name AS cycle_name, o.id AS organization_id, o.acronym, o.name AS org_name "
        "FROM assessment_evidence e JOIN assessment a ON a.id = e.assessment JOIN area ar ON ar.id = a.area "
        "JOIN cycle y ON y.id = a.cycle JOIN organization o ON o.id = a.organization "
        "WHERE e.id = {} AND e.rejected_at IS NOT NULL",
        evidence_id,
    )
    if not rows:
        return 0
    row = rows[0]
    people = await fetch(
        "SELECT p.id, p.email FROM role_assignment r JOIN person p ON p.id = r.person "
        "WHERE r.role = 'focal_point' AND r.organization = {} AND p.active ORDER BY p.id",
        row["organization_id"],
    )
    context = context_json(
        {
            "organization_name": row["org_name"],
            "organization_acronym": row["acronym"],
            "area_name": row["area_name"],
            "cycle_name": row["cycle_name"],
            "evidence_title": row["title"] or row["url"],
            "reason": row["rejection_reason"],
        }
    )
    link = f"{settings.base_url}/organizations/{row['organization_id']}/submissions/{row['cycle_name']}"
    link += f"#assessment-{row['area_key']}"
    domain = mail_domain(settings.smtp.sender, settings.base_url)
    stamp = str(row["rejected_at"])
    queued = []
    for person in people:
        key = f"{EVIDENCE_REJECTED}:{evidence_id}:{stamp}:{person['id']}"
        queued.append(
            outbox.OutboxRow(
                dedupe_key=key,
                rule=EVIDENCE_REJECTED,
                recipient_id=int(person["id"]),
                recipient_email=person["email"],
                organization_id=int(row["organization_id"]),
                link=link,
                context=context,
                message_id=message_id_for(key, domain),
            )
        )
    return len(await outbox.queue(queued))
