"""PDF briefs: the champion's brief of one organization in one cycle (docs/design.md "PDF briefs").

The audience is resolved exactly as for the scorecard JSON (`caller.audience_for(org_id)`, narrowed
with `?audience=`), so a donor gets a published cycle's donor-visible text or the same 404/403. A
server without WeasyPrint's system libraries answers 503 in the API's error shape.
"""

from __future__ import annotations

from litestar import Controller, Response, get

from api.access import allow
from api.auth import CallerDep
from api.controllers import PathId, PathText
from api.controllers.exports import Language, download_in
from api.controllers.scorecards import Audience
from api.openapi import error_spec
from models.clock import today
from scorecards.brief import PDF_MEDIA_TYPE, brief_pdf, report_pdf
from scorecards.service import resolve_audience

allow(
    {
        "GET /api/organizations/{org_id}/scorecards/{cycle}/brief.pdf": "signed_in",
        "GET /api/scorecards/{cycle}/report.pdf": "signed_in",
    }
)


class BriefController(Controller):
    path = "/api"
    tags = ["scorecards"]

    @get(
        "/organizations/{org_id:int}/scorecards/{cycle:str}/brief.pdf",
        media_type=PDF_MEDIA_TYPE,
        responses={503: error_spec(503)},
    )
    async def brief(
        self,
        caller: CallerDep,
        org_id: PathId,
        cycle: PathText,
        audience: Audience = None,
        lang: Language = None,
    ) -> Response[bytes]:
        """The champion's brief as a PDF of at most two A4 pages: index and rank, the areas with
        counted level, change and peer median, overdue milestones, expectations, flags, next steps."""
        resolved = resolve_audience(caller.audience_for(org_id), audience)
        return await download_in(lang, brief_pdf, org_id, cycle, resolved, today())

    @get("/scorecards/{cycle:str}/report.pdf", media_type=PDF_MEDIA_TYPE, responses={503: error_spec(503)})
    async def report(
        self, caller: CallerDep, cycle: PathText, audience: Audience = None, lang: Language = None
    ) -> Response[bytes]:
        """The cycle report as a PDF: system-wide figures (level 3 or more per area and type, champions,
        timeliness, most improved, expectations met, the median index over cycles), then one page per
        organization; the audience rules of the comparison JSON."""
        resolved = resolve_audience(caller.comparison_audience, audience)
        return await download_in(lang, report_pdf, cycle, resolved, today())
