"""Scorecards over JSON: the comparison of a cycle and one organization's scorecard.

Any signed-in caller may ask; the scorecard services then serve the caller's audience (or a narrower
one asked for with `?audience=`): live and complete for an organization's own people and the
secretariat, published snapshots without internal text for peers and donors.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Response, get
from litestar.params import QueryParameter

from api.access import allow
from api.auth import CallerDep
from api.controllers import PathId, PathText
from models.clock import today
from models.paging import Paging
from scorecards.cards import peer_review_record, scorecard_json, with_peer_review
from scorecards.service import comparison_read, resolve_audience
from scorecards.shapes import ComparisonRead, ScorecardRead

allow(
    {
        "GET /api/scorecards/{cycle}": "signed_in",
        "GET /api/organizations/{org_id}/scorecards/{cycle}": "signed_in",
    }
)

Audience = Annotated[
    str | None,
    QueryParameter(
        description="internal, peer or donor; defaults to the widest audience the caller may read",
        max_length=16,
    ),
]
PeerType = Annotated[
    str | None,
    QueryParameter(
        description="limit the comparison to one organization type (un_agency, ngo, consortium, rcrc, other)",
        max_length=32,
    ),
]


class ScorecardController(Controller):
    path = "/api"
    tags = ["scorecards"]

    @get("/scorecards/{cycle:str}")
    async def comparison(
        self,
        caller: CallerDep,
        cycle: PathText,
        paging: Paging,
        audience: Audience = None,
        peer_type: PeerType = None,
    ) -> ComparisonRead:
        """Organizations x areas: levels, index, rank, quartile, trend, flags; `items`, paged through,
        equal the Summary sheet. Ranks and medians are of the whole peer group on every page."""
        resolved = resolve_audience(caller.comparison_audience, audience)
        return await comparison_read(cycle, resolved, peer_type or None, today(), paging)

    @get("/organizations/{org_id:int}/scorecards/{cycle:str}")
    async def organization(
        self, caller: CallerDep, org_id: PathId, cycle: PathText, audience: Audience = None
    ) -> Response[ScorecardRead]:
        """One organization's scorecard: areas with evidence and flags, position among peers, index over cycles."""
        resolved = resolve_audience(caller.audience_for(org_id), audience)
        card = await scorecard_json(org_id, cycle, resolved, today())
        card = with_peer_review(card, await peer_review_record(org_id, cycle, resolved))
        return Response(card, media_type=MediaType.JSON)
