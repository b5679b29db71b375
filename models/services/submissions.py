"""Submissions and their sign-off: draft -> submitted -> approved -> published, or
submitted -> returned -> draft with the champion's comments (docs/design.md "Cycles, submissions and publishing").

Who may move a submission is fixed: a focal point of the organization submits, the organization's
champion approves or returns, the secretariat publishes. Any other actor gets 403 and any other
transition 409, each saying why. An approved submission is locked: a later change to the
organization's commitments, milestones or updates reopens it to draft (`reopen_approved`), so it
needs approval again. Each transition is one write_transaction with its audit row.
"""

from __future__ import annotations

from typing import Any

from models import audit
from models.caller import Caller
from models.clock import utcnow
from models.engine import fetch, fetch_page, write_transaction
from models.errors import Conflict, Forbidden, NotFound, UserError
from models.paging import EVERYTHING, Page, Paging
from models.services.common import may_read, organization_row, read_audience, text_block
from models.services.cycles import cycle_by_name
from models.tables import Comment, Submission
from models.versions import fetch_versioned, versioned_reader
from models.vocabulary import NOT_SUBMITTED_STATUSES
from models.words import N_

SELECT = (
    "SELECT s.id AS id, s.organization AS organization_id, c.name AS cycle, s.status AS status, "
    "s.submitted_by AS submitted_by, s.submitted_at AS submitted_at, s.approved_by AS approved_by, "
    "s.approved_at AS approved_at, s.returned_by AS returned_by, s.returned_at AS returned_at, "
    "s.published_by AS published_by, s.published_at AS published_at, s.version AS version, "
    "s.cover_note AS cover_note "
    "FROM submission s JOIN cycle c ON c.id = s.cycle "
)
# Where each transition may start, and where it leads.
TRANSITIONS = {
    "submit": (NOT_SUBMITTED_STATUSES, "submitted"),
    "approve": (("submitted",), "approved"),
    "return": (("submitted",), "returned"),
    "publish": (("approved",), "published"),
}


async def _current(org_id: int, cycle: dict[str, Any]) -> dict[str, Any] | None:
    rows = await fetch_versioned(
        org_id, SELECT + "WHERE s.organization = {} AND s.cycle = {}", org_id, cycle["id"]
    )
    return rows[0] if rows else None


def _draft(org_id: int, cycle_name: str) -> dict[str, Any]:
    """What an organization has before anything was submitted: a draft not yet stored."""
    empty = dict.fromkeys(
        (
            "id",
            "submitted_by",
            "submitted_at",
            "approved_by",
            "approved_at",
            "returned_by",
            "returned_at",
            "published_by",
            "published_at",
        )
    )
    return {
        **empty,
        "organization_id": org_id,
        "cycle": cycle_name,
        "status": "draft",
        "version": 0,
        "cover_note": "",
    }


async def comments_for(
    submission_id: int | None, audience: str, org_id: int | None = None
) -> list[dict[str, Any]]:
    """The submission's comments the audience may read (kept while the view of `org_id`, the
    submission's organization, holds its versions)."""
    if submission_id is None:
        return []
    rows = await (versioned_reader(org_id) if org_id is not None else fetch)(
        "SELECT m.id AS id, m.kind AS kind, m.body AS body, m.visibility AS visibility, "
        "m.author AS author_id, p.name AS author_name, m.created_at AS created_at "
        "FROM comment m LEFT JOIN person p ON p.id = m.author WHERE m.submission = {} ORDER BY m.id",
        submission_id,
    )
    return [row for row in rows if may_read(row["visibility"], audience)]


async def get_submission(caller: Caller, org_id: int, cycle_name: str) -> dict[str, Any]:
    """The submission with the comments the caller may read (the organization's own people and the
    secretariat only: a submission is internal until its scorecard is published)."""
    audience = read_audience(caller, org_id)
    if audience != "internal":
        raise NotFound(
            N_("no submission of organization %(org_id)s for %(cycle_name)s"),
            org_id=org_id,
            cycle_name=cycle_name,
        )
    await organization_row(org_id)
    cycle = await cycle_by_name(cycle_name)
    row = await _current(org_id, cycle) or _draft(org_id, cycle_name)
    return {**row, "comments": await comments_for(row["id"], audience, org_id)}


def _refuse_actor(caller: Caller, action: str, org_id: int) -> None:
    if action == "submit" and not caller.has_role("focal_point", org_id):
        raise Forbidden(N_("only a focal point of this organization submits its report"))
    if action in ("approve", "return") and not caller.has_role("champion", org_id):
        raise Forbidden(
            N_("only the champion of this organization may %(action)s its submission"), action=action
        )
    if action == "publish" and not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat publishes a submission"))


