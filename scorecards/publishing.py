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
from models.services import submissions
from scorecards.snapshots import freeze_all_published, freeze_snapshots


async def publish(caller: Caller, org_id: int, cycle_name: str) -> dict[str, Any]:
    """Publish an approved submission (secretariat only) with its frozen scorecards."""
    async with write_transaction():
        result = await submissions.mark_published(caller, org_id, cycle_name)
        await freeze_snapshots(org_id, cycle_name)
        return result


async def load_demo(
    orgs: int = len(DEMO_ORGANIZATIONS), cycles: int = 3, today: dt.date | None = None
) -> DemoSummary:
    """Load the demo into an empty database; its published cycles carry real frozen scorecards."""
    today = today or clock.today()
    summary = await write_demo(orgs=orgs, cycles=cycles, today=today)
    await freeze_all_published(today)
    await load_demo_reviews(summary.round_reviewers, summary.cycles[:-1], today)
    return summary
