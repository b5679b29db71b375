"""Scorecard pages: an organization's scorecard, the comparison of a cycle, and how scores are computed.

They read the same Structs as the JSON API (`scorecards.cards.scorecard_read`,
`scorecards.service.comparison_read`) at the same audience, so a page and its JSON always show the
same numbers; the charts are inline SVG drawn by `scorecards.svg`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Template

from api.access import allow
from api.pages.errors import PageController
from api.pages.render import render
from models.caller import Caller
from models.clock import today
from models.errors import UserError
from models.paging import Paging
from models.services import areas as area_service
from models.timeline import STALE_DAYS
from models.vocabulary import ASSESSMENT_LABELS as ASSESSMENT_WORDS
from models.vocabulary import AUDIENCES, ORG_TYPE_LABELS
from models.words import N_, gettext, translated
from scorecards.brief import scorecard_context
from scorecards.cards import peer_review_record, scorecard_read
from scorecards.engine import AREA_FLAG_LABELS, FLAG_LABELS
from scorecards.service import area_weights, comparison_read, resolve_audience
from scorecards.svg import HeatRow, heat_map, index_history_chart
from scorecards.wording import AUDIENCE_NOTES, CHANGE_WORDS, level_scale

allow(
    {
        "GET /organizations/{org_id}/scorecards/{cycle}": "signed_in",
        "GET /scorecards/{cycle}": "signed_in",
        "GET /method": "anyone",
    }
)

ROWS_PER_PAGE = 100


def page_number(page: str) -> int:
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        raise UserError(N_("page must be a whole number from 1"), field="page")
    return int(page)


def narrower_audiences(widest: str | None) -> list[str]:
    return [] if widest is None else list(AUDIENCES[AUDIENCES.index(widest) :])


class ScorecardPages(PageController):
    @get("/organizations/{org_id:int}/scorecards/{cycle:str}")
    async def organization(
        self, request: Request[Any, Any, Any], caller: Caller, org_id: int, cycle: str, audience: str = ""
    ) -> Template:
        widest = caller.audience_for(org_id)
        resolved = resolve_audience(widest, audience)
        card = await scorecard_read(org_id, cycle, resolved, today())
        peer_review = await peer_review_record(org_id, cycle, resolved)
        comments: dict[str | None, list[Any]] = {}
        for comment in card.comments:
            comments.setdefault(comment.area, []).append(comment)
        return render(
            request,
            caller,
            "scorecards/organization.html.jinja",
            **scorecard_context(card, resolved),
            audiences=narrower_audiences(widest),
            comments=comments,
            peer_review=peer_review,
            assessment_words=translated(ASSESSMENT_WORDS),
            history_chart=index_history_chart("index-history", [(p.cycle, p.index) for p in card.history]),
        )

    @get("/scorecards/{cycle:str}")
    async def comparison(
        self,
        request: Request[Any, Any, Any],
        caller: Caller,
        cycle: str,
        peer_type: str = "",
        audience: str = "",
        page: str = "1",
    ) -> Template:
        widest = caller.comparison_audience
        resolved = resolve_audience(widest, audience)
        number = page_number(page)
        paging = Paging.page_number(number, ROWS_PER_PAGE)
        result = await comparison_read(cycle, resolved, peer_type or None, today(), paging)
        pages = max(1, -(-result.total // ROWS_PER_PAGE))
        rows = result.items
        keys = [area.key for area in result.areas]
        heat_rows = [
            HeatRow(
                label=row.acronym,
                levels=tuple(getattr(row, f"{key}_level") for key in keys),
                index=row.index,
            )
            for row in rows
        ]
        chosen = {name: value for name, value in (("peer_type", peer_type), ("audience", audience)) if value}
        query = urlencode(chosen) + "&" if chosen else ""
        return render(
            request,
            caller,
            "scorecards/comparison.html.jinja",
            result=result,
            rows=rows,
            page=number,
            pages=pages,
            page_base=f"/scorecards/{result.cycle.name}?{query}",
            peer_type=peer_type,
            audience=resolved,
            audiences=narrower_audiences(widest),
            audience_note=gettext(AUDIENCE_NOTES[resolved]),
            org_types=translated(ORG_TYPE_LABELS),
            flag_labels=translated(FLAG_LABELS),
            change_words=translated(CHANGE_WORDS),
            heat=heat_map("heat-map", [area.name for area in result.areas], heat_rows),
            first_row=(number - 1) * ROWS_PER_PAGE + 1,
        )

    @get("/method")
    async def method(self, request: Request[Any, Any, Any], caller: Caller) -> Template:
        return render(
            request,
            caller,
            "method.html.jinja",
            areas=await area_weights(),
            rubric_areas=(await area_service.list_areas()).items,
            scale=level_scale(),
            flag_labels=translated(FLAG_LABELS),
            area_flag_labels=translated(AREA_FLAG_LABELS),
            stale_days=STALE_DAYS,
        )
