"""Published cycles: where donors (and everyone signed in) find the comparison and the downloads.

Only cycles with published scorecards are listed, counted at the caller's comparison audience from
the frozen snapshots, so a donor never learns of a cycle still in progress.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from api.pages.errors import PageController
from api.pages.render import render
from models.caller import Caller
from models.errors import Forbidden
from models.services import cycles as cycle_service
from models.words import N_


async def published_cycles(audience: str) -> list[dict[str, Any]]:
    """Cycles with at least one published scorecard, newest first, with how many organizations."""
    from scorecards.service import published_cycle_scores, published_early

    snapshot_audience = "peer" if audience == "internal" else audience
    found = []
    for cycle in reversed((await cycle_service.list_cycles()).items):
        scores = await published_cycle_scores(cycle["name"], snapshot_audience)
        if scores.payloads:
            found.append(
                {**cycle, "organizations": len(scores.payloads), "published_early": published_early(scores)}
            )
    return found


class PublishedPage(PageController):
    @get("/published")
    async def published(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        audience = caller.comparison_audience
        if audience is None:
            raise Forbidden(N_("published scorecards are for members, donors and the secretariat"))
        return render(
            request,
            caller,
            "published.html.jinja",
            cycles=await published_cycles(audience),
            audience=audience,
        )
