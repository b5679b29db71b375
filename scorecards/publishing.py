"""Publishing, the one use case that crosses from the records to the scorecards.

The API, the pages and the CLI publish through here: the submission's transition and the frozen
scorecard snapshots for peers and donors are written in one transaction, so a published submission
always has its snapshots and a failed snapshot publishes nothing. The demo loader publishes its
past cycles through here too, as if the secretariat had published them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from models import clock
from models.caller import Caller
from models.demo import DEMO_ORGANIZATIONS, DemoSummary, write_demo
from models.demo_reviews import load_demo_reviews
from models.engine import write_transaction
from models.errors import Conflict, Forbidden
from models.services import submissions
from models.services.cycles import cycle_by_name
from models.words import N_
from scorecards.loader import as_date
from scorecards.snapshots import freeze_all_published, freeze_snapshots, preview_payloads


def before_close(cycle: dict[str, Any], today: dt.date) -> bool:
    """Whether the cycle's period is still running today (its last day included)."""
    return today <= as_date(cycle["period_end"])


async def publish(caller: Caller, org_id: int, cycle_name: str, early: bool = False) -> dict[str, Any]:
    """Publish an approved submission (secretariat only) with its frozen scorecards.

    Before the cycle's period has ended the secretariat must say `early`: the snapshots then say
    "published before the cycle closed" for good (docs/design.md "Cycles, submissions and publishing").
    """
    today = clock.today()
    async with write_transaction():
        result = await submissions.mark_published(caller, org_id, cycle_name)
        cycle = await cycle_by_name(cycle_name)
        if before_close(cycle, today) and not early:
            raise Conflict(
                N_(
                    "the %(cycle)s period runs until %(end)s; to publish before it closes, confirm "
                    "that you publish early"
                ),
                field="publish_early",
                cycle=cycle_name,
                end=as_date(cycle["period_end"]).isoformat(),
            )
        await freeze_snapshots(org_id, cycle_name, today)
        return result


async def publication_preview(caller: Caller, org_id: int, cycle_name: str) -> dict[str, Any]:
    """What peers and donors would read if the secretariat published now (nothing is written)."""
    if not caller.is_secretariat:
        raise Forbidden(N_("only the secretariat publishes a submission"))
    submission = await submissions.get_submission(caller, org_id, cycle_name)
    cycle = await cycle_by_name(cycle_name)
    today = clock.today()
    return {
        "submission": submission,
        "cycle": cycle,
        "early": before_close(cycle, today),
        "payloads": await preview_payloads(org_id, cycle_name, today),
    }


async def load_demo(
    orgs: int = len(DEMO_ORGANIZATIONS), cycles: int = 3, today: dt.date | None = None
) -> DemoSummary:
    """Load the demo into an empty database; its published cycles carry real frozen scorecards."""
    today = today or clock.today()
    summary = await write_demo(orgs=orgs, cycles=cycles, today=today)
    await freeze_all_published(today)
    await load_demo_reviews(summary.round_reviewers, summary.cycles[:-1], today)
    return summary