async def _transition(
    caller: Caller,
    org_id: int,
    cycle_name: str,
    action: str,
    comment: str | None = None,
    cover_note: str | None = None,
) -> dict[str, Any]:
    """Move the submission by `action`; call inside a write_transaction."""
    _refuse_actor(caller, action, org_id)
    await organization_row(org_id)
    cycle = await cycle_by_name(cycle_name)
    sources, target = TRANSITIONS[action]
    row = await _current(org_id, cycle)
    status = row["status"] if row else "draft"
    if status not in sources:
        raise Conflict(
            N_("the submission for %(cycle_name)s is %(status)s; %(action)s needs it to be %(sources)s"),
            field="status",
            cycle_name=cycle_name,
            status=status,
            action=action,
            sources=" or ".join(sources),
        )
    now = utcnow()
    actor_column = {
        "submit": "submitted",
        "approve": "approved",
        "return": "returned",
        "publish": "published",
    }
    stamp: dict[str, Any] = {
        f"{actor_column[action]}_by": caller.person_id,
        f"{actor_column[action]}_at": now,
    }
    if cover_note is not None:
        stamp["cover_note"] = cover_note
    if row is None:
        submission = Submission(
            organization=org_id,
            cycle=cycle["id"],
            status=target,
            **{key: value for key, value in stamp.items()},
        )
        await submission.save()
        submission_id = submission.id
    else:
        submission_id = int(row["id"])
        changes = {getattr(Submission, key): value for key, value in stamp.items()}
        updated = (
            await Submission.update(
                {Submission.status: target, Submission.version: int(row["version"]) + 1, **changes}
            )
            .where((Submission.id == submission_id) & (Submission.status == status))
            .returning(Submission.id)
        )
        if not updated:
            raise Conflict(
                N_("the submission changed at the same moment; reload it and try again"), field="status"
            )
    if comment is not None:
        await Comment(
            organization=org_id,
            cycle=cycle["id"],
            submission=submission_id,
            author=caller.person_id,
            kind=comment_kind(caller, org_id),
            body=comment,
            visibility="internal",
        ).save()
    after = await _current(org_id, cycle)
    await audit.record(
        caller,
        action,
        "submission",
        submission_id,
        {"status": status},
        {**(after or {}), **({"comment": comment} if comment is not None else {})},
    )
    return {**(after or {}), "comments": await comments_for(submission_id, "internal")}


def comment_kind(caller: Caller, org_id: int) -> str:
    """Who speaks in a submission's conversation: the champion, a focal point or the secretariat."""
    if caller.has_role("champion", org_id):
        return "champion"
    if caller.has_role("focal_point", org_id):
        return "focal_point"
    return "secretariat"


async def submit(
    caller: Caller, org_id: int, cycle_name: str, cover_note: str | None = None
) -> dict[str, Any]:
    """Submit to the champion, with the focal point's cover note (kept as it was when None)."""
    if cover_note is not None:
        cover_note = text_block(cover_note, "cover_note", 10_000)
    async with write_transaction():
        return await _transition(caller, org_id, cycle_name, "submit", cover_note=cover_note)


async def approve(caller: Caller, org_id: int, cycle_name: str, comment: str | None = None) -> dict[str, Any]:
    """Approve; the champion may say something with it (an empty comment is no comment)."""
    comment = text_block(comment, "comment", 10_000) if comment else None
    async with write_transaction():
        return await _transition(caller, org_id, cycle_name, "approve", comment or None)


async def return_submission(caller: Caller, org_id: int, cycle_name: str, comment: str) -> dict[str, Any]:
    comment = text_block(comment, "comment", 10_000)
    if not comment:
        raise UserError(N_("say what needs to change: the comment must not be empty"), field="comment")
    async with write_transaction():
        return await _transition(caller, org_id, cycle_name, "return", comment)


async def mark_published(caller: Caller, org_id: int, cycle_name: str) -> dict[str, Any]:
    """The publish transition (secretariat only), inside the caller's write transaction.

    Publishing is `scorecards.publishing.publish`, which freezes the scorecard snapshots in the
    same transaction: a submission is never published without them.
    """
    return await _transition(caller, org_id, cycle_name, "publish")


async def reopen_approved(caller: Caller, org_id: int, reason: str) -> None:
    """After a change to an organization's records, its approved (or returned) submissions go back
    to draft; call inside the write's own transaction."""
    rows = await fetch(
        "SELECT id, status, version FROM submission WHERE organization = {} AND status IN ('approved', 'returned')",
        org_id,
    )
    for row in rows:
        await Submission.update(
            {Submission.status: "draft", Submission.version: int(row["version"]) + 1}
        ).where(Submission.id == row["id"])
        await audit.record(
            caller,
            "reopen",
            "submission",
            row["id"],
            {"status": row["status"]},
            {"status": "draft", "reason": reason},
        )


async def champion_queue(caller: Caller, paging: Paging = EVERYTHING) -> Page[dict[str, Any]]:
    """Submissions waiting for this champion's sign-off (the secretariat sees every one waiting)."""
    org_ids = sorted(caller.org_ids("champion"))
    if caller.is_secretariat:
        where, args = "", []
    elif org_ids:
        where = f"AND s.organization IN ({', '.join('{}' for _ in org_ids)}) "
        args = list(org_ids)
    else:
        return Page.empty(paging)
    return await fetch_page(
        SELECT.replace("SELECT ", "SELECT o.acronym AS acronym, ", 1)
        + "JOIN organization o ON o.id = s.organization "
        + f"WHERE s.status = 'submitted' {where}",
        "s.submitted_at, s.id",
        *args,
        paging=paging,
    )
