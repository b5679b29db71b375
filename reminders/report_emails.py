"""The report's sign-off, told to the people who act next (docs/design.md "Workflow emails").

Each transition of a submission queues its email in the transition's own write transaction, so a
report is submitted, returned, approved or published if and only if its email is in the outbox:

| event | to |
|---|---|
| `report_submitted` | the organization's champions (the 7-day `awaiting_signoff` rule follows up) |
| `report_returned` | its focal points, with the champion's comment (internal to the organization) |
| `report_approved` | its focal points |
| `report_published` | its focal points and champions, with the scorecard's link |

The key names the submission and the moment of the transition, so each transition is one email
per person, and a report submitted again after a return gives a fresh one. The API and the pages
call these functions instead of the bare service ones (for publishing, `announced` around
`scorecards.publishing.publish`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from models.caller import Caller
from models.engine import fetch, write_transaction
from models.services import submissions
from models.settings import Settings
from reminders import outbox
from reminders.emails import context_json, mail_domain
from reminders.rules import muted_rules
from reminders.workflow import told

REPORT_SUBMITTED = "report_submitted"
REPORT_RETURNED = "report_returned"
REPORT_APPROVED = "report_approved"
REPORT_PUBLISHED = "report_published"
REPORT_RULES = (REPORT_SUBMITTED, REPORT_RETURNED, REPORT_APPROVED, REPORT_PUBLISHED)

# event -> (the submission's timestamp column, the roles told)
EVENTS = {
    REPORT_SUBMITTED: ("submitted_at", ("champion",)),
    REPORT_RETURNED: ("returned_at", ("focal_point",)),
    REPORT_APPROVED: ("approved_at", ("focal_point",)),
    REPORT_PUBLISHED: ("published_at", ("focal_point", "champion")),
}


async def people_with_roles(org_id: int, roles: tuple[str, ...], rule: str) -> list[dict[str, Any]]:
    """Active people holding one of `roles` on the organization, each once, by id, without those who
    turned `rule` off; a champion is told whatever they chose (docs/design.md "Accounts and unsubscribing")."""
    marks = ", ".join("{}" for _ in roles)
    rows = await fetch(
        "SELECT p.id AS id, p.email AS email, p.muted_rules AS muted_rules, r.role AS role "
        "FROM role_assignment r JOIN person p ON p.id = r.person "
        f"WHERE r.role IN ({marks}) AND r.organization = {{}} AND p.active ORDER BY p.id",
        *roles,
        org_id,
    )
    champions = {row["id"] for row in rows if row["role"] == "champion"}
    told: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["id"] in champions or rule not in muted_rules(row["muted_rules"]):
            told.setdefault(row["id"], {"id": row["id"], "email": row["email"]})
    return list(told.values())


async def queue_report_event(settings: Settings, submission: dict[str, Any], event: str) -> int:
    """Queue the emails of one transition (call inside its transaction); returns how many were new."""
    stamp_column, roles = EVENTS[event]
    org_id, cycle_name = int(submission["organization_id"]), str(submission["cycle"])
    (org,) = await fetch("SELECT id, name, acronym FROM organization WHERE id = {}", org_id)
    actor_id = submission.get(stamp_column.replace("_at", "_by"))
    actor = await fetch("SELECT name FROM person WHERE id = {}", actor_id) if actor_id else []
    values: dict[str, Any] = {
        "organization_name": org["name"],
        "organization_acronym": org["acronym"],
        "cycle_name": cycle_name,
        "actor_name": actor[0]["name"] if actor else "",
    }
    base_url = settings.base_url.rstrip("/")
    link = f"{base_url}/organizations/{org_id}/submissions/{cycle_name}"
    if event == REPORT_RETURNED:
        # The champion's comment is internal to the organization: it goes to its focal points only.
        comments = [c for c in submission.get("comments", []) if c["author_id"] == submission["returned_by"]]
        values["comment"] = comments[-1]["body"] if comments else ""
    if event == REPORT_PUBLISHED:
        link = f"{base_url}/organizations/{org_id}/scorecards/{cycle_name}"
    stamp = submission[stamp_column]
    stamp = stamp.isoformat() if hasattr(stamp, "isoformat") else str(stamp)
    domain = mail_domain(settings.smtp.sender, base_url)
    context = context_json(values)
    rows = []
    for person in await people_with_roles(org_id, roles, event):
        key = f"{event}|submission:{submission['id']}@{stamp}|{event}|person:{person['id']}"
        rows.append(told(key, event, person, org_id, link, context, domain))
    return len(await outbox.queue(rows))


async def announced(
    settings: Settings, event: str, transition: Callable[[], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """Run a transition and queue its email in one transaction. Publishing is the scorecards' use
    case (`scorecards.publishing`), a neighbour this floor does not import: the API passes it in."""
    async with write_transaction():
        row = await transition()
        await queue_report_event(settings, row, event)
    return row


async def return_submission(
    settings: Settings, caller: Caller, org_id: int, cycle: str, comment: str
) -> dict[str, Any]:
    return await announced(
        settings, REPORT_RETURNED, lambda: submissions.return_submission(caller, org_id, cycle, comment)
    )
