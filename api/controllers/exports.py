"""Comparison downloads: the workbook (xlsx) and the Summary table (CSV) of one cycle.

The access table lets any signed-in caller in; the export service then decides which audiences the
caller may ask for (a donor only `donor`, an organization's staff `peer` or `donor`, the secretariat
any) and filters every cell for it. The file is built in a worker thread, so a large workbook does not
hold up other requests.
"""

from __future__ import annotations

from litestar import Controller, Response, get

from api.access import allow
from api.auth import CallerDep
from api.controllers import PathText
from api.controllers.scorecards import Audience, PeerType
from scorecards.exports import ExportFile, comparison_file

allow(
    {
        "GET /api/exports/{cycle}/comparison.xlsx": "signed_in",
        "GET /api/exports/{cycle}/comparison.csv": "signed_in",
    }
)


def download(file: ExportFile) -> Response[bytes]:
    """An attachment that no cache keeps and no browser sniffs into something else."""
    return Response(
        content=file.content,
        media_type=file.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class ExportController(Controller):
    path = "/api/exports"
    tags = ["exports"]

    @get(
        "/{cycle:str}/comparison.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    async def comparison_xlsx(
        self,
        caller: CallerDep,
        cycle: PathText,
        audience: Audience = None,
        peer_type: PeerType = None,
    ) -> Response[bytes]:
        """The comparison workbook: Read me, Summary, Trend, Commitments, Milestones, Donor expectations."""
        return download(await comparison_file(caller, cycle, audience, peer_type, "xlsx"))

    @get("/{cycle:str}/comparison.csv", media_type="text/csv")
    async def comparison_csv(
        self,
        caller: CallerDep,
        cycle: PathText,
        audience: Audience = None,
        peer_type: PeerType = None,
    ) -> Response[bytes]:
        """The Summary table as CSV (UTF-8 with a byte-order mark, so Excel reads the accents)."""
        return download(await comparison_file(caller, cycle, audience, peer_type, "csv"))
