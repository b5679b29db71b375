"""The donor dashboard (/donors): expectations x organizations of a published cycle, how many
organizations meet each expectation and how that changed since the last cycle, by peer type.

The same matrix as `GET /api/donor-expectations/{cycle}/matrix`, at the reader's audience."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from api.pages.errors import PageController
from api.pages.render import render
from models.caller import Caller
from models.vocabulary import EXPECTATION_ANSWER_LABELS, ORG_TYPES
from models.words import N_
from scorecards.donor_matrix import expectation_matrix, published_cycle_names
from scorecards.service import publication_note, resolve_audience

DONOR_PAGE_ACCESS = {"GET /donors": "signed_in"}
STATE_LABELS = {
    **EXPECTATION_ANSWER_LABELS,
    "unconfirmed": N_("Awaiting confirmation"),
    "not_answered": N_("Not answered"),
}


class DonorDashboardPage(PageController):
    @get("/donors")
    async def dashboard(
        self, request: Request[Any, Any, Any], caller: Caller, cycle: str = "", peer_type: str = ""
    ) -> Template:
        audience = resolve_audience(caller.comparison_audience, None)
        cycles = await published_cycle_names()
        chosen = cycle if cycle in cycles else (cycles[0] if cycles else None)
        kind = peer_type if peer_type in ORG_TYPES else None
        matrix = await expectation_matrix(chosen, audience, kind) if chosen else None
        return render(
            request,
            caller,
            "donors.html.jinja",
            cycles=cycles,
            cycle=chosen,
            peer_type=kind or "",
            org_types=ORG_TYPES,
            matrix=matrix,
            publication_note=await publication_note(chosen, audience) if chosen else None,
            state_labels=STATE_LABELS,
        )
