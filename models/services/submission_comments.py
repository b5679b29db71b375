"""The conversation on a submission: champion, focal points and secretariat exchange comments on
the cycle's report (docs/design.md "Cycles, submissions and publishing").

Each comment keeps its author and time, is internal to the organization (peers and donors never
read it: it is stored `internal` whatever is asked), and is append-only: there is no edit and no
delete, and every comment is written with its audit row in one transaction.
"""

from __future__ import annotations

from typing import Any

from models import audit
from models.caller import Caller
from models.engine import write_transaction
from models.errors import Forbidden, UserError
from models.services.common import organization_row, text_block
from models.services.cycles import cycle_by_name
from models.services.submissions import (
    _current,
    comment_kind,
    comments_for,
)
from models.tables import Comment, Submission
from models.words import N_

MAX_COMMENT = 10_000


def may_converse(caller: Caller, org_id: int) -> bool:
    """The organization's champion and focal points, and the secretariat."""
    return (
        caller.is_secretariat or caller.has_role("champion", org_id) or caller.has_role("focal_point", org_id)
    )


async def add_submission_comment(caller: Caller, org_id: int, cycle_name: str, body: str) -> dict[str, Any]:
    """Append an internal comment to the submission of `cycle_name` (created as a draft if none)."""
    if not may_converse(caller, org_id):
        raise Forbidden(
            N_(
                "only this organization's champion and focal points, and the secretariat, comment on its report"
            )
        )
    body = text_block(body, "body", MAX_COMMENT)
    if not body:
        raise UserError(N_("write a comment before sending it"), field="body")
    async with write_transaction():
        await organization_row(org_id)
        cycle = await cycle_by_name(cycle_name)
        row = await _current(org_id, cycle)
        if row is None:
            await Submission(organization=org_id, cycle=cycle["id"], status="draft").save()
            row = await _current(org_id, cycle)
        assert row is not None
        comment = Comment(
            organization=org_id,
            cycle=cycle["id"],
            submission=row["id"],
            author=caller.person_id,
            kind=comment_kind(caller, org_id),
            body=body,
            visibility="internal",
        )
        await comment.save()
        await audit.record(
            caller,
            "create",
            "comment",
            comment.id,
            None,
            {"submission": row["id"], "body": body, "visibility": "internal"},
        )
    return {**row, "comments": await comments_for(int(row["id"]), "internal")}
